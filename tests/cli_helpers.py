"""Helpers shared by the CLI tests (tests/test_cli_*.py).

Plain functions rather than fixtures, so that each test module declares its
own small autouse fixture and no fixture leaks into the core unit tests.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pmledger import i18n
from pmledger.cli import app

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "acme"
AS_OF = "2026-11-20"  # a Friday; the as-of date of the bundled example ledger
ID_LINE = re.compile(r"^REQ-[0-9A-HJKMNP-TV-Z]{5}$")

_UNSET = (
    "PMLEDGER_DIR",
    "PMLEDGER_NO_CACHE",
    "VISUAL",
    "EDITOR",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
    "TERM",
)


def isolate_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Isolate the environment of one test and move into a scratch folder; returns it."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    for name in _UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PMLEDGER_USER", "Test User")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # English whatever the developer's locale; tests of the language choice
    # pass their own environment. reset(): no language leaks between tests.
    monkeypatch.setenv("PMLEDGER_LANG", "en")
    i18n.reset()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(
    args: Sequence[str],
    *,
    input: str | None = None,
    env: dict[str, str | None] | None = None,
) -> Result:
    """Run the CLI in-process; stdout and stderr are kept apart (result.stdout / .stderr)."""
    return CliRunner().invoke(app, list(args), input=input, env=env)


def ok(args: Sequence[str], **kwargs: Any) -> Result:
    """Run the CLI and insist on exit code 0."""
    result = invoke(args, **kwargs)
    assert result.exit_code == 0, (
        f"{args} exited {result.exit_code}\nstdout: {result.stdout}\n"
        f"stderr: {result.stderr}\nexception: {result.exception!r}"
    )
    return result


def assert_clean_error(result: Result, code: int) -> None:
    """A failed command: the expected exit code, a message, and never a traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.output
    assert result.stderr.strip(), "an error must say something on stderr"
    # typer.Exit / usage errors are SystemExit; anything else escaped the error table.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


def make_ledger(tmp_path: Path, name: str = "ledger", *, prefix: str | None = None) -> Path:
    """``pmledger init`` a ledger under tmp_path and move into it."""
    root = tmp_path / name
    args = ["init", str(root)] + (["--prefix", prefix] if prefix else [])
    ok(args)
    os.chdir(root)
    return root


def copy_example(tmp_path: Path) -> Path:
    """A private copy of the bundled example ledger; the cwd moves into it."""
    root = tmp_path / "acme"
    shutil.copytree(EXAMPLE, root)
    os.chdir(root)
    return root


def add(title: str, *options: str) -> str:
    """Add a requirement through the CLI and return its new ID."""
    result = ok(["add", title, "--no-input", *options])
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def req_path(root: Path, req_id: str) -> Path:
    return root / "requirements" / f"{req_id}.toml"


def read_req(root: Path, req_id: str) -> dict[str, Any]:
    """A requirement file as plain TOML data."""
    return tomllib.loads(req_path(root, req_id).read_text(encoding="utf-8"))


def req_files(root: Path) -> list[Path]:
    return sorted((root / "requirements").glob("*.toml"))


def run_module(
    args: Sequence[str],
    *,
    cwd: Path,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pmledger`` for real, with the (isolated) current environment."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pmledger", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        timeout=60,
        check=False,
    )


def editor_env(tmp_path: Path, body: str, name: str = "editor.py") -> dict[str, str | None]:
    """EDITOR running a small Python script on the file it is given.

    ``body`` is the script's code; it sees ``path`` (the file, a Path), ``text``
    (its content) and ``call`` (1 on the first run, 2 on the second...), kept
    in a counter file next to the script.
    """
    script = tmp_path / name
    counter = tmp_path / f"{name}.count"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        f"counter = Path({str(counter)!r})\n"
        "call = int(counter.read_text()) + 1 if counter.exists() else 1\n"
        "counter.write_text(str(call))\n"
        "path = Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n" + body + "\n",
        encoding="utf-8",
    )
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    return {"EDITOR": command, "VISUAL": None}


def editor_calls(tmp_path: Path, name: str = "editor.py") -> int:
    counter = tmp_path / f"{name}.count"
    return int(counter.read_text()) if counter.exists() else 0


def spawn_on_a_terminal(args: Sequence[str], *, cwd: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``python -m pmledger`` with stdin on a pseudo-terminal; returns it and the
    terminal's master end (to type into; the caller closes it)."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pmledger", *args],
            cwd=cwd,
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ),
            # A job started in the background by a non-interactive shell (as a
            # CI runner may start this suite) inherits SIGINT ignored, and Python
            # keeps it ignored: give the child Ctrl-C's default.
            preexec_fn=_default_sigint,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    return proc, master


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_module_on_a_terminal(
    args: Sequence[str], *, cwd: Path, answers: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pmledger`` with stdin on a pseudo-terminal, typing ``answers``."""
    proc, master = spawn_on_a_terminal(args, cwd=cwd)
    try:
        os.write(master, answers.encode("utf-8"))
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, out.decode("utf-8"), err.decode("utf-8")
    )
