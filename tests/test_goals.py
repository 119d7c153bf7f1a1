"""Goals and KPIs: the file format, the store, changes, progress and the CLI."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmledger.errors import (
    AmbiguousIdError,
    InvalidFileError,
    InvalidIdError,
    InvalidValueError,
    LedgerExistsError,
)
from pmledger.goals import fileformat
from pmledger.goals.changes import apply_goal_assignments, new_goal, with_reading
from pmledger.goals.model import Goal, Reading
from pmledger.goals.progress import goal_progress
from pmledger.goals.store import GoalBook, slug
from pmledger.ledger.settings import Settings

from .cli_helpers import add, assert_clean_error, copy_example, invoke, ok, read_req
from .conftest import make

TODAY = date(2026, 11, 20)


def goal(**fields: object) -> Goal:
    data: dict[str, object] = {"id": "Q4-margin", "title": "Margin", "kpi": "gm", "target": 34}
    data.update(fields)
    return Goal.model_validate(data)


def test_canonical_file_has_key_order_and_reading_blocks() -> None:
    g = with_reading(goal(unit="%", baseline=31, owner="王芳"), 31.5, at=TODAY, by="Tom")
    text = fileformat.dumps(g)
    keys = [line.split(" = ")[0] for line in text.splitlines() if " = " in line]
    assert keys[:6] == ["id", "title", "kpi", "unit", "baseline", "target"]
    assert '[[readings]]\nat = 2026-11-20\nvalue = 31.5\nby = "Tom"\n' in text
    assert fileformat.loads(text, Path("g.toml")) == g
    # Canonical: writing the parsed text again changes nothing.
    assert fileformat.dumps(fileformat.loads(text, Path("g.toml"))) == text


def test_a_new_reading_is_a_diff_of_new_lines_only() -> None:
    g = with_reading(goal(), 1, at=date(2026, 10, 1))
    before = fileformat.dumps(g)
    after = fileformat.dumps(with_reading(g, 2, at=TODAY))
    assert after.startswith(before)


def test_unknown_keys_are_kept() -> None:
    text = 'id = "G1"\ntitle = "t"\nkpi = "k"\ntarget = 1\nsponsor = "CFO"\n'
    g = fileformat.loads(text, Path("G1.toml"))
    assert 'sponsor = "CFO"' in fileformat.dumps(g)


@given(
    # A carriage return in known text is stored as a line feed (docs/file-format.md).
    title=st.text(min_size=1).filter(lambda s: s.strip() and "\r" not in s),
    values=st.lists(st.integers(-(10**6), 10**6), max_size=4),
)
def test_round_trip(title: str, values: list[int]) -> None:
    g = goal(title=title)
    for i, v in enumerate(values):
        g = with_reading(g, v, at=date(2026, 1, 1 + i))
    assert fileformat.loads(fileformat.dumps(g), Path("x.toml")) == g


@pytest.mark.parametrize(
    ("fields", "latest", "progress"),
    [
        ({"baseline": 31, "target": 35, "current": 33}, 33, 0.5),
        # A KPI that should fall: churn from 3.2 to 2.5.
        ({"baseline": 3.2, "target": 2.5, "current": 2.85}, 2.85, 0.5),
        ({"target": 10, "current": 4}, 4, 0.4),
        ({"target": 10}, None, None),
        ({"baseline": 5, "target": 5, "current": 5}, 5, 1.0),
    ],
)
def test_progress(fields: dict[str, float], latest: float | None, progress: float | None) -> None:
    g = goal(**fields)
    assert g.latest == latest
    assert g.progress == (pytest.approx(progress) if progress is not None else None)


def test_latest_reading_wins_over_current_and_order_is_by_date() -> None:
    g = goal(current=1)
    g = with_reading(g, 9, at=date(2026, 11, 1))
    g = with_reading(g, 5, at=date(2026, 10, 1))  # typed late, measured earlier
    assert [r.value for r in g.history()] == [5, 9]
    assert g.latest == 9


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "-x", "a b", "..", "x" * 80, "_x", "a\\b"])
def test_goal_ids_never_name_a_path(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InvalidIdError):
        GoalBook(tmp_path).path_for(bad)
    with pytest.raises(InvalidValueError):
        new_goal(bad, "t", kpi="k", target=1, as_of=TODAY)


def test_store_create_find_resolve(tmp_path: Path) -> None:
    book = GoalBook(tmp_path)
    book.create(new_goal("Q4-margin", "Margin", kpi="gm", target=34, as_of=TODAY))
    assert book.find("q4-MARGIN") == "Q4-margin"
    assert book.resolve("q4-m") == "Q4-margin"
    with pytest.raises(LedgerExistsError):
        book.create(new_goal("q4-margin", "Again", kpi="gm", target=1, as_of=TODAY))
    with pytest.raises(InvalidValueError, match="unknown goal"):
        book.require("Q5")


def test_store_resolves_a_unique_prefix_the_same_way_everywhere(tmp_path: Path) -> None:
    book = GoalBook(tmp_path)
    with pytest.raises(InvalidValueError, match="no goals yet") as empty:
        book.require("raise")
    assert "goal add" in str(empty.value)  # nothing to link to yet: say how to make one
    for goal_id in ("Raise-gross-margin", "销售效率提升", "销售额"):
        book.create(new_goal(goal_id, goal_id, kpi="k", target=1, as_of=TODAY))
    for typed, full in [("raise", "Raise-gross-margin"), ("RAISE-G", "Raise-gross-margin"),
                        ("销售效", "销售效率提升"), ("销售额", "销售额")]:  # fmt: skip
        assert book.resolve(typed) == book.require(typed) == book.wanted(typed) == full
    for method in (book.resolve, book.require, book.wanted):
        with pytest.raises(AmbiguousIdError, match="销售效率提升, 销售额"):
            method("销售")
    with pytest.raises(InvalidValueError) as unknown:
        book.require("营收")
    message = str(unknown.value)
    assert "unknown goal '营收'" in message and "销售效率提升" in message
    assert "goal add" not in message  # the goals exist: no advice to create one again
    with pytest.raises(InvalidValueError, match="did you mean Raise-gross-margin"):
        book.require("margin")
    with pytest.raises(InvalidValueError, match="did you mean Raise-gross-margin"):
        book.require("rasie-gross-margin")
    # A filter may name a goal without a file (an import, a ledger without goals/).
    assert book.wanted("Legacy") == "Legacy"


def test_store_reports_broken_files_and_goes_on(tmp_path: Path) -> None:
    book = GoalBook(tmp_path)
    book.create(new_goal("A", "a", kpi="k", target=1, as_of=TODAY))
    (tmp_path / "goals" / "B.toml").write_text('id = "B"\ntitle = "b"\n', encoding="utf-8")
    (tmp_path / "goals" / "C.toml").write_text('id = "X"\ntitle="c"\nkpi="k"\ntarget=1\n')
    loaded = book.load_all()
    assert [g.id for g in loaded.goals] == ["A"]
    messages = sorted(str(p) for p in loaded.problems)
    assert "B.toml" in messages[0] and "kpi" in messages[0]
    assert "does not match the file name" in messages[1]
    with pytest.raises(InvalidFileError):
        book.load("B")


def test_slug() -> None:
    assert slug("Raise gross margin!") == "Raise-gross-margin"
    assert slug("销售效率 2027") == "销售效率-2027"
    assert slug("!!! ???") == ""


def test_assignments() -> None:
    g = apply_goal_assignments(
        goal(), ["target=1,200", "due=+1m", "owner=李雷", "unit="], as_of=TODAY
    )
    assert (g.target, g.due, g.owner, g.unit) == (1200, date(2026, 12, 20), "李雷", None)
    for bad in ("readings=1", "nope=1", "target=abc", "tags+=x", "title="):
        with pytest.raises(InvalidValueError):
            apply_goal_assignments(goal(), [bad], as_of=TODAY)


def test_goal_set_says_what_is_wrong_in_words() -> None:
    for text, expected in [
        ("target=", "target cannot be empty"),
        ("target= ", "target cannot be empty"),
        ("kpi=", "kpi cannot be empty"),
        ("title=", "title cannot be empty"),
        ("target=abc", "target must be a number, got 'abc'"),
        ("baseline=inf", "baseline must be a finite number, got 'inf'"),
    ]:
        with pytest.raises(InvalidValueError) as err:
            apply_goal_assignments(goal(), [text], as_of=TODAY)
        assert str(err.value) == expected


def test_goal_progress_counts_work(settings: Settings) -> None:
    reqs = [
        make("REQ-A", goal="g1", status="done", effort=3),
        make("REQ-B", goal="G1", status="accepted", effort=5),
        make("REQ-C", goal="g1", status="rejected", effort=8),
        make("REQ-D", goal="other"),
    ]
    (p,) = goal_progress([goal(id="g1")], reqs, settings=settings)
    assert [r.id for r in p.requirements] == ["REQ-A", "REQ-B"]
    assert p.by_status == {"accepted": 1, "done": 1}
    assert (p.done, p.done_effort, p.total_effort) == (1, 3.0, 8.0)


# -- CLI -----------------------------------------------------------------------


def test_goal_cli_journey(root: Path) -> None:
    new = ok(
        [
            "goal",
            "add",
            "Raise gross margin",
            "--kpi",
            "gross margin",
            "--unit",
            "%",
            "--baseline",
            "31",
            "--target",
            "34",
            "--due",
            "2026-12-31",
            "--owner",
            "王芳",
        ]
    ).stdout.strip()
    assert new == "Raise-gross-margin"
    data = tomllib.loads((root / "goals" / f"{new}.toml").read_text(encoding="utf-8"))
    assert data["baseline"] == 31 and isinstance(data["baseline"], int)
    ok(["goal", "measure", "raise", "32.5", "--at", "2026-11-01", "--by", "Tom"])
    ok(["goal", "set", new, "target=35"])
    req = add("Quote approval", "--goal", "raise-gross-margin", "--effort", "5")
    assert read_req(root, req)["goal"] == new  # stored in the goal's own spelling
    shown = json.loads(ok(["goal", "show", new, "-f", "json"]).stdout)
    assert shown["latest"] == 32.5
    assert shown["progress"] == pytest.approx(0.375)
    assert shown["requirements"] == [req]
    assert shown["readings"] == [{"at": "2026-11-01", "value": 32.5, "by": "Tom"}]
    listed = json.loads(ok(["goal", "list", "-f", "json"]).stdout)
    assert [g["id"] for g in listed] == [new]
    table = ok(["goal", "list"]).stdout
    assert "32.5%" in table and "50%" not in table
    assert "38%" in table
    assert "31% → 32.5% → 35%" in ok(["goal", "show", new]).stdout


def test_unknown_goal_is_refused_when_written(root: Path) -> None:
    assert_clean_error(invoke(["add", "x", "--no-input", "--goal", "nope"]), 2)
    req = add("x")
    result = invoke(["set", req, "goal=nope"])
    assert_clean_error(result, 2)
    assert "unknown goal 'nope'" in result.stderr
    assert "goal" not in read_req(root, req)


def test_a_goal_prefix_works_in_set_add_and_the_filters(root: Path) -> None:
    ok(["goal", "add", "Raise gross margin", "--kpi", "margin", "--target", "34"])
    ok(["goal", "add", "销售效率提升", "--kpi", "x", "--target", "50"])
    first = add("Foo")
    ok(["set", first, "goal=raise"])
    assert read_req(root, first)["goal"] == "Raise-gross-margin"  # the full ID is stored
    second = add("Bar", "--goal", "RAISE")
    assert read_req(root, second)["goal"] == "Raise-gross-margin"
    third = add("导出发票")
    ok(["--lang", "zh", "set", third, "goal=销售"])
    assert read_req(root, third)["goal"] == "销售效率提升"
    listed = json.loads(ok(["list", "-g", "raise", "-f", "json"]).stdout)
    assert sorted(r["id"] for r in listed) == sorted([first, second])
    ranked = json.loads(ok(["rank", "-g", "销售", "-f", "json"]).stdout)["items"]
    exported = json.loads(ok(["export", "-g", "销售", "-f", "json"]).stdout)
    assert [r["id"] for r in ranked] == [r["id"] for r in exported] == [third]


def test_an_unclear_goal_names_the_goals_and_never_asks_to_create_one_again(root: Path) -> None:
    ok(["goal", "add", "销售效率提升", "--kpi", "x", "--target", "50"])
    ok(["goal", "add", "销售额", "--kpi", "x", "--target", "9"])
    req = add("x")
    for args in (["set", req, "goal=销售"], ["add", "y", "--no-input", "--goal", "销售"],
                 ["list", "-g", "销售"]):  # fmt: skip
        result = invoke(["--lang", "zh", *args])
        assert_clean_error(result, 2)
        assert "销售效率提升、销售额" in result.stderr
    result = invoke(["--lang", "zh", "set", req, "goal=营收"])
    assert_clean_error(result, 2)
    assert "未知的目标 '营收'" in result.stderr and "销售效率提升" in result.stderr
    assert "创建" not in result.stderr and "goal add" not in result.stderr
    assert "goal" not in read_req(root, req)


def test_a_goal_without_a_file_is_still_a_filter(root: Path) -> None:
    req = add("x")
    path = root / "requirements" / f"{req}.toml"
    path.write_text(path.read_text(encoding="utf-8") + 'goal = "Legacy"\n', encoding="utf-8")
    listed = json.loads(ok(["list", "-g", "legacy", "-f", "json"]).stdout)
    assert [r["id"] for r in listed] == [req]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["target cannot be empty", "kpi cannot be empty", "title cannot be empty",
                "target must be a number, got 'abc'"]),
        ("zh", ["target 不能为空", "kpi 不能为空", "title 不能为空",
                "target 必须是数字，收到的是 'abc'"]),
    ],
)  # fmt: skip
def test_goal_set_messages_are_for_people(root: Path, lang: str, expected: list[str]) -> None:
    ok(["goal", "add", "客户满意度", "--kpi", "NPS", "--target", "60"])
    for assignment, sentence in zip(
        ["target=", "kpi=", "title=", "target=abc"], expected, strict=True
    ):
        result = invoke(["--lang", lang, "goal", "set", "客户满意度", assignment])
        assert_clean_error(result, 2)
        assert result.stderr == f"pmledger: {sentence}\n"


def test_goal_errors(root: Path) -> None:
    assert_clean_error(invoke(["goal", "show", "missing"]), 1)
    assert "goal list" in invoke(["goal", "show", "missing"]).stderr
    assert_clean_error(
        invoke(["goal", "add", "t", "--kpi", "k", "--target", "1", "--id", "../x"]), 2
    )
    ok(["goal", "add", "t", "--kpi", "k", "--target", "1", "--id", "G1"])
    assert_clean_error(invoke(["goal", "add", "t", "--kpi", "k", "--target", "1", "--id", "g1"]), 1)
    assert_clean_error(invoke(["goal", "measure", "G1", "lots"]), 2)
    assert json.loads(ok(["goal", "list", "-f", "json"]).stdout)[0]["id"] == "G1"


def test_goal_list_empty_is_json_list(root: Path) -> None:
    assert ok(["goal", "list", "-f", "json"]).stdout.strip() == "[]"


def test_example_goals_cover_every_goal_its_requirements_name(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    named = {
        tomllib.loads(p.read_text(encoding="utf-8")).get("goal")
        for p in (root / "requirements").glob("*.toml")
    } - {None}
    book = GoalBook(root)
    loaded = book.load_all()
    assert not loaded.problems
    assert named <= {g.id for g in loaded.goals}
    assert sum(len(g.readings) for g in loaded.goals) >= 10
    for g in loaded.goals:
        assert fileformat.dumps(g) == (root / "goals" / f"{g.id}.toml").read_text(encoding="utf-8")
        assert all(isinstance(r, Reading) for r in g.readings)


def test_a_title_whose_id_exists_is_refused_not_given_a_random_id(root: Path) -> None:
    ok(["goal", "add", "Raise gross margin", "--kpi", "m", "--target", "40"])
    for title in ("Raise gross margin", "raise gross margin"):
        result = invoke(["goal", "add", title, "--kpi", "m", "--target", "40"])
        assert_clean_error(result, 1)
        assert "Raise-gross-margin" in result.stderr
    assert [g["id"] for g in json.loads(ok(["goal", "list", "-f", "json"]).stdout)] == [
        "Raise-gross-margin"
    ]
    # A title without words still gets a random ID, each time.
    ok(["goal", "add", "!!", "--kpi", "m", "--target", "1"])
    assert ok(["goal", "add", "!!", "--kpi", "m", "--target", "1"]).stdout.startswith("G-")


def test_a_broken_goal_file_is_not_sent_to_edit(tmp_path: Path) -> None:
    # `pmledger edit` opens requirements only: its hint would not help here.
    root = copy_example(tmp_path)
    path = sorted((root / "goals").glob("*.toml"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "x = \n", encoding="utf-8")
    for args in (["goal", "show", path.stem], ["goal", "set", path.stem, "target=5"]):
        result = invoke(args)
        assert_clean_error(result, 1)
        assert "in an editor" in result.stderr and "pmledger edit" not in result.stderr


def test_measure_confirms_the_reading_it_recorded(tmp_path: Path) -> None:
    copy_example(tmp_path)
    ok(["goal", "add", "Cut churn", "--kpi", "churn", "--unit", "%", "--target", "3"])
    assert ok(["goal", "measure", "cut", "4.6", "--at", "2026-10-31"]).stdout.strip() == (
        "Cut-churn 4.6% (2026-10-31)"
    )
    # An older reading: confirmed as typed, not as the latest (4.6).
    assert ok(["goal", "measure", "cut", "4.9", "--at", "2026-10-01"]).stdout.strip() == (
        "Cut-churn 4.9% (2026-10-01)"
    )


def test_the_store_refuses_what_model_copy_let_through(tmp_path: Path) -> None:
    # model_copy(update=...) does not validate: a library caller's bad target
    # was written as a goal file the ledger could not read back.
    book = GoalBook(tmp_path)
    goal = book.create(new_goal("Q4-margin", "Margin", kpi="gm", target=34, as_of=TODAY))
    before = book.path_for(goal.id).read_bytes()
    bad = goal.model_copy(update={"target": "high"})
    with pytest.raises(InvalidValueError, match=r"^Q4-margin: target must be a number"):
        book.save(bad)
    assert book.path_for(goal.id).read_bytes() == before
    with pytest.raises(InvalidValueError, match="target"):
        book.create(bad.model_copy(update={"id": "Other"}))
    assert book.ids() == ["Q4-margin"]


def test_a_reading_that_is_not_a_finite_number_is_an_invalid_value() -> None:
    goal = new_goal("Q4-margin", "Margin", kpi="gm", target=34, as_of=TODAY)
    with pytest.raises(InvalidValueError, match=r"^readings\.value must be a finite number"):
        with_reading(goal, float("nan"), at=TODAY)


def test_a_reading_dated_after_today_is_refused(root: Path) -> None:
    from datetime import date, timedelta

    ok(["goal", "add", "t", "--kpi", "k", "--target", "1", "--id", "G1"])
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    refused = invoke(["goal", "measure", "G1", "5", "--at", tomorrow])
    assert_clean_error(refused, 2)
    assert "after today" in refused.stderr
    assert json.loads(ok(["goal", "show", "G1", "-f", "json"]).stdout)["readings"] == []
    ok(["goal", "measure", "G1", "5", "--at", date.today().isoformat()])
    ok(["goal", "measure", "G1", "4"])


def test_a_goal_file_that_is_a_symlink_is_never_read_through(root: Path, tmp_path: Path) -> None:
    ok(["goal", "add", "Margin", "--kpi", "margin", "--target", "20", "--id", "Q4"])
    ok(["goal", "add", "Churn", "--kpi", "churn", "--target", "2", "--id", "CH"])
    outside = tmp_path / "outside.toml"
    goal_file = root / "goals" / "CH.toml"
    outside.write_bytes(goal_file.read_bytes())
    goal_file.unlink()
    goal_file.symlink_to(outside)
    listed = ok(["goal", "list", "-f", "json"])
    assert [g["id"] for g in json.loads(listed.stdout)] == ["Q4"]
    assert "symbolic link" in listed.stderr
    checked = invoke(["check"])
    assert checked.exit_code == 1 and "symbolic link" in checked.stdout
