"""A mistyped word (a status, a format, a sort key, a date word, a priority at
the prompt) is answered with the word meant, as `set priorty=` already was;
a word close to nothing still gets the list of accepted forms."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pmledger import i18n
from pmledger.dates import parse_date
from pmledger.errors import InvalidValueError, WorkflowError
from pmledger.i18n.labels import resolve_status
from pmledger.ledger.settings import Settings
from pmledger.query.filters import sort_requirements
from pmledger.text import closest

from .cli_helpers import assert_clean_error, invoke

AS_OF = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("typed", "choices", "meant"),
    [
        ("don", ["proposed", "done", "deferred"], "done"),
        ("jsn", ["table", "json", "csv"], "json"),
        ("ＪＳＮ", ["table", "json", "csv"], "json"),  # width and case ignored
        ("tomorow", ["today", "tomorrow"], "tomorrow"),
        ("xyz", ["today", "tomorrow"], None),
        ("", ["today"], None),
    ],
)
def test_closest(typed: str, choices: list[str], meant: str | None) -> None:
    assert closest(typed, choices) == meant


@pytest.mark.parametrize(("typed", "meant"), [("tomorow", "tomorrow"), ("firday", "friday")])
def test_a_mistyped_date_word(typed: str, meant: str) -> None:
    with pytest.raises(InvalidValueError, match=f"did you mean '{meant}'"):
        parse_date(typed, as_of=AS_OF)


def test_a_date_close_to_no_word_still_lists_the_forms() -> None:
    with pytest.raises(InvalidValueError, match=r"expected YYYY-MM-DD") as raised:
        parse_date("xyzzy", as_of=AS_OF)
    assert "did you mean" not in str(raised.value)


def test_a_mistyped_status_names_the_status_and_the_workflow() -> None:
    with pytest.raises(WorkflowError) as raised:
        resolve_status("acepted", Settings())
    assert "did you mean 'accepted'" in str(raised.value)
    assert "proposed, accepted" in str(raised.value)


def test_a_mistyped_sort_key() -> None:
    with pytest.raises(InvalidValueError, match="did you mean 'priority'"):
        sort_requirements([], "prority", settings=Settings())


def test_a_mistyped_priority_at_the_prompt() -> None:
    from pmledger.cli.interview import check_priority

    with pytest.raises(InvalidValueError, match="did you mean 'high'"):
        check_priority("hihg")
    with pytest.raises(InvalidValueError, match="P0-P3"):
        check_priority("urgent")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["list", "--status", "don"], "did you mean 'done'?"),
        (["list", "-f", "jsn"], "did you mean 'json'?"),
        (["rank", "-f", "mardown"], "did you mean 'markdown'?"),
        (["add", "x", "--no-input", "--due", "tomorow"], "did you mean 'tomorrow'?"),
        (["list", "--sort", "prority"], "did you mean 'priority'?"),
        (["add", "x", "--no-input", "-p", "hihg"], "did you mean 'high'?"),
    ],
)
def test_the_command_line_says_the_word_meant(root: Path, args: list[str], said: str) -> None:
    result = invoke(args)
    assert_clean_error(result, 2)
    assert said in result.stderr


def test_the_word_meant_in_chinese(root: Path) -> None:
    result = invoke(["--lang", "zh", "list", "--status", "完成了"])
    assert_clean_error(result, 2)
    assert "你是不是想用 '已完成'" in result.stderr
    i18n.reset()


def test_an_import_s_misspelt_headers_get_the_map_that_imports_them(
    root: Path, tmp_path: Path
) -> None:
    source = tmp_path / "sheet.csv"
    source.write_text("titel,prio\n客户列表导出,high\n", encoding="utf-8")
    result = invoke(["import", str(source), "--dry-run"])
    assert 'did you mean --map "titel=title" --map "prio=priority"?' in result.stderr
    # Taking the hint imports the row.
    assert (
        invoke(["import", str(source), "--map", "titel=title", "--map", "prio=priority"]).exit_code
        == 0
    )


def test_a_sheet_without_a_title_column_gets_the_map_that_names_one(
    root: Path, tmp_path: Path
) -> None:
    # Trello's CSV export: every row would be refused for a missing title.
    source = tmp_path / "trello.csv"
    source.write_text(
        "Card ID,Card Name,Card Description,List Name\nc1,客户列表导出,x,Doing\n", encoding="utf-8"
    )
    result = invoke(["import", str(source), "--dry-run"])
    assert 'did you mean --map "Card Name=title" --map "Card Description=description"?' in (
        result.stderr
    )


def test_an_import_never_suggests_a_field_a_column_already_fills(
    root: Path, tmp_path: Path
) -> None:
    source = tmp_path / "sheet.csv"
    source.write_text("title,priority,prio\nA,high,x\n", encoding="utf-8")
    result = invoke(["import", str(source), "--dry-run"])
    assert "ignored columns prio" in result.stderr
    assert "did you mean" not in result.stderr  # not `prio=sprint`


def test_a_mistyped_priority_in_set_and_in_a_file() -> None:
    from pmledger.ledger.model import parse_priority

    with pytest.raises(ValueError, match="did you mean 'critical'"):
        parse_priority("crtical")
    with pytest.raises(ValueError, match=r"got 'P5'$"):
        parse_priority("P5")  # close to nothing: the accepted forms alone
