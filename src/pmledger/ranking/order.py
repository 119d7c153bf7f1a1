"""Ranking: requirements ordered by score, with a documented tie-break.

Order: score (high first), due date (earliest first, none last), priority
(critical first), created (oldest first), ID. Each key is total, so the
order is total and repeatable whatever order the files were read in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from pmledger.errors import ScoringError, ScoringProblem
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings
from pmledger.ranking.scoring import Dependencies, Score, score

_NO_DUE = date.max


@dataclass(frozen=True)
class RankedItem:
    """A requirement at its place in a ranking."""

    position: int
    requirement: Requirement
    score: Score


@dataclass
class Ranking:
    """The result of ranking: items, and everything noticed on the way."""

    model: str
    as_of: date
    settings_hash: str
    items: list[RankedItem]
    incomplete: list[ScoringProblem] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    unknown_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)


def sort_key(req: Requirement, sc: Score) -> tuple[float, date, int, datetime, str]:
    """The full ordering key (ascending sort puts the first-ranked first)."""
    return (-sc.value, req.due or _NO_DUE, req.priority.rank, req.created_at, req.id)


def rank(
    requirements: Iterable[Requirement],
    *,
    settings: Settings,
    as_of: date,
    model: str | None = None,
    include: Callable[[Requirement], bool] | None = None,
    skip_incomplete: bool = False,
    deps: Dependencies | None = None,
) -> Ranking:
    """Rank the requirements that ``include`` accepts (default: the active ones).

    ``requirements`` should be the whole ledger: dependencies are resolved
    against all of it, even when only some are ranked. Raises
    :class:`ScoringError` listing every incomplete requirement unless
    ``skip_incomplete`` is set, in which case they are left out and listed in
    ``Ranking.incomplete``.
    """
    reqs = list(requirements)
    chosen = model or settings.scoring.model
    deps = deps if deps is not None else Dependencies.build(reqs, settings)
    accept = include if include is not None else active_filter(settings)
    scored: list[tuple[Requirement, Score]] = []
    problems: list[ScoringProblem] = []
    for req in reqs:
        if not accept(req):
            continue
        result, issues = score(req, deps=deps, settings=settings, as_of=as_of, model=chosen)
        if result is None:
            problems.extend(issues)
            continue
        scored.append((req, result))
    if problems and not skip_incomplete:
        raise ScoringError(problems)
    scored.sort(key=lambda pair: sort_key(*pair))
    items = [RankedItem(i, req, sc) for i, (req, sc) in enumerate(scored, start=1)]
    ranked_ids = {item.requirement.id for item in items}
    return Ranking(
        model=chosen,
        as_of=as_of,
        settings_hash=settings.scoring.fingerprint(),
        items=items,
        incomplete=problems,
        cycles=[c for c in deps.cycles if any(i in ranked_ids for i in c)],
        unknown_dependencies={k: v for k, v in deps.unknown.items() if k in ranked_ids},
    )


def active_filter(settings: Settings) -> Callable[[Requirement], bool]:
    """Accepts requirements whose status is not inactive (done, rejected, deferred)."""
    inactive = set(settings.ledger.inactive_statuses)
    return lambda req: req.status not in inactive


def explain_order(upper: RankedItem, lower: RankedItem) -> str:
    """Why ``upper`` ranks above ``lower``: the deciding term or tie-break, in words."""
    a, b = upper.score, lower.score
    if a.value != b.value:
        diffs = [
            (ta.name, (ta.contribution or 0.0) - (tb.contribution or 0.0))
            for ta, tb in zip(a.terms, b.terms, strict=False)
            if ta.contribution is not None and tb.contribution is not None
        ]
        if diffs:
            name, diff = max(diffs, key=lambda d: d[1])
            if diff > 0:
                return f"score {a.value:g} > {b.value:g}; largest difference: {name} (+{diff:.4g})"
        return f"score {a.value:g} > {b.value:g}"
    ra, rb = upper.requirement, lower.requirement
    if (ra.due or _NO_DUE) != (rb.due or _NO_DUE):
        shown = str(rb.due) if rb.due else "none"
        return f"tie on score {a.value:g}; earlier due date ({ra.due} before {shown})"
    if ra.priority != rb.priority:
        return (
            f"tie on score and due; higher priority ({ra.priority.value} over {rb.priority.value})"
        )
    if ra.created_at != rb.created_at:
        return f"tie on score, due and priority; created earlier ({ra.created} before {rb.created})"
    return f"tie on score, due, priority and created; ID order ({ra.id} before {rb.id})"
