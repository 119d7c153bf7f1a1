"""The report's content, assembled once and rendered by markdown.py or html.py.

Everything here is a pure function of the ledger's requirements, goals,
settings, the as-of date and (optionally) the git change log, so a report
at a pinned date is reproducible. Long lists are capped here, so both
renderers stay usable on a 10k ledger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pmledger.goals.model import Goal
from pmledger.goals.progress import GoalProgress, goal_progress
from pmledger.i18n import _, active_language, using
from pmledger.i18n.labels import status_labels
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings
from pmledger.query.filters import is_overdue
from pmledger.ranking.matrix import QUADRANTS, build_matrix
from pmledger.ranking.order import rank
from pmledger.ranking.scoring import Score, term_label
from pmledger.report.stats import NONE, Stats, compute_stats
from pmledger.sprints import SprintReview

DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class Change:
    """One entry of the change log a stakeholder asks for (from git)."""

    at: datetime
    who: str
    req_id: str
    title: str
    kind: str  # added, status, priority, note, removed, changed
    detail: str


@dataclass
class DepartmentBlock:
    """What one department asked and where it stands."""

    name: str
    total: int
    by_status: dict[str, int]
    requesters: list[str]
    items: list[Requirement]
    hidden: int = 0


@dataclass(frozen=True)
class TopItem:
    position: int
    requirement: Requirement
    score: float
    reason: str


@dataclass
class ReportOptions:
    """Knobs of one report (defaults suit a meeting)."""

    top: int = 10
    waiting_days: int = 14
    per_department: int = 25
    list_cap: int = 50
    sprint: str | None = None
    scope: str | None = None


@dataclass
class ReportData:
    """Everything a report shows."""

    as_of: date
    scope: str | None
    stats: Stats
    departments: list[DepartmentBlock]
    overdue: list[Requirement]
    overdue_total: int
    due_soon: list[Requirement]
    due_soon_total: int
    top: list[TopItem]
    matrix: dict[str, list[Requirement]]
    matrix_counts: dict[str, int]
    urgent_days: int
    important: list[str]
    goals: list[GoalProgress]
    sprint: SprintReview | None
    waiting: list[tuple[Requirement, int]]
    waiting_total: int
    waiting_days: int
    changes: list[Change] | None = None
    changes_since: str | None = None
    changes_total: int = 0
    statuses: list[str] = field(default_factory=list)
    # The Chinese label of each status (shown only in a Chinese report).
    status_names: dict[str, str] = field(default_factory=dict)
    done_status: str = "done"
    # The language the core's words in here (reasons, dates) are in: the
    # renderers' default, so that labels and words agree.
    lang: str = "en"
    # How many of the sprint's unfinished items are listed (the counts and
    # efforts cover them all): a sprint of thousands is not a page to read.
    sprint_cap: int = 50


def reason(score: Score) -> str:
    """The term that contributed most to a score, in words."""
    terms = [t for t in score.terms if t.contribution is not None]
    if not terms:
        return score.formula
    best = max(terms, key=lambda t: t.contribution or 0.0)
    name = term_label(best.name)
    return _("{term}: {why}").format(term=name.replace("_", " "), why=best.input)


def _status_then_due(
    settings: Settings,
) -> Callable[[Requirement], tuple[bool, int, date, str]]:
    order = {s: i for i, s in enumerate(settings.ledger.statuses)}
    inactive = set(settings.ledger.inactive_statuses)

    def key(r: Requirement) -> tuple[bool, int, date, str]:
        return (r.status in inactive, order.get(r.status, 99), r.due or date.max, r.id)

    return key


def build_report(
    requirements: Iterable[Requirement],
    goals: Iterable[Goal],
    *,
    settings: Settings,
    as_of: date,
    everything: Iterable[Requirement] | None = None,
    options: ReportOptions | None = None,
    sprint: SprintReview | None = None,
    changes: list[Change] | None = None,
    changes_since: str | None = None,
    lang: str | None = None,
) -> ReportData:
    """Assemble a report of ``requirements`` (already filtered to the scope).

    ``everything`` is the whole ledger (dependencies are resolved against it);
    it defaults to ``requirements``. ``lang`` (``en``, ``zh``) words the
    ranking reasons and dates; default: the active language.
    """
    if lang is not None:
        with using(lang):
            return build_report(
                requirements,
                goals,
                settings=settings,
                as_of=as_of,
                everything=everything,
                options=options,
                sprint=sprint,
                changes=changes,
                changes_since=changes_since,
            )
    opts = options or ReportOptions()
    reqs = list(requirements)
    whole = list(everything) if everything is not None else reqs
    inactive = set(settings.ledger.inactive_statuses)
    active = [r for r in reqs if r.status not in inactive]
    stats = compute_stats(reqs, settings=settings, as_of=as_of)
    sort_key = _status_then_due(settings)

    # Per department, busiest first, "(none)" last.
    groups: dict[str, list[Requirement]] = {}
    for r in reqs:
        groups.setdefault(r.department or NONE, []).append(r)
    order = {s: i for i, s in enumerate(settings.ledger.statuses)}
    departments = []
    for name in stats.by_department:
        items = sorted(groups.get(name, []), key=sort_key)
        counts = Counter(r.status for r in items)
        departments.append(
            DepartmentBlock(
                name=name,
                total=len(items),
                by_status=dict(sorted(counts.items(), key=lambda kv: order.get(kv[0], 99))),
                requesters=sorted({r.requester for r in items if r.requester}, key=str.casefold),
                items=items[: opts.per_department],
                hidden=max(0, len(items) - opts.per_department),
            )
        )

    overdue = sorted(
        (r for r in active if is_overdue(r, settings=settings, as_of=as_of)),
        key=lambda r: (r.due or date.max, r.priority.rank, r.id),
    )
    horizon = as_of + timedelta(days=DUE_SOON_DAYS)
    due_soon = sorted(
        (r for r in active if r.due is not None and as_of <= r.due <= horizon),
        key=lambda r: (r.due or date.max, r.priority.rank, r.id),
    )

    scoped = {r.id for r in active}
    ranking = rank(
        whole,
        settings=settings,
        as_of=as_of,
        model="default",
        include=lambda r: r.id in scoped,
        skip_incomplete=True,
    )
    top = [
        TopItem(i.position, i.requirement, i.score.value, reason(i.score))
        for i in ranking.items[: opts.top]
    ]
    matrix = build_matrix(
        [i.requirement for i in ranking.items], settings=settings, as_of=as_of
    ).quadrants

    linked = {(r.goal or "").casefold() for r in reqs if r.goal}
    goal_list = list(goals)
    if opts.scope is not None:
        # A report for one department shows the goals its requests serve.
        goal_list = [g for g in goal_list if g.id.casefold() in linked]
    # The work counted is the chosen work: a department's report says how far
    # its own requests for a goal are done; the KPI readings stay the goal's,
    # as far as the report's date: a report as of October shows no November reading.
    goal_list = [
        g
        if all(r.at <= as_of for r in g.readings)
        else g.model_copy(update={"readings": [r for r in g.readings if r.at <= as_of]})
        for g in goal_list
    ]
    progress = goal_progress(goal_list, reqs, settings=settings)

    proposed = settings.ledger.default_status
    waiting = sorted(
        (
            (r, (as_of - r.created_date).days)
            for r in reqs
            if r.status == proposed and (as_of - r.created_date).days > opts.waiting_days
        ),
        key=lambda pair: (-pair[1], pair[0].id),
    )
    done_status = "done" if "done" in settings.ledger.statuses else ""
    return ReportData(
        as_of=as_of,
        scope=opts.scope,
        stats=stats,
        departments=departments,
        overdue=overdue[: opts.list_cap],
        overdue_total=len(overdue),
        due_soon=due_soon[: opts.list_cap],
        due_soon_total=len(due_soon),
        top=top,
        matrix={q: matrix[q][:5] for q in QUADRANTS},
        matrix_counts={q: len(matrix[q]) for q in QUADRANTS},
        urgent_days=settings.scoring.matrix.urgent_days,
        important=[p.value for p in settings.scoring.matrix.important_priorities],
        goals=progress,
        sprint=sprint,
        waiting=waiting[: opts.list_cap],
        waiting_total=len(waiting),
        waiting_days=opts.waiting_days,
        changes=changes[: opts.list_cap * 2] if changes is not None else None,
        changes_since=changes_since,
        changes_total=len(changes or ()),
        statuses=list(settings.ledger.statuses),
        status_names=status_labels(settings),
        done_status=done_status,
        lang=active_language(),
        sprint_cap=opts.list_cap,
    )


def expected(req: Requirement) -> str:
    """When a requester can expect it: the due date, else the sprint, else blank."""
    if req.due is not None:
        return req.due.isoformat()
    if req.sprint:
        return _("sprint {name}").format(name=req.sprint)
    return ""
