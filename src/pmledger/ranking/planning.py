"""Sprint planning: fill a capacity from the top of the ranking.

Walks the ranking from the top. A requirement is taken when its effort fits
the remaining capacity and everything it (transitively) depends on that is
still open is already taken, or can be pulled in with it within capacity;
pulled-in dependencies are scheduled before it. A requirement without an
effort estimate is reported, never counted as 0.

Work already under way (assigned to a sprint, or in progress) is left out
unless ``include_planned``: a plan proposes what to take on next. What is
already in the sprint being planned is counted against its capacity, so
planning the same sprint twice proposes the same sprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pmledger.errors import InvalidValueError
from pmledger.i18n import N_, _, translate
from pmledger.i18n.labels import status_label
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings
from pmledger.ranking.order import Ranking
from pmledger.ranking.scoring import Dependencies


@dataclass(frozen=True)
class PlannedItem:
    """A requirement taken into the sprint."""

    requirement: Requirement
    rank_position: int | None
    effort: float
    pulled_in_for: str | None = None


@dataclass(frozen=True)
class SkippedItem:
    """A ranked requirement that was not taken, and why."""

    requirement: Requirement
    rank_position: int
    reason: str
    # The reason is a sentence in the reader's language; this says it in code.
    no_effort: bool = False


@dataclass
class Plan:
    """A proposed sprint."""

    capacity: float
    items: list[PlannedItem] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    # The rank position of the last requirement taken; skipped items above it
    # are the ones a stakeholder will ask about.
    cut_position: int = 0
    # Left out as already under way (another sprint, or in progress).
    already_planned: list[Requirement] = field(default_factory=list)

    @property
    def no_efforts(self) -> bool:
        """Nothing could be planned because no candidate has an effort estimate."""
        return not self.items and bool(self.skipped) and all(s.no_effort for s in self.skipped)

    @property
    def used(self) -> float:
        return sum(i.effort for i in self.items)

    @property
    def remaining(self) -> float:
        return self.capacity - self.used


NO_EFFORT = N_("no effort estimate")


def is_under_way(req: Requirement, settings: Settings) -> bool:
    """Assigned to a sprint, or in progress."""
    return bool(req.sprint) or req.status == settings.ledger.in_progress_status


def _fmt(value: float) -> str:
    return f"{value:g}"  # a number, the same in every language


def plan_sprint(
    ranking: Ranking,
    requirements: list[Requirement],
    *,
    settings: Settings,
    capacity: float,
    deps: Dependencies | None = None,
    sprint: str | None = None,
    include_planned: bool = False,
) -> Plan:
    """Propose a sprint of at most ``capacity`` effort from a ranking.

    ``sprint``: the sprint being planned; what it already holds stays a
    candidate. Other work under way is left out (and listed in
    ``Plan.already_planned``) unless ``include_planned``; a dependency that
    is under way counts as scheduled.
    """
    if capacity < 0:
        raise InvalidValueError(
            _("capacity must not be negative, got {capacity}").format(capacity=capacity)
        )
    by_id = {r.id: r for r in requirements}
    deps = deps if deps is not None else Dependencies.build(requirements, settings)
    in_cycle = {i for cycle in deps.cycles for i in cycle}
    positions = {item.requirement.id: item.position for item in ranking.items}
    plan = Plan(capacity=capacity)
    taken: set[str] = set()
    under_way: set[str] = set()
    if not include_planned:
        under_way = {
            r.id
            for r in requirements
            if is_under_way(r, settings) and not (sprint and r.sprint == sprint)
        }
    # What a prerequisite need not be planned for: taken, or under way. Kept
    # as one set, and the effort used as a running total (the sum of the
    # items in order, as Plan.used adds them): rebuilding either for each
    # candidate made a 100k plan take 33 s (20k under way × 31k candidates).
    scheduled = set(under_way)
    used = 0.0
    for item in ranking.items:
        req = item.requirement
        if req.id in taken:
            continue
        if req.id in under_way:
            plan.already_planned.append(req)
            continue
        if req.effort is None:
            plan.skipped.append(
                SkippedItem(req, item.position, translate(NO_EFFORT), no_effort=True)
            )
            continue
        needed, problem = _open_prerequisites(
            req.id, deps, by_id, scheduled, in_cycle, positions, settings
        )
        if problem:
            plan.skipped.append(SkippedItem(req, item.position, problem))
            continue
        total = float(req.effort) + sum(float(by_id[d].effort or 0) for d in needed)
        remaining = capacity - used
        if total > remaining + 1e-9:
            if needed:
                reason = _("needs {ids} first: effort {effort} > remaining {remaining}").format(
                    ids=_(", ").join(needed), effort=_fmt(total), remaining=_fmt(remaining)
                )
            else:
                reason = _("effort {effort} > remaining {remaining}").format(
                    effort=_fmt(float(req.effort)), remaining=_fmt(remaining)
                )
            plan.skipped.append(SkippedItem(req, item.position, reason))
            continue
        for dep in needed:
            effort = float(by_id[dep].effort or 0)
            plan.items.append(PlannedItem(by_id[dep], positions.get(dep), effort, req.id))
            used += effort
            taken.add(dep)
            scheduled.add(dep)
        plan.items.append(PlannedItem(req, item.position, float(req.effort)))
        used += float(req.effort)
        taken.add(req.id)
        scheduled.add(req.id)
        plan.cut_position = max(plan.cut_position, item.position)
    return plan


def _open_prerequisites(
    req_id: str,
    deps: Dependencies,
    by_id: dict[str, Requirement],
    taken: set[str],
    in_cycle: set[str],
    positions: dict[str, int],
    settings: Settings,
) -> tuple[list[str], str | None]:
    """Open, untaken dependencies of ``req_id`` in a schedulable order, or why there are none."""
    if req_id in in_cycle:
        return [], _("part of a dependency cycle")
    order: list[str] = []
    visited: set[str] = set()
    # Iterative post-order walk: dependencies before their dependents.
    stack: list[tuple[str, bool]] = [(d, False) for d in reversed(deps.open_blockers(req_id))]
    while stack:
        node, expanded = stack.pop()
        if node in taken or (node in visited and not expanded):
            continue
        if expanded:
            order.append(node)
            continue
        visited.add(node)
        if node in in_cycle:
            return [], _("depends on {id}, which is in a dependency cycle").format(id=node)
        if node not in positions:
            if node not in by_id:
                return [], _("depends on {id}, which is not in the ledger").format(id=node)
            status = status_label(by_id[node].status, settings)
            return [], _("depends on {id} ({status}), which is not in this ranking").format(
                id=node, status=status
            )
        if by_id[node].effort is None:
            return [], _("depends on {id}, which has no effort estimate").format(id=node)
        stack.append((node, True))
        for dep in reversed(deps.open_blockers(node)):
            if dep not in taken and dep not in visited:
                stack.append((dep, False))
    return order, None


def apply_plan(plan: Plan, *, sprint: str, settings: Settings) -> list[Requirement]:
    """The planned requirements with ``sprint`` set and status moved to planned.

    A requirement already at or beyond the planned status in the workflow
    (e.g. in progress) keeps its status: planning never moves work backwards.
    Returns new objects; saving them is the caller's job.
    """
    statuses = settings.ledger.statuses
    planned = settings.ledger.planned_status
    planned_index = statuses.index(planned)
    inactive = set(settings.ledger.inactive_statuses)
    updated: list[Requirement] = []
    for item in plan.items:
        req = item.requirement
        status = req.status
        if status in inactive or statuses.index(status) < planned_index:
            status = planned
        updated.append(req.model_copy(update={"sprint": sprint, "status": status}))
    return updated
