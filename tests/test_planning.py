"""Sprint planning and the Eisenhower matrix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings
from pmledger.ranking.explain import explain_order
from pmledger.ranking.matrix import build_matrix
from pmledger.ranking.order import Ranking, rank
from pmledger.ranking.planning import Plan, apply_plan, plan_sprint

from .conftest import make

AS_OF = date(2026, 11, 20)


NO_BLOCKING = Settings.model_validate({"scoring": {"weights": {"blocking": 0}}})


def _plan(
    reqs: list[Requirement], capacity: float, settings: Settings | None = None
) -> tuple[Plan, Ranking]:
    settings = settings or Settings()
    ranking = rank(reqs, settings=settings, as_of=AS_OF)
    return plan_sprint(ranking, reqs, settings=settings, capacity=capacity), ranking


def test_takes_highest_ranked_within_capacity() -> None:
    reqs = [
        make("REQ-A", priority="critical", effort=5),
        make("REQ-B", priority="high", effort=8),
        make("REQ-C", priority="medium", effort=3),
        make("REQ-D", priority="low", effort=1),
    ]
    plan, _ = _plan(reqs, 10)
    assert [i.requirement.id for i in plan.items] == ["REQ-A", "REQ-C", "REQ-D"]
    assert plan.used == 9
    assert [(s.requirement.id, s.reason) for s in plan.skipped] == [
        ("REQ-B", "effort 8 > remaining 5")
    ]
    assert plan.cut_position == 4


def test_missing_effort_is_reported_not_zero() -> None:
    plan, _ = _plan([make("REQ-A", priority="critical"), make("REQ-B", effort=2)], 10)
    assert [i.requirement.id for i in plan.items] == ["REQ-B"]
    assert plan.skipped[0].reason == "no effort estimate"


def test_dependencies_are_pulled_in_first() -> None:
    reqs = [
        make("REQ-A", priority="critical", effort=3, depends_on=["REQ-B"]),
        make("REQ-B", priority="low", effort=2),
        make("REQ-C", priority="low", effort=8),
    ]
    plan, _ = _plan(reqs, 5, NO_BLOCKING)
    assert [(i.requirement.id, i.pulled_in_for) for i in plan.items] == [
        ("REQ-B", "REQ-A"),
        ("REQ-A", None),
    ]


def test_dependency_that_does_not_fit_blocks_the_item() -> None:
    reqs = [
        make("REQ-A", priority="critical", effort=3, depends_on=["REQ-B"]),
        make("REQ-B", priority="low", effort=5),
        make("REQ-C", priority="low", effort=4),
    ]
    plan, _ = _plan(reqs, 6, NO_BLOCKING)
    # A (ranked first) cannot take B along; B then fits on its own rank.
    assert [i.requirement.id for i in plan.items] == ["REQ-B"]
    reason = next(s.reason for s in plan.skipped if s.requirement.id == "REQ-A")
    assert "REQ-B" in reason and "8 > remaining 6" in reason


def test_done_dependency_does_not_block_and_cycles_are_skipped() -> None:
    reqs = [
        make("REQ-A", effort=1, depends_on=["REQ-D"]),
        make("REQ-D", effort=1, status="done"),
        make("REQ-X", effort=1, depends_on=["REQ-Y"]),
        make("REQ-Y", effort=1, depends_on=["REQ-X"]),
    ]
    plan, _ = _plan(reqs, 10)
    assert [i.requirement.id for i in plan.items] == ["REQ-A"]
    assert {s.requirement.id for s in plan.skipped} == {"REQ-X", "REQ-Y"}


def test_apply_sets_sprint_and_planned_but_never_moves_back() -> None:
    reqs = [make("REQ-A", effort=1), make("REQ-B", effort=1, status="in-progress")]
    settings = Settings()
    ranking = rank(reqs, settings=settings, as_of=AS_OF)
    plan = plan_sprint(ranking, reqs, settings=settings, capacity=10, include_planned=True)
    updated = {r.id: r for r in apply_plan(plan, sprint="S1", settings=Settings())}
    assert updated["REQ-A"].status == "planned" and updated["REQ-A"].sprint == "S1"
    assert updated["REQ-B"].status == "in-progress" and updated["REQ-B"].sprint == "S1"


graph = st.lists(
    st.tuples(
        st.integers(0, 13), st.none() | st.integers(0, 8), st.lists(st.integers(0, 11), max_size=3)
    ),
    min_size=1,
    max_size=12,
)


@given(graph, st.integers(0, 30))
def test_plan_never_exceeds_capacity_nor_breaks_a_dependency(spec, capacity):  # type: ignore[no-untyped-def]
    reqs = [
        make(
            f"REQ-{i:02d}",
            priority=["critical", "high", "medium", "low"][p % 4],
            effort=effort,
            depends_on=[f"REQ-{d:02d}" for d in deps if d < len(spec) and d != i],
        )
        for i, (p, effort, deps) in enumerate(spec)
    ]
    plan, _ = _plan(reqs, capacity)
    assert plan.used <= capacity
    placed: set[str] = set()
    by_id = {r.id: r for r in reqs}
    for item in plan.items:
        for dep in item.requirement.depends_on:
            if by_id[dep].status not in ("done", "rejected"):
                assert dep in placed, f"{item.requirement.id} before {dep}"
        placed.add(item.requirement.id)


def test_tie_break_chain_and_explanations() -> None:
    created = date(2026, 1, 1)
    reqs = [
        make("REQ-E", created=created),
        make("REQ-D", created=created - timedelta(days=0)),
        make("REQ-C", created=date(2025, 12, 31), priority="medium"),
    ]
    ranking = rank(
        reqs, settings=Settings.model_validate({"scoring": {"weights": {"age": 0}}}), as_of=AS_OF
    )
    assert [i.requirement.id for i in ranking.items] == ["REQ-C", "REQ-D", "REQ-E"]
    assert "created earlier" in explain_order(ranking.items[0], ranking.items[1])
    assert "ID order" in explain_order(ranking.items[1], ranking.items[2])

    due_soon = make("REQ-Z", due=AS_OF + timedelta(days=30))
    due_later = make("REQ-Y", due=AS_OF + timedelta(days=40))
    ranking = rank([due_later, due_soon], settings=Settings(), as_of=AS_OF)
    assert [i.requirement.id for i in ranking.items] == ["REQ-Z", "REQ-Y"]
    assert "earlier due date" in explain_order(ranking.items[0], ranking.items[1])

    top = make("REQ-T", priority="critical")
    ranking = rank([top, due_later], settings=Settings(), as_of=AS_OF)
    assert "largest difference: priority" in explain_order(ranking.items[0], ranking.items[1])


def test_matrix_quadrants() -> None:
    reqs = [
        make("REQ-DO", priority="high", due=AS_OF - timedelta(days=1)),
        make("REQ-SC", priority="critical", due=AS_OF + timedelta(days=30)),
        make("REQ-DE", priority="low", due=AS_OF + timedelta(days=7)),
        make("REQ-DR", priority="medium"),
    ]
    matrix = build_matrix(reqs, settings=Settings(), as_of=AS_OF)
    assert {q: [r.id for r in v] for q, v in matrix.quadrants.items()} == {
        "do": ["REQ-DO"],
        "schedule": ["REQ-SC"],
        "delegate": ["REQ-DE"],
        "drop": ["REQ-DR"],
    }


def test_creation_times_are_worded_for_each_pair_language_and_date() -> None:
    """The explanation reuses the last creation text it wrote: never for another
    requirement, another language or another as-of year."""
    from pmledger.i18n import using

    settings = Settings.model_validate({"scoring": {"weights": {"age": 0}}})
    reqs = [make(f"REQ-{c}", created=date(2025, 1, n)) for n, c in enumerate("ABC", start=1)]
    ranking = rank(reqs, settings=settings, as_of=AS_OF)
    first, second, third = ranking.items
    assert explain_order(first, second).endswith("(2025-01-01 before 2025-01-02)")
    assert explain_order(second, third).endswith("(2025-01-02 before 2025-01-03)")
    # Each call below starts with the requirement the one before it ended with.
    explain_order(first, second)
    with using("zh"):
        assert "2025年1月2日" in explain_order(second, third)
        explain_order(first, second)
        later = explain_order(second, third, as_of=date(2025, 6, 1))
        assert "1月2日 (周四)" in later
        assert "2025年" not in later
    explain_order(first, second)
    assert explain_order(second, third).endswith("(2025-01-02 before 2025-01-03)")


def test_a_negative_capacity_and_an_unknown_model_are_typed_errors() -> None:
    """Library callers catch one base class (PmledgerError) with people's words."""
    from pmledger.errors import InvalidValueError
    from pmledger.ranking.scoring import Dependencies, score

    settings = Settings()
    reqs = [make("REQ-00001")]
    ranking = rank(reqs, settings=settings, as_of=AS_OF)
    with pytest.raises(InvalidValueError, match="capacity must not be negative, got -1"):
        plan_sprint(ranking, reqs, settings=settings, capacity=-1)
    with pytest.raises(InvalidValueError, match="unknown scoring model 'bogus'"):
        score(
            reqs[0],
            deps=Dependencies.build(reqs, settings),
            settings=settings,
            as_of=AS_OF,
            model="bogus",
        )
