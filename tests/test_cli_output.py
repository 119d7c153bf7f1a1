"""The one renderer: formats from data, safe text, encodings, terminals and pagers."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pmledger.cli import formats, output
from pmledger.text import cell_len

from .cli_helpers import (
    AS_OF,
    REPO,
    add,
    assert_clean_error,
    copy_example,
    invoke,
    make_ledger,
    ok,
    req_path,
)

EVIL = "Evil \x1b[2J\x1b]0;pwned\x07 \x9b31m title"


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


@pytest.fixture
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout counts as a terminal of 100 x 12 cells."""
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "12")


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ------------------------------------------------------------- one renderer


def test_no_direct_stdout_writes_outside_the_output_module() -> None:
    cli = REPO / "src" / "pmledger" / "cli"
    for path in cli.glob("*.py"):
        if path.name == "output.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "sys.stdout.write" not in text, path.name
        assert 'endswith("OVERDUE")' not in text, path.name
        assert ".print(" not in text, path.name


def test_show_prints_unknown_key_names_literally(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    rid = add("A requirement")
    path = req_path(root, rid)
    path.write_text(
        path.read_text(encoding="utf-8") + '"[blink]x[/blink]" = "[red]v[/red]"\n',
        encoding="utf-8",
    )
    out = ok(["show", rid]).stdout
    assert "[blink]x[/blink]" in out
    assert "[red]v[/red]" in out


# ------------------------------------------------------------- encodings


def _run_bytes(args: list[str], cwd: Path, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    return subprocess.run(
        [sys.executable, "-m", "pmledger", *args],
        cwd=cwd,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", ["list", "rank"])
@pytest.mark.parametrize("encoding", ["gbk", "cp1252"])
def test_output_never_fails_on_the_output_encoding(acme: Path, command: str, encoding: str) -> None:
    title = "Emoji 😀 title ✓ 客户"
    rid = add(title)
    for fmt in ("json", "csv", "markdown"):
        proc = _run_bytes([command, "--as-of", AS_OF, "-f", fmt], acme, encoding)
        assert proc.returncode == 0, proc.stderr
        # Machine formats are UTF-8 bytes whatever the terminal's encoding.
        assert title in proc.stdout.decode("utf-8")
    proc = _run_bytes([command, "--as-of", AS_OF], acme, encoding)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode(encoding)
    assert rid in text
    assert "Emoji ? title" in text


# ------------------------------------------------------------- control characters


def _add_evil(root: Path) -> str:
    rid = add("placeholder")
    path = req_path(root, rid)
    text = path.read_text(encoding="utf-8").replace(
        'title = "placeholder"', 'title = "Evil \\u001b[2J\\u001b]0;pwned\\u0007 \\u009b31m title"'
    )
    path.write_text(text, encoding="utf-8")
    return rid


@pytest.mark.parametrize("command", ["list", "rank"])
@pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
def test_no_format_writes_control_characters_to_a_terminal(
    tmp_path: Path, on_a_terminal: None, command: str, fmt: str
) -> None:
    make_ledger(tmp_path)
    _add_evil(Path.cwd())
    out = ok([command, "-f", fmt]).stdout
    assert "\x1b[2J" not in out and "\x07" not in out and "\x9b" not in out
    # As the table shows it; markdown escapes the backslash and bracket it adds.
    assert ("\\\\x1b\\[2J" if fmt == "markdown" else "\\x1b[2J") in out


def test_csv_to_a_file_keeps_the_exact_text(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    _add_evil(Path.cwd())
    rows = csv_rows(ok(["list", "-f", "csv"]).stdout)
    assert rows[0]["title"] == EVIL


@pytest.mark.parametrize("command", ["list", "rank"])
def test_json_escapes_control_characters_always(tmp_path: Path, command: str) -> None:
    make_ledger(tmp_path)
    _add_evil(Path.cwd())
    out = ok([command, "-f", "json"]).stdout
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    data = json.loads(out)
    items = data if command == "list" else data["items"]
    assert items[0]["title"] == EVIL


def test_json_streams_an_empty_list(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    assert ok(["list", "-f", "json"]).stdout.strip() == "[]"
    assert json.loads(ok(["rank", "-f", "json"]).stdout)["items"] == []


# ------------------------------------------------------------- rank: data, not cells


def test_rank_csv_writes_due_as_a_date_and_overdue_apart(acme: Path) -> None:
    rows = csv_rows(ok(["rank", "--as-of", AS_OF, "-f", "csv"]).stdout)
    assert rows
    for row in rows:
        assert row["due"] == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["due"]), row["due"]
        assert row["overdue"] in ("true", "false")
    assert any(r["overdue"] == "true" for r in rows)


def test_rank_matrix_csv_is_one_row_per_requirement(acme: Path) -> None:
    ranked = json.loads(ok(["rank", "--as-of", AS_OF, "-f", "json"]).stdout)["items"]
    result = ok(["rank", "--as-of", AS_OF, "--matrix", "-f", "csv"])
    rows = csv_rows(result.stdout)
    assert [r["id"] for r in rows] == [i["id"] for i in ranked]
    assert {r["quadrant"] for r in rows} <= {"do", "schedule", "delegate", "drop"}
    matrix = json.loads(ok(["rank", "--as-of", AS_OF, "--matrix", "-f", "json"]).stdout)
    for row in rows:
        assert row["id"] in matrix["quadrants"][row["quadrant"]]


@pytest.mark.parametrize(
    "args", [["--matrix", "--explain"], ["--explain", "-f", "csv"], ["--top", "3", "--no-limit"]]
)
def test_options_a_view_ignores_are_refused(acme: Path, args: list[str]) -> None:
    assert_clean_error(invoke(["rank", "--as-of", AS_OF, *args]), 2)


def test_as_of_is_checked_at_the_edge(acme: Path) -> None:
    assert_clean_error(invoke(["rank", "--as-of", "someday"]), 2)
    assert_clean_error(invoke(["list", "--as-of", "someday"]), 2)


# ------------------------------------------------------------- piped tables


@pytest.mark.parametrize("args", [["list"], ["rank"], ["rank", "--explain"], ["plan", "-c", "20"]])
def test_piped_tables_have_no_trailing_spaces(acme: Path, args: list[str]) -> None:
    out = ok([*args, "--as-of", AS_OF]).stdout
    for line in out.splitlines():
        assert line == line.rstrip(), repr(line)


def test_list_cuts_long_titles_with_an_ellipsis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_ledger(tmp_path)
    long_title = "很长的标题 " + "word " * 40
    rid = add(long_title.strip())
    monkeypatch.setenv("COLUMNS", "80")
    out = ok(["list"]).stdout
    line = next(line for line in out.splitlines() if rid in line)
    assert "…" in line
    assert cell_len(line) <= 80


def test_narrow_rank_keeps_priority_before_due(acme: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "72")
    header = ok(["rank", "--as-of", AS_OF]).stdout.splitlines()[1]
    assert "Priority" in header
    assert "Due" not in header
    assert "Department" not in header


def test_chinese_columns_line_up(acme: Path) -> None:
    lines = ok(["list", "--as-of", AS_OF]).stdout.splitlines()[3:]
    # The column after the title starts at the same cell in every row.
    starts = set()
    for line in lines:
        status = re.search(r"  (accepted|planned|in-progress|proposed)\b", line)
        assert status, line
        starts.add(cell_len(line[: status.start()]))
    assert len(starts) == 1


def test_scores_right_aligned_with_the_same_decimals(acme: Path) -> None:
    lines = ok(["rank", "--as-of", AS_OF]).stdout.splitlines()
    header = lines[1]
    end = cell_len(header[: header.index("Score") + len("Score")])
    scores = []
    for line in lines[3:]:
        match = re.search(r"\s(-?\d+\.\d+)\s", line)
        assert match, line
        assert cell_len(line[: match.end(1)]) == end
        scores.append(match.group(1))
    assert len({len(s.split(".")[1]) for s in scores}) == 1


def test_explain_rows_add_up_to_the_printed_score(acme: Path) -> None:
    out = ok(["rank", "--as-of", AS_OF, "--explain", "--top", "5"]).stdout
    blocks = re.findall(r"score (-?\d+\.\d+)\n(.*?)\ntotal [^\n]*? (-?\d+\.\d+)\n", out, re.S)
    assert len(blocks) == 5
    for printed, body, total in blocks:
        assert printed == total
        contributions = [float(line.split()[-1]) for line in body.splitlines()[2:]]
        assert sum(contributions) == pytest.approx(float(printed), abs=5e-4)


# ------------------------------------------------------------- incomplete inputs


def test_rice_lists_each_requirement_once_with_all_missing_fields(acme: Path) -> None:
    result = invoke(["rank", "--as-of", AS_OF, "--model", "rice"])
    assert_clean_error(result, 1)
    lines = [line for line in result.stderr.splitlines() if line.startswith("  ")]
    ids = [line.split(":")[0].strip() for line in lines]
    assert len(ids) == len(set(ids)) > 1
    full = next(line for line in lines if "rice.reach" in line)
    for key in ("rice.reach", "rice.impact", "rice.confidence", "rice.effort"):
        assert key in full


def test_skip_incomplete_says_it_in_one_line(acme: Path) -> None:
    result = ok(["rank", "--as-of", AS_OF, "--model", "rice", "--skip-incomplete"])
    notes = [line for line in result.stderr.splitlines() if "rice" in line]
    assert len(notes) == 1
    assert notes[0].startswith("left out ")


# ------------------------------------------------------------- terminals


def test_rank_shows_one_screen_on_a_terminal(acme: Path, on_a_terminal: None) -> None:
    result = ok(["rank", "--as-of", AS_OF])
    rows = [line for line in result.stdout.splitlines() if "ACME-" in line]
    total = len(json.loads(ok(["rank", "--as-of", AS_OF, "-f", "json"]).stdout)["items"])
    assert len(rows) < total
    assert f"{total - len(rows)} more — `--no-limit` or `--top N`" in result.stderr
    everything = ok(["rank", "--as-of", AS_OF, "--no-limit"]).stdout
    assert len([line for line in everything.splitlines() if "ACME-" in line]) == total


def test_rank_piped_holds_the_whole_ranking(acme: Path) -> None:
    result = ok(["rank", "--as-of", AS_OF])
    total = len(json.loads(ok(["rank", "--as-of", AS_OF, "-f", "json"]).stdout)["items"])
    assert len([line for line in result.stdout.splitlines() if "ACME-" in line]) == total
    assert "more" not in result.stderr


def _pager_env(tmp_path: Path) -> tuple[str, Path]:
    target = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(
        f"import sys\nopen({str(target)!r}, 'wb').write(sys.stdin.buffer.read())\n",
        encoding="utf-8",
    )
    return f"{sys.executable} {script}", target


def test_list_pages_a_long_table_on_a_terminal(
    acme: Path, tmp_path: Path, on_a_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    command, target = _pager_env(tmp_path)
    monkeypatch.setenv("PMLEDGER_PAGER", command)
    monkeypatch.setenv("PAGER", "false")
    result = ok(["list", "--as-of", AS_OF])
    assert "ACME-" not in result.stdout
    assert "ACME-" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("pager", ["no-such-pager-xyz", "/dev/null"])
def test_a_pager_that_cannot_run_leaves_the_table_on_the_terminal(
    acme: Path, on_a_terminal: None, monkeypatch: pytest.MonkeyPatch, pager: str
) -> None:
    # PAGER misspelled, or no `less` on a minimal system: the shell says so
    # (exit 127 / 126) and the table used to vanish, with exit 0.
    monkeypatch.setenv("PMLEDGER_PAGER", pager)
    result = ok(["list", "--as-of", AS_OF])
    assert "ACME-" in result.stdout


def test_list_no_pager_and_short_output_are_not_paged(
    acme: Path, tmp_path: Path, on_a_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    command, target = _pager_env(tmp_path)
    monkeypatch.setenv("PAGER", command)
    assert "ACME-" in ok(["list", "--as-of", AS_OF, "--no-pager"]).stdout
    assert "ACME-" in ok(["list", "--as-of", AS_OF, "--department", "Finance"]).stdout
    assert not target.exists()


def test_list_is_never_paged_when_not_a_terminal(
    acme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command, target = _pager_env(tmp_path)
    monkeypatch.setenv("PAGER", command)
    monkeypatch.setenv("LINES", "5")
    assert "ACME-" in ok(["list", "--as-of", AS_OF]).stdout
    assert not target.exists()


def test_report_pages_on_a_terminal_unless_told_not_to(
    acme: Path, tmp_path: Path, on_a_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    command, target = _pager_env(tmp_path)
    monkeypatch.setenv("PMLEDGER_PAGER", command)
    result = ok(["report", "--as-of", AS_OF])
    assert "# Requirements progress report" not in result.stdout
    assert "# Requirements progress report" in target.read_text(encoding="utf-8")
    target.unlink()
    assert "# Requirements progress report" in ok(["report", "--no-pager"]).stdout
    assert not target.exists()


# ------------------------------------------------------------- the writer itself


def test_table_writer_is_cjk_width_correct() -> None:
    view = output.View(
        columns=(output.Column("id", "ID", "id"), output.Column("t", "Title", shrink=True)),
        rows=[{"id": "A", "t": "客户列表导出 Excel 客户列表导出"}, {"id": "B", "t": "short"}],
    )
    lines = output.table_lines(view, width=20, color=False)
    assert all(cell_len(line) <= 20 for line in lines)
    assert lines[2].endswith("…")


def test_repeated_cells_are_worded_by_value_and_type() -> None:
    # Cells are converted once per distinct value: True == 1 == 1.0 must not
    # make them share a text, and a repeated control character stays escaped.
    view = output.View(
        columns=(output.Column("v", "Value"), output.Column("d", "Day", "date")),
        rows=[
            {"v": True, "d": "2026-11-20"},
            {"v": 1, "d": None},
            {"v": "a\x1bb", "d": "2026-11-20"},
            {"v": "a\x1bb", "d": None},
            {"v": 1.0, "d": "2026-11-20"},
        ],
    )
    lines = output.table_lines(view, width=None, color=False)
    assert lines[2:] == [
        "True    2026-11-20",
        "1",
        "a\\x1bb  2026-11-20",
        "a\\x1bb",
        "1.0     2026-11-20",
    ]


def test_a_narrow_table_still_cuts_titles_after_wide_ones() -> None:
    rows = [{"id": f"R{i}", "t": "需求" * 20} for i in range(3)]
    view = output.View(
        columns=(output.Column("id", "ID", "id"), output.Column("t", "Title", shrink=True)),
        rows=rows,
    )
    assert output.table_lines(view, width=None, color=False)[2] == "R0  " + "需求" * 20
    narrow = output.table_lines(view, width=24, color=False)
    assert narrow[2].endswith("…") and all(cell_len(line) <= 24 for line in narrow)


def test_decimals_are_shared_by_a_column() -> None:
    view = output.View(
        columns=(output.Column("s", "Score", "score"),),
        rows=[{"s": 1.5}, {"s": 12.25}, {"s": 3.0}],
    )
    assert output.table_lines(view, width=None, color=False)[2:] == [" 1.50", "12.25", " 3.00"]


def _text(data: Any, indent: int | None = None) -> str:
    chunks = formats.json_chunks(data, indent=indent)
    return "".join(c.decode("utf-8") if isinstance(c, bytes) else c for c in chunks)


def _roundtrip(data: Any) -> Any:
    return json.loads(_text(data))


def test_streamed_json_matches_json_dumps() -> None:
    doc = output.JsonDoc(
        head={"a": 1}, key="items", items=iter([{"x": "é"}, {"y": None}]), tail={"z": []}
    )
    assert _roundtrip(doc) == {"a": 1, "items": [{"x": "é"}, {"y": None}], "z": []}
    doc2 = output.JsonDoc(head={"a": 1}, key="items", items=iter([{"x": 1}]), tail={})
    assert json.loads(_text(doc2, indent=2)) == {"a": 1, "items": [{"x": 1}]}
    assert _roundtrip(iter([])) == []


def test_list_json_is_the_stored_model(acme: Path) -> None:
    from pmledger.ledger.ledger import Ledger

    listed = json.loads(ok(["list", "--all", "-f", "json"]).stdout)
    models = {
        r.id: r.model_dump(mode="json") for r in Ledger.discover(acme).load_all().requirements
    }
    assert listed and {item["id"]: item for item in listed} == models


def test_json_runs_join_items_only_when_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    from pmledger.cli import output

    texts = [f'{{"n": {n}, "t": "第{n}"}}' for n in range(2345)]
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: False)
    runs = list(output.json_runs(iter(texts)))
    assert len(runs) == 3
    assert ",".join(runs) == ",".join(texts)
    assert list(output.json_runs([])) == []
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    assert list(output.json_runs(iter(texts))) == texts


@given(
    st.lists(
        st.none()
        | st.text(max_size=6)
        | st.sampled_from(["REQ-ABCDE", "a  b", " x ", "", "客服\u200b", "tab\tbed"]),
        max_size=8,
    ),
    st.sampled_from(["text", "id"]),
)
@example(values=["REQ-1", "a  b"], kind="text")
@example(values=["a ", " b"], kind="text")
@example(values=["ok", "tab\tbed"], kind="id")
def test_text_cells_are_each_values_one_line(values: list[str | None], kind: Any) -> None:
    """The shortcuts for columns of plain texts give the cells the general way gives."""
    assert output._cell_texts(values, kind, 0) == [
        output.one_line(output._plain(v, kind, 0)) for v in values
    ]


@given(
    st.lists(
        st.integers(-(10**7), 10**7) | st.floats(-1e7, 1e7) | st.sampled_from([1, 1.0, 0.5]),
        max_size=8,
    ),
    st.sampled_from(["score", "number", "int"]),
    st.integers(0, 4),
)
def test_number_cells_are_each_values_text(values: list[float], kind: Any, places: int) -> None:
    assert output._cell_texts(values, kind, places) == [
        output.one_line(output._plain(v, kind, places)) for v in values
    ]


# ------------------------------------------------------------- markdown is literal

# HTML, emphasis, code, a link, strike-through, a heading mark, an entity:
# all of it must render as typed on GitHub.
HOSTILE_MD = "<b>x</b> *stars* _u_ `c` [l](http://e.x) ~s~ #h &lt; a|b"


def _rendered(markdown: str) -> str:
    """Markdown as GitHub renders it (CommonMark with GFM tables and strike-through)."""
    from markdown_it import MarkdownIt

    html: str = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    return html


def _assert_literal(markdown: str) -> None:
    import html

    # Any part read as markup (a tag, emphasis, a link...) would break the text.
    shown = _rendered(markdown)
    assert html.escape(HOSTILE_MD, quote=False) in shown, shown


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["rank"],
        ["rank", "--explain"],
        ["rank", "--matrix"],
    ],
)
def test_markdown_shows_a_title_literally(tmp_path: Path, args: list[str]) -> None:
    from pmledger.report.text import esc

    make_ledger(tmp_path)
    add(HOSTILE_MD)
    markdown = ok([*args, "-f", "markdown"]).stdout
    _assert_literal(markdown)
    # One escaping rule for every markdown writer: the report's.
    assert esc(HOSTILE_MD) in markdown
    assert esc(HOSTILE_MD) in ok(["report"]).stdout


def test_diff_markdown_shows_a_title_literally(tmp_path: Path) -> None:
    from pmledger.report.text import esc

    from .git_helpers import new_repo

    ledger = new_repo(tmp_path)
    os.chdir(ledger.root)
    add(HOSTILE_MD)
    markdown = ok(["diff", "-f", "markdown"]).stdout
    _assert_literal(markdown)
    assert esc(HOSTILE_MD) in markdown


def test_markdown_text_under_a_table_is_not_a_row_of_it(acme: Path) -> None:
    markdown = ok(["rank", "--as-of", AS_OF, "--explain", "-n", "2", "-f", "markdown"]).stdout
    shown = _rendered(markdown)
    assert shown.count("<table>") == 3
    assert re.search(r"<p>above #2 because: ", shown), shown
    assert "<td>above" not in shown


# ------------------------------------------------------------- narrow terminals


def test_list_cuts_the_title_before_it_drops_the_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_ledger(tmp_path)
    add("A rejected requirement with a fairly long title here", "-s", "rejected")
    add("Another done requirement title of moderate length", "-s", "done", "--due", "2026-12-01")
    add("Short one", "-s", "done")
    args = ["list", "-a", "-s", "done,rejected"]

    def header(columns: int) -> list[str]:
        monkeypatch.setenv("COLUMNS", str(columns))
        lines = ok(args).stdout.splitlines()
        assert max(cell_len(line) for line in lines) <= columns, lines
        return lines[1].split()

    # At 71 cells the title gives up 7 of its 35 cells; nothing is dropped.
    assert header(71) == ["ID", "Title", "Status", "Priority", "Due"]
    assert "…" in ok(args).stdout
    # Narrower, priority goes first: status is what a list is read for.
    assert header(50) == ["ID", "Title", "Status", "Due"]
    assert header(40) == ["ID", "Title", "Due"]


# ------------------------------------------------------------- pipes


@pytest.mark.parametrize("command", ["list", "rank"])
def test_a_piped_table_keeps_every_title_in_full(tmp_path: Path, command: str) -> None:
    """PRODUCT.md: written to a pipe, every row is written, unpadded; titles are
    cut only to fit a terminal. Columns stay aligned by display width."""
    make_ledger(tmp_path)
    long_en = "Export the customer list " + "with every regional column " * 8 + "END"
    long_zh = "客户列表导出 Excel 包含所有销售团队需要的列以及区域细分和季度总计" * 3 + "完"
    titles = [long_en, long_zh, "Short", "短标题"]
    for title in titles:
        add(title, "--owner", "王芳", "-t", "crm")
    lines = ok([command]).stdout.splitlines()
    assert "…" not in "\n".join(lines)
    rows = [line for line in lines if "REQ-" in line]
    assert len(rows) == len(titles)
    for title in titles:
        assert any(title in row for row in rows), title
    for line in lines:
        assert line == line.rstrip(), repr(line)
    # A later column starts at the same cell in every row (a Chinese character is two cells).
    assert len({cell_len(row[: row.index("王芳")]) for row in rows}) == 1, rows


# ------------------------------------------------------------- the matrix on a terminal


@pytest.fixture
def sixty(tmp_path: Path) -> dict[str, list[str]]:
    """A ledger of 60 requirements, 15 a quadrant; each quadrant's IDs in rank order."""
    make_ledger(tmp_path)
    for quadrant, options in (
        ("do", ["-p", "high", "--due", "+2d"]),
        ("schedule", ["-p", "critical"]),
        ("delegate", ["-p", "low", "--due", "+1d"]),
        ("drop", ["-p", "low"]),
    ):
        titles = "".join(f"{quadrant} item {n} 客户需求\n" for n in range(15))
        ok(["add", "-", "--no-input", "--allow-duplicate", *options], input=titles)
    quadrants: dict[str, list[str]] = json.loads(ok(["rank", "--matrix", "-f", "json"]).stdout)[
        "quadrants"
    ]
    assert all(len(ids) == 15 for ids in quadrants.values())
    return quadrants


@pytest.mark.parametrize(("columns", "lines"), [(80, 24), (80, 40), (120, 30), (64, 16)])
def test_the_matrix_fits_one_screen(
    sixty: dict[str, list[str]],
    on_a_terminal: None,
    monkeypatch: pytest.MonkeyPatch,
    columns: int,
    lines: int,
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("LINES", str(lines))
    result = ok(["rank", "--matrix"])
    shown = result.stdout.splitlines()
    # What the screen holds: the grid, the "N more" line and the prompt.
    height = sum(max(1, -(-cell_len(line) // columns)) for line in shown)
    assert height + 2 <= lines, result.stdout
    assert max(cell_len(line) for line in shown[1:]) <= columns  # (the title may wrap)
    # Each quadrant: its highest ranked first, counted whole, the rest named.
    hidden = 0
    text = result.stdout
    for quadrant, ids in sixty.items():
        assert f"{quadrant.upper()} (15)" in text
        visible = [rid for rid in ids if rid in text]
        assert visible == ids[: len(visible)] and visible
        hidden += 15 - len(visible)
        if len(visible) < 15:
            assert f"+{15 - len(visible)} more" in text
    if hidden:
        assert f"{hidden} more — `--no-limit` or `--top N`" in result.stderr
    else:
        assert "more" not in text + result.stderr


def test_the_matrix_in_full_with_no_limit_top_or_a_pipe(
    sixty: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    everyone = [rid for ids in sixty.values() for rid in ids]
    piped = ok(["rank", "--matrix"])
    assert all(rid in piped.stdout for rid in everyone)
    assert "more" not in piped.stdout + piped.stderr
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    every = ok(["rank", "--matrix", "--no-limit"])
    assert all(rid in every.stdout for rid in everyone)
    assert "more" not in every.stdout + every.stderr
    top = ok(["rank", "--matrix", "--top", "12"])
    assert sum(rid in top.stdout for rid in everyone) == 12
    assert "more" not in top.stdout + top.stderr


def test_listing_csv_ends_lines_as_export_does_for_scripts(acme: Path) -> None:
    for args in (["list", "-f", "csv"], ["rank", "-f", "csv"], ["rank", "--matrix", "-f", "csv"]):
        out = ok(args).stdout_bytes  # (the text form reads CRLF as LF)
        assert b"\r" not in out and out.count(b"\n") > 2


def test_listing_csv_for_excel_has_the_bom_and_crlf_export_gives_it(acme: Path) -> None:
    for args in (
        ["list", "--excel"],
        ["rank", "--all", "--excel"],
        ["rank", "--matrix", "--excel"],
    ):
        out = ok(args).stdout_bytes
        assert out.startswith(b"\xef\xbb\xbf"), args
        assert out.count(b"\r\n") == out.count(b"\n") > 2, args
        plain = ok([*args[:-1], "-f", "csv"]).stdout_bytes
        # The same cells: only the BOM and the line ends differ.
        assert out[3:].replace(b"\r\n", b"\n") == plain, args
    # `-f csv --excel` is the same file; another format is a usage error.
    assert ok(["list", "-f", "csv", "--excel"]).stdout_bytes == ok(["list", "--excel"]).stdout_bytes
    result = invoke(["rank", "--excel", "-f", "json"])
    assert_clean_error(result, 2)
    assert "--excel writes CSV" in result.stderr


def test_diff_pages_a_long_diff_on_a_terminal_as_git_does(
    tmp_path: Path, on_a_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .git_helpers import git, new_repo

    ledger = new_repo(tmp_path)
    monkeypatch.chdir(ledger.root)
    ids = [add(f"Requirement {n}") for n in range(8)]
    git(ledger.root, "add", "-A")
    git(ledger.root, "commit", "-qm", "eight")
    for req_id in ids:
        ok(["set", req_id, "priority=high", "owner=王芳"])
    command, target = _pager_env(tmp_path)
    monkeypatch.setenv("PMLEDGER_PAGER", command)
    for fmt in ("text", "markdown"):
        paged = ok(["diff", "-f", fmt])
        assert ids[0] not in paged.stdout
        assert ids[0] in target.read_text(encoding="utf-8")
        target.unlink()
        assert ids[0] in ok(["diff", "-f", fmt, "--no-pager"]).stdout
        assert not target.exists()
    assert ids[0] in ok(["diff", "-f", "json"]).stdout  # data is never paged
