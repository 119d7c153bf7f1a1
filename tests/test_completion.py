"""Shell completion, driven the way the shells drive it: Typer's variables, a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pmledger.ledger.ledger import Ledger
from pmledger.ledger.vocabulary import id_titles, vocabulary

from .cli_helpers import add, ok

SCRIPT = Path(sys.executable).with_name("pmledger")
pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="the pmledger script is not installed")


def complete(shell: str, line: str, cwd: Path) -> list[str]:
    """What ``pmledger`` answers to ``shell`` for the command line ``line`` (cursor at the end)."""
    env = dict(os.environ, _PMLEDGER_COMPLETE=f"complete_{shell}")
    if shell == "bash":
        words = line.split(" ")
        env |= {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    else:
        env["_TYPER_COMPLETE_ARGS"] = line
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    done = subprocess.run(
        [str(SCRIPT)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert not done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.fixture
def filled(root: Path) -> dict[str, str]:
    ids = {
        "export": add(
            "客户列表导出 Excel", "--owner", "王芳", "-d", "销售部", "-t", "crm", "-t", "报表"
        ),
        "invoice": add("Invoice [b]bold[/b] fix", "--owner", "Dev Team A", "-d", "Finance"),
        "sync": add("Sync stock", "--owner", "王芳", "-r", "李娜", "-t", "erp"),
    }
    ok(["status", ids["sync"], "in-progress"])
    return ids


def test_commands_and_options(root: Path) -> None:
    assert sorted(complete("bash", "pmledger r", root)) == ["rank", "remove", "report"]
    assert "--force" in complete("bash", "pmledger remove --", root)
    assert "--owner" in complete("bash", "pmledger list --", root)


def test_ids_with_titles_where_the_shell_shows_them(root: Path, filled: dict[str, str]) -> None:
    ids = sorted(filled.values())
    assert complete("bash", "pmledger edit REQ-", root) == ids
    fish = complete("fish", "pmledger remove REQ-", root)
    assert f"{filled['export']}\t客户列表导出 Excel (proposed)" in fish
    # A title is literal text, never rich markup.
    assert f"{filled['invoice']}\tInvoice [b]bold[/b] fix (proposed)" in fish
    assert f"{filled['sync']}\tSync stock (in-progress)" in fish
    zsh = "\n".join(complete("zsh", f"pmledger edit {filled['export'][:6]}", root))
    assert filled["export"] in zsh and "客户列表导出 Excel" in zsh


def test_statuses_priorities_and_ledger_values(root: Path, filled: dict[str, str]) -> None:
    assert complete("bash", "pmledger list --status in", root) == ["in-progress"]
    assert complete("bash", "pmledger list --status proposed,d", root) == [
        "proposed,done",
        "proposed,deferred",
    ]
    # Most used first: 王芳 owns two requirements.
    assert complete("bash", "pmledger list --owner ", root)[:2] == ["王芳", "Dev Team A"]
    assert complete("bash", "pmledger rank -d 销", root) == ["销售部"]
    assert sorted(complete("bash", "pmledger list --tag ", root)) == ["crm", "erp", "报表"]
    assert complete("bash", "pmledger list --requester ", root) == ["李娜"]


def test_priority_completion_lists_the_aliases(root: Path) -> None:
    from pmledger.cli.completion import complete_priority

    found = dict(complete_priority("c"))
    assert list(found) == ["critical"]
    assert "p0" in found["critical"]
    assert complete("bash", "pmledger add Title --priority c", root) == ["critical"]


def test_every_id_argument_and_the_new_status_complete(root: Path, filled: dict[str, str]) -> None:
    sync = filled["sync"]
    for command in ("show", "set", "status", "note"):
        assert complete("bash", f"pmledger {command} {sync[:-1]}", root) == [sync]
    assert complete("bash", f"pmledger status {sync} in", root) == ["in-progress"]


def test_outside_a_ledger_completion_offers_nothing_and_never_fails(tmp_path: Path) -> None:
    assert complete("bash", "pmledger edit REQ-", tmp_path) == []
    assert complete("bash", "pmledger list --status pro", tmp_path) == ["proposed"]


def test_show_completion_prints_a_script(root: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "--show-completion", "bash"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "_PMLEDGER_COMPLETE" in done.stdout


def test_snapshots_follow_every_pmledger_write(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger.discover(root)
    first = add("First", "--owner", "Alice")
    assert [row[0] for row in id_titles(ledger)] == [first]
    assert vocabulary(ledger).values("owner") == ["Alice"]
    # Make the folder look old enough to be cached, then change it through pmledger.
    old = 1_700_000_000
    os.utime(ledger.requirements_dir, (old, old))
    assert id_titles(ledger) == id_titles(ledger)
    second = add("Second", "--owner", "Bob")
    ok(["set", first, "owner=Carol"])
    assert [row[0] for row in id_titles(ledger)] == sorted([first, second])
    assert sorted(vocabulary(ledger).values("owner")) == ["Bob", "Carol"]


def test_values_skip_unreadable_files_and_need_no_cache(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add("Good", "--owner", "Alice", "-t", "crm")
    (root / "requirements" / "REQ-BAD00.toml").write_text("title = \n", encoding="utf-8")
    monkeypatch.setenv("PMLEDGER_NO_CACHE", "1")
    ledger = Ledger.discover(root)
    assert vocabulary(ledger).values("owner") == ["Alice"]
    assert vocabulary(ledger).values("tags") == ["crm"]
    assert [row[1] for row in id_titles(ledger)] == ["Good"]


def test_values_complete_whatever_the_case_and_width(root: Path, filled: dict[str, str]) -> None:
    # Typer drops a candidate not starting with the typed text as typed; these must stay.
    assert complete("bash", "pmledger list --owner dev", root) == ["Dev Team A"]
    assert complete("bash", "pmledger list --owner Ｄｅｖ", root) == ["Dev Team A"]
    assert complete("bash", "pmledger list --tag ＣＲ", root) == ["crm"]
    assert complete("bash", "pmledger list --status proposed,Ｄ", root) == [
        "proposed,done",
        "proposed,deferred",
    ]
    assert complete("bash", "pmledger add Title --priority Ｃ", root) == ["critical"]


def test_ids_complete_whatever_the_case_and_width(root: Path, filled: dict[str, str]) -> None:
    sync = filled["sync"]
    assert complete("bash", f"pmledger show {sync[:-1].lower()}", root) == [sync]
    typed = "".join(chr(ord(c) + 0xFEE0) for c in sync[:-1])  # ＲＥＱ－…
    assert complete("bash", f"pmledger show {typed}", root) == [sync]


@pytest.mark.parametrize(
    ("shell", "marker"), [("zsh", "#compdef pmledger"), ("fish", "complete --command pmledger")]
)
def test_show_completion_for_the_shell_named(root: Path, shell: str, marker: str) -> None:
    # The shell named after the flag wins over the one pmledger runs in (bash
    # here): it used to be ignored, and a bash script went into ~/.zshrc.
    done = subprocess.run(
        [str(SCRIPT), "--show-completion", shell],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SHELL": "/bin/bash"},
    )
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout


def test_install_completion_for_the_shell_named(root: Path, tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    done = subprocess.run(
        [str(SCRIPT), "--install-completion", "fish"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (home / ".config" / "fish" / "completions" / "pmledger.fish").is_file()
    assert not (home / ".bashrc").exists()
