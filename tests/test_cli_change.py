"""`set`, `status` and `note`: changing a requirement from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from .cli_helpers import (
    add,
    assert_clean_error,
    copy_example,
    invoke,
    ok,
    read_req,
    req_path,
)


@pytest.fixture
def rid(root: Path) -> str:
    return add(
        "Customer list export",
        "-p",
        "high",
        "--owner",
        "Li Lei",
        "--requester",
        "Wang Fang",
        "-t",
        "crm",
        "-t",
        "export",
        "--effort",
        "3",
        "--due",
        "2026-12-01",
    )


def test_set_dates_numbers_and_lists(root: Path, rid: str) -> None:
    result = ok(
        [
            "set",
            rid,
            "due=+1w",
            "effort=5",
            "value=2.5",
            "tags+=finance",
            "tags-=crm",
            "sprint=S1",
            "--as-of",
            "2026-11-20",
        ]
    )
    assert result.stdout.strip() == rid
    data = read_req(root, rid)
    assert data["due"] == date(2026, 11, 27)
    assert data["effort"] == 5
    assert data["value"] == 2.5
    assert data["tags"] == ["export", "finance"]
    assert data["sprint"] == "S1"


def test_set_comma_list_replaces(root: Path, rid: str) -> None:
    ok(["set", rid, "tags=a, b,c,a"])
    assert read_req(root, rid)["tags"] == ["a", "b", "c"]


def test_set_adding_an_existing_tag_is_a_no_op(root: Path, rid: str) -> None:
    before = req_path(root, rid).read_bytes()
    result = ok(["set", rid, "tags+=crm"])
    assert "unchanged" in result.stdout
    assert req_path(root, rid).read_bytes() == before


def test_set_clears_with_an_empty_value(root: Path, rid: str) -> None:
    ok(["set", rid, "owner=", "due=", "effort=", "tags="])
    data = read_req(root, rid)
    for key in ("owner", "due", "effort", "tags"):
        assert key not in data, key
    assert data["requester"] == "Wang Fang"


def test_set_scoring_inputs(root: Path, rid: str) -> None:
    ok(["set", rid, "rice.reach=450", "rice.impact=2", "rice.confidence=0.8", "rice.effort=1"])
    assert read_req(root, rid)["rice"] == {
        "reach": 450,
        "impact": 2,
        "confidence": 0.8,
        "effort": 1,
    }
    ok(["set", rid, "rice.reach="])
    assert "reach" not in read_req(root, rid)["rice"]


def test_set_status_priority_and_chinese(root: Path, rid: str) -> None:
    ok(["set", rid.lower(), "status=accepted", "priority=must", "owner=李雷", "department=销售部"])
    data = read_req(root, rid)
    assert data["status"] == "accepted"
    assert data["priority"] == "critical"
    assert data["owner"] == "李雷"
    assert data["department"] == "销售部"


def test_set_depends_on_resolves_and_checks(root: Path, rid: str) -> None:
    other = add("The data warehouse")
    ok(["set", rid, f"depends_on+={other.removeprefix('REQ-').lower()}"])
    assert read_req(root, rid)["depends_on"] == [other]
    before = req_path(root, rid).read_bytes()
    result = invoke(["set", rid, "depends_on+=REQ-ZZZZZ"])
    assert_clean_error(result, 1)
    assert req_path(root, rid).read_bytes() == before


def test_set_keeps_unknown_keys(root: Path, rid: str) -> None:
    path = req_path(root, rid)
    path.write_text(path.read_text(encoding="utf-8") + 'contract_value = "12k"\n', "utf-8")
    ok(["set", rid, "owner=Alice"])
    data = read_req(root, rid)
    assert data["contract_value"] == "12k"
    assert data["owner"] == "Alice"


def test_set_declared_custom_field(tmp_path: Path) -> None:
    acme = copy_example(tmp_path)
    ok(["set", "0k3s9", "contract_value=12000"])
    assert read_req(acme, "ACME-0K3S9")["contract_value"] == 12000
    assert "12000" in ok(["show", "ACME-0K3S9"]).stdout
    ok(["set", "0k3s9", "contract_value="])
    assert "contract_value" not in read_req(acme, "ACME-0K3S9")


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("colour=red", ["colour"]),
        ("foo.bar=1", ["foo.bar"]),
        ("id=REQ-AAAAA", ["id"]),
        ("created=2026-01-01", ["created"]),
        ("notes=x", ["note"]),
        ("effort=abc", ["effort", "abc"]),
        ("effort=-1", ["effort"]),
        ("value=lots", ["value", "lots"]),
        ("due=notadate", ["notadate"]),
        ("priority=urgent", ["priority", "urgent"]),
        ("status=flying", ["flying"]),
        ("rice.reach=many", ["rice.reach"]),
        ("owner+=x", ["+="]),
        ("noequals", ["key=value"]),
        ("title=", ["title"]),
    ],
)
def test_set_refuses_bad_assignments_leaving_the_file_untouched(
    root: Path, rid: str, assignment: str, words: list[str]
) -> None:
    path = req_path(root, rid)
    before = path.read_bytes()
    result = invoke(["set", rid, "owner=Changed", assignment])
    assert_clean_error(result, 2)
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert path.read_bytes() == before
    assert result.stdout == ""


def test_set_needs_an_assignment(root: Path, rid: str) -> None:
    result = invoke(["set", rid])
    assert result.exit_code == 2


def test_set_unknown_and_invalid_ids(root: Path, rid: str) -> None:
    assert_clean_error(invoke(["set", "REQ-ZZZZZ", "owner=x"]), 1)
    assert_clean_error(invoke(["set", "../../etc/passwd", "owner=x"]), 2)
    assert_clean_error(invoke(["set", "REQ-../x", "owner=x"]), 2)


def test_set_unchanged_value_says_so(root: Path, rid: str) -> None:
    before = req_path(root, rid).read_bytes()
    result = ok(["set", rid, "owner=Li Lei"])
    assert "unchanged" in result.stdout
    assert req_path(root, rid).read_bytes() == before


def test_set_same_effort_after_add_leaves_the_file_alone(root: Path, rid: str) -> None:
    before = req_path(root, rid).read_bytes()
    result = ok(["set", rid, "effort=3"])
    assert "unchanged" in result.stdout
    assert req_path(root, rid).read_bytes() == before


def test_status_valid(root: Path, rid: str) -> None:
    result = ok(["status", rid, "in-progress"])
    assert result.stdout.strip() == rid
    assert read_req(root, rid)["status"] == "in-progress"
    # Moving backwards or to a terminal status is allowed by the default workflow.
    ok(["status", rid.lower(), "rejected"])
    assert read_req(root, rid)["status"] == "rejected"


def test_status_invalid_is_refused(root: Path, rid: str) -> None:
    before = req_path(root, rid).read_bytes()
    result = invoke(["status", rid, "flying"])
    assert_clean_error(result, 2)
    assert "flying" in result.stderr
    assert "proposed" in result.stderr  # the workflow is listed
    assert req_path(root, rid).read_bytes() == before


def test_status_unknown_id(root: Path) -> None:
    assert_clean_error(invoke(["status", "REQ-ZZZZZ", "accepted"]), 1)


def test_note_appends_a_dated_entry(root: Path, rid: str) -> None:
    ok(["note", rid, "Finance also wants it", "--by", "张三"])
    ok(["note", rid, "Second", "note"])
    data = read_req(root, rid)
    assert [n["text"] for n in data["notes"]] == ["Finance also wants it", "Second note"]
    assert [n["by"] for n in data["notes"]] == ["张三", "Test User"]
    assert all(n["at"].tzinfo is not None for n in data["notes"])
    text = req_path(root, rid).read_text(encoding="utf-8")
    assert text.count("[[notes]]") == 2


def test_note_from_stdin(root: Path, rid: str) -> None:
    ok(["note", rid, "-", "--by", "Ops"], input="Line one\nline two\n")
    (note,) = read_req(root, rid)["notes"]
    assert note["text"] == "Line one\nline two"
    assert note["by"] == "Ops"


def test_note_empty_is_refused(root: Path, rid: str) -> None:
    before = req_path(root, rid).read_bytes()
    assert_clean_error(invoke(["note", rid, "  "]), 2)
    assert req_path(root, rid).read_bytes() == before


def test_note_unknown_id(root: Path) -> None:
    assert_clean_error(invoke(["note", "REQ-ZZZZZ", "hello"]), 1)


def test_change_commands_refuse_a_broken_file(root: Path) -> None:
    path = root / "requirements" / "REQ-BAD00.toml"
    path.write_text('id = "REQ-BAD00"\ntitle = "x\n', encoding="utf-8")
    before = path.read_bytes()
    for args in (["set", "bad00", "owner=x"], ["status", "bad00", "done"], ["note", "bad00", "x"]):
        result = invoke(args)
        assert_clean_error(result, 1)
        assert "REQ-BAD00.toml:2" in result.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("field", ["title", "priority", "status"])
def test_set_cannot_clear_a_field_every_requirement_has(root: Path, rid: str, field: str) -> None:
    before = read_req(root, rid)
    for value in ("", "   "):
        result = invoke(["set", rid, f"{field}={value}"])
        assert_clean_error(result, 2)
        assert f"{field} cannot be empty" in result.stderr
        assert "None" not in result.stderr
    assert read_req(root, rid) == before


def test_set_suggests_the_field_meant(root: Path, rid: str) -> None:
    result = invoke(["set", rid, "prio=high"])
    assert_clean_error(result, 2)
    assert "did you mean 'priority'?" in result.stderr
    assert "known fields" in invoke(["set", rid, "xyzzy=1"]).stderr
