"""The scoring models against their published numbers, plus invariants."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pmledger.errors import ScoringError, ScoringProblem
from pmledger.ledger.model import Priority, Requirement
from pmledger.ledger.settings import Settings
from pmledger.ledger.validation import sentences
from pmledger.ranking.order import rank
from pmledger.ranking.scoring import (
    Dependencies,
    Score,
    Term,
    due_measure,
    find_cycles,
    score,
    score_many,
)

from .conftest import make

AS_OF = date(2026, 11, 20)

# Taskwarrior's due curve with its defaults (weight 12); Obsidian Tasks
# publishes +1 -> 8.34286, +13 -> 2.85714, -3 -> 10.17143.
DUE_TABLE = [
    (-8, 12.00000),
    (-7, 12.00000),
    (-6, 11.54286),
    (-5, 11.08571),
    (-4, 10.62857),
    (-3, 10.17143),
    (-2, 9.71429),
    (-1, 9.25714),
    (0, 8.80000),
    (1, 8.34286),
    (2, 7.88571),
    (3, 7.42857),
    (4, 6.97143),
    (5, 6.51429),
    (6, 6.05714),
    (7, 5.60000),
    (8, 5.14286),
    (9, 4.68571),
    (10, 4.22857),
    (11, 3.77143),
    (12, 3.31429),
    (13, 2.85714),
    (14, 2.40000),
    (15, 2.40000),
]


def _score(
    req: Requirement,
    reqs: list[Requirement] | None = None,
    settings: Settings | None = None,
    as_of: date = AS_OF,
    model: str | None = None,
) -> tuple[Score | None, list[ScoringProblem]]:
    settings = settings or Settings()
    deps = Dependencies.build(reqs or [req], settings)
    result, problems = score(req, deps=deps, settings=settings, as_of=as_of, model=model)
    return result, problems


@pytest.mark.parametrize(("days", "expected"), DUE_TABLE)
def test_due_term_table(days: int, expected: float) -> None:
    req = make(due=AS_OF + timedelta(days=days), created=AS_OF)
    result, _ = _score(req)
    assert result is not None
    term = result.term("due")
    assert term is not None and term.contribution is not None
    assert term.contribution == pytest.approx(expected, abs=5e-6)
    assert result.overdue == (days < 0)


def test_no_due_date_contributes_nothing() -> None:
    result, _ = _score(make(created=AS_OF))
    assert result is not None and result.term("due").contribution == 0.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("priority", "expected"),
    [("critical", 9.0), ("high", 6.0), ("medium", 3.9), ("low", 1.8), ("P1", 6.0), ("could", 3.9)],
)
def test_priority_constants_are_taskwarriors(priority: str, expected: float) -> None:
    result, _ = _score(make(priority=priority, created=AS_OF))
    assert result is not None
    assert result.value == pytest.approx(expected)


@pytest.mark.parametrize(("age", "expected"), [(0, 0.0), (73, 0.4), (365, 2.0), (1000, 2.0)])
def test_age_term(age: int, expected: float) -> None:
    result, _ = _score(make(created=AS_OF - timedelta(days=age)))
    assert result is not None
    assert result.term("age").contribution == pytest.approx(expected)  # type: ignore[union-attr]


def test_future_created_date_has_no_negative_age() -> None:
    result, _ = _score(make(created=AS_OF + timedelta(days=5)))
    assert result is not None and result.term("age").contribution == 0.0  # type: ignore[union-attr]


def test_blocking_blocked_and_in_progress() -> None:
    a = make("REQ-A", created=AS_OF, status="in-progress")
    b = make("REQ-B", created=AS_OF, depends_on=["REQ-A"])
    reqs = [a, b]
    ra, _ = _score(a, reqs)
    rb, _ = _score(b, reqs)
    assert ra is not None and rb is not None
    assert ra.term("blocking").contribution == 8.0  # type: ignore[union-attr]
    assert ra.term("in_progress").contribution == 4.0  # type: ignore[union-attr]
    assert rb.term("blocked").contribution == -5.0  # type: ignore[union-attr]
    assert ra.value == pytest.approx(3.9 + 8 + 4)
    assert rb.value == pytest.approx(3.9 - 5)


def test_closed_requirements_neither_block_nor_are_blocked() -> None:
    done = make("REQ-A", created=AS_OF, status="done")
    waiting = make("REQ-B", created=AS_OF, depends_on=["REQ-A"])
    rd, _ = _score(done, [done, waiting])
    rw, _ = _score(waiting, [done, waiting])
    assert rd is not None and rw is not None
    assert rd.term("blocking").contribution == 0.0  # type: ignore[union-attr]
    assert rw.term("blocked").contribution == 0.0  # type: ignore[union-attr]


def test_weights_and_due_curve_are_configurable() -> None:
    settings = Settings.model_validate(
        {
            "scoring": {
                "weights": {"priority": 1.0, "due": 10.0, "age": 0.0},
                "due": {"horizon_days": 10, "overdue_days": 0, "floor": 0.0},
            }
        }
    )
    req = make(priority="high", due=AS_OF + timedelta(days=5), created=AS_OF)
    result, _ = _score(req, settings=settings)
    assert result is not None
    # priority 1.0 x 1.0 + due 10 x (10 - 5) / 10
    assert result.value == pytest.approx(1.0 + 5.0)
    assert due_measure(0, settings.scoring.due) == 1.0


# -- alternative models ----------------------------------------------------------


@pytest.mark.parametrize(
    ("reach", "impact", "confidence", "effort", "expected"),
    [(450, 3, 1.0, 2, 675.0), (2000, 1, 0.8, 4, 400.0), (800, 2, 0.5, 1, 800.0)],
)
def test_rice_intercom_examples(
    reach: float, impact: float, confidence: float, effort: float, expected: float
) -> None:
    req = make(rice={"reach": reach, "impact": impact, "confidence": confidence, "effort": effort})
    result, problems = _score(req, model="rice")
    assert problems == []
    assert result is not None and result.value == expected


def test_wsjf_is_cost_of_delay_over_job_size() -> None:
    req = make(
        wsjf={"business_value": 8, "time_criticality": 13, "risk_reduction": 5, "job_size": 13}
    )
    result, _ = _score(req, model="wsjf")
    assert result is not None and result.value == 2.0


@pytest.mark.parametrize(("mode", "expected"), [("product", 8 * 5 * 6), ("mean", 19 / 3)])
def test_ice(mode: str, expected: float) -> None:
    settings = Settings.model_validate({"scoring": {"ice_mode": mode}})
    req = make(ice={"impact": 8, "confidence": 5, "ease": 6})
    result, _ = _score(req, settings=settings, model="ice")
    assert result is not None and result.value == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("model", "table", "field"),
    [
        ("rice", {"reach": 1, "impact": 3, "confidence": 1.0}, "rice.effort"),
        (
            "wsjf",
            {"business_value": 1, "time_criticality": 1, "job_size": 3},
            "wsjf.risk_reduction",
        ),
        ("ice", {"impact": 5, "confidence": 5}, "ice.ease"),
    ],
)
def test_missing_input_is_reported_never_zero(
    model: str, table: dict[str, object], field: str
) -> None:
    req = make(**{model: table})  # type: ignore[arg-type]
    result, problems = _score(req, model=model)
    assert result is None
    assert [p.field for p in problems] == [field]
    assert problems[0].req_id == req.id


@pytest.mark.parametrize(
    ("model", "table", "words"),
    [
        ("rice", {"effort": 0}, "rice.effort must be more than 0"),
        ("rice", {"impact": 4}, "rice.impact must be one of 3, 2, 1, 0.5, 0.25"),
        ("rice", {"confidence": 1.5}, "rice.confidence must be more than 0 and at most 1"),
        ("rice", {"reach": -1}, "rice.reach must be at least 0"),
        ("rice", {"reach": "many"}, "rice.reach must be a number, got 'many'"),
        ("rice", {"foo": 1}, "rice has no input 'foo'; its inputs are reach, impact"),
        ("wsjf", {"job_size": 0}, "wsjf.job_size must be more than 0"),
        ("wsjf", {"business_value": -2}, "wsjf.business_value must be at least 0"),
        ("ice", {"impact": 11}, "ice.impact must be from 1 to 10, got 11"),
        ("ice", {"confidence": 0}, "ice.confidence must be from 1 to 10, got 0"),
    ],
)
def test_impossible_input_is_refused_by_the_model(
    model: str, table: dict[str, object], words: str
) -> None:
    # Refused when read or written, so a ranking never meets one.
    with pytest.raises(ValidationError) as err:
        make(**{model: table})  # type: ignore[arg-type]
    assert any(words in s for s in sentences(err.value))


def test_missing_table_names_every_field() -> None:
    result, problems = _score(make(), model="rice")
    assert result is None
    assert {p.field for p in problems} == {
        "rice.reach",
        "rice.impact",
        "rice.confidence",
        "rice.effort",
    }


def test_rank_raises_on_incomplete_unless_skipped(settings: Settings) -> None:
    good = make("REQ-A", rice={"reach": 1, "impact": 1, "confidence": 1, "effort": 1})
    bad = make("REQ-B")
    with pytest.raises(ScoringError) as err:
        rank([good, bad], settings=settings, as_of=AS_OF, model="rice")
    assert "REQ-B" in str(err.value) and "rice.reach" in str(err.value)
    ranking = rank([good, bad], settings=settings, as_of=AS_OF, model="rice", skip_incomplete=True)
    assert [i.requirement.id for i in ranking.items] == ["REQ-A"]
    assert {p.req_id for p in ranking.incomplete} == {"REQ-B"}


# -- cycles ----------------------------------------------------------------------


def test_find_cycles_reports_each_once() -> None:
    graph = {"A": ["B"], "B": ["C"], "C": ["A"], "D": ["D"], "E": ["A"]}
    assert find_cycles(graph) == [["A", "B", "C"], ["D"]]


def test_cycle_does_not_loop_scoring(settings: Settings) -> None:
    a = make("REQ-A", depends_on=["REQ-B"])
    b = make("REQ-B", depends_on=["REQ-A"])
    ranking = rank([a, b], settings=settings, as_of=AS_OF)
    assert ranking.cycles == [["REQ-A", "REQ-B"]]
    assert len(ranking.items) == 2


# -- properties ------------------------------------------------------------------

PRIORITIES = ["low", "medium", "high", "critical"]
reqs_strategy = st.builds(
    lambda i, p, due, age, status: make(
        f"REQ-{i:05d}",
        priority=p,
        due=None if due is None else AS_OF + timedelta(days=due),
        created=AS_OF - timedelta(days=age),
        status=status,
    ),
    st.integers(0, 99999),
    st.sampled_from(PRIORITIES),
    st.none() | st.integers(-30, 60),
    st.integers(0, 800),
    st.sampled_from(["proposed", "accepted", "in-progress"]),
)


@given(reqs_strategy, st.integers(1, 3))
def test_raising_priority_never_lowers_a_score(req, steps):  # type: ignore[no-untyped-def]
    lower = _score(req)[0]
    index = min(PRIORITIES.index(req.priority.value) + steps, 3)
    higher = _score(req.model_copy(update={"priority": Priority(PRIORITIES[index])}))[0]
    assert higher is not None and lower is not None
    assert higher.value >= lower.value


@given(reqs_strategy, st.integers(1, 40))
def test_earlier_due_never_lowers_a_score(req, days):  # type: ignore[no-untyped-def]
    base = req if req.due is not None else req.model_copy(update={"due": AS_OF})
    later = _score(base)[0]
    earlier = _score(base.model_copy(update={"due": base.due - timedelta(days=days)}))[0]
    assert earlier is not None and later is not None
    assert earlier.value >= later.value


@given(st.lists(reqs_strategy, min_size=1, max_size=12, unique_by=lambda r: r.id), reqs_strategy)
def test_adding_an_unrelated_requirement_changes_no_score(reqs, extra):  # type: ignore[no-untyped-def]
    settings = Settings()
    if extra.id in {r.id for r in reqs}:
        return
    before = {
        i.requirement.id: i.score.value for i in rank(reqs, settings=settings, as_of=AS_OF).items
    }
    after = {
        i.requirement.id: i.score.value
        for i in rank([*reqs, extra], settings=settings, as_of=AS_OF).items
    }
    for req_id, value in before.items():
        assert after[req_id] == value


@given(st.lists(reqs_strategy, min_size=0, max_size=15, unique_by=lambda r: r.id), st.randoms())
def test_order_is_total_and_repeatable(reqs, rnd):  # type: ignore[no-untyped-def]
    settings = Settings()
    first = [i.requirement.id for i in rank(reqs, settings=settings, as_of=AS_OF).items]
    shuffled = list(reqs)
    rnd.shuffle(shuffled)
    second = [i.requirement.id for i in rank(shuffled, settings=settings, as_of=AS_OF).items]
    assert first == second
    active = [r for r in reqs if r.status not in settings.ledger.inactive_statuses]
    assert sorted(first) == sorted(r.id for r in active)


linked_reqs_strategy = st.lists(
    st.builds(
        lambda i, p, due, age, timed, status, deps: make(
            f"REQ-{i:05d}",
            priority=p,
            due=None if due is None else AS_OF + timedelta(days=due),
            created=(
                datetime(2026, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
                - timedelta(days=age)
                if timed
                else AS_OF - timedelta(days=age)
            ),
            status=status,
            depends_on=[f"REQ-{d:05d}" for d in deps if d != i],
        ),
        st.integers(0, 30),
        st.sampled_from(PRIORITIES),
        st.none() | st.integers(-30, 60),
        st.integers(0, 800),
        st.booleans(),
        st.sampled_from(["proposed", "accepted", "in-progress", "done"]),
        st.lists(st.integers(0, 30), max_size=3),
    ),
    max_size=20,
    unique_by=lambda r: r.id,
)


@given(linked_reqs_strategy, st.sampled_from([AS_OF, AS_OF + timedelta(days=9)]))
def test_scoring_a_whole_ranking_at_once_equals_scoring_each_alone(reqs, as_of):  # type: ignore[no-untyped-def]
    """The batch shares terms between requirements; each score must still be
    exactly the one computed alone (fresh dependencies, nothing shared)."""
    settings = Settings()
    deps = Dependencies.build(reqs, settings)
    # A first batch on another date must not leak its terms into the second.
    score_many(reqs, deps=deps, settings=settings, as_of=as_of - timedelta(days=400))
    together, problems = score_many(reqs, deps=deps, settings=settings, as_of=as_of)
    assert problems == []
    assert [r.id for r, _sc in together] == [r.id for r in reqs]
    for req, batch in together:
        alone = score(req, deps=Dependencies.build(reqs, settings), settings=settings, as_of=as_of)[
            0
        ]
        assert batch == alone


def test_importing_scoring_pulls_in_neither_typer_nor_rich() -> None:
    code = (
        "import sys, pmledger.ranking.scoring, pmledger.ranking.order, pmledger.ranking.planning, pmledger.ledger.ledger; "
        "bad = [m for m in ('typer', 'rich', 'click') if m in sys.modules]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


@given(linked_reqs_strategy)
def test_ranking_from_columns_equals_ranking_from_models(reqs):  # type: ignore[no-untyped-def]
    """rank() scores and orders requirements column by column; rank_columns()
    does the same without any model. Both must give the ranking of each
    requirement scored alone (score()) and sorted by sort_key."""
    from pmledger.ledger.columns import columns_of
    from pmledger.ranking import explain, order

    settings = Settings()
    deps = Dependencies.build(reqs, settings)
    active = [r for r in reqs if r.status not in settings.ledger.inactive_statuses]
    alone = []
    for req in active:
        scored, _problems = score(req, deps=deps, settings=settings, as_of=AS_OF)
        assert scored is not None
        alone.append((req, scored))
    expected = [(r.id, sc) for r, sc in sorted(alone, key=order.sort_key)]
    got = rank(reqs, settings=settings, as_of=AS_OF)
    assert [(i.requirement.id, i.score) for i in got.items] == expected
    assert [i.position for i in got.items] == list(range(1, len(expected) + 1))
    inactive = set(settings.ledger.inactive_statuses)
    columns = order.rank_columns(
        columns_of(map(vars, reqs)),
        settings=settings,
        as_of=AS_OF,
        include_status=lambda status: status not in inactive,
    )
    assert columns.table == got.table
    assert (columns.cycles, columns.unknown_dependencies) == (got.cycles, got.unknown_dependencies)
    for row in range(len(expected) - 1):
        assert explain.explain_row(columns.table, row, as_of=AS_OF) == explain.explain_order(
            got.items[row], got.items[row + 1], as_of=AS_OF
        )
    with pytest.raises(ValueError):
        _ = columns.items


def test_problems_of_every_requirement_are_kept(settings: Settings) -> None:
    reqs = [make(f"REQ-{i:05d}") for i in range(7)]
    got = rank(reqs, settings=settings, as_of=AS_OF, model="rice", skip_incomplete=True)
    with pytest.raises(ScoringError) as raised:
        rank(reqs, settings=settings, as_of=AS_OF, model="rice")
    assert got.items == []
    assert [p.req_id for p in got.incomplete] == [r.id for r in reqs for _ in range(4)]
    assert raised.value.problems == got.incomplete


def _largest_by_loop(upper: list[Term], lower: list[Term]) -> tuple[str | None, float]:
    name: str | None = None
    diff = 0.0
    for ta, tb in zip(upper, lower, strict=False):
        if ta.contribution is None or tb.contribution is None:
            continue
        d = ta.contribution - tb.contribution
        if name is None or d > diff:
            name, diff = ta.name, d
    return (None, 0.0) if name is None or diff <= 0 else (name, diff)


contributions = st.none() | st.floats(-20, 20, allow_nan=False)
term_lists = st.lists(
    st.builds(lambda n, c: Term(f"t{n}", "", 0.0, None, c), st.integers(0, 5), contributions),
    max_size=7,
)


@given(term_lists, term_lists)
def test_largest_difference_is_the_first_largest_positive_one(upper, lower):  # type: ignore[no-untyped-def]
    from pmledger.ranking.explain import _largest_difference

    assert _largest_difference(tuple(upper), tuple(lower)) == _largest_by_loop(upper, lower)
