"""Issue 12, the rest of the CLI in Chinese: stats, board, goal, sprint, click's
own words (usage errors), and the core's messages that reach a person.

English must not change: each Chinese check has an English twin.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmledger import i18n
from pmledger.errors import ImportRowsError, LedgerNotFoundError
from pmledger.ledger.settings import find_ledger_root

from .cli_helpers import AS_OF, assert_clean_error, copy_example, invoke, isolate_env, ok


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_env(monkeypatch, tmp_path)
    copy_example(tmp_path)


# --- click's words --------------------------------------------------------

# (arguments, what Chinese says, what click says in English)
USAGE_ERRORS = [
    (
        ["board", "--limt", "3"],
        "没有 --limt 这个选项。你是不是想用 --limit？",
        "No such option: --limt",
    ),
    (["board", "-z"], "没有 -z 这个选项", "No such option: -z"),
    (["board", "--limit"], "选项 '--limit' 需要一个值。", "Option '--limit' requires an argument."),
    (
        ["board", "--limit", "abc"],
        "'--limit' / '-n' 的值无效：'abc' 不是整数",
        "Invalid value for '--limit' / '-n': 'abc' is not a whole number",
    ),
    (
        ["board", "--limit", "0"],
        "'0' 太小：最小为 1",
        "Invalid value for '--limit' / '-n': '0' is too small: the least is 1",
    ),
    (["lisst"], "没有 'lisst' 这个命令。你是不是想用 'list'？", "No such command 'lisst'."),
    (["goal", "nope"], "没有 'nope' 这个命令。", "No such command 'nope'."),
    (["board", "extra"], "多余的参数：extra", "Got unexpected extra argument(s) (extra)"),
    (["goal", "add"], "缺少参数 'TITLE'。", "Missing argument 'TITLE'."),
    (["goal", "add", "x"], "缺少选项 '--kpi'。", "Missing option '--kpi'."),
]


@pytest.mark.parametrize(("args", "chinese", "english"), USAGE_ERRORS)
def test_usage_errors_in_chinese(args: list[str], chinese: str, english: str) -> None:
    zh = invoke(["--lang", "zh", *args], env={"COLUMNS": "200"})
    assert_clean_error(zh, 2)
    assert chinese in zh.stderr
    for word in ("Usage:", "Try ", "Error", english):
        assert word not in zh.stderr
    en = invoke(["--lang", "en", *args], env={"COLUMNS": "200"})
    assert_clean_error(en, 2)
    assert english in en.stderr
    # A missing option value carries no command: click shows no usage line then.
    if "Usage: pmledger" in en.stderr:
        assert "用法：pmledger" in zh.stderr and "查看帮助" in zh.stderr
    assert not any("\u4e00" <= c <= "\u9fff" for c in en.stderr)


@pytest.mark.parametrize(
    ("args", "english"),
    [
        (["rank", "--top", "-1"], "'-1' is too small: the least is 0"),
        (["add", "x", "-e", "abc"], "'abc' is not a number"),
        (["add", "x", "-e", "-1"], "'-1' is too small: the least is 0"),
    ],
)
def test_refused_numbers_are_worded_for_people_in_english(args: list[str], english: str) -> None:
    result = invoke(["--lang", "en", *args], env={"COLUMNS": "200"})
    assert_clean_error(result, 2)
    assert english in result.stderr
    assert "Input should" not in result.stderr and "unable to parse" not in result.stderr


def test_lang_after_the_command_says_where_it_goes() -> None:
    for lang, words in (("en", "--lang goes before the command"), ("zh", "--lang 要放在命令之前")):
        result = invoke(["--lang", lang, "rank", "--lang", "zh"], env={"COLUMNS": "200"})
        assert_clean_error(result, 2)
        assert words in result.stderr and "pmledger --lang zh rank" in result.stderr
        assert "--explain" not in result.stderr


def test_set_usage_shows_one_ellipsis() -> None:
    usage = ok(["set", "-h"], env={"COLUMNS": "200"}).stdout
    assert "ID KEY=VALUE..." in usage and "KEY=VALUE...." not in usage


def test_an_option_that_also_reads_a_variable_is_named_in_chinese() -> None:
    result = invoke(["--lang", "fr", "list"], env={"COLUMNS": "200", "PMLEDGER_LANG": "zh"})
    assert_clean_error(result, 2)
    assert "（环境变量 'PMLEDGER_LANG'）" in result.stderr


# --- the four commands ----------------------------------------------------------


def test_stats_in_chinese_and_json_unchanged() -> None:
    out = ok(["--lang", "zh", "stats", "--as-of", AS_OF, "--no-lead-time"]).stdout
    for text in ("按状态（共 37 个需求）", "提议", "按优先级（28 个未关闭）", "紧急", "按部门"):
        assert text in out
    assert "不到 1 周" in out and "逾期：7" in out and "负责人（" in out
    assert "By status" not in out and "proposed" not in out
    en = ok(["--lang", "en", "stats", "--as-of", AS_OF, "--no-lead-time"]).stdout
    assert "By status (37 requirements)" in en and "< 1 week" in en and "Overdue: 7" in en
    args = ["stats", "--as-of", AS_OF, "--no-lead-time", "-f", "json"]
    assert ok(["--lang", "zh", *args]).stdout_bytes == ok(["--lang", "en", *args]).stdout_bytes


def test_board_in_chinese() -> None:
    out = ok(["--lang", "zh", "board", "-n", "2", "--as-of", AS_OF], env={"COLUMNS": "80"}).stdout
    assert "提议（10）" in out and "还有 8 项" in out and "12月4日 (周五)" in out
    assert "proposed" not in out and "more" not in out
    args = ["board", "-f", "json"]
    assert ok(["--lang", "zh", *args]).stdout_bytes == ok(["--lang", "en", *args]).stdout_bytes


def test_goal_views_in_chinese() -> None:
    out = ok(["--lang", "zh", "goal", "list"], env={"COLUMNS": "120"}).stdout
    assert "目标值" in out and "已完成 1/8" in out
    show = ok(["--lang", "zh", "goal", "show", "Q4-retention"], env={"COLUMNS": "120"}).stdout
    for text in ("基线 → 当前 → 目标", "（已完成 57%）", "KPI 记录", "9月30日 (周三)", "已接受"):
        assert text in show
    en = ok(["--lang", "en", "goal", "show", "Q4-retention"], env={"COLUMNS": "120"}).stdout
    assert "(57% of the way)" in en and "2026-09-30" in en and "accepted" in en
    for args in (["goal", "list", "-f", "csv"], ["goal", "show", "Q4-retention", "-f", "json"]):
        assert ok(["--lang", "zh", *args]).stdout_bytes == ok(["--lang", "en", *args]).stdout_bytes


def test_sprint_views_in_chinese() -> None:
    out = ok(["--lang", "zh", "sprint", "show", "2026-S23"], env={"COLUMNS": "120"}).stdout
    assert "迭代 2026-S23" in out and "7 个需求，41 点" in out and "进行中" in out
    assert "pmledger sprint carry 2026-S23 --to 下个迭代" in out
    moved = ok(["--lang", "zh", "sprint", "carry", "2026-S23", "--to", "S9", "--dry-run"])
    assert "将把 5 个未完成的需求从 2026-S23 移到 S9" in moved.stderr
    en = ok(["--lang", "en", "sprint", "carry", "2026-S23", "--to", "S9", "--dry-run"])
    assert "would move 5 unfinished requirements from 2026-S23 to S9" in en.stderr
    assert en.stdout == moved.stdout  # the IDs, for scripts
    missing = invoke(["--lang", "zh", "sprint", "carry", "nope", "--to", "x"])
    assert_clean_error(missing, 1)
    assert "没有需求属于迭代 'nope'" in missing.stderr


# --- the core -------------------------------------------------------------------


def test_core_messages_follow_the_language(tmp_path: Path) -> None:
    with i18n.using("zh"), pytest.raises(LedgerNotFoundError, match="没有找到 pmledger 需求台账"):
        find_ledger_root(cwd=Path("/"), env={})
    with i18n.using("en"):
        assert str(ImportRowsError(["row 2: bad"], 1)) == (
            "row 2: bad; nothing was imported (1 invalid row)"
        )
        assert str(ImportRowsError(["row 2: bad", "row 3: bad"], 2)) == (
            "row 2: bad (and 1 more problem); nothing was imported (2 invalid rows)"
        )
    with i18n.using("zh"):
        assert (
            str(ImportRowsError(["第 2 行：错误"], 1))
            == "第 2 行：错误；没有导入任何内容（1 行无效）"
        )


def test_a_bad_priority_in_chinese() -> None:
    rid = json.loads(ok(["list", "-f", "json"]).stdout)[0]["id"]
    result = invoke(["--lang", "zh", "set", rid, "priority=超高"])
    assert_clean_error(result, 2)
    assert "priority：必须是 紧急/高/中/低" in result.stderr and "实际为 '超高'" in result.stderr
    english = invoke(["--lang", "en", "set", rid, "priority=超高"])
    assert "priority must be one of critical, high, medium, low" in english.stderr


@pytest.mark.parametrize("group", ["goal", "sprint"])
def test_a_group_alone_lists_its_commands_and_succeeds(group: str) -> None:
    out = ok(["--lang", "zh", group]).stdout
    assert "用法：pmledger" in out and "命令" in out


def test_a_chinese_command_that_succeeds_does_not_load_typers_help_module() -> None:
    # typer.rich_utils costs ~90 ms to import; it is needed for help and errors only.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pmledger.cli import app\n"
        "try:\n"
        "    app(['--lang', 'zh', 'list'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('typer.rich_utils' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_warnings_stay_in_the_reader_s_language_when_the_data_is_json_or_csv(
    tmp_path: Path,
) -> None:
    broken = next((tmp_path / "acme" / "requirements").glob("*.toml"))
    broken.write_text(broken.read_text(encoding="utf-8") + "x = \n", encoding="utf-8")
    for args in (["list", "-f", "csv"], ["list", "-f", "json"], ["rank", "-f", "json"]):
        zh = invoke(["--lang", "zh", *args])
        en = invoke(["--lang", "en", *args])
        assert zh.exit_code == en.exit_code == 0
        assert "警告：已跳过" in zh.stderr and "warning: skipped" in en.stderr
        assert zh.stdout == en.stdout  # the data itself is the same in every language
