"""Options typed with a Chinese input method or smart dashes read as click's ASCII options
(pmledger.cli.typed_options); anything that does not name an option stays as typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cli_helpers import add, assert_clean_error, invoke, ok, read_req


@pytest.fixture
def ids(root: Path) -> dict[str, str]:
    done = add("Finished export", "-t", "crm")
    ok(["status", done, "done"])
    return {"open": add("Open item", "-t", "crm"), "done": done}


def listed(*args: str) -> set[str]:
    return {row["id"] for row in json.loads(ok(["list", *args, "-f", "json"]).stdout)}


@pytest.mark.parametrize(
    "typed",
    [
        ["－－all"],  # full-width hyphen-minus (a Chinese input method)
        ["——all"],  # two em dashes: "--" in Chinese punctuation mode
        ["—all"],  # one em dash: a word processor's smart "--"
        ["–all"],  # en dash
        ["--ａｌｌ"],  # full-width letters
        ["--all\u3000"],  # a full-width space stuck to the option
        ["－ａ"],  # the short form
    ],
)
def test_a_flag_typed_in_other_characters_is_the_flag(
    ids: dict[str, str], typed: list[str]
) -> None:
    # Before, each was a search text: nothing matched and the command succeeded.
    assert listed(*typed) == {ids["open"], ids["done"]}


@pytest.mark.parametrize(
    "typed",
    [["－－status＝done"], ["－－status\u3000done"], ["—s", "done"], ["--status", "done"]],
)
def test_an_option_with_its_value_typed_in_other_characters(
    ids: dict[str, str], typed: list[str]
) -> None:
    assert listed(*typed) == {ids["done"]}


def test_a_full_width_space_after_the_command_name(ids: dict[str, str]) -> None:
    rows = json.loads(ok(["list\u3000--all", "-f", "json"]).stdout)
    assert {row["id"] for row in rows} == {ids["open"], ids["done"]}
    assert ok(["\u3000list", "-f", "json"]).stdout.strip() != "[]"


def test_root_options_and_help_typed_with_full_width_dashes(root: Path) -> None:
    assert "Usage:" in ok(["－－help"]).stdout
    assert "Usage:" in ok(["list", "—help"]).stdout
    assert "Usage:" in ok(["goal", "list", "——help"]).stdout


def test_words_that_name_no_option_stay_as_typed(root: Path) -> None:
    # A title, and a value after an option, are never rewritten.
    rid = add("—the title\u3000starts with a dash", "--requester", "－－all")
    data = read_req(root, rid)
    assert data["title"] == "—the title\u3000starts with a dash"
    assert data["requester"] == "－－all"
    # A word after `--` is an argument, whatever it looks like.
    out = ok(["add", "--no-input", "-p", "low", "--", "－－all"]).stdout.strip()
    assert read_req(root, out)["title"] == "－－all"


def test_a_long_option_with_one_dash_names_the_option_meant(root: Path) -> None:
    # click read `-help` as -h -e -l -p and said "No such option: -e".
    for args, meant in ((["-help"], "--help"), (["list", "-all"], "--all")):
        result = invoke(args)
        assert_clean_error(result, 2)
        assert args[-1] in result.stderr and meant in result.stderr
        assert "No such option: -e" not in result.stderr


def test_short_options_glued_to_their_value_still_work(ids: dict[str, str]) -> None:
    # `-tcrm` is `-t crm` to click: the one-dash check leaves it alone.
    assert listed("-tcrm", "-a") == {ids["open"], ids["done"]}


def test_the_one_dash_error_in_chinese(root: Path) -> None:
    result = invoke(["--lang", "zh", "list", "-all"])
    assert_clean_error(result, 2)
    assert "-all" in result.stderr and "--all" in result.stderr
    assert "没有" in result.stderr


@pytest.mark.parametrize(
    ("args", "example"),
    [
        (["--format", "json", "list"], "pmledger list --format json"),
        (["--format=json", "list"], "pmledger list --format=json"),
        (["-a", "list"], "pmledger list -a"),
        (["goal", "--kpi", "NPS", "add"], "pmledger goal add --kpi NPS"),
    ],
)
def test_an_option_of_the_command_typed_before_it_says_where_it_goes(
    root: Path, args: list[str], example: str
) -> None:
    # click said only "No such option: --format".
    result = invoke(args)
    assert_clean_error(result, 2)
    assert f"goes after the command: {example}" in result.stderr


@pytest.mark.parametrize(
    ("args", "example"),
    [
        (["list", "--debug"], "pmledger --debug list"),
        (["goal", "list", "--debug"], "pmledger --debug goal list"),
        (["list", "--version"], "pmledger --version"),
    ],
)
def test_a_flag_of_pmledger_typed_after_the_command_says_where_it_goes(
    root: Path, args: list[str], example: str
) -> None:
    result = invoke(args)
    assert_clean_error(result, 2)
    assert f"goes before the command: {example}" in " ".join(result.stderr.split())


def test_where_an_option_goes_in_chinese(root: Path) -> None:
    result = invoke(["--lang", "zh", "--format", "json", "list"])
    assert_clean_error(result, 2)
    assert "--format 要放在命令之后" in result.stderr
    assert "--debug 要放在命令之前" in invoke(["--lang", "zh", "list", "--debug"]).stderr


def test_an_unknown_option_before_the_command_is_still_click_s_error(root: Path) -> None:
    result = invoke(["--nonsense", "list"])
    assert_clean_error(result, 2)
    assert "No such option: --nonsense" in result.stderr


@pytest.mark.parametrize(
    ("args", "meant"),
    [(["help"], "--help"), (["version"], "--version"), (["goal", "help"], "--help")],
)
def test_an_option_typed_as_a_command_names_the_option(
    root: Path, args: list[str], meant: str
) -> None:
    # click said only "No such command 'help'." (nothing close to suggest).
    result = invoke(args)
    assert_clean_error(result, 2)
    assert f"Did you mean '{meant}'?" in result.stderr
    assert f"你是不是想用 '{meant}'" in invoke(["--lang", "zh", *args]).stderr
