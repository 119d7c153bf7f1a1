"""stats, board and sprint through the CLI, on the example ledger and small ones."""

from __future__ import annotations

import json
from pathlib import Path

from pmledger.ledger.settings import Settings
from pmledger.report.board import board_columns
from pmledger.sprints import carry_over, review, sprint_key, sprint_names

from .cli_helpers import AS_OF, add, assert_clean_error, copy_example, invoke, ok, read_req
from .conftest import make


def test_stats_json_on_the_example(tmp_path: Path) -> None:
    copy_example(tmp_path)
    data = json.loads(ok(["stats", "--as-of", AS_OF, "-f", "json", "--no-lead-time"]).stdout)
    assert data["total"] == 37 and data["active"] == 28
    assert list(data["by_status"])[:2] == ["proposed", "accepted"]
    assert sum(data["by_status"].values()) == 37
    assert sum(data["by_priority"].values()) == 28
    assert data["by_department"]["销售部"] == 6
    tom = next(o for o in data["owners"] if o["owner"] == "Tom Becker")
    assert tom["in_progress"] == 2 and tom["in_progress_effort"] == 18
    assert len(data["overdue"]) == 7
    assert sum(data["age"].values()) == 28
    assert data["lead_time"] is None


def test_stats_table_has_bars_and_filters(tmp_path: Path) -> None:
    copy_example(tmp_path)
    out = ok(["stats", "--as-of", AS_OF, "-d", "销售部"]).stdout
    assert "By status (6 requirements)" in out and "█" in out
    assert "Lead time" in out


def test_board_columns_and_summaries(tmp_path: Path) -> None:
    copy_example(tmp_path)
    data = json.loads(ok(["board", "-f", "json"]).stdout)
    assert list(data) == ["proposed", "accepted", "planned", "in-progress", "done"]
    assert len(data["proposed"]) == 10
    every = json.loads(ok(["board", "-f", "json", "--all"]).stdout)
    assert "rejected" in every and "deferred" in every
    out = ok(["board", "-n", "2", "--as-of", AS_OF], env={"COLUMNS": "150"}).stdout
    assert "proposed (10)" in out and "+8 more" in out
    sales = json.loads(ok(["board", "-f", "json", "-d", "销售部", "--sprint", "2026-S24"]).stdout)
    assert sorted(i for ids in sales.values() for i in ids) == ["ACME-C5NWD", "ACME-G9MT4"]


def test_board_aligns_chinese_and_stacks_when_narrow(tmp_path: Path) -> None:
    copy_example(tmp_path)
    wide = ok(["board", "--as-of", AS_OF], env={"COLUMNS": "140"}).stdout
    from rich.cells import cell_len

    lines = wide.splitlines()
    assert "会员积分过期提醒" in wide and "│" in lines[0]

    def bars(line: str) -> list[int]:
        return [cell_len(line[:i]) for i, ch in enumerate(line) if ch in "│┼"]

    # Every separator at the same display column, whatever the Chinese text.
    columns = bars(lines[0])
    assert len(columns) == 4
    assert all(bars(line) == columns[: len(bars(line))] for line in lines)
    assert all(line == line.rstrip() for line in lines)
    narrow = ok(["board", "--as-of", AS_OF, "-n", "3"], env={"COLUMNS": "50"}).stdout
    assert "proposed (10)" in narrow and "+7 more" in narrow
    assert all(cell_len(line) <= 50 for line in narrow.splitlines())


def test_board_core_orders_by_priority_then_due(settings: Settings) -> None:
    reqs = [
        make("REQ-A", priority="low"),
        make("REQ-B", priority="critical"),
        make("REQ-C", priority="critical", due="2026-01-01"),
    ]
    (proposed, *_rest) = board_columns(reqs, settings=settings, per_column=2)
    assert [r.id for r in proposed.cards] == ["REQ-C", "REQ-B"]
    assert proposed.hidden == 1


def test_sprint_core(settings: Settings) -> None:
    reqs = [
        make("REQ-A", sprint="S10", status="done", effort=3),
        make("REQ-B", sprint="S10", status="in-progress", effort=5),
        make("REQ-C", sprint="S10", status="rejected", effort=1),
        make("REQ-D", sprint="S9", status="planned"),
    ]
    assert sprint_names(reqs) == ["S9", "S10"]
    assert sprint_key("2026-S9") < sprint_key("2026-S10")
    rv = review("S10", reqs, settings=settings)
    assert (len(rv.items), rv.committed_effort, rv.done_effort) == (3, 9.0, 3.0)
    assert [r.id for r in rv.slipped] == ["REQ-B"]
    assert [r.id for r in rv.dropped] == ["REQ-C"]
    moved = carry_over("S10", "S11", reqs, settings=settings)
    assert [(r.id, r.sprint) for r in moved] == [("REQ-B", "S11")]


def test_sprint_cli(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    listed = json.loads(ok(["sprint", "list", "-f", "json"]).stdout)
    assert [s["sprint"] for s in listed] == ["2026-S23", "2026-S24"]
    shown = json.loads(ok(["sprint", "show", "2026-S23", "-f", "json"]).stdout)
    assert (shown["committed"], shown["done"], len(shown["slipped"])) == (7, 2, 5)
    assert shown["done_effort"] == 7
    table = ok(["sprint", "show", "2026-S23"]).stdout
    assert "not finished" in table and "sprint carry 2026-S23" in table
    dry = ok(["sprint", "carry", "2026-S23", "--to", "2026-S25", "--dry-run"])
    assert len(dry.stdout.split()) == 5
    assert read_req(root, "ACME-M1WD5")["sprint"] == "2026-S23"
    ok(["sprint", "carry", "2026-S23", "--to", "2026-S25"])
    assert read_req(root, "ACME-M1WD5")["sprint"] == "2026-S25"
    assert read_req(root, "ACME-T7DK2")["sprint"] == "2026-S23"  # done stays
    assert_clean_error(invoke(["sprint", "show", "nope"]), 1)
    assert_clean_error(invoke(["sprint", "carry", "nope", "--to", "x"]), 1)


def test_sprint_names_as_people_type_them(tmp_path: Path) -> None:
    copy_example(tmp_path)
    exact = ok(["sprint", "show", "2026-S23", "-f", "json"]).stdout
    for typed in ("2026-s23", "２０２６-Ｓ２３", " 2026-S23 "):
        assert ok(["sprint", "show", typed, "-f", "json"]).stdout == exact
    both = invoke(["sprint", "show", "2026-S2"])
    assert_clean_error(both, 1)
    assert "2026-S23" in both.stderr and "2026-S24" in both.stderr
    unknown = invoke(["sprint", "show", "S99"])
    assert_clean_error(unknown, 1)
    assert "sprints: 2026-S23, 2026-S24" in unknown.stderr and "sprint list" in unknown.stderr
    assert "list --all" not in unknown.stderr
    same = invoke(["sprint", "carry", "2026-s23", "--to", "2026-S23"])
    assert_clean_error(same, 2)
    assert "both the sprint to empty and the one to fill" in same.stderr


def test_sprint_list_empty(root: Path) -> None:
    add("x")
    assert ok(["sprint", "list", "-f", "json"]).stdout.strip() == "[]"


def test_board_renderer_folds_cards_and_never_cuts_silently() -> None:
    from pmledger.cli.boards import board_lines
    from pmledger.cli.output import Board, Lane, Line
    from pmledger.text import cell_len

    long_title = "客户数据清洗（去重与合并）以及 duplicate detection across every region"
    board = Board(
        lanes=[
            Lane("proposed (3)", [[Line().add("REQ-1", "id"), Line().add(long_title)]], "+2 more"),
            Lane("done (0)", []),
        ],
        min_width=18,
    )
    wide = board_lines(board, width=50, color=False)
    bars = {cell_len(line[: line.index("│")]) for line in wide if "│" in line}
    assert len(bars) == 1  # the lanes stay aligned whatever the Chinese text
    assert all(cell_len(line) <= 50 and line == line.rstrip() for line in wide)
    assert any("+2 more" in line for line in wide) and any("—" in line for line in wide)
    # A title longer than three lines of its lane ends in "…" rather than vanishing.
    assert any(line.split("│")[0].rstrip().endswith("…") for line in wide)
    # Closing CJK punctuation never starts a line.
    assert not any(line.lstrip().startswith("）") for line in wide)
    narrow = board_lines(board, width=30, color=False)
    assert "│" not in "".join(narrow) and narrow[0] == "proposed (3)"
    assert all(cell_len(line) <= 30 for line in narrow)
    colored = board_lines(board, width=50, color=True)
    assert "\x1b[" in colored[0]


def test_board_card_text_is_literal(tmp_path: Path) -> None:
    copy_example(tmp_path)
    rid = add("[red]x[/red] \x1b[2J 看板", "-p", "critical")
    out = ok(["board", "--as-of", AS_OF], env={"COLUMNS": "200"}).stdout
    assert rid in out and "[red]x[/red]" in out and "\x1b" not in out


def test_stats_bars_are_table_only(tmp_path: Path) -> None:
    copy_example(tmp_path)
    out = ok(["stats", "--as-of", AS_OF, "--no-lead-time"]).stdout
    line = next(x for x in out.splitlines() if x.startswith("proposed"))
    assert line.split()[1] == "10" and line.endswith("█" * 30)
    assert "█" not in ok(["stats", "--as-of", AS_OF, "-f", "json", "--no-lead-time"]).stdout


def test_goal_and_sprint_lists_in_every_format(tmp_path: Path) -> None:
    copy_example(tmp_path)
    rows = ok(["goal", "list", "-f", "csv"]).stdout.splitlines()
    assert rows[0].startswith("id,title,kpi,unit,baseline,latest,target,progress")
    assert any(r.startswith("Q4-cash-collection,Collect cash faster,") for r in rows)
    assert "| Q4-margin |" in ok(["goal", "list", "-f", "markdown"]).stdout
    assert json.loads(ok(["sprint", "list", "-f", "json"]).stdout)[0]["sprint"] == "2026-S23"
    assert "2026-S24" in ok(["sprint", "list", "-f", "csv"]).stdout


def test_board_says_overdue_in_words_without_colour(tmp_path: Path) -> None:
    copy_example(tmp_path)
    out = ok(["board", "--as-of", AS_OF], env={"NO_COLOR": "1", "COLUMNS": "200"}).stdout
    assert "2026-11-19 OVERDUE" in out and "2026-12-04 OVERDUE" not in out
    zh = ok(["--lang", "zh", "board", "--as-of", AS_OF], env={"COLUMNS": "200"}).stdout
    assert "逾期" in zh
