"""The field-aware merge driver, driven by real git merges in tmp_path."""

from __future__ import annotations

import shutil
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pmledger import i18n
from pmledger.changes import with_note
from pmledger.check import check_ledger
from pmledger.git.merge import merge_mappings, merge_records, run_driver
from pmledger.ledger import fileformat
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.model import Requirement
from pmledger.ledger.records import REQUIREMENT

from .cli_helpers import editor_env, invoke, ok
from .conftest import make
from .git_helpers import commit_all, git, new_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _shared(ledger: Ledger) -> str:
    req = ledger.create(make(title="Shared requirement", tags=["crm"]))
    commit_all(ledger.root, "shared")
    return req.id


def _updated(req: Requirement, **fields: object) -> Requirement:
    return Requirement.model_validate({**fileformat.to_document(req), **fields})


def _edit(ledger: Ledger, req_id: str, **fields: object) -> None:
    ledger.save(_updated(ledger.load(req_id), **fields))


def test_twenty_branches_merge_without_conflicts(tmp_path: Path) -> None:
    ledger = new_repo(tmp_path)
    root = ledger.root
    shared = _shared(ledger)
    git(root, "tag", "start")
    scalar_edits: list[dict[str, object]] = [
        {"owner": "Ann"},
        {"requester": "王芳"},
        {"department": "销售部"},
        {"due": date(2026, 12, 24)},
        {"effort": 5},
        {"value": 8},
        {"goal": "Q4"},
        {"sprint": "S7"},
        {"description": "Why\nit matters"},
        {"status": "accepted"},
        {"priority": "high"},
        {"title": "Shared requirement, clarified"},
    ]
    for i in range(20):
        # Every branch starts from the same commit, as a team's would.
        git(root, "checkout", "-q", "-b", f"b{i}", "start")
        for n in range(10):
            ledger.create(make(title=f"Branch {i} item {n}"))
        req = ledger.load(shared)
        update: dict[str, object] = {
            "tags": [*req.tags, f"t{i}"],
            "acceptance": [*req.acceptance, f"criterion {i}"],
        }
        update.update(scalar_edits[i] if i < len(scalar_edits) else {f"custom_{i}": i})
        req = _updated(req, **update)
        req = with_note(
            req, f"note from branch {i}", by=f"user{i}", at=AT + timedelta(hours=20 - i)
        )
        ledger.save(req)
        commit_all(root, f"branch {i}", author=f"user{i}")
    git(root, "checkout", "-q", "main")
    for i in range(20):
        done = git(root, "merge", "--no-edit", "-q", f"b{i}", check=False)
        assert done.returncode == 0, f"merge of b{i}: {done.stdout}{done.stderr}"

    result = Ledger(root).load_all(use_cache=False)
    assert result.problems == []
    ids = [r.id for r in result.requirements]
    assert len(ids) == 201 and len(set(ids)) == 201
    merged = Ledger(root).load(shared)
    assert merged.tags == ["crm", *[f"t{i}" for i in range(20)]]
    assert sorted(merged.acceptance) == sorted(f"criterion {i}" for i in range(20))
    assert [n.text for n in merged.notes] == [f"note from branch {i}" for i in reversed(range(20))]
    assert merged.owner == "Ann" and merged.requester == "王芳" and merged.status == "accepted"
    assert merged.priority.value == "high" and merged.due == date(2026, 12, 24)
    assert merged.title == "Shared requirement, clarified"
    assert all(merged.extra[f"custom_{i}"] == i for i in range(12, 20))
    path = ledger.path_for(shared)
    assert path.read_text(encoding="utf-8") == fileformat.dumps(merged)
    report = check_ledger(Ledger(root))
    assert report.errors == []


def test_adjacent_fields_conflict_without_the_driver(tmp_path: Path) -> None:
    ledger = new_repo(tmp_path, driver=False)
    shared = _shared(ledger)
    git(ledger.root, "checkout", "-qb", "a")
    _edit(ledger, shared, status="in-progress")
    commit_all(ledger.root, "status")
    git(ledger.root, "checkout", "-q", "main")
    _edit(ledger, shared, priority="critical")
    commit_all(ledger.root, "priority")
    assert git(ledger.root, "merge", "--no-edit", "a", check=False).returncode != 0


def test_adjacent_fields_merge_with_the_driver(tmp_path: Path) -> None:
    ledger = new_repo(tmp_path)
    shared = _shared(ledger)
    git(ledger.root, "checkout", "-qb", "a")
    ok(["-L", str(ledger.root), "status", shared, "in-progress"])
    commit_all(ledger.root, "status")
    git(ledger.root, "checkout", "-q", "main")
    ok(["-L", str(ledger.root), "set", shared, "priority=critical"])
    commit_all(ledger.root, "priority")
    git(ledger.root, "merge", "--no-edit", "a")
    merged = ledger.load(shared)
    assert (merged.status, merged.priority.value) == ("in-progress", "critical")


def test_same_field_conflict_is_left_for_a_person_and_caught_by_check(tmp_path: Path) -> None:
    ledger = new_repo(tmp_path)
    root = ledger.root
    shared = _shared(ledger)
    git(root, "checkout", "-qb", "bob")
    _edit(ledger, shared, owner="Bob", effort=3)
    commit_all(root, "bob owns it", author="Bob")
    git(root, "checkout", "-q", "main")
    _edit(ledger, shared, owner="Alice", tags=["crm", "q4"])
    commit_all(root, "alice owns it", author="Alice")
    done = git(root, "merge", "--no-edit", "bob", check=False)
    assert done.returncode != 0
    text = ledger.path_for(shared).read_text(encoding="utf-8")
    assert (
        '<<<<<<< ours: main, Alice\nowner = "Alice"\n=======\nowner = "Bob"\n>>>>>>> theirs: bob, Bob\n'
        in text
    )
    # Everything else merged: their effort, our tag.
    assert "effort = 3" in text and '"q4"' in text

    result = invoke(["-L", str(root), "check", "--format", "json"])
    assert result.exit_code == 1
    import json

    problems = json.loads(result.stdout)
    conflict = [p for p in problems if p["code"] == "merge-conflict"]
    assert len(conflict) == 1 and conflict[0]["field"] == "owner"
    assert "Alice" in conflict[0]["message"] and "Bob" in conflict[0]["message"]

    # `edit` resolves it: keep Bob's line, drop the markers.
    script = (
        "lines = [l for l in text.splitlines(keepends=True)"
        " if not l.startswith(('<<<<<<<', '=======', '>>>>>>>')) and l != 'owner = \"Alice\"\\n']\n"
        "path.write_text(''.join(lines), encoding='utf-8')"
    )
    ok(["-L", str(root), "edit", shared], env=editor_env(tmp_path, script))
    resolved = ledger.load(shared)
    assert resolved.owner == "Bob" and resolved.effort == 3 and "q4" in resolved.tags
    assert invoke(["-L", str(root), "check"]).exit_code == 0


def test_delete_versus_edit_is_a_conflict(tmp_path: Path) -> None:
    ledger = new_repo(tmp_path)
    root = ledger.root
    shared = _shared(ledger)
    git(root, "checkout", "-qb", "remover")
    ledger.path_for(shared).unlink()
    commit_all(root, "remove")
    git(root, "checkout", "-q", "main")
    _edit(ledger, shared, owner="Ann")
    commit_all(root, "edit")
    done = git(root, "merge", "--no-edit", "remover", check=False)
    assert done.returncode != 0
    assert "modify/delete" in done.stdout + done.stderr
    status = git(root, "status", "--porcelain").stdout
    assert f"UD requirements/{shared}.toml" in status


def test_an_unparsable_side_falls_back_to_git(tmp_path: Path) -> None:
    ledger = new_repo(tmp_path)
    root = ledger.root
    shared = _shared(ledger)
    path = ledger.path_for(shared)
    git(root, "checkout", "-qb", "broken")
    path.write_text(path.read_text(encoding="utf-8") + "\nbroken = \n", encoding="utf-8")
    commit_all(root, "break it")
    git(root, "checkout", "-q", "main")
    _edit(ledger, shared, title="Renamed on main")
    commit_all(root, "title")
    done = git(root, "merge", "--no-edit", "broken", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "merged line by line" in done.stderr
    text = path.read_text(encoding="utf-8")
    assert 'title = "Renamed on main"' in text and "broken = \n" in text


def test_driver_unit_fallback_and_conflict_exit_codes(tmp_path: Path) -> None:
    base = fileformat.dumps(make()).encode()
    files = {n: tmp_path / n for n in ("base", "ours", "theirs")}
    files["base"].write_bytes(base)
    files["ours"].write_bytes(b"id = [\n")
    files["theirs"].write_bytes(base.replace(b"medium", b"high"))
    code, result = run_driver(
        files["base"], files["ours"], files["theirs"], "requirements/REQ-AAAAA.toml"
    )
    assert code == 1 and result.fallback_reason and "not valid TOML" in result.fallback_reason
    assert "<<<<<<<" in files["ours"].read_text()


def test_merge_keeps_notes_once_in_time_order_and_lists_as_sets() -> None:
    note = {"at": AT, "by": "a", "text": "base"}
    base = {"tags": ["a", "b", "c"], "notes": [note]}
    ours = {
        "tags": ["a", "c", "d"],
        "notes": [note, {"at": AT + timedelta(2), "by": "o", "text": "o"}],
    }
    theirs = {
        "tags": ["c", "a", "b", "e"],
        "notes": [note, {"at": AT + timedelta(1), "by": "t", "text": "t"}],
    }
    outcome = merge_mappings(base, ours, theirs, logs=("notes",))
    assert outcome.conflicts == []
    assert outcome.ours["tags"] == ["a", "c", "d", "e"]
    assert [n["text"] for n in outcome.ours["notes"]] == ["base", "t", "o"]


def test_a_field_removed_on_one_side_and_changed_on_the_other_conflicts() -> None:
    base = fileformat.dumps(make(owner="Ann")).encode()
    ours = fileformat.dumps(make()).encode()
    theirs = fileformat.dumps(make(owner="Bea")).encode()
    result = merge_records(base, ours, theirs, REQUIREMENT)
    assert result.conflicts == ["owner"]
    assert '=======\nowner = "Bea"\n>>>>>>>' in result.text


def test_conflicts_in_multiline_text_and_tables_stay_outside_strings() -> None:
    from pmledger.check import conflict_problems

    rice = {"reach": 1, "impact": 1, "confidence": 1, "effort": 1}
    base = make(description="one\ntwo\nthree", rice=rice)
    ours = make(description="one\n2\nthree", rice={**rice, "impact": 2})
    theirs = make(description="one\ntwo\n3", rice={**rice, "impact": 3})
    b, o, t = (fileformat.dumps(r).encode() for r in (base, ours, theirs))
    result = merge_records(b, o, t, REQUIREMENT)
    assert result.conflicts == ["description", "rice.impact"]
    found = conflict_problems(Path("REQ-AAAAA.toml"), result.text)
    assert [p.field for p in found] == ["description", "rice.impact"]
    # Keeping our side of every block gives exactly our file.
    kept, skip = [], False
    for line in result.text.splitlines(keepends=True):
        if line.startswith("<<<<<<<"):
            continue
        if line.startswith("======="):
            skip = True
            continue
        if line.startswith(">>>>>>>"):
            skip = False
            continue
        if not skip:
            kept.append(line)
    assert "".join(kept) == fileformat.dumps(ours)


def test_merge_file_command_and_the_fast_entry_point(tmp_path: Path) -> None:
    import subprocess
    import sys

    base = fileformat.dumps(make()).encode()
    paths = {n: tmp_path / f"{n}.toml" for n in ("base", "ours", "theirs")}

    def reset() -> None:
        paths["base"].write_bytes(base)
        paths["ours"].write_bytes(base.replace(b"proposed", b"accepted"))
        paths["theirs"].write_bytes(base.replace(b"medium", b"high"))

    reset()
    name = "requirements/REQ-AAAAA.toml"
    args = [str(paths[n]) for n in ("base", "ours", "theirs")] + [name]
    ok(["merge-file", "--marker-size", "7", *args])
    expected = fileformat.dumps(make(status="accepted", priority="high"))
    assert paths["ours"].read_text(encoding="utf-8") == expected
    reset()
    done = subprocess.run(
        [sys.executable, "-m", "pmledger.git", "merge-file", "--marker-size", "9", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert paths["ours"].read_text(encoding="utf-8") == expected
    usage = subprocess.run(
        [sys.executable, "-m", "pmledger.git", "merge-file", "only-one"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_the_driver_is_generic_over_record_kinds() -> None:
    from collections.abc import Mapping
    from datetime import date as day
    from typing import Any

    import tomli_w

    from pmledger.ledger.records import KINDS, RecordKind, kind_for_path, register

    def canonical(data: Mapping[str, Any], original: str | None = None) -> str:
        return str(tomli_w.dumps(dict(data)))

    kind = RecordKind("thing", lambda s: "things", "things", canonical, logs=("readings",))
    register(kind)
    try:
        assert kind_for_path("ledger/things/T1.toml") is kind
        first: dict[str, Any] = {"at": day(2026, 1, 1), "value": 1}
        base: dict[str, Any] = {"id": "T1", "target": 10, "readings": [first]}
        ours = {**base, "target": 12, "readings": [first, {"at": day(2026, 3, 1), "value": 3}]}
        theirs = {**base, "readings": [first, {"at": day(2026, 2, 1), "value": 2}]}
        b, o, t = (tomli_w.dumps(d).encode() for d in (base, ours, theirs))
        result = merge_records(b, o, t, kind)
        assert result.conflicts == []
        merged = tomllib.loads(result.text)
        assert merged["target"] == 12
        assert [r["value"] for r in merged["readings"]] == [1, 2, 3]
    finally:
        KINDS.pop("thing")


def test_the_driver_tells_a_chinese_reader_what_it_did(tmp_path: Path) -> None:
    from pmledger.git.merge import driver_message

    base = fileformat.dumps(make()).encode()
    paths = {n: tmp_path / f"{n}.toml" for n in ("base", "ours", "theirs")}
    paths["base"].write_bytes(base)
    paths["ours"].write_bytes(base.replace(b"medium", b"low"))
    paths["theirs"].write_bytes(base.replace(b"medium", b"high"))
    name = "requirements/REQ-AAAAA.toml"
    args = [str(paths[n]) for n in ("base", "ours", "theirs")] + [name]
    result = invoke(["--lang", "zh", "merge-file", *args])
    assert result.exit_code == 1
    assert f"pmledger：{name}：两边都修改了：priority" in result.stderr
    # The markers and their ours/theirs labels are read by `check`: not translated.
    assert "<<<<<<< ours" in paths["ours"].read_text(encoding="utf-8")
    paths["ours"].write_bytes(b"not = [toml")
    with i18n.using("zh"):
        _code, fallback = run_driver(paths["base"], paths["ours"], paths["theirs"], name)
        assert "我方版本不是有效的 TOML" in (driver_message(name, fallback) or "")
