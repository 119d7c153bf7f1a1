"""`pmledger add`: capture requirements during a meeting."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from .cli_helpers import (
    ID_LINE,
    add,
    assert_clean_error,
    invoke,
    ok,
    read_req,
    req_files,
    run_module_on_a_terminal,
)

EOF = "\x04"  # Ctrl-D: ends the session if a test's answers run out


def test_add_prints_only_the_new_id(root: Path) -> None:
    result = ok(["add", "Export the customer list", "--no-input"])
    assert ID_LINE.match(result.stdout.strip()), result.stdout
    assert result.stdout == result.stdout.strip() + "\n"
    assert result.stderr == ""
    req_id = result.stdout.strip()
    data = read_req(root, req_id)
    assert data["id"] == req_id
    assert data["title"] == "Export the customer list"
    assert data["status"] == "proposed"
    assert data["priority"] == "medium"
    assert isinstance(data["created"], datetime)
    assert data["created"].tzinfo is not None
    assert "updated" not in data


def test_add_works_without_no_input_when_stdin_is_not_a_terminal(root: Path) -> None:
    result = ok(["add", "Plain title"])
    assert ID_LINE.match(result.stdout.strip())


def test_add_with_every_option(root: Path) -> None:
    ok(["goal", "add", "Retention", "--id", "Q4-retention", "--kpi", "churn", "--target", "5"])
    dep = add("The data warehouse")
    req_id = add(
        "Customer list export",
        "-p",
        "P1",
        "--due",
        "+2w",
        "--as-of",
        "2026-11-20",
        "--owner",
        "Li Lei",
        "--requester",
        "Wang Fang",
        "--department",
        "Sales",
        "-t",
        "crm",
        "--tag",
        "export",
        "--effort",
        "3",
        "-m",
        "Sales copies 500 rows by hand every Monday.",
        "--acceptance",
        "Exports every visible column",
        "--acceptance",
        "Opens in Excel",
        "--depends-on",
        dep,
        "--goal",
        "Q4-retention",
        "--status",
        "accepted",
    )
    data = read_req(root, req_id)
    assert data["priority"] == "high"
    assert data["due"] == date(2026, 12, 4)
    assert data["owner"] == "Li Lei"
    assert data["requester"] == "Wang Fang"
    assert data["department"] == "Sales"
    assert data["tags"] == ["crm", "export"]
    assert data["effort"] == 3
    assert data["description"] == "Sales copies 500 rows by hand every Monday."
    assert data["acceptance"] == ["Exports every visible column", "Opens in Excel"]
    assert data["depends_on"] == [dep]
    assert data["goal"] == "Q4-retention"
    assert data["status"] == "accepted"


def test_add_file_is_canonical(root: Path) -> None:
    from pmledger.ledger import fileformat

    req_id = add("Canonical", "-t", "b", "-t", "a", "--due", "2026-12-01", "--effort", "2")
    path = root / "requirements" / f"{req_id}.toml"
    text = path.read_text(encoding="utf-8")
    assert fileformat.dumps(fileformat.loads(text, path)) == text
    keys = [line.split(" =")[0] for line in text.splitlines() if " = " in line]
    assert keys[:5] == ["id", "title", "status", "priority", "created"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("critical", "critical"),
        ("HIGH", "high"),
        ("low", "low"),
        ("P0", "critical"),
        ("p1", "high"),
        ("P2", "medium"),
        ("P3", "low"),
        ("must", "critical"),
        ("should", "high"),
        ("could", "medium"),
        ("wont", "low"),
    ],
)
def test_add_priority_aliases(root: Path, given: str, stored: str) -> None:
    req_id = add(f"Priority {given}", "-p", given)
    assert read_req(root, req_id)["priority"] == stored


def test_add_unknown_priority_is_refused(root: Path) -> None:
    result = invoke(["add", "x", "--no-input", "-p", "urgent"])
    assert_clean_error(result, 2)
    assert "urgent" in result.stderr
    assert req_files(root) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("today", date(2026, 11, 20)),
        ("tomorrow", date(2026, 11, 21)),
        ("+3d", date(2026, 11, 23)),
        ("+2w", date(2026, 12, 4)),
        ("+1m", date(2026, 12, 20)),
        # 2026-11-20 is a Friday: "friday" is the next one, a week later.
        ("friday", date(2026, 11, 27)),
        ("monday", date(2026, 11, 23)),
        ("eow", date(2026, 11, 20)),
        ("eom", date(2026, 11, 30)),
    ],
)
def test_add_due_forms(root: Path, given: str, expected: date) -> None:
    req_id = add(f"Due {given}", "--due", given, "--as-of", "2026-11-20")
    assert read_req(root, req_id)["due"] == expected


def test_add_bad_due_is_refused(root: Path) -> None:
    result = invoke(["add", "x", "--no-input", "--due", "someday"])
    assert_clean_error(result, 2)
    assert "someday" in result.stderr
    assert req_files(root) == []


def test_add_negative_effort_is_a_usage_error(root: Path) -> None:
    result = invoke(["add", "x", "--no-input", "--effort", "-1"])
    assert result.exit_code == 2
    assert req_files(root) == []


def test_add_depends_on_must_exist(root: Path) -> None:
    result = invoke(["add", "x", "--no-input", "--depends-on", "REQ-ZZZZZ"])
    assert_clean_error(result, 1)
    assert "REQ-ZZZZZ" in result.stderr
    assert req_files(root) == []


def test_add_depends_on_accepts_a_short_id(root: Path) -> None:
    dep = add("Base")
    req_id = add("Top", "--depends-on", dep.removeprefix("REQ-").lower())
    assert read_req(root, req_id)["depends_on"] == [dep]


def test_add_depends_on_an_invalid_id(root: Path) -> None:
    result = invoke(["add", "x", "--no-input", "--depends-on", "../../etc/passwd"])
    assert_clean_error(result, 2)
    assert req_files(root) == []


def test_add_unknown_status_is_a_usage_error(root: Path) -> None:
    result = invoke(["add", "x", "--no-input", "--status", "flying"])
    assert_clean_error(result, 2)
    assert "flying" in result.stderr
    assert req_files(root) == []


def test_add_in_chinese(root: Path) -> None:
    req_id = add(
        "客户列表导出 Excel",
        "-p",
        "high",
        "--requester",
        "王芳",
        "--department",
        "销售部",
        "--due",
        "+2w",
        "--as-of",
        "2026-11-20",
        "-t",
        "crm",
    )
    data = read_req(root, req_id)
    assert data["title"] == "客户列表导出 Excel"
    assert data["requester"] == "王芳"
    assert data["department"] == "销售部"
    raw = (root / "requirements" / f"{req_id}.toml").read_text(encoding="utf-8")
    assert "王芳" in raw  # written as text, not \u escapes


def test_add_several_titles_from_stdin(root: Path) -> None:
    result = ok(
        ["add", "-", "-p", "low", "--department", "Ops"],
        input="First title\n\n   \nSecond title\n第三个需求\n",
    )
    ids = result.stdout.splitlines()
    assert len(ids) == 3
    assert all(ID_LINE.match(i) for i in ids)
    assert len(set(ids)) == 3
    titles = [read_req(root, i)["title"] for i in ids]
    assert titles == ["First title", "Second title", "第三个需求"]
    assert {read_req(root, i)["priority"] for i in ids} == {"low"}
    assert {read_req(root, i)["department"] for i in ids} == {"Ops"}


def test_add_from_a_windows_file_drops_the_byte_order_mark(root: Path) -> None:
    (first,) = ok(["add", "-"], input="\ufeff客户列表导出\r\n").stdout.split()
    assert read_req(root, first)["title"] == "客户列表导出"
    again = invoke(["add", "客户列表导出", "--no-input"])
    assert again.exit_code == 1 and first in again.stderr  # refused as the same title
    ok(["note", first, "-"], input="\ufeffFrom Notepad\r\n")
    assert read_req(root, first)["notes"][0]["text"] == "From Notepad"


def test_add_stdin_without_titles_is_an_error(root: Path) -> None:
    result = invoke(["add", "-"], input="\n  \n")
    assert_clean_error(result, 2)
    assert req_files(root) == []


def test_add_no_input_without_title(root: Path) -> None:
    result = invoke(["add", "--no-input"])
    assert_clean_error(result, 2)
    assert "title" in result.stderr
    assert req_files(root) == []


def test_add_without_title_never_prompts_when_stdin_is_not_a_terminal(root: Path) -> None:
    result = invoke(["add"], input="A title typed at a prompt\n")
    assert_clean_error(result, 2)
    assert req_files(root) == []


def test_add_blank_title_is_refused(root: Path) -> None:
    result = invoke(["add", "   ", "--no-input"])
    assert_clean_error(result, 2)
    assert req_files(root) == []


def test_add_similar_title_warns_with_the_existing_id(root: Path) -> None:
    first = add("Export the customer list to Excel")
    result = ok(["add", "Export customer list to Excel", "--no-input"])
    second = result.stdout.strip()
    assert ID_LINE.match(second)
    assert second != first
    assert first in result.stderr
    assert "--same-as" in result.stderr
    assert first not in result.stdout


def test_add_similar_chinese_title_warns(root: Path) -> None:
    first = add("客户列表导出 Excel")
    result = ok(["add", "客户列表导出Excel表格", "--no-input"])
    assert first in result.stderr


def test_add_different_title_does_not_warn(root: Path) -> None:
    add("Export the customer list to Excel")
    result = ok(["add", "Nightly ERP sync", "--no-input"])
    assert result.stderr == ""


def test_add_closed_requirement_is_not_offered(root: Path) -> None:
    first = add("Export the customer list to Excel", "--status", "done")
    result = ok(["add", "Export the customer list to Excel", "--no-input"])
    assert first not in result.stderr


def test_add_same_as_records_a_note_instead_of_a_file(root: Path) -> None:
    first = add("Export the customer list to Excel", "--requester", "Wang Fang")
    before = req_files(root)
    result = ok(
        [
            "add",
            "Customer export for finance",
            "--no-input",
            "--same-as",
            first.lower(),
            "--requester",
            "张三",
            "--department",
            "财务部",
        ]
    )
    assert result.stdout.strip() == first
    assert req_files(root) == before
    data = read_req(root, first)
    assert data["requester"] == "Wang Fang"
    assert len(data["notes"]) == 1
    note = data["notes"][0]
    assert "张三" in note["text"]
    assert "财务部" in note["text"]
    assert "Customer export for finance" in note["text"]
    assert note["at"].tzinfo is not None


def test_add_same_as_unknown_id(root: Path) -> None:
    result = invoke(["add", "x", "--no-input", "--same-as", "REQ-ZZZZZ"])
    assert_clean_error(result, 1)
    assert req_files(root) == []


def test_add_same_as_invalid_id(root: Path) -> None:
    result = invoke(["add", "x", "--no-input", "--same-as", "../pmledger"])
    assert_clean_error(result, 2)


def test_add_works_next_to_a_broken_file(root: Path) -> None:
    (root / "requirements" / "REQ-BAD00.toml").write_text("title = [\n", encoding="utf-8")
    result = ok(["add", "Still works", "--no-input"])
    assert ID_LINE.match(result.stdout.strip())


def test_add_ids_are_unique(root: Path) -> None:
    result = ok(["add", "-"], input="".join(f"Item number {i} {'x' * i}\n" for i in range(30)))
    ids = result.stdout.split()
    assert len(ids) == 30
    assert len(set(ids)) == 30
    assert len(req_files(root)) == 30


def test_add_prompts_on_a_terminal(root: Path) -> None:
    pytest.importorskip("termios")
    first = run_module_on_a_terminal(
        ["add", "--as-of", "2026-11-20"],
        cwd=root,
        answers="客户列表导出 Excel\nP1\n王芳\n销售部\n+2w\n3\n李雷\ncrm, export\nCopied by hand\n"
        + EOF,
    )
    assert first.returncode == 0, first.stderr
    first_id = first.stdout.split()[-1]
    assert ID_LINE.match(first_id), first.stdout
    data = read_req(root, first_id)
    assert data["title"] == "客户列表导出 Excel"
    assert data["priority"] == "high"
    assert data["requester"] == "王芳"
    assert data["department"] == "销售部"
    assert data["due"] == date(2026, 12, 4)
    assert data["effort"] == 3
    assert data["owner"] == "李雷"
    assert data["tags"] == ["crm", "export"]
    assert data["description"] == "Copied by hand"
    # The next capture offers the last requester and department: Enter accepts them.
    second = run_module_on_a_terminal(
        ["add"], cwd=root, answers="Nightly ERP sync\n\n\n\n\n\n\n\n\n" + EOF
    )
    assert second.returncode == 0, second.stderr
    second_id = second.stdout.split()[-1]
    data = read_req(root, second_id)
    assert data["title"] == "Nightly ERP sync"
    assert data["priority"] == "medium"
    assert data["requester"] == "王芳"
    assert data["department"] == "销售部"
    assert "due" not in data
    assert "owner" not in data
    assert "effort" not in data


def test_add_no_input_never_prompts_on_a_terminal(root: Path) -> None:
    pytest.importorskip("termios")
    result = run_module_on_a_terminal(["add", "--no-input"], cwd=root, answers="A title\n")
    assert result.returncode == 2
    assert "title" in result.stderr
    assert req_files(root) == []


def test_add_on_a_terminal_offers_to_record_on_the_similar_one(root: Path) -> None:
    pytest.importorskip("termios")
    first = add("客户列表导出 Excel", "--requester", "王芳")
    # Offered right after the title; the requester and department are then asked
    # for the note, and nothing else.
    result = run_module_on_a_terminal(
        ["add"], cwd=root, answers="客户列表导出Excel表格\ny\n张三\n财务部\n" + EOF
    )
    assert result.returncode == 0, result.stderr
    assert first in result.stderr
    assert "Priority" not in result.stderr
    assert result.stdout.split()[-1] == first
    assert [p.stem for p in req_files(root)] == [first]
    (note,) = read_req(root, first)["notes"]
    assert "张三" in note["text"]
    assert "财务部" in note["text"]
    assert "客户列表导出Excel表格" in note["text"]


def test_add_refuses_an_exact_duplicate_of_an_open_title(root: Path) -> None:
    first = add("客户列表导出 Excel")
    result = invoke(["add", "客户列表导出excel。", "--no-input"])
    assert_clean_error(result, 1)
    assert first in result.stderr
    assert "--allow-duplicate" in result.stderr
    assert [p.stem for p in req_files(root)] == [first]
    second = add("客户列表导出excel。", "--allow-duplicate")
    assert second != first
    # Different text is not an exact duplicate, however alike once punctuation goes.
    add("C# support")
    add("C++ support")


def test_add_a_closed_title_again_is_not_a_duplicate(root: Path) -> None:
    add("Nightly ERP sync", "--status", "done")
    add("Nightly ERP sync")


def test_add_batch_skips_exact_duplicates_and_reports_the_lines(root: Path) -> None:
    first = add("Export the customer list")
    result = invoke(
        ["add", "-"],
        input="Invoice batch issuing\nexport the customer list\n会员积分\nINVOICE batch issuing!\n",
    )
    assert result.exit_code == 1, result.stderr
    ids = result.stdout.split()
    assert len(ids) == 2
    assert [read_req(root, i)["title"] for i in ids] == ["Invoice batch issuing", "会员积分"]
    assert f"skipped line 2: “export the customer list” is already {first}" in result.stderr
    assert f"skipped line 4: “INVOICE batch issuing!” is already {ids[0]}" in result.stderr
    assert "2 added, 2 skipped" in result.stderr
    allowed = ok(["add", "-", "--allow-duplicate"], input="Export the customer list\n")
    assert len(allowed.stdout.split()) == 1


def test_add_batch_names_similar_titles_with_their_ids(root: Path) -> None:
    result = ok(["add", "-"], input="客户列表导出 Excel\n客户列表导出Excel表格\n")
    first, second = result.stdout.split()
    assert f"{second}: similar: {first}" in result.stderr
    assert "--same-as" in result.stderr


def test_add_batch_with_a_bad_option_writes_nothing(root: Path) -> None:
    result = invoke(["add", "-", "--due", "someday"], input="One\nTwo\n")
    assert_clean_error(result, 2)
    assert req_files(root) == []


def test_add_sees_a_status_change_made_since(root: Path) -> None:
    first = add("Nightly ERP sync")
    ok(["status", first, "done"])
    second = ok(["add", "Nightly ERP sync", "--no-input"]).stdout.strip()
    ok(["status", second, "rejected"])
    ok(["status", first, "accepted"])
    refused = invoke(["add", "Nightly ERP sync", "--no-input"])
    assert_clean_error(refused, 1)
    assert first in refused.stderr
