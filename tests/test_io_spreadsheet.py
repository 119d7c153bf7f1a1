"""Files as a business department's spreadsheet gives them back.

An export opened in Excel (or LibreOffice), edited, and saved again as CSV or
XLSX: what the spreadsheet changes on the way must not change the ledger.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pmledger.io import columns, csvfile, xlsxfile
from pmledger.io.mapping import Mapping
from pmledger.io.planner import Options, plan_import
from pmledger.io.records import Table
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings

from .conftest import make

openpyxl = pytest.importorskip("openpyxl")

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
FORMULA_TITLES = ['=HYPERLINK("http://x","y")', "+1 客户反馈", "-折扣", "@某人 看一下"]


def _options(settings: Settings | None = None) -> Options:
    return Options(
        mapping=Mapping.build(settings or Settings()), source="sheet", now=NOW, as_of=TODAY
    )


def _resaved_as_xlsx(csv_bytes: bytes) -> bytes:
    """A CSV opened in a spreadsheet and saved as XLSX: every cell as the sheet shows it.

    Excel and LibreOffice show the `'` that makes `=x` inert in a CSV, and keep it.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"), newline="")):
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # text, as the spreadsheet typed these cells
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _plan(table: Table, existing: list[Requirement], settings: Settings | None = None):  # type: ignore[no-untyped-def]
    plan = plan_import(table, existing, _options(settings))
    assert plan.problems == []
    return plan


def test_a_csv_export_saved_as_xlsx_imports_its_formula_like_titles_unchanged() -> None:
    reqs = [make(f"REQ-AAAA{i}", title=t) for i, t in enumerate(FORMULA_TITLES)]
    headers = ["id", "title"]
    data = csvfile.dumps(headers, columns.rows(reqs, headers), excel=True)
    assert "'=HYPERLINK" in data.decode("utf-8-sig")
    table = xlsxfile.loads(_resaved_as_xlsx(data), name="x.xlsx")
    plan = _plan(table, reqs)
    assert [a.kind for a in plan.actions] == ["unchanged"] * len(reqs)


def test_an_xlsx_export_gives_back_a_title_that_starts_with_a_quote() -> None:
    titles = ["'=x", "''+y", "'plain", "it's"]
    reqs = [make(f"REQ-AAAA{i}", title=t) for i, t in enumerate(titles)]
    headers = ["id", "title"]
    table = xlsxfile.loads(xlsxfile.dumps(headers, columns.rows(reqs, headers)), name="x.xlsx")
    plan = _plan(table, reqs)
    assert [a.kind for a in plan.actions] == ["unchanged"] * len(reqs)
    # `'plain` and `it's` are not formula-like: the sheet shows them as they are.
    book = openpyxl.load_workbook(io.BytesIO(xlsxfile.dumps(headers, columns.rows(reqs, headers))))
    assert [c.value for c in book.active["B"]][1:] == ["''=x", "'''+y", "'plain", "it's"]


CUSTOM = {
    "urgent": True,
    "contract_end": date(2026, 12, 1),
    "meeting": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    "order_no": "007123",
    "share": 0.25,
    "note_text": "true story",
    "kickoff": datetime(2026, 11, 20, 0, 0),  # local, at midnight: not a date
}


def _custom_settings() -> Settings:
    return Settings.model_validate({"ledger": {"custom_fields": list(CUSTOM)}})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_custom_fields_keep_their_type_through_an_export_and_back(fmt: str) -> None:
    settings = _custom_settings()
    req = make("REQ-AAAAA", **CUSTOM)
    headers = columns.default_columns([req], settings.ledger.custom_fields)
    cells = columns.rows([req], headers)
    if fmt == "csv":
        table = csvfile.loads(csvfile.dumps(headers, cells, excel=True), name="x.csv")
    else:
        table = xlsxfile.loads(xlsxfile.dumps(headers, cells), name="x.xlsx")
    again = _plan(table, [req], settings)
    assert [(a.kind, a.changes) for a in again.actions] == [("unchanged", [])]
    fresh = _plan(table, [], settings)
    expected = dict(req.extra)
    if fmt == "xlsx":
        # A worksheet cell cannot tell a date from a local midnight: without a
        # value to follow, a date it is.
        expected["kickoff"] = date(2026, 11, 20)
    assert fresh.actions[0].requirement.extra == expected


def test_a_custom_date_respelled_by_excel_stays_a_date() -> None:
    settings = _custom_settings()
    req = make("REQ-AAAAA", **CUSTOM)
    table = csvfile.loads(
        "\ufeffid,contract_end,urgent\r\nREQ-AAAAA,2027/1/15,TRUE\r\n".encode(), name="x.csv"
    )
    plan = _plan(table, [req], settings)
    assert plan.actions[0].requirement.extra["contract_end"] == date(2027, 1, 15)
    assert plan.actions[0].requirement.extra["urgent"] is True
    assert [c.field for c in plan.actions[0].changes] == ["contract_end"]


def test_json_strings_of_custom_fields_stay_strings() -> None:
    from pmledger.io import jsonfile

    settings = _custom_settings()
    data = b'[{"title": "x", "urgent": "true", "contract_end": "2026-12-01"}]'
    plan = _plan(jsonfile.loads(data, name="x.json", lines=False), [], settings)
    assert plan.actions[0].requirement.extra == {"urgent": "true", "contract_end": "2026-12-01"}


def test_a_merged_cell_gives_its_value_to_every_row_it_spans() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["标题", "优先级", "部门", "提出人"])
    sheet.append(["日报", "高", "销售部", "李雷"])
    sheet.append(["周报", "中", None, "韩梅梅"])
    sheet.append(["月报", "低", None, None])
    sheet.append(["跨两列的标题", None, "财务部", None])
    sheet.append([None, None, None, None])  # a spacer row under nothing merged
    sheet.merge_cells("C2:C4")  # one department for three rows
    sheet.merge_cells("D3:D4")  # one requester for two
    sheet.merge_cells("A5:B5")  # across columns: the value is the title's only
    out = io.BytesIO()
    book.save(out)
    table = xlsxfile.loads(out.getvalue(), name="x.xlsx")
    plan = _plan(table, [])
    got = [
        (a.row, r.title, r.priority.value, r.department, r.requester)
        for a in plan.actions
        for r in [a.requirement]
    ]
    assert got == [
        (2, "日报", "high", "销售部", "李雷"),
        (3, "周报", "medium", "销售部", "韩梅梅"),
        (4, "月报", "low", "销售部", "韩梅梅"),
        (5, "跨两列的标题", "medium", "财务部", None),
    ]


def test_two_columns_for_one_field_that_disagree_are_a_problem_of_the_row() -> None:
    table = csvfile.loads("标题,需求名称,优先级\n甲,甲,高\n乙,丙,低\n".encode(), name="x.csv")
    plan = plan_import(table, [], _options())
    assert [a.requirement.title for a in plan.actions] == ["甲"]
    assert [(p.row, p.column) for p in plan.problems] == [(3, "需求名称")]
    assert '--map "需求名称="' in plan.problems[0].message
    same = csvfile.loads("标题,标题\n甲,乙\n".encode(), name="x.csv")
    assert "rename one" in plan_import(same, [], _options()).problems[0].message


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_column_without_a_header_is_named_by_its_letter_when_it_holds_something(
    fmt: str,
) -> None:
    rows = [["标题", None, "优先级", None], ["甲", "x", "高", None], ["乙", None, "低", None]]
    if fmt == "csv":
        text = "\r\n".join(",".join(c or "" for c in r) for r in rows)
        table = csvfile.loads(text.encode(), name="x.csv")
    else:
        book = openpyxl.Workbook()
        for r in rows:
            book.active.append(r)
        out = io.BytesIO()
        book.save(out)
        table = xlsxfile.loads(out.getvalue(), name="x.xlsx")
    plan = plan_import(table, [], _options())
    assert plan.ignored_columns == ["(B)"]
    mapped = Options(
        mapping=Mapping.build(Settings(), columns=["(B)=description"]),
        source="sheet",
        now=NOW,
        as_of=TODAY,
    )
    assert plan_import(table, [], mapped).actions[0].requirement.description == "x"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("27.11.2026", date(2026, 11, 27)),  # Excel in a German or Russian locale
        ("1.2.2027", date(2027, 2, 1)),
        ("46387", date(2026, 12, 31)),  # a date column formatted as General
        (46387, date(2026, 12, 31)),
        (46387.75, datetime(2026, 12, 31, 18, 0)),
    ],
)
def test_dates_as_spreadsheets_save_them(cell: object, expected: object) -> None:
    from pmledger.io.values import parse_moment

    assert parse_moment(cell, as_of=TODAY) == expected


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("12/05/2026", "day or the month first"),  # US or UK: only the writer knows
        ("31.02.2026", "not a date"),
        ("3", "not a date"),  # a small number is no day number
        (3, "not a date"),
    ],
)
def test_dates_that_cannot_be_told_are_refused(cell: object, why: str) -> None:
    from pmledger.io.values import parse_moment

    with pytest.raises(ValueError, match=why):
        parse_moment(cell, as_of=TODAY)


def test_a_percentage_is_a_fraction_and_a_scoring_problem_names_its_column() -> None:
    table = csvfile.loads(
        (
            "title,rice.reach,rice.impact,rice.confidence,rice.effort\n"
            "甲,100,2,80%,1\n乙,100,2,８０％,1\n丙,100,2,50,1\n"
        ).encode(),
        name="x.csv",
    )
    plan = plan_import(table, [], _options())
    assert [a.requirement.rice for a in plan.actions] == [
        {"reach": 100, "impact": 2, "confidence": 0.8, "effort": 1}
    ] * 2
    assert [(p.row, p.column) for p in plan.problems] == [(4, "rice.confidence")]


def _ods() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "fmt", "said"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "csv", "Excel 97-2003"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "xlsx", "password-protected"),
        (_ods(), "xlsx", "OpenDocument spreadsheet (.ods)"),
    ],
)
def test_a_workbook_pmledger_cannot_read_is_named_with_what_to_save_it_as(
    data: bytes, fmt: str, said: str
) -> None:
    from pmledger.errors import ImportFileError
    from pmledger.io.readers import read_table

    with pytest.raises(ImportFileError, match=re.escape(said)) as caught:
        read_table(data, name="需求.xls", fmt=fmt)
    assert ".xlsx" in str(caught.value)
    assert "encoding" not in str(caught.value)


def test_a_title_row_above_the_header_is_named_not_blamed_on_every_row() -> None:

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026年Q4 销售部需求清单"])
    sheet.merge_cells("A1:C1")
    sheet.append(["需求名称", "优先级", "提出人"])
    sheet.append(["日报", "高", "李雷"])
    out = io.BytesIO()
    book.save(out)
    table = xlsxfile.loads(out.getvalue(), name="x.xlsx")
    plan = plan_import(table, [], _options())
    assert plan.actions == []
    assert [(p.row, p.column) for p in plan.problems] == [(1, None)]
    assert "row 2 looks like the header" in plan.problems[0].message
    unknown = plan_import(csvfile.loads(b"foo,bar\n1,2\n", name="x.csv"), [], _options())
    assert "the header names no field" in unknown.problems[0].message
    assert unknown.ignored_columns == ["foo", "bar"]  # what `--map` hints start from


@pytest.mark.parametrize("args", [["list"], ["rank"], ["rank", "--matrix"]])
def test_listing_csv_keeps_formula_like_titles_inert_and_imports_back(
    root: Path, tmp_path: Path, args: list[str]
) -> None:
    from .cli_helpers import ok

    titles = ['=HYPERLINK("http://x","y")', "-折扣", "'+已加引号", "#N/A", "普通"]
    for title in titles:
        ok(["add", "--no-input", "--", title])
    out = ok([*args, "-f", "csv", "--as-of", "2026-11-27"]).stdout
    shown = sorted(r["title"] for r in csv.DictReader(io.StringIO(out)))
    assert shown == sorted(["'" + t for t in titles[:4]] + ["普通"])
    path = tmp_path / "list.csv"
    path.write_text(out, encoding="utf-8")
    imported = ok(["import", str(path), "--dry-run"]).stderr
    assert "0 to create, 0 to update, 5 unchanged" in imported


def test_a_workbook_whose_first_sheet_is_not_the_list_points_to_the_others() -> None:

    book = openpyxl.Workbook()
    book.active.title = "填写说明"
    book.active.append(["请在“需求”表中填写，每行一条需求。"])
    book.active.append(["优先级填 高/中/低"])
    book.create_sheet("需求").append(["需求名称", "优先级"])
    book["需求"].append(["日报", "高"])
    out = io.BytesIO()
    book.save(out)
    table = xlsxfile.loads(out.getvalue(), name="x.xlsx")
    assert table.notices == [
        "x.xlsx: read its first sheet '填写说明' (of 填写说明, 需求); --sheet NAME reads another"
    ]
    problems = plan_import(table, [], _options()).problems
    assert "--sheet NAME reads another of 填写说明, 需求" in problems[0].message
    chosen = xlsxfile.loads(out.getvalue(), name="x.xlsx", sheet="需求")
    assert chosen.notices == []
    assert [a.requirement.title for a in _plan(chosen, []).actions] == ["日报"]


@pytest.fixture
def in_beijing(monkeypatch: pytest.MonkeyPatch) -> object:
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_created_time_typed_in_a_sheet_is_local_time(in_beijing: object) -> None:
    from datetime import timedelta, timezone

    table = csvfile.loads("标题,创建时间\n甲,2026-11-20 09:30\n".encode(), name="x.csv")
    created = _plan(table, []).actions[0].requirement.created
    assert created == datetime(2026, 11, 20, 9, 30, tzinfo=timezone(timedelta(hours=8)))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_empty_rows_above_the_header_are_skipped_and_rows_keep_their_numbers(fmt: str) -> None:
    if fmt == "csv":
        table = csvfile.loads(
            ",,\r\n,,\r\n,标题,部门\r\n,甲,销售部\r\n,乙,\r\n".encode(), name="x.csv"
        )
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet["B3"], sheet["C3"] = "标题", "部门"
        sheet["B4"], sheet["C4"], sheet["B5"] = "甲", "销售部", "乙"
        sheet.merge_cells("C4:C5")
        out = io.BytesIO()
        book.save(out)
        table = xlsxfile.loads(out.getvalue(), name="x.xlsx")
    assert table.header_row == 3
    got = [(a.row, a.requirement.title, a.requirement.department) for a in _plan(table, []).actions]
    assert got == [(4, "甲", "销售部"), (5, "乙", "销售部" if fmt == "xlsx" else None)]


def test_a_semicolon_csv_with_a_blank_first_line_is_still_read_by_semicolons() -> None:
    table = csvfile.loads("\r\n标题;部门\r\n甲;销售部\r\n".encode(), name="x.csv")
    assert [r.cells for r in table.records] == [[("标题", "甲"), ("部门", "销售部")]]


def test_a_semicolon_csv_writes_decimals_with_a_comma() -> None:
    # Excel in a German or French locale: ";" between cells, "," before decimals.
    data = "\ufefftitle;effort;rice.confidence;tags\r\n甲;2,5;12,5%;a,b\r\n".encode()
    req = _plan(csvfile.loads(data, name="x.csv"), []).actions[0].requirement
    assert (req.effort, req.rice, req.tags) == (2.5, {"confidence": 0.125}, ["a", "b"])
    comma = csvfile.loads(b'title,effort\nx,"2,5"\n', name="x.csv")
    assert "not a number" in plan_import(comma, [], _options()).problems[0].message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026/11/20 9:30", datetime(2026, 11, 20, 9, 30)),  # Excel on a Chinese Windows
        ("2026-11-20 9:30", datetime(2026, 11, 20, 9, 30)),
        ("2026年12月1日 18:00", datetime(2026, 12, 1, 18, 0)),
        ("27.11.2026 09:30:15", datetime(2026, 11, 27, 9, 30, 15)),
    ],
)
def test_date_times_as_spreadsheets_save_them(cell: str, expected: datetime) -> None:
    from pmledger.io.values import parse_moment

    assert parse_moment(cell, as_of=TODAY) == expected


def test_a_due_date_time_from_a_chinese_excel_is_its_day() -> None:
    table = csvfile.loads("标题,截止日期\n甲,2026/12/1 18:00\n".encode(), name="x.csv")
    assert _plan(table, []).actions[0].requirement.due == date(2026, 12, 1)


def test_created_rows_with_the_titles_of_existing_requirements_are_noted() -> None:
    existing = [make(f"REQ-AAAA{i}", title=t) for i, t in enumerate(["客户列表导出 Excel", "日报"])]
    # The id column deleted from an export: every row would be a duplicate.
    table = csvfile.loads("标题\n客户列表导出excel。\n周报\n日报\n".encode(), name="x.csv")
    plan = _plan(table, existing)
    assert [a.kind for a in plan.actions] == ["create"] * 3
    assert plan.notices == [
        "rows 2, 4 create requirements with the titles of REQ-AAAA0, REQ-AAAA1: duplicates? "
        "An id column (or --key) updates them instead"
    ]
    assert _plan(csvfile.loads("标题\n周报\n".encode(), name="x.csv"), existing).notices == []


def test_a_long_number_is_written_as_text_so_that_excel_keeps_every_digit() -> None:
    settings = Settings.model_validate({"ledger": {"custom_fields": ["order_no", "small"]}})
    req = make("REQ-AAAAA", order_no=123456789012345678, small=10**15 - 1)
    headers = ["id", "order_no", "small"]
    data = xlsxfile.dumps(headers, columns.rows([req], headers))
    row = next(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2))
    # Excel stores numbers as doubles: 15 digits are exact, 18 are not.
    assert [(c.value, c.data_type) for c in row[1:]] == [
        ("123456789012345678", "s"),
        (10**15 - 1, "n"),
    ]
    plan = _plan(xlsxfile.loads(data, name="x.xlsx"), [req], settings)
    assert [a.kind for a in plan.actions] == ["unchanged"]


def test_a_formula_error_in_a_cell_is_a_problem_not_a_value() -> None:
    table = csvfile.loads("标题,负责人,备注\n甲,#N/A,#REF!\n乙,李四,\n".encode(), name="x.csv")
    plan = plan_import(table, [], _options())
    assert [a.requirement.title for a in plan.actions] == ["乙"]
    # The ignored column 备注 holds an error too: nobody asked for it.
    assert [(p.row, p.column) for p in plan.problems] == [(2, "负责人")]
    assert "#N/A is a spreadsheet's error" in plan.problems[0].message


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_that_reads_as_a_formula_error_round_trips(fmt: str) -> None:
    titles = ["#N/A", "'#REF!", "#N/A 以后再说", "#crm"]
    reqs = [make(f"REQ-AAAA{i}", title=t, tags=[t.split()[0]]) for i, t in enumerate(titles)]
    headers = ["id", "title", "tags"]
    cells = columns.rows(reqs, headers)
    if fmt == "csv":
        data = csvfile.dumps(headers, cells, excel=True)
        assert "\r\nREQ-AAAA0,'#N/A,'#N/A\r\n" in data.decode("utf-8-sig")
        table = csvfile.loads(data, name="x.csv")
    else:
        table = xlsxfile.loads(xlsxfile.dumps(headers, cells), name="x.xlsx")
    assert [a.kind for a in _plan(table, reqs).actions] == ["unchanged"] * len(reqs)


def test_a_sheet_larger_than_a_spreadsheet_holds_is_refused_not_read_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crafted sheet of 2M rows took 5.6 GB to read: past Excel's own
    limits (here lowered) the import stops with a sentence."""
    from pmledger.errors import ImportFileError

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["title", "priority", "owner"])
    for n in range(6):
        sheet.append([f"Title {n}", "high", None])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    assert len(xlsxfile.loads(data, name="big.xlsx").records) == 6
    monkeypatch.setattr(xlsxfile, "MAX_ROWS", 5)
    with pytest.raises(ImportFileError, match="more rows than a spreadsheet holds"):
        xlsxfile.loads(data, name="big.xlsx")
    monkeypatch.setattr(xlsxfile, "MAX_ROWS", 10)
    monkeypatch.setattr(xlsxfile, "MAX_COLUMNS", 2)
    with pytest.raises(ImportFileError, match="more columns"):
        xlsxfile.loads(data, name="big.xlsx")
