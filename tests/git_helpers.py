"""Real git repositories in tmp_path for the merge, diff and history tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pmledger.ledger.ledger import Ledger

from .cli_helpers import ok


def git(
    cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run git with a fixed identity; asserts success unless ``check`` is False."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    done = subprocess.run(
        ["git", "-c", "core.quotepath=off", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        check=False,
    )
    if check:
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}{done.stdout}"
    return done


def commit_all(root: Path, message: str, *, author: str = "Test User") -> None:
    git(root, "add", "-A")
    git(
        root,
        "-c",
        f"user.name={author}",
        "commit",
        "-qm",
        message,
        env={"GIT_AUTHOR_NAME": author, "GIT_COMMITTER_NAME": author},
    )


def new_repo(tmp_path: Path, *, driver: bool = True) -> Ledger:
    """A ledger in a fresh repository, made by `pmledger init` (with or without git setup)."""
    root = tmp_path / "repo"
    if driver:
        ok(["init", str(root), "--git"])
    else:
        root.mkdir()
        git(root, "init", "-q")
        ok(["init", str(root), "--no-git"])
        # init sets up the driver in an existing repository: undo it.
        git(root, "config", "--unset-all", "merge.pmledger.driver")
        (root / ".gitattributes").unlink()
    git(root, "config", "user.name", "Test User")
    git(root, "config", "user.email", "test@example.invalid")
    git(root, "checkout", "-qb", "main")
    commit_all(root, "init")
    return Ledger(root)
