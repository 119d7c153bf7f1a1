"""Full-width input reads as ASCII everywhere (docs/i18n.md): search, filters, tags, IDs, numbers.

A Chinese input method types ``ＣＲＭ``, ``３`` and ``－``; each must mean what
its ASCII form means.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmledger.errors import InvalidIdError
from pmledger.ledger.ids import normalize_id
from pmledger.ledger.settings import Settings
from pmledger.query.filters import Filter, matches, select
from pmledger.text import ascii_forms, fold

from .cli_helpers import add, assert_clean_error, invoke, make_ledger, ok, read_req, req_path
from .conftest import make

AS_OF = date(2026, 11, 20)


def wide(text: str) -> str:
    """``text`` as a Chinese input method types it: full-width letters, digits, punctuation."""
    return "".join(
        "\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text
    )


# -- the rule ------------------------------------------------------------------


@given(
    st.text(
        alphabet=st.sampled_from(
            "aZ09 ,.-()，：；！？（）\u3000、。ＣＲＭ３－ｅ\u0301é系统ﬁ①ｶﾞ가\u1100\u1161"
        ),
        max_size=30,
    )
)
def test_ascii_forms_is_nfkc(text: str) -> None:
    # Its shortcut for Chinese prose punctuation gives NFKC's result exactly.
    assert ascii_forms(text) == unicodedata.normalize("NFKC", text)


def test_fold_ignores_width_and_case() -> None:
    assert fold("ＣＲＭ系统对接") == fold("crm系统对接") == "crm系统对接"
    assert fold("ＥＸＣＥＬ，导出") == "excel,导出"


# -- search and filters --------------------------------------------------------

WORDS = st.text(alphabet="abcxyzABC019-", min_size=1, max_size=4)


@given(
    titles=st.lists(st.text(alphabet="abcxyzABC019- 系统", max_size=12), min_size=1, max_size=6),
    query=st.lists(WORDS, min_size=1, max_size=2),
)
def test_a_full_width_query_keeps_what_the_ascii_query_keeps(
    titles: list[str], query: list[str]
) -> None:
    reqs = [make(f"REQ-{n:05d}", title=f"题{t}") for n, t in enumerate(titles)]
    settings = Settings()
    ascii_kept = select(reqs, Filter(text=" ".join(query)), settings=settings, as_of=AS_OF)
    wide_kept = select(reqs, Filter(text=wide(" ".join(query))), settings=settings, as_of=AS_OF)
    assert wide_kept == ascii_kept


@given(title=st.text(alphabet="abcxyzABC019- 系统", min_size=1, max_size=12), query=WORDS)
def test_an_ascii_query_finds_full_width_text(title: str, query: str) -> None:
    settings = Settings()
    title = f"题{title}"  # never blank
    plain = matches(make(title=title), Filter(text=query), settings=settings, as_of=AS_OF)
    typed_wide = make(title=wide(title))
    assert matches(typed_wide, Filter(text=query), settings=settings, as_of=AS_OF) == plain


@pytest.mark.parametrize(
    ("fields", "flt"),
    [
        ({"tags": ["ｃｒｍ"]}, Filter(tags=("crm",))),
        ({"tags": ["crm"]}, Filter(tags=("ＣＲＭ",))),
        ({"department": "ＩＴ部"}, Filter(departments=("it部",))),
        ({"department": "IT部"}, Filter(departments=("ＩＴ部",))),
        ({"owner": "Ｌｅｏ"}, Filter(owners=("leo",))),
        ({"requester": "Ａｎｎａ"}, Filter(requesters=("anna",))),
        ({"goal": "Ｑ４-margin"}, Filter(goals=("q4－margin",))),
    ],
)
def test_filters_ignore_width(fields: dict[str, Any], flt: Filter) -> None:
    assert matches(make(**fields), flt, settings=Settings(), as_of=AS_OF)


def test_filters_still_tell_values_apart() -> None:
    req = make(tags=["ｃｒｍ"], department="ＩＴ部")
    assert not matches(req, Filter(tags=("crm", "erp")), settings=Settings(), as_of=AS_OF)
    assert not matches(req, Filter(departments=("IT",)), settings=Settings(), as_of=AS_OF)


# -- IDs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "０ｐ４ｃｗ",
        "ＲＥＱ－０Ｐ４ＣＷ",
        "ｒｅｑ－０ｐ４ｃｗ",
        "\u3000０Ｐ４ＣＷ\u3000",
        "０Ｐ４Ｃ",
    ],
)
def test_full_width_ids(typed: str) -> None:
    assert normalize_id(typed, "REQ").startswith("REQ-0P4C")


@pytest.mark.parametrize(
    "typed", ["ＲＥＱ－０Ｐ／", "．．", "ＲＥＱ－．．／ｘ", "ＣＲＭ－０Ｐ４ＣＷ"]
)
def test_full_width_path_characters_are_still_refused(typed: str) -> None:
    with pytest.raises(InvalidIdError):
        normalize_id(typed, "REQ")


# -- the command line ----------------------------------------------------------


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    return make_ledger(tmp_path)


def _listed(*args: str) -> list[str]:
    return [r["title"] for r in json.loads(ok(["list", *args, "-f", "json"]).stdout)]


def test_list_searches_across_width(crm: Path) -> None:
    add("ＣＲＭ系统对接")
    add("Export to Excel")
    assert _listed("ＥＸＣＥＬ") == ["Export to Excel"]
    assert _listed("crm") == ["ＣＲＭ系统对接"]
    assert _listed("ｃｒｍ　系统") == ["ＣＲＭ系统对接"]


def test_tags_typed_in_full_width_are_stored_in_ascii(crm: Path) -> None:
    rid = add("ＣＲＭ系统对接", "-t", "ｃｒｍ，Ｅｘｐｏｒｔ、销售")
    assert read_req(crm, rid)["tags"] == ["crm", "Export", "销售"]
    assert _listed("-t", "CRM") == ["ＣＲＭ系统对接"]
    ok(["set", rid, "tags+=ｐ０"])
    assert read_req(crm, rid)["tags"] == ["crm", "Export", "销售", "p0"]


def test_a_full_width_tag_already_in_a_file_is_kept_and_matched(crm: Path) -> None:
    rid = add("Old one", "-t", "x")
    path = req_path(crm, rid)
    path.write_text(path.read_text(encoding="utf-8").replace('"x"', '"ｃｒｍ"'), encoding="utf-8")
    assert _listed("-t", "crm") == ["Old one"]
    ok(["set", rid, "tags+=crm,y"])  # the same tag: not added twice, the file's spelling kept
    assert read_req(crm, rid)["tags"] == ["ｃｒｍ", "y"]
    ok(["set", rid, "tags-=crm"])
    assert read_req(crm, rid)["tags"] == ["y"]


def test_full_width_departments_filter(crm: Path) -> None:
    add("A", "-d", "ＩＴ部")
    add("B", "-d", "Sales")
    assert _listed("-d", "it部") == ["A"]
    assert _listed("-d", "ｓａｌｅｓ") == ["B"]


def test_show_a_full_width_id(crm: Path) -> None:
    rid = add("ＣＲＭ系统对接")
    typed = wide(rid.removeprefix("REQ-").lower())
    assert json.loads(ok(["show", typed, "-f", "json"]).stdout)["id"] == rid


@pytest.mark.parametrize(
    "args",
    [
        ["rank", "--top", "５"],
        ["rank", "-n５"],
        ["plan", "-c", "２０"],
        ["plan", "--capacity=２．５"],
        ["board", "-n", "３"],
        ["report", "--top", "５", "--waiting-days", "１４"],
        ["goal", "add", "Cut churn", "--kpi", "churn", "--target", "５", "--baseline", "８．５"],
    ],
)
def test_number_options_read_full_width_digits(crm: Path, args: list[str]) -> None:
    add("One", "-e", "2")
    ok(args)


def test_add_effort_in_full_width(crm: Path) -> None:
    rid = add("x", "-e", "３")
    assert read_req(crm, rid)["effort"] == 3
    rid = add("y", "-e", "２．５")
    assert read_req(crm, rid)["effort"] == 2.5


def test_goal_target_in_full_width(crm: Path) -> None:
    ok(["goal", "add", "Cut churn", "--id", "churn", "--kpi", "churn", "--target", "５"])
    shown = json.loads(ok(["goal", "show", "churn", "-f", "json"]).stdout)
    assert shown["target"] == 5


@pytest.mark.parametrize(
    ("lang", "said"),
    [("zh", "'－３' 太小：最小为 0"), ("en", "'－３' is too small: the least is 0")],
)
def test_a_refused_full_width_number_is_quoted_as_typed(crm: Path, lang: str, said: str) -> None:
    result = invoke(["--lang", lang, "add", "x", "-e", "－３"], env={"COLUMNS": "200"})
    assert_clean_error(result, 2)
    assert said in result.stderr


def test_every_number_option_reads_full_width() -> None:
    # A new int/float option is covered without anyone remembering to.
    import typer

    from pmledger.cli import app
    from pmledger.cli.language import NumberOption, plain_placeholders

    group = typer.main.get_command(app)
    plain_placeholders(group)
    numeric = []

    def walk(command: object) -> None:
        for param in getattr(command, "params", []):
            annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
            if annotation in (int, float):
                numeric.append(param)
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(group)
    assert len(numeric) >= 8
    assert all(isinstance(p, NumberOption) for p in numeric)


def test_set_reads_a_full_width_decimal(crm: Path) -> None:
    rid = add("x")
    ok(["set", rid, "effort=３．５", "rice.reach=４５０"])
    saved = read_req(crm, rid)
    assert (saved["effort"], saved["rice"]["reach"]) == (3.5, 450)
    refused = invoke(["set", rid, "effort=３ｘ"])
    assert_clean_error(refused, 2)
    assert "'３ｘ'" in refused.stderr


def test_set_reads_a_full_width_equals_sign(crm: Path) -> None:
    # `owner＝李雷` was refused: "expected key=value, got 'owner＝李雷'".
    rid = add("x", "-t", "crm")
    ok(["set", rid, "owner＝李雷", "ｔａｇｓ＋＝报表", "title=a＝b"])
    saved = read_req(crm, rid)
    assert (saved["owner"], saved["tags"], saved["title"]) == ("李雷", ["crm", "报表"], "a＝b")
    ok(["set", rid, "tags－＝crm"])
    assert read_req(crm, rid)["tags"] == ["报表"]
    assert_clean_error(invoke(["set", rid, "owner李雷"]), 2)


# -- what a new user still found read as typed (session 9) ----------------------


def test_the_effort_prompt_reads_a_full_width_decimal() -> None:
    from pmledger.cli.interview import parse_effort
    from pmledger.errors import InvalidValueError

    assert parse_effort("３") == 3
    assert parse_effort("２．５") == 2.5
    with pytest.raises(InvalidValueError, match="'２．５ｘ'"):
        parse_effort("２．５ｘ")


def test_goal_measure_and_set_read_full_width_numbers(crm: Path) -> None:
    ok(["goal", "add", "Cut churn", "--id", "churn", "--kpi", "churn", "--target", "５"])
    ok(["goal", "measure", "churn", "４５．５", "--at", "2026-11-20"])
    ok(["goal", "measure", "churn", "１，２００", "--at", "2026-11-21"])
    ok(["goal", "set", "churn", "target=３．５"])
    shown = json.loads(ok(["goal", "show", "churn", "-f", "json"]).stdout)
    assert [r["value"] for r in shown["readings"]] == [45.5, 1200]
    assert shown["target"] == 3.5
    refused = invoke(["goal", "measure", "churn", "４５ｘ"])
    assert_clean_error(refused, 2)
    assert "'４５ｘ'" in refused.stderr


def test_import_reads_full_width_numbers(crm: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "wide.csv"
    sheet.write_text(
        "title,effort,value,rice.reach,rice.impact\n宽数字,３,２．５,４５０,０．５\n",
        encoding="utf-8",
    )
    ok(["import", str(sheet)])
    (row,) = json.loads(ok(["list", "-f", "json"]).stdout)
    saved = read_req(crm, row["id"])
    assert (saved["effort"], saved["value"]) == (3, 2.5)
    assert saved["rice"] == {"reach": 450, "impact": 0.5}


def test_import_reads_full_width_numbers_from_a_workbook(crm: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["title", "effort"])
    book.active.append(["宽数字", "２．５"])
    book.save(tmp_path / "wide.xlsx")
    ok(["import", str(tmp_path / "wide.xlsx")])
    (row,) = json.loads(ok(["list", "-f", "json"]).stdout)
    assert row["effort"] == 2.5


def test_a_goal_id_from_a_full_width_title_is_ascii(crm: Path) -> None:
    assert ok(["goal", "add", "Ｃｕｔ", "--kpi", "churn", "--target", "５"]).stdout.strip() == "Cut"
    made = ok(["goal", "add", "Ｑ４ 销售效率", "--kpi", "k", "--target", "1"]).stdout.strip()
    assert made == "Q4-销售效率"  # Chinese kept as typed
    given = ok(["goal", "add", "x", "--id", "Ｑ５－ｍ", "--kpi", "k", "--target", "1"])
    assert given.stdout.strip() == "Q5-m"
    assert sorted(p.name for p in (crm / "goals").iterdir()) == [
        "Cut.toml",
        "Q4-销售效率.toml",
        "Q5-m.toml",
    ]
    again = invoke(["goal", "add", "ＣＵＴ", "--kpi", "churn", "--target", "５"])
    assert again.exit_code == 1 and "Cut" in again.stderr  # Cut is taken: a duplicate


def test_goal_lookup_ignores_width(crm: Path) -> None:
    ok(["goal", "add", "Raise margin", "--id", "Margin", "--kpi", "m", "--target", "1"])
    # A goal file an older pmledger named in full width is still found as typed in ASCII.
    goals = crm / "goals"
    (goals / "Margin.toml").rename(goals / "Ｍａｒｇｉｎ.toml")
    path = goals / "Ｍａｒｇｉｎ.toml"
    text = path.read_text(encoding="utf-8").replace('"Margin"', '"Ｍａｒｇｉｎ"')
    path.write_text(text, encoding="utf-8")
    assert json.loads(ok(["goal", "show", "margin", "-f", "json"]).stdout)["id"] == "Ｍａｒｇｉｎ"
    assert json.loads(ok(["goal", "show", "ｍａｒ", "-f", "json"]).stdout)["id"] == "Ｍａｒｇｉｎ"
    rid = add("x", "-e", "2", "--goal", "ＭＡＲＧＩＮ")
    assert read_req(crm, rid)["goal"] == "Ｍａｒｇｉｎ"
    ok(["goal", "measure", "MARGIN", "０．５"])
    shown = json.loads(ok(["goal", "show", "margin", "-f", "json"]).stdout)
    assert shown["requirements"] and shown["latest"] == 0.5


def test_board_sprint_ignores_width(crm: Path) -> None:
    rid = add("In the sprint")
    add("Not in it")
    ok(["set", rid, "sprint=2026-S48"])
    cards = json.loads(ok(["board", "--sprint", "２０２６－ｓ４８", "-f", "json"]).stdout)
    assert [i for ids in cards.values() for i in ids] == [rid]


def test_sort_by_title_ignores_width(crm: Path) -> None:
    for title in ("Ｃｒｍ sync", "alpha", "beta", "delta"):
        add(title)
    assert _listed("--sort", "title") == ["alpha", "beta", "Ｃｒｍ sync", "delta"]


def test_format_and_sort_words_in_full_width(crm: Path) -> None:
    add("b", "--due", "2026-12-02")
    add("a", "--due", "2026-12-01")
    listed = json.loads(ok(["list", "-f", "ｊｓｏｎ", "--sort", "ｄｕｅ"]).stdout)
    assert [r["title"] for r in listed] == ["a", "b"]
    assert _listed("--sort", "－ｄｕｅ") == ["b", "a"]
    assert json.loads(ok(["export", "--format", "ＪＳＯＮ"]).stdout)
    refused = invoke(["list", "--sort", "ｘ"])
    assert_clean_error(refused, 2)
    assert "'ｘ'" in refused.stderr
