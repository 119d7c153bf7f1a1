"""`pmledger remove`, and `show` of a removed requirement."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pmledger.ledger import fileformat
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.removal import removed_in

from .cli_helpers import add, assert_clean_error, invoke, ok, read_req, req_path

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=王芳", "-c", "user.email=w@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def committed(root: Path) -> None:
    """The ledger in git with everything committed: what git keeps, `remove` may delete."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "ledger")


@needs_git
def test_remove_deletes_the_file(root: Path) -> None:
    rid = add("客户列表导出 Excel")
    committed(root)
    result = ok(["remove", rid.lower()])
    assert result.stdout.strip() == f"removed {rid}  客户列表导出 Excel"
    assert not req_path(root, rid).exists()
    assert_clean_error(invoke(["show", rid]), 1)


def test_remove_is_refused_while_open_requirements_depend_on_it(root: Path) -> None:
    base = add("Base")
    first = add("First", "--depends-on", base)
    second = add("Second", "--depends-on", base)
    before = req_path(root, base).read_bytes()
    result = invoke(["remove", base])
    assert_clean_error(result, 1)
    assert first in result.stderr and second in result.stderr
    assert "--force" in result.stderr
    assert req_path(root, base).read_bytes() == before


@needs_git
def test_closed_dependents_do_not_block_but_lose_the_link(root: Path) -> None:
    base = add("Base")
    other = add("Other")
    done = add("Done already", "--depends-on", f"{base},{other}")
    ok(["status", done, "done"])
    committed(root)
    ok(["remove", base])
    assert read_req(root, done)["depends_on"] == [other]


def test_force_removes_the_links_and_writes_dependents_canonically(root: Path) -> None:
    base = add("Base")
    keep = add("Keep")
    dependent = add("Dependent", "--depends-on", base, "--depends-on", keep)
    lonely = add("Lonely", "--depends-on", base)
    result = ok(["remove", base, "--force"])
    assert f"{dependent}: no longer depends on {base}" in result.stderr
    assert f"{lonely}: no longer depends on {base}" in result.stderr
    assert not req_path(root, base).exists()
    assert read_req(root, dependent)["depends_on"] == [keep]
    assert "depends_on" not in read_req(root, lonely)
    for rid in (dependent, lonely):
        path = req_path(root, rid)
        text = path.read_text(encoding="utf-8")
        assert fileformat.dumps(fileformat.loads(text, path)) == text
    # `check`-style invariant: no requirement refers to a missing one any more.
    listed = ok(["list", "--all", "-f", "json"]).stdout
    assert base not in listed


@needs_git
def test_remove_keeps_what_git_could_not_give_back(root: Path) -> None:
    outside = add("Not in git")
    result = invoke(["remove", outside])
    assert_clean_error(result, 1)
    assert "not in git" in result.stderr and "--force" in result.stderr
    assert req_path(root, outside).exists()
    fresh = add("Never committed")
    git(root, "init", "-q")
    committed(root)
    changed = add("Changed since")
    committed(root)
    ok(["set", changed, "owner=李雷"])
    new = add("Added after the commit")
    for rid, why in ((new, "never committed"), (changed, "changed since its last commit")):
        before = req_path(root, rid).read_bytes()
        result = invoke(["remove", rid])
        assert_clean_error(result, 1)
        assert why in result.stderr
        assert req_path(root, rid).read_bytes() == before
    ok(["remove", changed, "--force"])
    assert not req_path(root, changed).exists()
    ok(["remove", fresh])  # committed: git keeps it
    assert not req_path(root, fresh).exists()


def test_remove_unknown_and_invalid_ids(root: Path) -> None:
    assert_clean_error(invoke(["remove", "REQ-ZZZZZ"]), 1)
    assert_clean_error(invoke(["remove", "../../etc/passwd"]), 2)


@needs_git
def test_show_of_a_removed_requirement_names_the_commit(root: Path) -> None:
    git(root, "init", "-q")
    rid = add("客户列表导出 Excel")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "capture")
    ok(["remove", rid])
    pending = invoke(["show", rid])
    assert_clean_error(pending, 1)
    assert "removed" in pending.stderr and "not committed" in pending.stderr
    git(root, "commit", "-qam", "drop the export 导出")
    commit = git(root, "rev-parse", "HEAD").strip()
    result = invoke(["show", rid[4:7]])  # a prefix of the random part, as users type
    assert_clean_error(result, 1)
    assert f"{rid} was removed in commit {commit[:10]}" in result.stderr
    assert "王芳" in result.stderr and "drop the export 导出" in result.stderr
    assert "list --all" not in result.stderr


@needs_git
def test_removed_in_ignores_ids_that_exist_again_or_never_existed(tmp_path: Path) -> None:
    ledger = Ledger.init(tmp_path / "l")
    git(ledger.root, "init", "-q")
    assert removed_in(ledger, "REQ-AAAAA") is None  # no commits at all
    path = ledger.requirements_dir / "REQ-AAAAA.toml"
    path.write_text(
        'id = "REQ-AAAAA"\ntitle = "x"\nstatus = "proposed"\npriority = "low"\n'
        "created = 2026-01-01T00:00:00+00:00\n",
        encoding="utf-8",
    )
    git(ledger.root, "add", "-A")
    git(ledger.root, "commit", "-qm", "one")
    assert removed_in(ledger, "REQ-AAAAA") is None
    git(ledger.root, "rm", "-q", str(path))
    git(ledger.root, "commit", "-qm", "gone")
    found = removed_in(ledger, "aaaaa")
    assert found is not None and found.subject == "gone"
    assert removed_in(ledger, "REQ-BBBBB") is None


def test_show_outside_git_keeps_the_plain_message(root: Path) -> None:
    result = invoke(["show", "REQ-ZZZZZ"])
    assert_clean_error(result, 1)
    assert "no requirement REQ-ZZZZZ" in result.stderr
