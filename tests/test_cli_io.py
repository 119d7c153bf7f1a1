"""`pmledger export` and `pmledger import`, driven like a user would."""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import (
    EXAMPLE,
    add,
    assert_clean_error,
    copy_example,
    invoke,
    make_ledger,
    ok,
    read_req,
    req_files,
)

JIRA_HEADER = (
    "Summary,Issue key,Issue id,Issue Type,Status,Project key,Priority,Resolution,Assignee,"
    "Reporter,Created,Updated,Due date,Labels,Labels,Labels,Description,Sprint,Sprint,"
    "Custom field (Story point estimate),Comment,Comment"
)
JIRA_ROWS = [
    "Export customer list,CRM-12,10012,Story,In Progress,CRM,High,,Li Lei,Wang Fang,"
    "17/Nov/25 3:45 PM,18/Nov/25 9:00 AM,05/Dec/25 12:00 AM,crm,export,,"
    '"Sales needs the list in Excel, with Chinese names",CRM Sprint 1,CRM Sprint 2,5,'
    '"18/Nov/25 9:30 AM;557058:wang;客户要求带手机号; 也要邮箱",',
    "单点登录,CRM-13,10013,Task,To Do,CRM,Lowest,,,Zhao Lei,18/Nov/25 10:00 AM,"
    "18/Nov/25 10:00 AM,,sso,,,,,,,,",
]
GITHUB = [
    {
        "author": {
            "id": "MDQ6VXNlcjE=",
            "is_bot": False,
            "login": "octocat",
            "name": "The Octocat",
        },
        "body": "Export the **customer list**.\r\n\r\nWith 中文 names.",
        "createdAt": "2026-11-02T08:15:30Z",
        "labels": [
            {"id": "LA_1", "name": "enhancement", "description": "New", "color": "a2eeef"},
            {"id": "LA_2", "name": "crm", "description": "", "color": "ededed"},
        ],
        "number": 42,
        "state": "OPEN",
        "title": "客户列表导出 Excel",
    },
    {
        "author": {"id": "MDQ6VXNlcjI=", "is_bot": False, "login": "hubot", "name": ""},
        "body": "",
        "createdAt": "2026-10-01T12:00:00Z",
        "labels": [],
        "number": 7,
        "state": "CLOSED",
        "title": "SSO",
    },
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_ledger(tmp_path)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _all(root: Path) -> list[dict[str, Any]]:
    return [read_req(root, p.stem) for p in req_files(root)]


# -- export ----------------------------------------------------------------------------


def test_json_round_trip_recreates_the_example_byte_for_byte(tmp_path: Path) -> None:
    for fmt in ("json", "jsonl"):
        out = tmp_path / f"acme.{fmt}"
        ok(["--ledger", str(EXAMPLE), "export", "--all", "-o", str(out)])
        target = tmp_path / f"new-{fmt}"
        ok(["init", str(target), "--prefix", "ACME"])
        ok(["--ledger", str(target), "import", str(out)])
        _same_files(EXAMPLE / "requirements", target / "requirements")


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.glob("*.toml"))
    assert names == sorted(p.name for p in b.glob("*.toml"))
    _match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == [], mismatch


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_csv_and_xlsx_round_trip_every_field_they_carry(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"acme.{fmt}"
    ok(["--ledger", str(EXAMPLE), "export", "--all", "--notes", "-o", str(out)])
    target = tmp_path / "new"
    ok(["init", str(target), "--prefix", "ACME"])
    config = target / "pmledger.toml"
    config.write_text(
        config.read_text().replace("custom_fields = []", 'custom_fields = ["contract_value"]')
    )
    ok(["--ledger", str(target), "import", str(out)])
    if fmt == "csv":
        _same_files(EXAMPLE / "requirements", target / "requirements")
    # Either way, importing the export again changes nothing.
    again = ok(["--ledger", str(target), "import", str(out)])
    assert "0 created, 0 updated, 37 unchanged" in again.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_multi_line_acceptance_criterion_survives_a_round_trip(root: Path, fmt: str) -> None:
    criteria = ["第一条, 含逗号", "second\nmultiline?", " spaced "]
    req_id = add("x", *[f"--acceptance={c}" for c in criteria], "--tag", "crm，export")
    ok(["export", "--all", "--notes", "-o", f"e.{fmt}"])
    again = ok(["import", f"e.{fmt}"])
    assert "0 created, 0 updated, 1 unchanged" in again.stderr
    assert read_req(root, req_id)["acceptance"] == criteria
    if fmt == "csv":
        # Only the cell the plain form would split is written as a JSON array.
        row = (root / "e.csv").read_text(encoding="utf-8").split("\n", 1)[1]
        assert ",crm;export," in row
        assert '"[""第一条, 含逗号"", ""second\\nmultiline?"", "" spaced ""]"' in row


def test_excel_csv_bytes(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    ok(["set", "ACME-0K3S9", 'title==HYPERLINK("http://x")'])
    result = ok(["export", "--all", "--excel", "--fields", "id,title,owner,due,tags"])
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].decode("utf-8").split("\r\n")
    assert lines[0] == "id,title,owner,due,tags"
    assert lines[1] == 'ACME-0K3S9,"\'=HYPERLINK(""http://x"")",赵磊,2026-02-28,tickets;csat'
    assert all("\n" not in line for line in lines)
    # The formula cell comes back as it was written.
    out = tmp_path / "x.csv"
    out.write_bytes(data)
    same = ok(["import", str(out)])
    assert "37 unchanged" in same.stderr
    assert read_req(root, "ACME-0K3S9")["title"] == '=HYPERLINK("http://x")'


def test_export_uses_the_list_filters_and_fields(tmp_path: Path) -> None:
    copy_example(tmp_path)
    listed = ok(["list", "--department", "Sales", "--format", "json"])
    exported = ok(["export", "--department", "Sales", "-f", "json"])
    ids = [r["id"] for r in json.loads(listed.stdout)]
    assert sorted(ids) == [r["id"] for r in json.loads(exported.stdout)]
    assert "left out" in exported.stderr
    csv_out = ok(["export", "-d", "Sales", "--fields", "title", "--fields", "id"]).stdout
    assert csv_out.splitlines()[0] == "title,id"
    bad = invoke(["export", "--fields", "titel"])
    assert_clean_error(bad, 2)
    assert "titel" in bad.stderr


def test_json_export_carries_unknown_keys(tmp_path: Path) -> None:
    copy_example(tmp_path)
    data = json.loads(ok(["export", "--all", "-f", "json"]).stdout)
    assert any(item.get("contract_value") == 120000 for item in data)
    assert {"notes", "rice", "import_source"} <= data[0].keys()
    lines = ok(["export", "--all", "-f", "jsonl"]).stdout.splitlines()
    assert [json.loads(line) for line in lines] == data


def test_xlsx_is_frozen_filtered_dated_and_fits_chinese(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    copy_example(tmp_path)
    out = tmp_path / "acme.xlsx"
    ok(["export", "--all", "-o", str(out)])
    ws = openpyxl.load_workbook(out).active
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")
    headers = [c.value for c in ws[1]]
    due = ws.cell(row=2, column=headers.index("due") + 1).value
    assert due.date() == date(2026, 2, 28)
    title_col = ws.column_dimensions[openpyxl.utils.get_column_letter(headers.index("title") + 1)]
    longest = max(
        sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(c.value or ""))
        for c in ws[openpyxl.utils.get_column_letter(headers.index("title") + 1)]
    )
    assert title_col.width >= min(longest, 60)


def test_xlsx_text_is_never_a_formula(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    root = make_ledger(tmp_path)
    ok(["add", "=1+2", "--no-input"])
    out = tmp_path / "x.xlsx"
    ok(["export", "-o", str(out), "--fields", "title,id"])
    cell = openpyxl.load_workbook(out).active["A2"]
    assert (cell.value, cell.data_type) == ("=1+2", "s")
    assert "1 unchanged" in ok(["import", str(out)]).stderr
    assert len(req_files(root)) == 1


def test_xlsx_writes_control_characters_a_worksheet_cannot_hold(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    make_ledger(tmp_path)
    (req_id,) = ok(["add", "Colour \x1b[31mred", "--no-input"]).stdout.split()
    ok(["set", req_id, "description=Pasted from Outlook\x0bsecond line"])
    out = tmp_path / "x.xlsx"
    ok(["export", "-o", str(out), "--fields", "id,title,description"])
    row = [c.value for c in openpyxl.load_workbook(out).active[2]]
    assert row == [req_id, "Colour \u241b[31mred", "Pasted from Outlook\nsecond line"]


def test_missing_openpyxl_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_example(tmp_path)
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    result = invoke(["export", "-o", str(tmp_path / "x.xlsx")])
    assert_clean_error(result, 1)
    assert "pip install 'pmledger[xlsx]'" in result.stderr


def test_xlsx_to_a_pipe_or_file_only(tmp_path: Path) -> None:
    copy_example(tmp_path)
    data = ok(["export", "-f", "xlsx"]).stdout_bytes
    assert data.startswith(b"PK")


# -- import ----------------------------------------------------------------------------

SALES = (
    "\ufeff标题,描述,状态,优先级,提出人,部门,负责人,标签,截止日期,工作量\r\n"
    '客户列表导出 Excel,"每月给销售部导出，\r\n含中文姓名",待处理,高,王芳,销售部,李雷,crm、export,2026/12/01,5\r\n'
    "=SUM(A1),,,低,,,,,,\r\n"
    "合同审批提醒,,进行中,紧急,张伟,法务部,,,,\r\n"
)


def test_a_chinese_spreadsheet_with_bom_and_crlf(root: Path, tmp_path: Path) -> None:
    sheet = _write(tmp_path / "销售需求.csv", SALES)
    dry = ok(["import", str(sheet), "--dry-run"])
    assert dry.stdout.count("would create") == 3
    assert "dry run, nothing written" in dry.stderr
    assert req_files(root) == []
    done = ok(["import", str(sheet)])
    assert done.stdout.count("created") == 3
    reqs = {r["title"]: r for r in _all(root)}
    first = reqs["客户列表导出 Excel"]
    assert first["priority"] == "high"
    assert first["status"] == "proposed"
    assert first["tags"] == ["crm", "export"]
    assert first["due"] == date(2026, 12, 1)
    assert first["effort"] == 5
    assert first["description"] == "每月给销售部导出，\n含中文姓名"
    assert (first["requester"], first["department"], first["owner"]) == ("王芳", "销售部", "李雷")
    assert first["import_source"] == "销售需求:row2"
    assert reqs["=SUM(A1)"]["priority"] == "low"
    assert reqs["合同审批提醒"]["status"] == "in-progress"
    assert reqs["合同审批提醒"]["priority"] == "critical"
    # The same file again: nothing new.
    again = ok(["import", str(sheet)])
    assert "0 created, 0 updated, 3 unchanged" in again.stderr


def test_a_gbk_spreadsheet_is_read_correctly(root: Path, tmp_path: Path) -> None:
    sheet = _write(tmp_path / "gbk.csv", "标题,部门\r\n报表导出,财务部\r\n", "gbk")
    result = ok(["import", str(sheet)])
    assert "GB18030" in result.stderr
    assert _all(root)[0]["department"] == "财务部"


def test_an_unreadable_encoding_is_refused(root: Path, tmp_path: Path) -> None:
    sheet = _write(tmp_path / "latin.csv", "title\ncafé déjà\n", "latin-1")
    result = invoke(["import", str(sheet)])
    assert_clean_error(result, 1)
    assert "not UTF-8" in result.stderr and "--encoding" in result.stderr
    assert req_files(root) == []
    ok(["import", str(sheet), "--encoding", "latin-1"])
    assert _all(root)[0]["title"] == "café déjà"


def test_a_bad_row_stops_everything_unless_skip_invalid(root: Path, tmp_path: Path) -> None:
    sheet = _write(
        tmp_path / "bad.csv",
        "标题,截止日期,优先级\n好,2026-12-01,高\n坏,2026-02-30,高\n,,中\n也好,,\n",
    )
    result = invoke(["import", str(sheet)])
    assert_clean_error(result, 1)
    assert "row 3, column '截止日期'" in result.stderr
    assert "row 4, column '标题'" in result.stderr
    assert "nothing was imported" in result.stderr
    assert req_files(root) == []
    dry = invoke(["import", str(sheet), "--dry-run"])
    assert dry.exit_code == 1 and "would create" in dry.stdout
    skipped = ok(["import", str(sheet), "--skip-invalid"])
    assert "2 invalid rows (3, 4)" in skipped.stderr
    assert sorted(r["title"] for r in _all(root)) == ["也好", "好"]


def test_mapping_options(root: Path, tmp_path: Path) -> None:
    sheet = _write(
        tmp_path / "wish.csv",
        "Wish,Who,Stage,Level,Ref\nDark mode,Ann,In Review,P4,W-1\nSSO,Bob,Later,,W-2\n",
    )
    dry = ok(["import", str(sheet), "--dry-run", "--map", "Wish=title", "--map", "Who=requester"])
    assert "ignored columns Stage, Level, Ref" in dry.stderr
    ok(
        [
            "import",
            str(sheet),
            "--map",
            "Wish=title",
            "--map",
            "Who=requester",
            "--map",
            "Stage=status",
            "--map",
            "Level=priority",
            "--map-status",
            "In Review=accepted",
            "--map-status",
            "Later=deferred",
            "--map-priority",
            "P4=low",
            "--key",
            "Ref",
            "--source",
            "wishlist",
        ]
    )
    reqs = {r["title"]: r for r in _all(root)}
    assert (reqs["Dark mode"]["status"], reqs["Dark mode"]["priority"]) == ("accepted", "low")
    assert reqs["SSO"]["import_source"] == "wishlist:W-2"
    bad = invoke(["import", str(sheet), "--map-status", "x=nope"])
    assert_clean_error(bad, 2)


def test_a_quote_never_closed_is_refused_not_swallowing_the_rows_after_it(
    root: Path, tmp_path: Path
) -> None:
    # Read leniently, rows 4 and 5 became part of row 3's title.
    sheet = _write(tmp_path / "q.csv", 'title,priority\nA,high\n"B 报表,low\nC,low\nD,medium\n')
    result = invoke(["import", str(sheet), "--dry-run"])
    assert_clean_error(result, 1)
    assert 'q.csv row 3: a quote (") opened in this row is never closed' in result.stderr
    zh = invoke(["--lang", "zh", "import", str(sheet), "--dry-run"])
    assert "q.csv 第 3 行：这一行里开始的引号" in zh.stderr
    # Other quoting slips are read as spreadsheets read them.
    lenient = _write(tmp_path / "l.csv", 'title,priority\n"B"x,low\nC "quoted" word,low\n')
    assert "2 to create" in ok(["import", str(lenient), "--dry-run"]).stderr


def test_jira_csv_and_its_reimport(root: Path, tmp_path: Path) -> None:
    sheet = _write(tmp_path / "jira.csv", "\n".join([JIRA_HEADER, *JIRA_ROWS]) + "\n")
    ok(["import", str(sheet)])
    reqs = {r["import_source"]: r for r in _all(root)}
    crm12 = reqs["jira:CRM-12"]
    assert crm12["tags"] == ["crm", "export"]
    assert crm12["status"] == "in-progress"
    assert crm12["priority"] == "high"
    assert crm12["sprint"] == "CRM Sprint 2"
    assert crm12["effort"] == 5
    assert crm12["due"] == date(2025, 12, 5)
    assert (crm12["owner"], crm12["requester"]) == ("Li Lei", "Wang Fang")
    assert crm12["notes"] == [
        {
            "at": datetime(2025, 11, 18, 9, 30, tzinfo=UTC),
            "by": "557058:wang",
            "text": "客户要求带手机号; 也要邮箱",
        }
    ]
    assert reqs["jira:CRM-13"]["priority"] == "low"
    assert reqs["jira:CRM-13"]["title"] == "单点登录"
    changed = JIRA_ROWS[0].replace("In Progress", "Done")
    _write(sheet, "\n".join([JIRA_HEADER, changed, JIRA_ROWS[1]]) + "\n")
    result = ok(["import", str(sheet)])
    assert len(req_files(root)) == 2
    assert "status: in-progress → done" in result.stdout
    assert "1 updated, 1 unchanged" in result.stderr


def test_jira_names_its_ignored_columns_once(root: Path, tmp_path: Path) -> None:
    header = JIRA_HEADER + ",Component/s,Component/s"
    rows = [r + ",Web,API" for r in JIRA_ROWS]
    sheet = _write(tmp_path / "jira.csv", "\n".join([header, *rows]) + "\n")
    result = ok(["import", str(sheet), "--dry-run"])
    expected = "Issue id, Issue Type, Project key, Resolution, Updated, Component/s"
    assert f"note: ignored columns {expected} (map" in result.stderr
    assert result.stderr.count("ignored columns") == 1
    assert "Issue key" not in result.stderr  # the key is used, not ignored
    mapped = ok(["import", str(sheet), "--dry-run", "--map", "Component/s=department"])
    assert "Component/s" not in mapped.stderr


def test_duplicate_jira_keys_are_refused(root: Path, tmp_path: Path) -> None:
    sheet = _write(tmp_path / "jira.csv", "\n".join([JIRA_HEADER, JIRA_ROWS[0], JIRA_ROWS[0]]))
    result = invoke(["import", str(sheet)])
    assert_clean_error(result, 1)
    assert "row 3" in result.stderr and "also on row 2" in result.stderr


def test_github_issues(root: Path, tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps(GITHUB), encoding="utf-8")
    ok(["import", str(path)])
    reqs = {r["import_source"]: r for r in _all(root)}
    first = reqs["github:#42"]
    assert first["title"] == "客户列表导出 Excel"
    assert first["tags"] == ["enhancement", "crm"]
    assert first["requester"] == "octocat"
    assert first["status"] == "proposed"
    assert reqs["github:#7"]["status"] == "done"
    ok(["import", str(path), "--source", "github:acme/web"])
    assert len(req_files(root)) == 4  # another repository, other issues


def test_github_comments_reasons_and_crlf_bodies(root: Path, tmp_path: Path) -> None:
    # gh issue list --json number,title,body,state,stateReason,comments,url
    issues = [
        {
            "number": 1,
            "title": "导出失败",
            "state": "CLOSED",
            "stateReason": "NOT_PLANNED",
            "body": "### 描述\r\n\r\n点导出没反应\r\n",
            "url": "https://github.com/acme/web/issues/1",
            "comments": [
                {
                    "author": {"login": "octocat"},
                    "body": "Cannot reproduce.\r\nClosing.",
                    "createdAt": "2026-11-03T09:00:00Z",
                    "url": "https://github.com/acme/web/issues/1#issuecomment-9",
                }
            ],
        },
        {"number": 2, "title": "Dup", "state": "CLOSED", "stateReason": "DUPLICATE", "body": ""},
        {"number": 3, "title": "Done", "state": "CLOSED", "stateReason": "COMPLETED", "body": ""},
    ]
    path = _write(tmp_path / "issues.json", json.dumps(issues, ensure_ascii=False))
    result = ok(["import", str(path)])
    assert "ignored" not in result.stderr
    reqs = {r["title"]: r for r in _all(root)}
    first = reqs["导出失败"]
    assert first["status"] == "rejected"  # closed as not planned: not done
    assert (reqs["Dup"]["status"], reqs["Done"]["status"]) == ("rejected", "done")
    assert first["description"] == "### 描述\n\n点导出没反应\n"
    assert first["notes"] == [
        {
            "at": datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
            "by": "octocat",
            "text": "Cannot reproduce.\nClosing.",
        }
    ]
    # The same export again changes nothing (CRLF is stored as LF).
    again = ok(["import", str(path)])
    assert "3 unchanged" in again.stderr and again.stdout == ""


def test_import_checks_each_rows_goal_and_dependencies(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    sheet = _write(tmp_path / "g.csv", "title,goal,depends_on\nA,nope-goal,\nB,,ACME-ZZZZZ\n")
    result = invoke(["import", str(sheet), "--dry-run"])
    assert_clean_error(result, 1)
    assert "g.csv row 2, column 'goal': unknown goal 'nope-goal'; the goals are:" in result.stderr
    assert (
        "g.csv row 3, column 'depends_on': depends_on names ACME-ZZZZZ, which is neither "
        "in the ledger nor on a row of this file"
    ) in result.stderr
    skipped = ok(["import", str(sheet), "--skip-invalid"])
    assert "0 created" in skipped.stderr and "2 invalid rows (2, 3)" in skipped.stderr
    # Prefixes resolve as `set` resolves them; a row may name a later row's ID.
    rows = [
        "id,title,目标,depends_on",
        "ACME-AAAA1,A,q4-marg,ACME-AAAA2",
        "ACME-AAAA2,B,,0k3",
        ",C,Q4-RETENTION,acme-aaaa1；j4s",
    ]
    good = _write(tmp_path / "k.csv", "\n".join(rows) + "\n")
    ok(["import", str(good)])
    assert read_req(root, "ACME-AAAA1")["goal"] == "Q4-margin"
    assert read_req(root, "ACME-AAAA2")["depends_on"] == ["ACME-0K3S9"]
    (third,) = [r for r in _all(root) if r["title"] == "C"]
    assert (third["goal"], third["depends_on"]) == ("Q4-retention", ["ACME-AAAA1", "ACME-J4SB9"])
    assert invoke(["check"]).exit_code == 0
    assert "3 unchanged" in ok(["import", str(good)]).stderr


def test_a_row_linking_to_a_row_that_is_not_imported_is_not_imported(tmp_path: Path) -> None:
    copy_example(tmp_path)
    rows = [
        "id,title,goal,depends_on",
        "ACME-AAAA1,A,,ACME-AAAA2",  # B is skipped: A would dangle
        "ACME-AAAA2,B,Q4,",  # ambiguous goal
        "ACME-AAAA3,C,,aaaa3",  # itself
        "ACME-AAAA4,D,,ACME-AAAA5",
        "ACME-AAAA5,E,,ACME-AAAA4",  # closes a cycle: the later row is refused
        "ACME-AAAA6,F,,0K3S9",
    ]
    sheet = _write(tmp_path / "c.csv", "\n".join(rows) + "\n")
    result = ok(["import", str(sheet), "--skip-invalid"])
    err = result.stderr
    assert "row 2, column 'depends_on': depends_on names ACME-AAAA2, whose row 3 is not" in err
    assert "row 3, column 'goal': 'Q4' matches several goals" in err
    assert "row 4, column 'depends_on': ACME-AAAA3 cannot depend on itself" in err
    assert (
        "row 6, column 'depends_on': depending on ACME-AAAA4 would close a cycle: "
        "ACME-AAAA5 -> ACME-AAAA4 -> ACME-AAAA5"
    ) in err
    assert "row 5, column 'depends_on': depends_on names ACME-AAAA5, whose row 6" in err
    assert "1 created" in err and "5 invalid rows (2, 3, 4, 5, 6)" in err
    assert err.index("row 2,") < err.index("row 3,") < err.index("row 6,")
    assert invoke(["check"]).exit_code == 0


def test_a_goal_is_taken_as_it_is_in_a_ledger_without_goals(root: Path, tmp_path: Path) -> None:
    # As `check` takes it: no goals/ folder, no goals in use (a JSON round trip
    # of a ledger with goals into a fresh one).
    ok(["import", str(_write(tmp_path / "x.csv", "title,goal\nA,Q4-margin\n"))])
    assert _all(root)[0]["goal"] == "Q4-margin"
    assert invoke(["check"]).exit_code == 0


def test_a_taskwarrior_project_is_a_tag(root: Path, tmp_path: Path) -> None:
    tasks = [
        {
            "uuid": "2f0e-1",
            "description": "客户列表导出",
            "entry": "20261101T080000Z",
            "status": "pending",
            "project": "crm",
            "tags": ["export"],
        },
        {"uuid": "2f0e-2", "description": "SSO", "entry": "20261101T080000Z", "project": "sso"},
    ]
    path = _write(tmp_path / "tasks.json", json.dumps(tasks))
    ok(["import", str(path)])
    tags = {r["title"]: r["tags"] for r in _all(root)}
    assert tags == {"客户列表导出": ["crm", "export"], "SSO": ["sso"]}
    assert invoke(["check"]).exit_code == 0


def test_taskwarrior_depends_link_the_imported_tasks(root: Path, tmp_path: Path) -> None:
    def task(uuid: str, title: str, **more: Any) -> dict[str, Any]:
        return {"uuid": uuid, "description": title, "entry": "20261101T080000Z", **more}

    # "depends" is a JSON array since Taskwarrior 2.6, "uuid,uuid" text before;
    # a task may depend on one further down the file.
    tasks = [
        task("u-1", "导出客户列表", depends=["u-2"]),
        task("u-2", "Export API", status="pending"),
        task("u-3", "Release", depends="u-1,u-2"),
    ]
    path = _write(tmp_path / "tasks.json", json.dumps(tasks, ensure_ascii=False))
    dry = ok(["import", str(path), "--dry-run"])
    assert "depends" not in dry.stderr  # used, not ignored
    # The ID chosen for a row others depend on is not the one the import will use.
    assert dry.stdout.count("would create  (new)") == 3
    ok(["import", str(path)])
    by_key = {r["import_source"].split(":")[1]: r for r in _all(root)}
    ids_of = {k: r["id"] for k, r in by_key.items()}
    assert by_key["u-1"]["depends_on"] == [ids_of["u-2"]]
    assert by_key["u-3"]["depends_on"] == [ids_of["u-1"], ids_of["u-2"]]
    assert "3 unchanged" in ok(["import", str(path)]).stderr
    assert invoke(["check"]).exit_code == 0
    # An updated export: a dependency dropped, a new task needing an old one.
    tasks[2]["depends"] = "u-2"
    tasks.append(task("u-4", "Docs", depends=["u-3"]))
    _write(path, json.dumps(tasks, ensure_ascii=False))
    result = ok(["import", str(path)])
    assert f"depends_on: {ids_of['u-1']}; {ids_of['u-2']} → {ids_of['u-2']}" in result.stdout
    (docs,) = [r for r in _all(root) if r["title"] == "Docs"]
    assert docs["depends_on"] == [ids_of["u-3"]]
    assert len(req_files(root)) == 4


def test_taskwarrior_values_removed_are_cleared_on_reimport(root: Path, tmp_path: Path) -> None:
    full = {
        "uuid": "u-1",
        "description": "导出",
        "entry": "20261101T080000Z",
        "project": "crm",
        "tags": ["export"],
        "due": "20261201T080000Z",
        "priority": "H",
        "depends": ["u-2"],
    }
    other = {"uuid": "u-2", "description": "API", "entry": "20261101T080000Z"}
    path = _write(tmp_path / "tasks.json", json.dumps([full, other], ensure_ascii=False))
    ok(["import", str(path)])
    # `task modify due: -export depends:` drops those keys from the export.
    bare = {k: v for k, v in full.items() if k not in ("tags", "due", "depends")}
    _write(path, json.dumps([bare, other], ensure_ascii=False))
    result = ok(["import", str(path)])
    assert "1 updated, 1 unchanged" in result.stderr
    (req,) = [r for r in _all(root) if r["title"] == "导出"]
    assert req["tags"] == ["crm"]  # the project stays a tag
    assert "due" not in req and "depends_on" not in req
    assert req["priority"] == "high"  # an empty priority changes nothing
    assert "2 unchanged" in ok(["import", str(path)]).stderr


def test_taskwarrior_depends_on_a_task_not_exported_is_a_problem(
    root: Path, tmp_path: Path
) -> None:
    tasks = [
        {"uuid": "u-1", "description": "A", "entry": "20261101T080000Z", "depends": ["u-9"]},
        {"uuid": "u-2", "description": "B", "entry": "20261101T080000Z", "depends": ["u-2"]},
    ]
    path = _write(tmp_path / "tasks.json", json.dumps(tasks))
    result = invoke(["import", str(path)])
    assert_clean_error(result, 1)
    assert (
        "tasks.json row 1, column 'depends': depends on u-9, which is in neither this file "
        'nor the ledger (--map "depends=" skips the dependencies)'
    ) in result.stderr
    assert "row 2, column 'depends': u-2 cannot depend on itself" in result.stderr
    assert req_files(root) == []
    ok(["import", str(path), "--map", "depends="])
    assert all("depends_on" not in r for r in _all(root))


def test_jira_blocks_links_become_dependencies(root: Path, tmp_path: Path) -> None:
    # Jira writes a link on both issues, one column per link.
    header = (
        "Issue key,Summary,Outward issue link (Blocks),Inward issue link (Blocks),"
        "Inward issue link (Blocks)"
    )
    rows = ["CRM-1,登录,CRM-2,,", "CRM-2,Export,CRM-3,CRM-1,", "CRM-3,Release,,CRM-2,CRM-1"]
    sheet = _write(tmp_path / "jira.csv", "\n".join([header, *rows]) + "\n")
    result = ok(["import", str(sheet)])
    assert "ignored" not in result.stderr
    ids_of = {r["import_source"]: r["id"] for r in _all(root)}
    deps = {r["import_source"]: r.get("depends_on") for r in _all(root)}
    assert deps == {
        "jira:CRM-1": None,
        "jira:CRM-2": [ids_of["jira:CRM-1"]],
        "jira:CRM-3": [ids_of["jira:CRM-2"], ids_of["jira:CRM-1"]],
    }
    assert "3 unchanged" in ok(["import", str(sheet)]).stderr
    # A link removed in Jira is gone from the re-imported requirement too.
    _write(sheet, "\n".join([header, rows[0], rows[1], "CRM-3,Release,,CRM-2,"]) + "\n")
    result = ok(["import", str(sheet)])
    assert "1 updated, 2 unchanged" in result.stderr
    assert read_req(root, ids_of["jira:CRM-3"])["depends_on"] == [ids_of["jira:CRM-2"]]
    _write(sheet, "\n".join([header, rows[0], "CRM-2,Export,CRM-3,,", rows[2]]) + "\n")
    ok(["import", str(sheet)])
    assert "depends_on" not in read_req(root, ids_of["jira:CRM-2"])
    cycle = [*rows[:2], "CRM-3,Release,,CRM-2,", "CRM-4,Loop,,CRM-4,", "CRM-5,x,,CRM-3,"]
    _write(sheet, "\n".join([header, cycle[0].replace(",,", ",CRM-3,"), *cycle[1:]]) + "\n")
    result = invoke(["import", str(sheet), "--dry-run"])
    assert_clean_error(result, 1)
    # Messages name the issue keys, not IDs the user does not know from Jira.
    assert "depending on CRM-2 would close a cycle: CRM-3 -> CRM-2 -> CRM-1 -> CRM-3" in (
        result.stderr
    )
    assert "row 5, column 'Inward issue link (Blocks)': CRM-4 cannot depend on itself" in (
        result.stderr
    )


@pytest.mark.skipif(shutil.which("task") is None, reason="Taskwarrior is not installed")
def test_a_real_taskwarrior_export(root: Path, tmp_path: Path) -> None:
    data = tmp_path / "tw"
    data.mkdir()
    rc = tmp_path / "taskrc"
    rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\n")
    env = {
        "TASKRC": str(rc),
        "TASKDATA": str(data),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }

    def task(*args: str) -> str:
        return subprocess.run(
            ["task", *args], env=env, capture_output=True, text=True, check=True, timeout=30
        ).stdout

    task("add", "客户列表导出 Excel", "project:crm", "priority:H", "due:2026-12-01", "+export")
    task("add", "SSO", "priority:L", "depends:1")
    task("1", "annotate", "王芳 needs it before December")
    task("2", "done")
    export = tmp_path / "tasks.json"
    export.write_text(task("export"), encoding="utf-8")
    ok(["import", str(export)])
    reqs = {r["title"]: r for r in _all(root)}
    first = reqs["客户列表导出 Excel"]
    # The project is a tag: the ledger has no goal crm (docs/import-export.md).
    assert (first["priority"], first.get("goal"), first["tags"]) == (
        "high",
        None,
        ["crm", "export"],
    )
    assert first["due"] == date(2026, 12, 1)
    assert first["notes"][0]["text"] == "王芳 needs it before December"
    assert str(first["import_source"]).startswith("taskwarrior:")
    assert reqs["SSO"]["status"] == "done"
    assert reqs["SSO"]["depends_on"] == [first["id"]]
    assert "2 unchanged" in ok(["import", str(export)]).stderr
    # Mapped to goal on purpose, the project is checked like any goal cell.
    ok(["goal", "add", "CRM", "--kpi", "x", "--target", "1"])
    assert "goal: ∅ → CRM" in ok(["import", str(export), "--map", "project=goal"]).stdout
    (root / "goals" / "CRM.toml").rename(root / "goals" / "Sales.toml")
    result = invoke(["import", str(export), "--map", "project=goal"])
    assert_clean_error(result, 1)
    assert "row 1, column 'project': unknown goal 'crm'" in result.stderr


def test_json_import_keeps_ids_and_updates_them(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    data = json.loads(ok(["export", "--all", "-f", "json"]).stdout)
    data[0]["status"] = "accepted"
    data[0]["owner"] = None
    path = tmp_path / "edit.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = ok(["import", str(path)])
    assert "updated  ACME-0K3S9" in result.stdout
    assert "status: done → accepted; owner: 赵磊 → ∅" in result.stdout
    req = read_req(root, "ACME-0K3S9")
    assert req["status"] == "accepted" and "owner" not in req


def test_a_foreign_id_is_a_problem(root: Path, tmp_path: Path) -> None:
    sheet = _write(tmp_path / "x.csv", "id,title\nACME-0K3S9,x\n")
    result = invoke(["import", str(sheet)])
    assert_clean_error(result, 1)
    assert "row 2, column 'id'" in result.stderr
    numbered = _write(tmp_path / "n.csv", "ID,标题\n1,导出\n2,报表\n")
    result = invoke(["import", str(numbered)])
    assert_clean_error(result, 1)
    assert '--key "ID"' in result.stderr
    ok(["import", str(numbered), "--key", "ID"])
    assert sorted(r["import_source"] for r in _all(root)) == ["n:1", "n:2"]


def test_a_missing_file_and_a_bad_format(root: Path, tmp_path: Path) -> None:
    assert_clean_error(invoke(["import", str(tmp_path / "nope.csv")]), 1)
    sheet = _write(tmp_path / "x.csv", "title\nx\n")
    assert_clean_error(invoke(["import", str(sheet), "-f", "yaml"]), 2)
    broken = _write(tmp_path / "x.json", "[{")
    result = invoke(["import", str(broken)])
    assert_clean_error(result, 1)
    assert "not valid JSON" in result.stderr


def test_a_department_workbook(root: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "说明"
    data = book.create_sheet("需求清单")
    data.append(
        ["序号", "需求名称", "需求部门", "提出人", "优先级", "期望完成时间", "工作量", "备注"]
    )
    data.append(
        [1, "合同到期提醒", "法务部", "张伟", "紧急", datetime(2026, 12, 15), 3, "老板关注"]
    )
    data.append([2, "发票批量下载", "财务部", None, "中", None, 2.5, None])
    data.append([None, None, None, None, None, None, None, None])
    path = tmp_path / "需求.xlsx"
    book.save(path)
    result = ok(["import", str(path), "--sheet", "需求清单", "--key", "序号"])
    assert "ignored columns 备注" in result.stderr
    reqs = {r["title"]: r for r in _all(root)}
    first = reqs["合同到期提醒"]
    assert (first["department"], first["requester"], first["priority"]) == (
        "法务部",
        "张伟",
        "critical",
    )
    assert first["due"] == date(2026, 12, 15)
    assert first["effort"] == 3
    assert first["import_source"] == "需求:1"
    assert reqs["发票批量下载"]["effort"] == 2.5
    missing = invoke(["import", str(path), "--sheet", "Sheet9"])
    assert_clean_error(missing, 1)
    assert "需求清单" in missing.stderr


def test_a_full_disk_halfway_then_a_rerun_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import threading

    from pmledger.ledger import ledger as ledger_module

    out = tmp_path / "acme.json"
    ok(["--ledger", str(EXAMPLE), "export", "--all", "-o", str(out)])
    target = tmp_path / "new"
    ok(["init", str(target), "--prefix", "ACME"])
    real = ledger_module.create_exclusive
    lock = threading.Lock()
    calls = {"n": 0}

    def full_disk(path: Path, text: str) -> bool:
        with lock:
            calls["n"] += 1
            n = calls["n"]
        if n > 10:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, text)

    monkeypatch.setattr(ledger_module, "create_exclusive", full_disk)
    result = invoke(["--ledger", str(target), "import", str(out)])
    assert_clean_error(result, 1)
    assert "No space left on device" in result.stderr
    written = req_files(target)
    assert 0 < len(written) < 37
    for path in written:  # whole files only, no temporary file left behind
        assert path.read_bytes() == (EXAMPLE / "requirements" / path.name).read_bytes()
    assert [p.name for p in (target / "requirements").iterdir() if p.suffix != ".toml"] == [
        ".gitkeep"
    ]
    monkeypatch.setattr(ledger_module, "create_exclusive", real)
    again = ok(["--ledger", str(target), "import", str(out)])
    assert f"{len(written)} unchanged" in again.stderr
    _same_files(EXAMPLE / "requirements", target / "requirements")


CHINESE_SHEET = (
    "序号,标题,优先级,提出人,部门,截止日期,状态\r\n"
    "1,登录页支持微信扫码,高,王芳,销售部,2026年12月15日,待处理\r\n"
    "2,订单列表按金额排序,紧急,张伟,运营部,2026-12-01,已推迟\r\n"
    "3,审批流程可配置,很高,赵敏,人事部,2026-12-20,提议\r\n"
)


def test_import_speaks_chinese_and_reads_chinese_headers(root: Path, tmp_path: Path) -> None:
    sheet = _write(tmp_path / "需求.csv", CHINESE_SHEET, "gbk")
    dry = invoke(["--lang", "zh", "import", "--dry-run", str(sheet)])
    assert dry.exit_code == 1
    assert "将新建  （新）  第 2 行  登录页支持微信扫码" in dry.stdout
    assert "已按中文 GB18030/GBK 读取" in dry.stderr
    assert "提示：已忽略列 序号（" in dry.stderr
    assert "第 4 行“优先级”列：未知优先级 '很高'" in dry.stderr
    assert "将新建 2 条，更新 0 条，0 条不变，1 行无效（第 4 行）；试运行" in dry.stderr
    assert req_files(root) == []
    done = ok(["--lang", "zh", "import", "--skip-invalid", str(sheet)])
    assert "已新建 2 条" in done.stderr
    # A status written as its Chinese label (已推迟 = deferred) is recognised.
    assert sorted(r["status"] for r in _all(root)) == ["deferred", "proposed"]


def test_import_messages_stay_english_in_english(root: Path, tmp_path: Path) -> None:
    sheet = _write(tmp_path / "s.csv", CHINESE_SHEET, "gbk")
    dry = invoke(["--lang", "en", "import", "--dry-run", str(sheet)])
    assert "would create  (new)  row 2  登录页支持微信扫码" in dry.stdout
    assert "row 4, column '优先级': unknown priority '很高'" in dry.stderr
    assert "2 to create, 0 to update, 0 unchanged, 1 invalid row (4); dry run" in dry.stderr


def test_export_files_do_not_change_with_the_language(root: Path, tmp_path: Path) -> None:
    ok(["import", str(_write(tmp_path / "s.csv", CHINESE_SHEET.replace("很高", "高")))])
    for fmt in ("json", "jsonl", "csv"):
        zh = ok(["--lang", "zh", "export", "--all", "-f", fmt]).stdout_bytes
        en = ok(["--lang", "en", "export", "--all", "-f", fmt]).stdout_bytes
        assert zh == en, fmt
    assert b"priority" in zh and "登录页".encode() in zh
    said = ok(["--lang", "zh", "export", "--excel", "-o", str(tmp_path / "out.csv")]).stderr
    assert "已导出 2 条需求到" in said
    assert "已推迟的需求未导出" in said
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbfid,title,status,")


def test_import_export_help_in_chinese_has_examples_and_placeholders() -> None:
    for command, placeholder in (("import", "COLUMN=FIELD"), ("export", "FORMAT")):
        shown = ok(["--lang", "zh", command, "--help"], env={"COLUMNS": "80"}).stdout
        assert "示例：" in shown and placeholder in shown
        assert "…" not in shown, shown


def test_rows_known_only_by_number_never_overwrite_another_file_s(
    root: Path, tmp_path: Path
) -> None:
    # Two departments send a 需求.csv: the second must not replace the first's
    # requirement; two `import -` are two sets of new requirements.
    for folder, title, department in (
        ("sales", "销售部的需求一", "销售部"),
        ("finance", "财务部的需求一", "财务部"),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "需求.csv").write_text(
            f"标题,部门\n{title},{department}\n", encoding="utf-8"
        )
    ok(["import", str(tmp_path / "sales" / "需求.csv")])
    refused = invoke(["import", str(tmp_path / "finance" / "需求.csv")])
    assert refused.exit_code == 1 and "--source" in refused.stderr
    ok(["import", str(tmp_path / "finance" / "需求.csv"), "--source", "finance-需求"])
    for text in ("stdin csv,high", "A totally different request,low"):
        ok(["import", "-"], input=f"title,priority\n{text}\n")
    titles = sorted(json.loads(ok(["list", "-f", "json"]).stdout), key=lambda r: r["title"])
    assert [r["title"] for r in titles] == sorted(
        ["销售部的需求一", "财务部的需求一", "stdin csv", "A totally different request"]
    )
    # The same file again, its title edited by its department: an update.
    (tmp_path / "sales" / "需求.csv").write_text(
        "标题,部门\n销售部的需求一（修订）,销售部\n", "utf-8"
    )
    assert "updated" in ok(["import", str(tmp_path / "sales" / "需求.csv")]).stdout


def test_excel_with_another_format_is_refused_not_ignored(tmp_path: Path) -> None:
    copy_example(tmp_path)
    for args in (["-f", "xlsx", "-o", str(tmp_path / "x.xlsx")], ["-o", str(tmp_path / "x.xlsx")]):
        refused = invoke(["export", "--excel", *args])
        assert_clean_error(refused, 2)
        assert "--excel writes CSV" in refused.stderr
        assert not (tmp_path / "x.xlsx").exists()
    assert_clean_error(invoke(["export", "--excel", "-f", "json"]), 2)
    assert ok(["export", "--excel", "-o", str(tmp_path / "x.csv")])
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_taskwarrior_recurring_template_is_not_imported_beside_its_instances(
    root: Path, tmp_path: Path
) -> None:
    template = {
        "uuid": "tpl-1",
        "description": "每周销售周报",
        "entry": "20261101T080000Z",
        "status": "recurring",
        "recur": "weekly",
        "due": "20261106T090000Z",
    }
    instances = [
        {
            "uuid": f"inst-{n}",
            "description": "每周销售周报",
            "entry": "20261101T080000Z",
            "status": "pending",
            "parent": "tpl-1",
            "due": f"202611{6 + 7 * n:02d}T090000Z",
        }
        for n in range(2)
    ]
    path = _write(tmp_path / "tasks.json", json.dumps([template, *instances]))
    result = ok(["import", str(path)])
    assert "recurring task template" in result.stderr
    dues = sorted(str(r.get("due")) for r in _all(root))
    assert dues == ["2026-11-06", "2026-11-13"]


def test_jira_times_are_the_local_time_they_were_written_in(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jira writes times without a zone, in the exporting user's time: a
    comment's is read as local time, as the creation time is (not as UTC)."""
    import time

    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset")
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        sheet = _write(tmp_path / "jira.csv", "\n".join([JIRA_HEADER, *JIRA_ROWS]) + "\n")
        ok(["import", str(sheet)])
        crm12 = {r["import_source"]: r for r in _all(root)}["jira:CRM-12"]
        shanghai = timezone(timedelta(hours=8))
        assert crm12["notes"][0]["at"] == datetime(2025, 11, 18, 9, 30, tzinfo=shanghai)
        assert crm12["created"] == datetime(2025, 11, 17, 15, 45, tzinfo=shanghai)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
