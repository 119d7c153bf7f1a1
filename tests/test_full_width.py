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
