"""The reading views (list, show, rank, plan, matrix) in Chinese (issue 12.3, 12.4).

Tables speak the reader's language; JSON and CSV are the same bytes in every
language. The golden file is a Chinese `rank --explain` of the bundled
example ledger; regenerate it with ``PMLEDGER_UPDATE_GOLDEN=1 pytest`` after
a deliberate change, and read the diff.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from pmledger import i18n
from tests.cli_helpers import AS_OF, copy_example, isolate_env, ok

GOLDEN = Path(__file__).resolve().parent / "golden" / "rank_explain_zh.txt"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_env(monkeypatch, tmp_path)
    copy_example(tmp_path)


def _both(args: list[str]) -> tuple[bytes, bytes]:
    zh = ok(["--lang", "zh", *args]).stdout_bytes
    en = ok(["--lang", "en", *args]).stdout_bytes
    return zh, en


def test_golden_rank_explain_in_chinese() -> None:
    out = ok(["--lang", "zh", "rank", "--explain", "--top", "5", "--as-of", AS_OF]).stdout
    if os.environ.get("PMLEDGER_UPDATE_GOLDEN"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_rank_explain_speaks_chinese() -> None:
    out = ok(["--lang", "zh", "rank", "--explain", "--top", "3", "--as-of", AS_OF]).stdout
    assert "基准日期 11月20日 (周五)" in out
    assert "11月6日 (周五)，逾期 14 天" in out
    assert "不等待任何未关闭需求" in out
    assert "排在 #2 之前，因为：得分 34.0521 > 28.1472；差距最大：优先级（+3）" in out
    for english in ("overdue", "waits for", "blocks", "days old", "above #", "OVERDUE"):
        assert english not in out


@pytest.mark.parametrize(
    "args",
    [
        ["rank", "--as-of", AS_OF, "-f", "json"],
        ["rank", "--explain", "--as-of", AS_OF, "-f", "json"],
        ["rank", "--as-of", AS_OF, "-f", "csv"],
        ["rank", "--matrix", "--as-of", AS_OF, "-f", "json"],
        ["rank", "--matrix", "--as-of", AS_OF, "-f", "csv"],
        ["list", "--all", "--as-of", AS_OF, "-f", "json"],
        ["list", "--all", "--as-of", AS_OF, "-f", "csv"],
        ["show", "ACME-9RT3V", "--as-of", AS_OF, "-f", "json"],
        ["plan", "-c", "20", "--as-of", AS_OF, "-f", "json"],
    ],
)
def test_machine_formats_do_not_change_with_the_language(args: list[str]) -> None:
    zh, en = _both(args)
    assert zh == en
    assert zh.strip()


def test_rank_json_keeps_english_term_inputs() -> None:
    out = ok(["--lang", "zh", "rank", "--explain", "--as-of", AS_OF, "-f", "json"]).stdout
    assert "days overdue" in out and "逾期" not in out


def test_list_table_in_chinese() -> None:
    out = ok(["--lang", "zh", "list", "--as-of", AS_OF]).stdout
    assert out.startswith("28 条需求")
    heading = out.splitlines()[1].split()
    assert heading[:5] == ["ID", "标题", "状态", "优先级", "截止日期"]
    assert "11月19日 (周四) 逾期" in out
    assert "已接受" in out and "紧急" in out
    assert "accepted" not in out and "critical" not in out


def test_list_shows_the_year_only_when_it_is_not_the_as_of_year() -> None:
    out = ok(["--lang", "zh", "list", "--sort", "due", "--as-of", "2025-12-31"]).stdout
    assert "2026年11月19日 (周四)" in out


def test_show_in_chinese() -> None:
    out = ok(["--lang", "zh", "show", "ACME-9RT3V", "--as-of", AS_OF]).stdout
    assert "截止日期" in out and "11月18日 (周三)，逾期 2 天" in out
    assert "状态" in out and "进行中" in out
    assert "OVERDUE" not in out
    later = ok(["--lang", "zh", "show", "ACME-9RT3V", "--as-of", "2026-11-13"]).stdout
    assert "11月18日 (周三)，5 天后到期" in later


def test_matrix_quadrants_in_chinese() -> None:
    out = ok(["--lang", "zh", "rank", "--matrix", "--as-of", AS_OF]).stdout
    for name in ("立即做", "计划做", "委派", "放弃", "紧急", "不重要"):
        assert name in out
    assert "DO (" not in out
    # 紧急 is both the urgent axis and the critical priority: the header
    # says which of the two it lists as important.
    assert "重要：优先级为紧急、高）" in out
    md = ok(["--lang", "zh", "rank", "--matrix", "--as-of", AS_OF, "-f", "markdown"]).stdout
    assert "### 立即做（紧急、重要）" in md


def test_plan_in_chinese() -> None:
    result = ok(["--lang", "zh", "plan", "-c", "20", "--as-of", AS_OF])
    assert result.stdout.startswith("建议的迭代")
    assert "截止线：容量 20，已计划 19，剩余 1（基准日期 11月20日 (周五)" in result.stdout
    assert "截止线以下有 3 条需求没有工作量估算" in result.stderr
    tight = ok(["--lang", "zh", "plan", "-c", "5", "--as-of", AS_OF]).stdout
    assert "工作量 8 > 剩余 5" in tight


def test_english_tables_unchanged() -> None:
    out = ok(["rank", "--explain", "--top", "1", "--as-of", AS_OF]).stdout
    assert "2026-11-06 (14 days overdue)" in out
    assert "192 days old" in out
    assert "Ranking as of 2026-11-20" in out


def test_dates_and_relative_phrases() -> None:
    from pmledger.ranking.scoring import relative_due, show_date

    with i18n.using("zh"):
        assert show_date(date(2026, 11, 20), date(2026, 1, 1)) == "11月20日 (周五)"
        assert show_date(date(2027, 1, 4), date(2026, 11, 20)) == "2027年1月4日 (周一)"
        assert relative_due(-3) == "逾期 3 天"
        assert relative_due(5) == "5 天后到期"
        assert relative_due(0) == "今天到期"
    with i18n.using("en"):
        assert show_date(date(2026, 11, 20), date(2026, 1, 1)) == "2026-11-20"
        assert relative_due(-1) == "1 day overdue"
        assert relative_due(5) == "due in 5 days"


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand of the CLI, from the click tree (the root as ())."""
    import typer.main

    from pmledger.cli import app

    def walk(command: object, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        subs = sorted(getattr(command, "commands", {}).items())
        return [prefix, *(p for name, sub in subs for p in walk(sub, (*prefix, name)))]

    return walk(typer.main.get_command(app), ())


def test_every_command_is_checked_below() -> None:
    paths = _command_paths()
    assert {("goal", "measure"), ("sprint", "carry"), ("stats",), ()} <= set(paths)
    assert len(paths) > 30


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "pmledger")
def test_chinese_help_fits_80_columns(path: tuple[str, ...]) -> None:
    import unicodedata

    out = ok(["--lang", "zh", *path, "--help"], env={"COLUMNS": "80"}).stdout
    assert "用法：" in out and "Usage:" not in out
    lines = out.splitlines()
    usage = next(i for i, line in enumerate(lines) if "用法：" in line)
    description = next(line for line in lines[usage + 1 :] if line.strip())
    assert any(unicodedata.east_asian_width(c) == "W" for c in description), description
    for line in out.splitlines():
        cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        assert cells <= 80, line
        assert "…" not in line, line  # rich cut a run of CJK text it could not wrap
