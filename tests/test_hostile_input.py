"""Folders received from others (a clone, a pull request branch) cannot make
pmledger write outside the ledger or crash with an internal error."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pmledger.ledger.settings import CONFIG_NAME

from .cli_helpers import add, invoke, ok, req_path
from .git_helpers import commit_all, git, new_repo


def _requirements_dir(root: Path, value: str) -> None:
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    assert 'requirements_dir = "requirements"' in text
    config.write_text(
        text.replace('requirements_dir = "requirements"', f"requirements_dir = {value!r}"),
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "folder", ["../outside", "a/../../outside", "{absolute}", "..\\outside", "C:\\outside"]
)
def test_a_requirements_dir_outside_the_ledger_is_refused(
    root: Path, tmp_path: Path, folder: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "REQ-ZZZZZ.toml").write_text('id = "REQ-ZZZZZ"\n', encoding="utf-8")
    _requirements_dir(root, folder.format(absolute=outside))
    os.chdir(root)
    for args in (["add", "planted"], ["fmt"], ["list"]):
        result = invoke(args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        assert "requirements_dir must be a folder inside the ledger" in result.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["REQ-ZZZZZ.toml"]
    assert (outside / "REQ-ZZZZZ.toml").read_text(encoding="utf-8") == 'id = "REQ-ZZZZZ"\n'


def test_a_requirements_dir_in_a_subfolder_still_works(root: Path) -> None:
    _requirements_dir(root, "docs/requirements")
    os.chdir(root)
    req_id = add("Inside")
    assert (root / "docs" / "requirements" / f"{req_id}.toml").is_file()


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [40, 300, 100_000])
def test_values_nested_deeply_are_a_file_problem_not_an_internal_error(
    root: Path, depth: int
) -> None:
    os.chdir(root)
    good = add("Fine")
    path = req_path(root, "REQ-DEEPA")
    path.write_text(
        'id = "REQ-DEEPA"\ntitle = "t"\nstatus = "proposed"\npriority = "high"\n'
        f"created = 2026-01-01\nx = {_nested(depth)}\n",
        encoding="utf-8",
    )
    listed = ok(["list"])
    assert good in listed.stdout
    assert "REQ-DEEPA.toml: not valid TOML: values nested more than 32 levels deep" in (
        listed.stderr
    )
    for args in (["check"], ["show", "REQ-DEEPA"], ["fmt"], ["set", "REQ-DEEPA", "title=u"]):
        result = invoke(args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr, result.exception)
        assert "nested more than 32 levels deep" in result.stdout + result.stderr


def test_a_nested_value_a_record_may_hold_is_still_read(root: Path) -> None:
    os.chdir(root)
    path = req_path(root, "REQ-DEEPA")
    path.write_text(
        'id = "REQ-DEEPA"\ntitle = "t"\nstatus = "proposed"\npriority = "high"\n'
        f"created = 2026-01-01\nx = {_nested(30)}\n",
        encoding="utf-8",
    )
    assert "REQ-DEEPA" in ok(["list"]).stdout


def test_a_deeply_nested_settings_file_is_a_config_error(root: Path) -> None:
    config = root / CONFIG_NAME
    config.write_text(
        config.read_text(encoding="utf-8") + f"\n[extra]\nx = {_nested(100_000)}\n",
        encoding="utf-8",
    )
    os.chdir(root)
    result = invoke(["list"])
    assert result.exit_code == 1, (result.stderr, result.exception)
    assert "nested more than 32 levels deep" in result.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_repositorys_fsmonitor_command_is_never_run(tmp_path: Path) -> None:
    # A repository received as an archive brings its .git/config along.
    ledger = new_repo(tmp_path)
    os.chdir(ledger.root)
    req_id = add("Committed")
    commit_all(ledger.root, "one")
    ok(["set", req_id, "title=Changed"])
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\necho ran >> '{marker}'\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    git(ledger.root, "config", "core.fsmonitor", str(hook))
    assert "Changed" in ok(["diff", "HEAD"]).stdout
    invoke(["remove", req_id])
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="no O_NOFOLLOW on this system")
def test_a_planted_lock_symlink_makes_no_file_where_it_points(root: Path, tmp_path: Path) -> None:
    from pmledger.ledger.locking import lock_path

    (root / ".git").mkdir()  # the lock lives in .git/pmledger
    lock = lock_path(root)
    lock.parent.mkdir(parents=True)
    target = tmp_path / "elsewhere" / "made-by-pmledger"
    target.parent.mkdir()
    lock.symlink_to(target)
    os.chdir(root)
    add("Written without the lock rather than through the link")
    assert not target.exists()


@pytest.mark.parametrize("folder", ["requirements", "goals"])
def test_a_folder_symlinked_outside_the_ledger_is_refused(
    root: Path, tmp_path: Path, folder: str
) -> None:
    # git checks symlinks out: a cloned `requirements -> /somewhere/else`.
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(root / folder, ignore_errors=True)
    (root / folder).symlink_to(outside)
    os.chdir(root)
    if folder == "requirements":
        result = invoke(["add", "Escapes"])
    else:
        result = invoke(["goal", "add", "Escapes", "--kpi", "k", "--target", "1"])
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert f"{root / folder} leads to {outside}, outside the ledger" in result.stderr
    assert list(outside.iterdir()) == []


def test_a_folder_symlinked_inside_the_ledger_still_works(root: Path) -> None:
    shutil.rmtree(root / "requirements")
    (root / "kept").mkdir()
    (root / "requirements").symlink_to(root / "kept")
    os.chdir(root)
    req_id = add("Inside")
    assert (root / "kept" / f"{req_id}.toml").is_file()


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1", "-1", "@SUM(1)", "\tx", ""])
def test_a_custom_field_that_would_head_a_formula_column_is_refused(root: Path, name: str) -> None:
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    assert "custom_fields = []" in text
    config.write_text(
        text.replace("custom_fields = []", f'custom_fields = ["客户", {json.dumps(name)}]'), "utf-8"
    )
    os.chdir(root)
    result = invoke(["export", "--format", "csv"])
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert "cannot be a field name" in result.stderr
    assert result.stdout == ""


def test_custom_fields_in_chinese_still_head_their_columns(root: Path) -> None:
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("custom_fields = []", 'custom_fields = ["客户"]'), "utf-8")
    os.chdir(root)
    add("Fine")
    assert ",客户," in ok(["export", "--format", "csv"]).stdout.splitlines()[0]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '[{"title": "x", "description": ' + _nested(100_000) + "}]"),
        ("deep.json", '[{"title": "x", "tags": ' + _nested(200) + "}]"),
        ("deep.jsonl", '{"title": "x", "x": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}\n"),
    ],
)
def test_an_import_nested_deeply_is_refused_in_words(
    root: Path, tmp_path: Path, name: str, text: str
) -> None:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    os.chdir(root)
    result = invoke(["import", str(source)])
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert "values nested more than 32 levels deep" in result.stderr
    assert not list((root / "requirements").glob("*.toml"))


@pytest.mark.parametrize("goal_id", ["CON", "nul", "NUL.txt", "COM1", "lpt9"])
def test_a_goal_id_windows_reserves_for_a_device_is_refused(root: Path, goal_id: str) -> None:
    os.chdir(root)
    result = invoke(["goal", "add", "Margin", "--kpi", "k", "--target", "1", "--id", goal_id])
    assert result.exit_code != 0, (result.stdout, result.stderr)
    assert "names a device on Windows" in result.stderr
    assert not list(root.glob("goals/*.toml"))


def test_a_goal_titled_like_a_device_gets_a_random_id(root: Path) -> None:
    os.chdir(root)
    goal_id = ok(["goal", "add", "Con", "--kpi", "k", "--target", "1"]).stdout.strip()
    assert goal_id.startswith("G-")
    assert ok(["goal", "add", "Console", "--kpi", "k", "--target", "1"]).stdout.strip() == (
        "Console"
    )


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_title_journal_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.titlestore import TitleStore

    from .conftest import make

    ledger = Ledger.init(tmp_path / "private")
    first = ledger.create(make(title="First"))
    ledger.titles()  # the snapshot the journal goes beside
    ledger.save(first.model_copy(update={"title": "Secret plan"}))
    store = TitleStore.for_ledger(ledger.root)
    assert store.journal is not None and store.journal.exists()
    assert store.journal.stat().st_mode & 0o077 == 0
