"""`pmledger rank` and `pmledger plan` on the bundled example ledger (and small ones)."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from .cli_helpers import (
    AS_OF,
    add,
    assert_clean_error,
    copy_example,
    invoke,
    make_ledger,
    ok,
    read_req,
    req_files,
)

DEFAULT_TERMS = ("priority", "due", "age", "blocking", "blocked", "in_progress")
CLOSED = ("done", "rejected")


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


def rank_json(*args: str) -> dict[str, Any]:
    data = json.loads(ok(["rank", "--as-of", AS_OF, "--format", "json", *args]).stdout)
    assert isinstance(data, dict)
    return data


def plan_json(*args: str) -> dict[str, Any]:
    data = json.loads(ok(["plan", "--as-of", AS_OF, "--format", "json", *args]).stdout)
    assert isinstance(data, dict)
    return data


def ledger_data(root: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for path in req_files(root):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        out[data["id"]] = data
    return out


def test_rank_json_shape(acme: Path) -> None:
    data = rank_json()
    assert data["as_of"] == AS_OF
    assert data["model"] == "default"
    assert isinstance(data["settings_hash"], str)
    assert data["settings_hash"]
    items = data["items"]
    assert items
    for item in items:
        assert [t["name"] for t in item["terms"]] == list(DEFAULT_TERMS)
        total = sum(t["contribution"] for t in item["terms"])
        assert item["score"] == pytest.approx(total, abs=1e-3)
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))


def test_rank_orders_by_score_descending(acme: Path) -> None:
    scores = [i["score"] for i in rank_json()["items"]]
    assert scores == sorted(scores, reverse=True)


def test_rank_is_repeatable_and_has_only_active_items(acme: Path) -> None:
    first = rank_json()
    assert rank_json() == first
    statuses = {i["status"] for i in first["items"]}
    assert statuses.isdisjoint({"done", "rejected", "deferred"})
    every = ledger_data(acme)
    active = {k for k, v in every.items() if v["status"] not in ("done", "rejected", "deferred")}
    assert {i["id"] for i in first["items"]} == active


def test_rank_all_includes_inactive(acme: Path) -> None:
    assert len(rank_json("--all")["items"]) == len(req_files(acme))


def test_rank_settings_hash_follows_the_settings(acme: Path) -> None:
    before = rank_json()["settings_hash"]
    config = acme / "pmledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("due = 12.0", "due = 10.0"), encoding="utf-8"
    )
    assert rank_json()["settings_hash"] != before


def test_rank_top(acme: Path) -> None:
    full = rank_json()["items"]
    top = rank_json("--top", "3")["items"]
    assert [i["id"] for i in top] == [i["id"] for i in full[:3]]
    table = ok(["rank", "--as-of", AS_OF, "--top", "3"]).stdout
    assert all(i["id"] in table for i in full[:3])
    assert full[3]["id"] not in table


def test_rank_top_must_not_be_negative(acme: Path) -> None:
    assert invoke(["rank", "--top", "-1"]).exit_code == 2
    # --top 0 means every one (the way out of the one-screen default).
    assert len(rank_json("--top", "0")["items"]) == len(rank_json()["items"])


def test_rank_explain_lists_every_term(acme: Path) -> None:
    out = ok(["rank", "--as-of", AS_OF, "--explain", "--top", "3"]).stdout
    for term in DEFAULT_TERMS:
        assert term in out, term
    assert "because" in out
    md = ok(["rank", "--as-of", AS_OF, "--explain", "--top", "2", "-f", "markdown"]).stdout
    for term in DEFAULT_TERMS:
        # (in\_progress: markdown escapes the underscore it would read as emphasis)
        assert f"| {term.replace('_', chr(92) + '_')} |" in md, term


def test_rank_explain_shows_weights_only_for_a_weighted_model(acme: Path) -> None:
    default = ok(["rank", "--as-of", AS_OF, "--explain", "--top", "1", "-f", "markdown"]).stdout
    assert "| Term | Input | Measure | Weight | Contribution |" in default
    rice_args = ["--model", "rice", "--skip-incomplete", "--explain", "--top", "1"]
    rice = ok(["rank", "--as-of", AS_OF, *rice_args, "-f", "markdown"]).stdout
    assert "| Term | Input | Measure | Value |" in rice
    assert "Weight" not in rice


def test_rank_filters(acme: Path) -> None:
    items = rank_json("--department", "Finance")["items"]
    assert items
    assert {i["department"] for i in items} == {"Finance"}


def test_rank_rice_without_inputs_names_the_requirement(acme: Path) -> None:
    result = invoke(["rank", "--as-of", AS_OF, "--model", "rice"])
    assert_clean_error(result, 1)
    assert "ACME-" in result.stderr
    assert "rice." in result.stderr
    assert "--skip-incomplete" in result.stderr
    assert result.stdout == ""
    # All the missing inputs of one requirement in one phrase, not one each.
    lines = [line for line in result.stderr.splitlines() if "missing input" in line]
    assert lines and all(line.count("missing input") == 1 for line in lines)
    assert any("missing inputs rice.reach, rice.impact, rice.confidence" in line for line in lines)


def test_rank_rice_skip_incomplete(acme: Path) -> None:
    result = ok(["rank", "--as-of", AS_OF, "--model", "rice", "--skip-incomplete", "-f", "json"])
    data = json.loads(result.stdout)
    assert data["model"] == "rice"
    assert data["items"]
    assert data["incomplete"]
    assert "left out" in result.stderr
    scores = [i["score"] for i in data["items"]]
    assert scores == sorted(scores, reverse=True)
    every = ledger_data(acme)
    for item in data["items"]:
        rice = every[item["id"]]["rice"]
        expected = rice["reach"] * rice["impact"] * rice["confidence"] / rice["effort"]
        assert item["score"] == pytest.approx(expected, abs=1e-3)


def test_rank_rice_after_setting_the_inputs(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    a = add("Alpha")
    b = add("Beta")
    ok(["set", a, "rice.reach=100", "rice.impact=2", "rice.confidence=0.5", "rice.effort=2"])
    ok(["set", b, "rice.reach=450", "rice.impact=1", "rice.confidence=1", "rice.effort=1"])
    data = rank_json("--model", "rice")
    assert [(i["id"], i["score"]) for i in data["items"]] == [(b, 450), (a, 50)]


def test_rank_unknown_model_is_a_usage_error(acme: Path) -> None:
    result = invoke(["rank", "--model", "bogus"])
    assert_clean_error(result, 2)
    assert "bogus" in result.stderr


def test_rank_matrix(acme: Path) -> None:
    out = ok(["rank", "--as-of", AS_OF, "--matrix"]).stdout
    for word in ("Do", "Schedule", "Delegate", "Drop"):
        assert word.upper() in out.upper(), word
    md = ok(["rank", "--as-of", AS_OF, "--matrix", "-f", "markdown"]).stdout
    for word in ("Do", "Schedule", "Delegate", "Drop"):
        assert f"### {word}" in md
    data = json.loads(ok(["rank", "--as-of", AS_OF, "--matrix", "-f", "json"]).stdout)
    assert set(data["quadrants"]) == {"do", "schedule", "delegate", "drop"}
    placed = [i for ids in data["quadrants"].values() for i in ids]
    assert sorted(placed) == sorted(i["id"] for i in rank_json()["items"])


def test_rank_csv(acme: Path) -> None:
    out = ok(["rank", "--as-of", AS_OF, "-f", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"position", "id", "title", "score"} <= set(rows[0])
    assert [r["id"] for r in rows] == [i["id"] for i in rank_json()["items"]]
    assert any("客户" in r["title"] for r in rows)


def test_rank_markdown(acme: Path) -> None:
    out = ok(["rank", "--as-of", AS_OF, "-f", "markdown"]).stdout
    assert AS_OF in out
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(rank_json()["items"])


def test_rank_empty_ledger(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    assert rank_json()["items"] == []
    ok(["rank"])


def test_rank_reports_a_broken_file_and_goes_on(acme: Path) -> None:
    bad = acme / "requirements" / "ACME-BAD00.toml"
    bad.write_text('id = "ACME-BAD00"\ntitle = [\n', encoding="utf-8")
    result = ok(["rank", "--as-of", AS_OF, "-f", "json"])
    assert json.loads(result.stdout)["items"]
    assert "ACME-BAD00.toml" in result.stderr


def check_plan(root: Path, data: dict[str, Any], capacity: float) -> None:
    """Total effort within capacity; no item before one of its open dependencies.

    A dependency already under way (in a sprint, or in progress) is scheduled.
    """
    every = ledger_data(root)
    items = data["items"]
    assert sum(i["effort"] for i in items) <= capacity + 1e-9
    assert data["used"] == pytest.approx(sum(i["effort"] for i in items))
    seen: set[str] = set()
    for item in items:
        for dep in every[item["id"]].get("depends_on", []):
            under_way = (
                every.get(dep, {}).get("sprint")
                or every.get(dep, {}).get("status") == "in-progress"
            )
            if dep in every and every[dep]["status"] not in CLOSED and not under_way:
                assert dep in seen, f"{item['id']} planned before its dependency {dep}"
        seen.add(item["id"])


@pytest.mark.parametrize("capacity", [0, 5, 13, 20, 40, 80, 1000])
def test_plan_fits_capacity_and_respects_dependencies(acme: Path, capacity: int) -> None:
    data = plan_json("--capacity", str(capacity))
    assert data["capacity"] == capacity
    check_plan(acme, data, capacity)
    if capacity == 0:
        assert data["items"] == []


def test_plan_pulls_in_a_dependency_first(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    base = add("Low-priority groundwork", "-p", "low", "--effort", "2")
    top = add("Urgent feature", "-p", "critical", "--due", AS_OF, "--effort", "3")
    add("Something unrelated", "-p", "high", "--effort", "4")
    ok(["set", top, f"depends_on={base}"])
    data = plan_json("--capacity", "5")
    ids = [i["id"] for i in data["items"]]
    assert ids == [base, top]
    assert data["items"][0]["pulled_in_for"] == top
    check_plan(root, data, 5)
    # Not enough room for both: neither goes in before the other.
    small = plan_json("--capacity", "3")
    assert top not in [i["id"] for i in small["items"]]
    check_plan(root, small, 3)


def test_plan_reports_missing_effort(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    a = add("Estimated", "--effort", "2")
    b = add("Not estimated", "-p", "critical")
    data = plan_json("--capacity", "10")
    assert [i["id"] for i in data["items"]] == [a]
    (skipped,) = data["skipped"]
    assert skipped["id"] == b
    assert "effort" in skipped["reason"]


def test_plan_apply_writes_sprint_and_status(acme: Path) -> None:
    before = ledger_data(acme)
    data = plan_json("--capacity", "20", "--apply", "--sprint", "2026-S23")
    assert data["applied_sprint"] == "2026-S23"
    chosen = {i["id"] for i in data["items"]}
    assert chosen
    after = ledger_data(acme)
    order = ["proposed", "accepted", "planned", "in-progress", "done"]
    for req_id, req in after.items():
        if req_id in chosen:
            assert req["sprint"] == "2026-S23"
            old = before[req_id]["status"]
            if order.index(old) < order.index("planned"):
                assert req["status"] == "planned"
            else:
                assert req["status"] == old  # planning never moves work backwards
        else:
            assert req == before[req_id], req_id


def test_plan_apply_table_output(acme: Path) -> None:
    result = ok(["plan", "--as-of", AS_OF, "--capacity", "20", "--apply", "--sprint", "S1"])
    assert "S1" in result.stderr
    chosen = [p for p in req_files(acme) if 'sprint = "S1"' in p.read_text(encoding="utf-8")]
    assert chosen
    for path in chosen:
        assert read_req(acme, path.stem)["status"] in ("planned", "in-progress")


def test_plan_apply_without_sprint_is_a_usage_error(acme: Path) -> None:
    before = {p.name: p.read_bytes() for p in req_files(acme)}
    result = invoke(["plan", "--capacity", "20", "--apply"])
    assert_clean_error(result, 2)
    assert "--sprint" in result.stderr
    assert {p.name: p.read_bytes() for p in req_files(acme)} == before


def test_plan_without_apply_writes_nothing(acme: Path) -> None:
    before = {p.name: p.read_bytes() for p in req_files(acme)}
    # --sprint names what --apply records: alone it is refused, not ignored.
    assert_clean_error(invoke(["plan", "--capacity", "40", "--sprint", "S9"]), 2)
    ok(["plan", "--as-of", AS_OF, "--capacity", "40"])
    ok(["plan", "--as-of", AS_OF, "--capacity", "40", "-f", "markdown"])
    assert {p.name: p.read_bytes() for p in req_files(acme)} == before


def test_plan_needs_a_capacity(acme: Path) -> None:
    assert invoke(["plan"]).exit_code == 2
    assert invoke(["plan", "--capacity", "-1"]).exit_code == 2
    assert invoke(["plan", "--capacity", "lots"]).exit_code == 2


def test_plan_markdown(acme: Path) -> None:
    out = ok(["plan", "--as-of", AS_OF, "--capacity", "20", "-f", "markdown"]).stdout
    assert out.startswith("| ")
    assert "capacity 20" in out


def test_plan_leaves_out_work_already_under_way(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    busy = add("Already in sprint S1", "-p", "critical", "--effort", "1")
    doing = add("Being built", "-p", "critical", "--effort", "1")
    free = add("Up for grabs", "-p", "low", "--effort", "1")
    ok(["set", busy, "sprint=S1"])
    ok(["status", doing, "in-progress"])
    result = ok(["plan", "--capacity", "10", "-f", "json"])
    assert [i["id"] for i in json.loads(result.stdout)["items"]] == [free]
    assert "left out 2 requirements already in a sprint or in progress" in result.stderr
    every = plan_json("--capacity", "10", "--include-planned")
    assert {i["id"] for i in every["items"]} == {busy, doing, free}
    assert read_req(root, busy)["sprint"] == "S1"


def test_plan_takes_the_filters_of_rank(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    add("Finance thing", "-d", "Finance", "--effort", "1")
    sales = add("Sales thing", "-d", "Sales", "--effort", "1", "-p", "low")
    data = plan_json("--capacity", "10", "--department", "Sales", "--requester", "nobody")
    assert data["items"] == []
    data = plan_json("--capacity", "10", "Sales")
    assert [i["id"] for i in data["items"]] == [sales]


def test_plan_apply_says_when_it_moves_or_changes_nothing(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    moved = add("In another sprint", "-p", "critical", "--effort", "1")
    ok(["set", moved, "sprint=S1"])
    fresh = add("Fresh", "--effort", "1")
    first = ok(["plan", "--capacity", "5", "--apply", "--sprint", "S2"])
    assert read_req(root, fresh)["sprint"] == "S2"
    assert read_req(root, moved)["sprint"] == "S1"
    assert "recorded 1 requirement in sprint S2" in first.stderr
    again = ok(["plan", "--capacity", "5", "--apply", "--sprint", "S2"])
    assert "nothing changed" in again.stderr
    assert json.loads(ok(["plan", "-c", "5", "-f", "json"]).stdout)["items"] == []
    forced = ok(["plan", "-c", "5", "--apply", "--sprint", "S2", "--include-planned"])
    assert f"moved {moved} from sprint S1 to S2" in forced.stderr
    assert read_req(root, moved)["sprint"] == "S2"


def test_plan_without_any_effort_says_so_in_one_line(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    for n in range(4):
        add(f"No estimate {n}")
    result = ok(["plan", "--capacity", "10"])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "effort=" in lines[0]


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12).filter(
    lambda s: s.strip() != ""
)


@settings_(max_examples=60, deadline=None)
@given(
    titles=st.lists(_TEXT, min_size=1, max_size=6),
    owner=st.none() | _TEXT,
    efforts=st.lists(
        st.none() | st.integers(0, 3) | st.sampled_from([1.0, 2.0, 2.5]) | st.floats(0.001, 1e6),
        min_size=6,
        max_size=6,
    ),
    due=st.none() | st.dates(date(2026, 1, 1), date(2027, 12, 31)),
)
@example(
    titles=["a", "b\u2028", "c", "d", "e", "f"],
    owner="王",
    efforts=[1, 1.0, 2.0, 2, None, 2.5],
    due=date(2026, 11, 1),
)
def test_rank_json_items_are_what_json_dumps_writes(
    titles: list[str], owner: str | None, efforts: list[float | None], due: date | None
) -> None:
    """Each streamed item is, byte for byte, json.dumps of the same values made
    safe for a terminal, even where pieces are shared between items (1 and 1.0
    are equal keys but different JSON)."""
    from pmledger.cli.output import json_safe
    from pmledger.cli.rank_json import _json_texts
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import rank

    from .conftest import make

    reqs = [
        make(
            f"REQ-A{n:04d}",
            title=title,
            owner=owner,
            effort=efforts[n],
            due=due,
            priority=["low", "medium", "high", "critical"][n % 4],
            depends_on=["REQ-A0000"] if n else [],
        )
        for n, title in enumerate(titles)
    ]
    config = Settings()
    ranking = rank(reqs, settings=config, as_of=date(2026, 11, 20))
    texts = list(_json_texts(ranking, range(ranking.table.size), config))
    assert len(texts) == len(ranking.items)
    for text, item in zip(texts, ranking.items, strict=True):
        assert text == json_safe(json.dumps(json.loads(text), ensure_ascii=False))
        value = json.loads(text)
        assert value["id"] == item.requirement.id
        assert value["title"] == item.requirement.title
        assert value["effort"] == item.requirement.effort
        assert type(value["effort"]) is type(item.requirement.effort)


def test_plan_with_nothing_taken_says_why_for_each(root: Path) -> None:
    big = add("Big one", "-e", "13", "-s", "accepted")
    result = ok(["plan", "-c", "10"])
    assert big in result.stdout and "effort 13 > remaining 10" in result.stdout
    assert "below the cut" not in result.stdout
    assert "nothing fits the capacity" in result.stderr


def test_plan_with_nothing_taken_for_a_cycle_does_not_blame_capacity(root: Path) -> None:
    # Both fit many times over; a cycle (written by hand) is why neither is taken.
    a = add("A", "-e", "1")
    b = add("B", "-e", "1", "--depends-on", a)
    path = root / "requirements" / f"{a}.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('priority = "medium"\n', f'priority = "medium"\ndepends_on = ["{b}"]\n')
    )
    result = ok(["plan", "-c", "10"])
    assert result.stdout.count("part of a dependency cycle") == 2
    assert "nothing fits the capacity" not in result.stderr


def _age_files(root: Path) -> None:
    """Backdate every requirement file, so the parse cache trusts them."""
    import os
    import time

    past = time.time() - 3600
    for path in req_files(root):
        os.utime(path, (past, past))


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--top", "3"],
        ["--all"],
        ["--status", "accepted", "--status", "in-progress"],
        ["--as-of", "2027-03-01"],
        ["--model", "default", "--explain"],
    ],
)
def test_rank_json_from_the_cache_columns_is_the_json_from_the_models(
    acme: Path, trusted: None, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    """An unchanged ledger is ranked from the parse cache's columns, without a
    model: the same bytes and the same warnings as the ranking of the models,
    and an edit is seen at once."""
    import pmledger.ledger.scan as scan

    # A dependency cycle and an unknown dependency: warnings on stderr.
    data = ledger_data(acme)
    first, second = sorted(data)[:2]
    # (Through the core: `set` refuses a cycle and an ID the ledger lacks.)
    from pmledger.ledger.ledger import Ledger

    ledger = Ledger(acme)
    third = sorted(data)[2]
    for req_id, deps in ((first, [second]), (second, [first]), (third, ["ACME-NOPE1"])):
        ledger.save(ledger.load(req_id).model_copy(update={"depends_on": deps}))
    _age_files(acme)
    args = ["rank", "--as-of", AS_OF, "--format", "json", *options]
    from pmledger.ranking import order

    def no_models(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a model was built")

    def no_columns(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("ranked from columns")

    # Without the cache, no columns are stored: the ranking of the models.
    with monkeypatch.context() as patch:
        patch.setattr(order, "rank_columns", no_columns)
        from_models = ok(args, env={"PMLEDGER_NO_CACHE": "1"})
    ok(args)  # reads the files and stores the columns

    with monkeypatch.context() as patch:
        patch.setattr(scan, "_load", no_models)
        from_columns = ok(args)
    assert from_columns.stdout == from_models.stdout
    assert from_columns.stderr == from_models.stderr
    if not options:
        assert "dependency cycle" in from_columns.stderr and "ACME-NOPE1" in from_columns.stderr


def test_rank_json_columns_follow_an_edit_and_a_broken_file(acme: Path, trusted: None) -> None:
    _age_files(acme)
    before = rank_json()
    rank_json()  # from the columns
    first = before["items"][0]
    path = acme / "requirements" / f"{first['id']}.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(first["title"], "Changed"))
    _age_files(acme)
    after = rank_json()
    assert after["items"][0]["title"] == "Changed"
    assert rank_json() == after  # and again, from the new columns
    # A file the cache cannot hold (broken) sends every load the model way.
    (acme / "requirements" / "REQ-BAD00.toml").write_text('id = "REQ-BAD00"\ntitle = "x\n')
    _age_files(acme)
    result = ok(["rank", "--as-of", AS_OF, "--format", "json"])
    assert "REQ-BAD00" in result.stderr
    assert json.loads(result.stdout) == after


def test_rank_json_from_the_columns_is_english_whatever_the_language(
    acme: Path, trusted: None
) -> None:
    """The columns are ranked while the files are stat'ed, before the switch to
    the JSON's language: the terms and reasons must still be English."""
    _age_files(acme)
    args = ["rank", "--as-of", AS_OF, "--format", "json"]
    english = ok(args).stdout
    assert ok(["--lang", "zh", *args]).stdout == english  # from the columns
    assert "days old" in english and "天" not in english


def test_a_mistyped_model_suggests_the_one_meant(acme: Path) -> None:
    from .cli_helpers import assert_clean_error

    for command in (["rank"], ["plan", "-c", "10"]):
        result = invoke([*command, "--model", "ric"])
        assert_clean_error(result, 2)
        assert "did you mean 'rice'?" in result.stderr
    assert "did you mean" not in invoke(["rank", "--model", "zzz"]).stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--top", "3"],
        ["--top", "5", "--explain"],
        ["--top", "4", "-f", "markdown", "--explain"],
        ["--top", "4", "-f", "csv"],
        ["--lang", "zh", "--top", "4", "--explain"],
    ],
)
def test_a_few_rows_of_a_ranking_from_the_cache_columns_read_only_their_files(
    acme: Path, trusted: None, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    """`rank --top N` (and one screen on a terminal) ranks the cached columns
    and reads the files of the rows it shows: the same output as the
    ranking of every model."""
    import pmledger.ledger.scan as scan

    _age_files(acme)
    lang = options[:2] if options[0] == "--lang" else []
    rest = options[2:] if lang else options
    args = [*lang, "rank", "--as-of", AS_OF, *rest]
    from_models = ok(args, env={"PMLEDGER_NO_CACHE": "1"})
    ok(["rank", "--as-of", AS_OF, "-f", "json"])  # stores the columns

    def no_models(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("every model was built")

    with monkeypatch.context() as patch:
        patch.setattr(scan, "_load", no_models)
        loaded = _count_loads(patch)
        from_columns = ok(args)
    assert from_columns.stdout == from_models.stdout
    assert from_columns.stderr == from_models.stderr
    assert len(loaded) == int(rest[1])


def _count_loads(patch: pytest.MonkeyPatch) -> list[str]:
    """The IDs ``Ledger.load`` is asked for from now on, in order."""
    from pmledger.ledger.ledger import Ledger

    loaded: list[str] = []
    real_load = Ledger.load

    def counted(self: Ledger, req_id: str) -> Any:
        loaded.append(req_id)
        return real_load(self, req_id)

    patch.setattr(Ledger, "load", counted)
    return loaded


def test_one_screen_of_a_ranking_on_a_terminal_reads_only_its_files(
    acme: Path, trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmledger.cli import output

    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "12")
    _age_files(acme)
    from_models = ok(["rank", "--as-of", AS_OF], env={"PMLEDGER_NO_CACHE": "1"})
    ok(["rank", "--as-of", AS_OF, "-f", "json"])  # stores the columns
    loaded = _count_loads(monkeypatch)
    screen = ok(["rank", "--as-of", AS_OF])
    assert screen.stdout == from_models.stdout and screen.stderr == from_models.stderr
    assert "more — `--no-limit` or `--top N`" in screen.stderr
    assert len(loaded) == 12 - 5
