"""The import/export core: cells, encodings, mapping and the planner (no CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pmledger.errors import ImportFileError, InvalidValueError
from pmledger.io import columns, csvfile, lists, xlsxfile
from pmledger.io.export import export_bytes
from pmledger.io.mapping import Mapping
from pmledger.io.planner import Options, apply_plan, plan_import
from pmledger.io.readers import guess_format, read_table
from pmledger.io.records import Record, Table
from pmledger.io.values import convert, parse_moment
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.model import Note, Requirement
from pmledger.ledger.settings import Settings
from pmledger.text import cell_len

from .conftest import make

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@given(st.text())
def test_neutralise_then_restore_gives_back_the_text(text: str) -> None:
    assert columns.restore(columns.neutralise(text)) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("'=x", "''=x"),
        ("it's", "it's"),
        ("客户", "客户"),
        ("", ""),
    ],
)
def test_formula_looking_cells_are_neutralised(text: str, shown: str) -> None:
    assert columns.neutralise(text) == shown


@hypothesis_settings(max_examples=60)
@given(
    st.lists(
        st.builds(
            Note,
            at=st.datetimes(min_value=datetime(2000, 1, 1), timezones=st.just(UTC)).map(
                lambda d: d.replace(microsecond=0)
            ),
            # An author's name holds no colon (the one limit of the text form).
            by=st.text(
                st.characters(
                    blacklist_categories=["Cc", "Cs", "Zs", "Zl", "Zp"], blacklist_characters=":"
                ),
                min_size=1,
                max_size=8,
            ),
            text=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r")),
        ),
        max_size=3,
    )
)
def test_notes_as_text_read_back(notes: list[Note]) -> None:
    text = columns.notes_to_text(notes)
    back = [Note.model_validate(n) for n in columns.notes_from_text(text)] if notes else []
    assert back == notes


def test_excel_csv_has_a_bom_crlf_and_inert_formulas() -> None:
    data = csvfile.dumps(
        ["title", "effort"], [["=HYPERLINK(1)", 3], ["客户\n导出", None]], excel=True
    )
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[:2] == ["title,effort", "'=HYPERLINK(1),3"]
    assert '"客户\n导出",' in text
    plain = csvfile.dumps(["title"], [["x"]])
    assert plain == b"title\nx\n"


def test_gbk_csv_is_read_as_chinese_and_said_so() -> None:
    data = "标题,优先级\n客户列表导出,高\n".encode("gbk")
    table = csvfile.loads(data, name="sales.csv")
    assert table.records[0].cells == [("标题", "客户列表导出"), ("优先级", "高")]
    assert "GB18030" in table.notices[0]


def test_an_undecodable_file_is_refused_not_garbled() -> None:
    data = "title\ncafé crème, déjà vu\n".encode("latin-1")
    with pytest.raises(ImportFileError, match="not UTF-8"):
        csvfile.loads(data, name="x.csv")


def test_bom_crlf_and_semicolons_are_read() -> None:
    data = "\ufeff标题;状态\r\n导出;进行中\r\n\r\n".encode()
    table = csvfile.loads(data, name="x.csv")
    assert [r.cells for r in table.records] == [[("标题", "导出"), ("状态", "进行中")]]


def test_a_row_with_extra_cells_is_a_problem_with_its_row() -> None:
    table = csvfile.loads(b"title,due\na,2026-01-01\nb,2026-01-01,oops\n", name="x.csv")
    assert table.records[1].problems[0].row == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2026/11/20", date(2026, 11, 20)),
        ("2026年11月20日", date(2026, 11, 20)),
        ("20/Nov/26", date(2026, 11, 20)),
        ("20/Nov/26 3:45 PM", datetime(2026, 11, 20, 15, 45)),
        ("20261120T101500Z", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("+1w", date(2026, 11, 27)),
    ],
)
def test_dates_in_the_spellings_files_use(text: str, expected: object) -> None:
    assert parse_moment(text, as_of=TODAY) == expected


def test_not_a_date_says_so() -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_moment("2026-13-45", as_of=TODAY)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("标题", "title"),
        ("优先级", "priority"),
        ("提出人", "requester"),
        ("需求方", "requester"),
        ("部门", "department"),
        ("负责人", "owner"),
        ("截止日期", "due"),
        ("工作量", "effort"),
        ("Due Date", "due"),
        ("depends on", "depends_on"),
        ("rice.reach", "rice.reach"),
        ("Whatever", None),
    ],
)
def test_headers_are_recognised(header: str, field: str | None) -> None:
    assert Mapping.build(Settings()).field_for(header) == field


def test_value_mapping_chinese_and_explicit() -> None:
    mapping = Mapping.build(Settings(), statuses=["In Review=accepted"], priorities=["P4=low"])
    assert [mapping.priority(v) for v in ("高", "中", "低", "紧急", "P4", "Highest")] == [
        "high",
        "medium",
        "low",
        "critical",
        "low",
        "critical",
    ]
    assert [mapping.status(v) for v in ("In Review", "进行中", "To Do", "Closed")] == [
        "accepted",
        "in-progress",
        "proposed",
        "done",
    ]
    with pytest.raises(ValueError, match="--map-status"):
        mapping.status("Limbo")


def test_a_mapping_to_an_unknown_field_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="unknown field 'titel'"):
        Mapping.build(Settings(), columns=["Summary=titel"])


def test_cells_convert_per_field() -> None:
    m = Mapping.build(Settings())
    assert convert(m, "tags", "crm；export、 sales", as_of=TODAY) == ["crm", "export", "sales"]
    assert convert(m, "acceptance", "one; two\nthree", as_of=TODAY) == ["one; two", "three"]
    assert convert(m, "effort", "3", as_of=TODAY) == 3
    assert convert(m, "effort", "2.5", as_of=TODAY) == 2.5
    assert convert(m, "due", "", as_of=TODAY) is None
    assert convert(m, "tags", "", as_of=TODAY) == []


@pytest.mark.parametrize(
    ("name", "typed", "items"),
    [
        ("tags", "crm, export", ["crm", "export"]),
        ("tags", "crm\nexport\ncrm", ["crm", "export"]),
        ("depends_on", "ACME-0K3S9；ACME-1", ["ACME-0K3S9", "ACME-1"]),
        ("links", "https://a https://b;https://c", ["https://a", "https://b", "https://c"]),
        ("acceptance", "一, 二\n\n  three  \r\nfour", ["一, 二", "three", "four"]),
        # Square brackets a person types are text, not JSON.
        ("acceptance", "[必填] 用户名\n[]", ["[必填] 用户名", "[]"]),
        ("tags", "[a, b]", ["[a", "b]"]),
        # The JSON array of an export: every item exactly as written.
        ("acceptance", '["a, b", "c\\nd", " e ", "a, b"]', ["a, b", "c\nd", " e ", "a, b"]),
        ("tags", ' ["x;y", "z"] ', ["x;y", "z"]),
    ],
)
def test_a_list_cell_reads_as_typed_or_as_exported(name: str, typed: str, items: list[str]) -> None:
    m = Mapping.build(Settings())
    assert convert(m, name, typed, as_of=TODAY) == items


def test_a_broken_json_list_cell_is_a_problem_not_garbage() -> None:
    m = Mapping.build(Settings())
    with pytest.raises(ValueError, match="list written as JSON"):
        convert(m, "acceptance", '["a, b", “c”]', as_of=TODAY)
    from pmledger import i18n

    with i18n.using("zh"), pytest.raises(ValueError, match="不是有效的 JSON 列表"):
        convert(m, "tags", '["a", "b",]', as_of=TODAY)


@pytest.mark.parametrize(
    ("name", "items", "cell"),
    [
        # What reads back exactly stays plain (exports are unchanged for it).
        ("tags", ["crm", "客户 导出"], "crm;客户 导出"),
        ("acceptance", ["one; two, 三，四", "five"], "one; two, 三，四\nfive"),
        ("links", ["https://a", "https://b"], "https://a;https://b"),
        # What the plain form would split, trim, merge or change is a JSON array.
        (
            "acceptance",
            ["第一条, 含逗号", "second\nmultiline?"],
            '["第一条, 含逗号", "second\\nmultiline?"]',
        ),
        ("tags", ["a,b"], '["a,b"]'),
        ("acceptance", [" x"], '[" x"]'),
        ("acceptance", ["x", "x"], '["x", "x"]'),
        ("links", ["a b"], '["a b"]'),
        ("acceptance", ["a\rb"], '["a\\rb"]'),
        ("acceptance", ["\x1b", "\uffff"], '["\\u001b", "\\uffff"]'),
        ("acceptance", ['["x"]'], '["[\\"x\\"]"]'),
        ("acceptance", ['["x'], '["[\\"x"]'),
    ],
)
def test_a_list_cell_is_plain_unless_that_would_change_it(
    name: str, items: list[str], cell: str
) -> None:
    assert lists.to_cell(name, items) == cell
    assert lists.from_cell(name, cell) == items


def _table(*rows: Sequence[tuple[str, object]], start: int = 2) -> Table:
    return Table(records=[Record(row=start + i, cells=list(r)) for i, r in enumerate(rows)])


def _options(settings: Settings, **kw: object) -> Options:
    return Options(
        mapping=Mapping.build(settings),
        source="sheet",
        now=NOW,
        as_of=TODAY,
        **kw,  # type: ignore[arg-type]
    )


def test_every_problem_is_named_by_row_and_column(settings: Settings) -> None:
    table = _table(
        [("标题", "好"), ("截止日期", "2026-02-30")],
        [("标题", ""), ("优先级", "中")],
        [("标题", "ok"), ("状态", "Limbo"), ("工作量", "many")],
    )
    plan = plan_import(table, [], _options(settings))
    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "截止日期"),
        (3, "标题"),
        (4, "状态"),
        (4, "工作量"),
    ]
    assert plan.invalid_rows == [2, 3, 4]


def test_rows_without_identity_are_keyed_by_row_and_reimport_updates(ledger: Ledger) -> None:
    settings = ledger.settings
    table = _table([("标题", "导出"), ("优先级", "高")], [("标题", "SSO")])
    plan = plan_import(table, [], _options(settings))
    assert [a.kind for a in plan.actions] == ["create", "create"]
    apply_plan(ledger, plan)
    existing = ledger.load_all().requirements
    assert sorted(r.import_source or "" for r in existing) == ["sheet:row2", "sheet:row3"]
    again = _table([("标题", "导出"), ("优先级", "低")], [("标题", "SSO")])
    plan2 = plan_import(again, existing, _options(settings))
    assert [a.kind for a in plan2.actions] == ["update", "unchanged"]
    assert [(c.field, c.old, c.new) for c in plan2.actions[0].changes] == [
        ("priority", "high", "low")
    ]


def test_duplicate_keys_in_one_file_are_problems(settings: Settings) -> None:
    table = _table([("title", "a"), ("key", "K1")], [("title", "b"), ("key", "K1")])
    plan = plan_import(table, [], _options(settings, key_column="key"))
    assert len(plan.actions) == 1
    assert plan.problems[0].row == 3 and "also on row 2" in plan.problems[0].message


def test_an_interrupted_import_completes_when_run_again(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = _table(*[[("title", f"item {i}")] for i in range(6)])
    plan = plan_import(table, [], _options(ledger.settings))
    from pmledger.ledger import ledger as ledger_module

    # Ctrl-C while the batch (Ledger.create_many) gives files their names.
    calls = {"n": 0}
    real = ledger_module.link_exclusive

    def flaky(tmp: Path, path: Path) -> bool:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(tmp, path)

    monkeypatch.setattr(ledger_module, "link_exclusive", flaky)
    with pytest.raises(KeyboardInterrupt):
        apply_plan(ledger, plan)
    monkeypatch.setattr(ledger_module, "link_exclusive", real)
    assert len(ledger.file_ids()) == 3
    assert not [p for p in ledger.requirements_dir.iterdir() if p.suffix == ".tmp"]
    plan2 = plan_import(table, ledger.load_all().requirements, _options(ledger.settings))
    assert [a.kind for a in plan2.actions].count("unchanged") == 3
    apply_plan(ledger, plan2)
    titles = sorted(r.title for r in ledger.load_all().requirements)
    assert titles == [f"item {i}" for i in range(6)]


def test_update_keeps_what_the_file_does_not_carry(ledger: Ledger) -> None:
    req = ledger.create(make(title="Old", owner="李雷", import_source="sheet:K1"))
    table = _table([("title", "New"), ("key", "K1"), ("due", "")])
    plan = plan_import(table, [req], _options(ledger.settings, key_column="key"))
    new = plan.actions[0].requirement
    assert (new.id, new.title, new.owner, new.created) == (req.id, "New", "李雷", req.created)


def test_cjk_counts_twice_in_column_widths() -> None:
    assert cell_len("客户ab") == 6


def test_formats_are_guessed_from_name_and_content(tmp_path: Path) -> None:
    assert guess_format(Path("x.csv"), b"Summary,Issue key,Status\n") == "jira-csv"
    assert guess_format(Path("x.csv"), "标题\n".encode()) == "csv"
    assert guess_format(Path("x.json"), b'[{"number": 1, "title": "t", "state": "OPEN"}]') == (
        "github-json"
    )
    assert (
        guess_format(Path("x"), b'[{"uuid": "u", "description": "d", "entry": "x"}]')
        == "taskwarrior-json"
    )
    assert guess_format(Path("x.jsonl"), b"{}") == "jsonl"
    assert guess_format(Path("x.bin"), b"PK\x03\x04") == "xlsx"


# -- round trips ---------------------------------------------------------------------

_TEXT = st.text(
    st.sampled_from([*"abcXYZ 09=+-@'\"，、；客户导出需求", "\n"]), min_size=1, max_size=12
)
_ONE_LINE = _TEXT.map(lambda s: " ".join(s.split())).filter(bool)
_WORD = st.text(st.sampled_from(list("abc客户=+@'-")), min_size=1, max_size=6)


@st.composite
def _requirements(draw: st.DrawFn) -> list[Requirement]:
    out = []
    for i in range(draw(st.integers(1, 4))):
        fields: dict[str, object] = {
            "title": draw(_ONE_LINE),
            "status": draw(st.sampled_from(["proposed", "in-progress", "done"])),
            "priority": draw(st.sampled_from(["critical", "high", "medium", "low"])),
            "created": draw(
                st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1))
            ).replace(microsecond=0, tzinfo=UTC),
            "owner": draw(st.none() | _ONE_LINE),
            "tags": draw(st.lists(_WORD, max_size=3, unique=True)),
            "due": draw(st.none() | st.dates(date(2020, 1, 1), date(2030, 1, 1))),
            "effort": draw(st.none() | st.integers(0, 40) | st.sampled_from([0.5, 2.5])),
            "description": draw(st.none() | _TEXT.filter(lambda s: s.strip() == s and s)),
            "acceptance": draw(st.lists(_ONE_LINE, max_size=2, unique=True)),
            "notes": draw(
                st.lists(
                    st.builds(
                        Note,
                        at=st.just(NOW),
                        by=st.sampled_from(["王芳", "Ann"]),
                        text=_TEXT.filter(lambda s: s.strip() == s and s),
                    ),
                    max_size=2,
                )
            ),
        }
        out.append(make(f"REQ-{i:05d}", **fields))
    return out


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@hypothesis_settings(max_examples=30, deadline=None)
@given(reqs=_requirements())
def test_rows_round_trip_every_field(fmt: str, reqs: list[object]) -> None:
    from pmledger.ledger.model import Requirement

    typed = [r for r in reqs if isinstance(r, Requirement)]
    headers = columns.default_columns(typed, [])
    cells = columns.rows(typed, headers, notes_text=True)
    if fmt == "csv":
        table = csvfile.loads(csvfile.dumps(headers, cells, excel=True), name="x.csv")
    else:
        pytest.importorskip("openpyxl")
        table = xlsxfile.loads(xlsxfile.dumps(headers, cells), name="x.xlsx")
    plan = plan_import(table, [], _options(Settings()))
    assert plan.problems == []
    back = [a.requirement for a in plan.actions]
    assert [r.model_dump() for r in back] == [r.model_dump() for r in typed]


def test_problems_and_encoding_refusals_in_chinese() -> None:
    from pmledger import i18n
    from pmledger.io.records import Problem

    with i18n.using("zh"):
        assert str(Problem(3, "标题为空", "标题")) == "第 3 行“标题”列：标题为空"
        with pytest.raises(ImportFileError, match="不是 UTF-8"):
            csvfile.decode(b"abc\x80\xff", name="x.csv")
    assert str(Problem(3, "empty", "标题")) == "row 3, column '标题': empty"


# Items a spreadsheet cell makes hard: separators of every list, line breaks,
# quotes, brackets, spaces (full-width too), formula starts, control characters.
_HARD_ITEM = st.text(
    st.one_of(
        st.sampled_from([*";；,，、\n\r\t \u3000\"'[]{}=+-@\\", *"第一条含逗号x"]),
        st.characters(blacklist_categories=["Cs"]),
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip())  # the file format refuses a blank item


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("field", ["acceptance", "tags", "links"])
@hypothesis_settings(max_examples=60, deadline=None)
@given(items=st.lists(_HARD_ITEM, max_size=5))
def test_any_list_survives_export_then_import(fmt: str, field: str, items: list[str]) -> None:
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    fields: dict[str, object] = {field: items}
    req = make("REQ-AAAAA", **fields)
    data = export_bytes([req], fmt=fmt, notes_text=True)
    table = read_table(data, name=f"x.{fmt}", fmt=fmt)
    again = plan_import(table, [req], _options(Settings()))
    assert again.problems == []
    assert [(a.kind, a.changes) for a in again.actions] == [("unchanged", [])]
    fresh = plan_import(table, [], _options(Settings()))
    assert getattr(fresh.actions[0].requirement, field) == items


@pytest.mark.parametrize("field", ["acceptance", "tags", "links", "depends_on"])
@hypothesis_settings(max_examples=300)
@given(items=st.lists(_HARD_ITEM | st.sampled_from(["crm", "客户 导出", "x", "[x]"]), max_size=4))
def test_a_list_cell_reads_back_as_its_items(field: str, items: list[str]) -> None:
    cell = lists.to_cell(field, items)
    assert (lists.from_cell(field, cell) if cell is not None else []) == items


def test_a_row_says_all_its_problems_in_one_run(settings: Settings) -> None:
    """A cell that cannot be converted (a bad date) no longer hides the row's
    other problems: a blank title, a second bad field, a bad ID. Each once."""
    table = _table(
        [("标题", ""), ("截止日期", "2026-02-30"), ("工作量", "many")],
        [("标题", "ok"), ("优先级", "hihg"), ("截止日期", "明年某天")],
        [("ID", "12"), ("标题", "x"), ("截止日期", "2026-13-01")],
    )
    plan = plan_import(table, [], _options(settings))
    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "截止日期"),
        (2, "工作量"),
        (2, "标题"),
        (3, "优先级"),
        (3, "截止日期"),
        (4, "截止日期"),
        (4, "ID"),
    ]
    assert plan.invalid_rows == [2, 3, 4]


def test_a_mistyped_priority_or_status_in_a_file_suggests_the_one_meant(
    settings: Settings,
) -> None:
    table = _table([("标题", "a"), ("优先级", "hihg"), ("状态", "acepted")])
    messages = [p.message for p in plan_import(table, [], _options(settings)).problems]
    assert len(messages) == 2
    assert messages[0].endswith("did you mean 'high'?")
    assert messages[1].endswith("did you mean 'accepted'?")
    table = _table([("标题", "a"), ("优先级", "whenever")])
    assert "did you mean" not in plan_import(table, [], _options(settings)).problems[0].message
