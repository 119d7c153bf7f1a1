"""Ranking: requirements ordered by score, with a documented tie-break.

Order: score (high first), due date (earliest first, none last), priority
(critical first), created (oldest first), ID. Each key is total, so the
order is total and repeatable whatever order the files were read in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter, sub
from typing import NamedTuple

from pmledger.errors import InvalidValueError, ScoringError, ScoringProblem
from pmledger.i18n import _, active_language
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings
from pmledger.query.filters import Filter, matcher
from pmledger.ranking.scoring import (
    Dependencies,
    Score,
    Term,
    priority_text,
    score_many,
    show_date,
    term_label,
)

_NO_DUE = date.max
# Requirements per batch of rank(): a few hundred models fit in a cache.
_BATCH = 256


class RankedItem(NamedTuple):
    """A requirement at its place in a ranking.

    A NamedTuple, like scoring's Term: a 10k ranking builds 10k of them, and
    a frozen dataclass costs three times as much to create.
    """

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


def sort_key(scored: tuple[Requirement, Score]) -> tuple[float, date, int, datetime, str]:
    """The full ordering key of a scored requirement (ascending sort puts the
    first-ranked first)."""
    req, sc = scored
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
    # Filtered, scored and given their sort keys a few hundred at a time:
    # each requirement is then read while it is still in the processor's
    # cache (at 100k, every pass over all of them costs ~50 ms of misses).
    scored: list[tuple[Requirement, Score]] = []
    keys: list[tuple[float, date, int, datetime, str]] = []
    problems: list[ScoringProblem] = []
    for start in range(0, len(reqs), _BATCH):
        done, issues = score_many(
            [req for req in reqs[start : start + _BATCH] if accept(req)],
            deps=deps,
            settings=settings,
            as_of=as_of,
            model=chosen,
        )
        scored += done
        keys += map(sort_key, done)
        problems += issues
    if problems and not skip_incomplete:
        raise ScoringError(problems)
    # Keys are total (the ID last): no two compare equal, and no pair is compared.
    decorated = sorted(zip(keys, scored, strict=True), key=itemgetter(0))
    items = [RankedItem(i, req, sc) for i, (_key, (req, sc)) in enumerate(decorated, start=1)]
    # Most ledgers have no cycle and no unknown dependency: no set of IDs then.
    ranked_ids = {req.id for req, _sc in scored} if deps.cycles or deps.unknown else set()
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


def explain_order(upper: RankedItem, lower: RankedItem, *, as_of: date | None = None) -> str:
    """Why ``upper`` ranks above ``lower``: the deciding term or tie-break, in words.

    ``as_of``: the ranking's date; Chinese dates of another year show their year.
    """
    a, b = upper.score, lower.score
    if a.value != b.value:
        name, diff = _largest_difference(a.terms, b.terms)
        return _score_reason(a.value, b.value, name, diff, active_language())
    ra, rb = upper.requirement, lower.requirement
    if (ra.due or _NO_DUE) != (rb.due or _NO_DUE):
        assert ra.due is not None  # the earlier of two different dates is a date
        if rb.due is None:
            return _("tie on score {score:g}; earlier due date ({date} before none)").format(
                score=a.value, date=show_date(ra.due, as_of)
            )
        return _("tie on score {score:g}; earlier due date ({date} before {other})").format(
            score=a.value, date=show_date(ra.due, as_of), other=show_date(rb.due, as_of)
        )
    if ra.priority != rb.priority:
        return _("tie on score and due; higher priority ({priority} over {other})").format(
            priority=priority_text(ra.priority.value), other=priority_text(rb.priority.value)
        )
    if ra.created_at != rb.created_at:
        return _("tie on score, due and priority; created earlier ({date} before {other})").format(
            date=_created(ra, as_of), other=_created(rb, as_of)
        )
    return _("tie on score, due, priority and created; ID order ({id} before {other})").format(
        id=ra.id, other=rb.id
    )


_CONTRIBUTION = itemgetter(4)


def _largest_difference(
    upper: tuple[Term, ...], lower: tuple[Term, ...]
) -> tuple[str | None, float]:
    """The first term with the largest positive difference in contribution,
    and that difference; (None, 0.0) when none is larger above.

    This runs for each ranked requirement of `rank --format json`: the
    default model's terms (all weighted) are compared in C.
    """
    if upper and lower and upper[0].contribution is not None:
        try:
            diffs = list(map(sub, map(_CONTRIBUTION, upper), map(_CONTRIBUTION, lower)))
        except TypeError:
            pass  # a term without a contribution: the loop below skips it
        else:
            diff = max(diffs)
            if diff <= 0:
                return None, 0.0
            return upper[diffs.index(diff)].name, diff
    name: str | None = None
    diff = 0.0
    for ta, tb in zip(upper, lower, strict=False):
        ca, cb = ta.contribution, tb.contribution
        if ca is None or cb is None:
            continue
        d = ca - cb
        if name is None or d > diff:
            name, diff = ta.name, d
    if name is None or diff <= 0:
        return None, 0.0
    return name, diff


@functools.lru_cache(maxsize=4096)
def _score_reason(upper: float, lower: float, term: str | None, diff: float, lang: str) -> str:
    """The words for two different scores (``lang`` keys the cache: a run may switch).

    Rankings repeat the same pairs of scores and deciding terms over and
    over: each distinct reason is worded once.
    """
    if term is None:
        return _("score {upper:g} > {lower:g}").format(upper=upper, lower=lower)
    return _("score {upper:g} > {lower:g}; largest difference: {term} (+{difference:.4g})").format(
        upper=upper, lower=lower, term=term_label(term), difference=diff
    )


# The last creation text worded: a ranking explains each pair of neighbours
# in turn, so a requirement's is asked for as the lower of one pair, then as
# the upper of the next. (requirement, as-of date, language, text)
_LAST_CREATED: list[tuple[Requirement | None, date | None, str, str]] = [(None, None, "", "")]


def _created(req: Requirement, as_of: date | None) -> str:
    lang = active_language()
    known, day, language, text = _LAST_CREATED[0]
    if known is req and day == as_of and language == lang:
        return text
    created = req.created
    # Two creations on one day differ by their time.
    text = str(created) if isinstance(created, datetime) else show_date(created, as_of)
    _LAST_CREATED[0] = (req, as_of, lang, text)
    return text


def rank_selection(
    requirements: Iterable[Requirement],
    flt: Filter,
    *,
    settings: Settings,
    as_of: date,
    model: str | None = None,
    skip_incomplete: bool = False,
) -> Ranking:
    """The shared step of ``rank`` and ``plan``: rank the requirements ``flt`` keeps.

    ``requirements`` is the whole ledger (dependencies resolve against all of
    it). Raises :class:`ScoringError` for incomplete inputs unless
    ``skip_incomplete``; an unknown model is an :class:`InvalidValueError`.
    """
    from pmledger.ranking.scoring import MODELS

    if model is not None and model not in MODELS:
        raise InvalidValueError(
            _("unknown model {model!r}; choose one of {models}").format(
                model=model, models=", ".join(MODELS)
            )
        )
    return rank(
        requirements,
        settings=settings,
        as_of=as_of,
        model=model,
        include=matcher(flt, settings=settings, as_of=as_of),
        skip_incomplete=skip_incomplete,
    )


def incomplete_by_requirement(problems: Iterable[ScoringProblem]) -> dict[str, list[str]]:
    """Every missing or invalid input, grouped by requirement (in the order found);
    the missing ones of a requirement said once ("missing inputs rice.reach, rice.impact")."""
    from pmledger.i18n import ngettext, pgettext

    grouped: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for problem in problems:
        messages = grouped.setdefault(problem.req_id, [])
        if problem.missing:
            fields = missing.setdefault(problem.req_id, [])
            if not fields:
                messages.append("")  # its place, worded below
            fields.append(problem.field)
        else:
            messages.append(problem.message)
    for req_id, fields in missing.items():
        names = pgettext("list separator", ", ").join(fields)
        text = ngettext("missing input {names}", "missing inputs {names}", len(fields))
        grouped[req_id] = [m or text.format(names=names) for m in grouped[req_id]]
    return grouped
