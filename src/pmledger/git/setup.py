"""Registering the merge driver: ``.gitattributes`` in the ledger and the
repository's git configuration (which a clone does not carry over, hence
``pmledger git-setup``).
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from pmledger.git.repo import Repo, run_git
from pmledger.i18n import N_
from pmledger.ledger.records import KINDS
from pmledger.ledger.settings import Settings

DRIVER = "pmledger"
ATTRIBUTES = ".gitattributes"
DRIVER_LABEL = "pmledger field-aware merge of ledger records"


def driver_command(python: str | None = None) -> str:
    """The driver command line git runs: this very pmledger installation.

    The interpreter is named by its path, so the driver works whether or not
    ``pmledger`` is on the PATH of the process running git (IDEs, GUIs).
    """
    exe = shlex.quote(python or sys.executable)
    return f"{exe} -m pmledger.git merge-file --marker-size %L %O %A %B %P"


def attribute_lines(settings: Settings) -> list[str]:
    """The ``.gitattributes`` lines routing every record folder to the driver."""
    folders = sorted({kind.folder(settings).strip("/") for kind in KINDS.values()})
    return [f"{folder}/*.toml merge={DRIVER}" for folder in folders]


def init_repository(folder: Path) -> Repo:
    """``git init`` a folder (its default branch as git is configured)."""
    folder.mkdir(parents=True, exist_ok=True)
    run_git(folder, ["init", "-q"])
    return Repo.find(folder)


def write_attributes(root: Path, settings: Settings) -> bool:
    """Add the driver's lines to the ledger's ``.gitattributes``; True if it changed."""
    path = root / ATTRIBUTES
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in attribute_lines(settings) if line not in present]
    if not missing:
        return False
    from pmledger.ledger.ledger import write_atomic

    if text and not text.endswith("\n"):
        text += "\n"
    if not text:
        text = "# pmledger: merge ledger records field by field (pmledger git-setup)\n"
    write_atomic(path, text + "".join(line + "\n" for line in missing))
    return True


def configure_repo(repo: Repo, *, python: str | None = None) -> bool:
    """Set the driver in the repository's own config; True if it changed."""
    changed = False
    wanted = {
        f"merge.{DRIVER}.name": DRIVER_LABEL,
        f"merge.{DRIVER}.driver": driver_command(python),
    }
    for key, value in wanted.items():
        if repo.config_get(key) != value:
            repo.config_set(key, value)
            changed = True
    return changed


@dataclass(frozen=True)
class SetupResult:
    """What ``git-setup`` changed (nothing when already set up)."""

    repo: Path
    attributes_written: bool
    config_written: bool


def setup(root: Path, settings: Settings, repo: Repo, *, python: str | None = None) -> SetupResult:
    """Register the driver for the ledger at ``root`` (idempotent)."""
    wrote = write_attributes(root, settings)
    configured = configure_repo(repo, python=python)
    return SetupResult(repo.top, wrote, configured)


def driver_problems(
    root: Path, settings: Settings, repo: Repo, *, clone_config: bool = True
) -> list[tuple[str, dict[str, str]]]:
    """Why merges of this ledger would not use the driver (empty: they would).

    Each reason is a sentence marked for translation and its placeholders'
    values (``template.format(**values)``), so that the caller can say it in
    English and in the reader's language. ``clone_config``: also check this
    clone's git configuration (pointless in CI, where nobody merges and every
    clone is fresh).
    """
    problems: list[tuple[str, dict[str, str]]] = []
    key = f"merge.{DRIVER}.driver"
    command = repo.config_get(key) if clone_config else ""
    if command is None:
        problems.append((N_("the repository has no {key} setting"), {"key": key}))
    else:
        exe = shlex.split(command)[0] if command and command.strip() else ""
        if exe and "/" in exe and not Path(exe).exists():
            problems.append(
                (N_("{key} runs {program}, which does not exist"), {"key": key, "program": exe})
            )
    for kind in KINDS.values():
        sample = root / kind.folder(settings) / "X.toml"
        try:
            relative = repo.relative(sample)
        except ValueError:
            continue
        out = repo.git("check-attr", "merge", "--", relative).decode()
        if not out.strip().endswith(f": {DRIVER}"):
            problems.append(
                (
                    N_("{file} does not route {pattern} to the driver"),
                    {"file": ATTRIBUTES, "pattern": f"{kind.folder(settings)}/*.toml"},
                )
            )
    return problems
