"""Ranking: requirements ordered by score, with a documented tie-break.

Order: score (high first), due date (earliest first, none last), priority
(critical first), created (oldest first), ID. Each key is total, so the
order is total and repeatable whatever order the files were read in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import count, repeat
from operator import itemgetter, neg, sub
from typing import NamedTuple

from pmledger.errors import InvalidValueError, ScoringError, ScoringProblem
from pmledger.i18n import _, active_language
from pmledger.ledger.columns import Columns, columns_of, created_instant, reorder
from pmledger.ledger.model import Priority, Requirement
from pmledger.ledger.settings import Settings
from pmledger.query.filters import Filter, matcher
from pmledger.ranking.scoring import (
    Dependencies,
    Score,
    Term,
    default_formula,
    default_scores,
    priority_text,
    score_many,
    show_date,
    term_label,
)

# The due "date" of a requirement without one: after every date.
_NO_DUE = date.max.toordinal()


class RankedItem(NamedTuple):
    """A requirement at its place in a ranking.

    A NamedTuple, like scoring's Term: a 10k ranking builds 10k of them, and
    a frozen dataclass costs three times as much to create.
    """

    position: int
    requirement: Requirement
    score: Score


class RankTable(NamedTuple):
    """A ranking as columns, in rank order (row 0 ranks first): what its
    JSON and its explanations read, with or without the models."""

    columns: Columns
    values: list[float]
    terms: list[tuple[Term, ...]]
    formulas: list[str]
    days: list[int | None]

    @property
    def size(self) -> int:
        return len(self.values)


@dataclass
class Ranking:
    """The result of ranking: items, and everything noticed on the way.

    ``table`` holds every ranked requirement as columns; ``requirements``
    their models in rank order, when the ranking was made from models
    (:func:`rank`; :func:`rank_columns` makes none).
    """

    model: str
    as_of: date
    settings_hash: str
    table: RankTable
    requirements: list[Requirement] | None = None
    incomplete: list[ScoringProblem] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    unknown_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @functools.cached_property
    def items(self) -> list[RankedItem]:
        """Each ranked requirement with its position and score."""
        if self.requirements is None:
            raise ValueError("a ranking made from columns has no models")
        t = self.table
        scores = map(
            Score, t.columns.ids, repeat(self.model), t.values, t.terms, t.formulas, t.days
        )
        return list(map(RankedItem, count(1), self.requirements, scores))

    def first(self, limit: int, load: Callable[[str], Requirement]) -> list[RankedItem]:
        """The first ``limit`` items; when the ranking has no models (made from
        columns), each shown requirement's model comes from ``load`` (its ID):
        a screen of a 100k ranking reads a screen of files."""
        if self.requirements is not None:
            return self.items[:limit]
        t = self.table
        ids = t.columns.ids[:limit]
        scores = map(Score, ids, repeat(self.model), t.values, t.terms, t.formulas, t.days)
        return list(map(RankedItem, count(1), map(load, ids), scores))


# Priority.rank of each priority's value: the sort's third key.
_PRIORITY_RANK = {p.value: p.rank for p in Priority}


def sort_key(scored: tuple[Requirement, Score]) -> tuple[float, int, int, int, str]:
    """The full ordering key of a scored requirement (ascending sort puts the
    first-ranked first): the key :func:`_order` gives each row."""
    req, sc = scored
    return (
        -sc.value,
        req.due.toordinal() if req.due is not None else _NO_DUE,
        req.priority.rank,
        created_instant(req.created),
        req.id,
    )


def _order(values: list[float], cols: Columns) -> list[int]:
    """The rows of ``cols`` in rank order (see :func:`sort_key`)."""
    no_due = _NO_DUE
    keys = list(
        zip(
            map(neg, values),
            [no_due if d is None else d for d in cols.dues],
            map(_PRIORITY_RANK.__getitem__, cols.priorities),
            cols.created_us,
            cols.ids,
            strict=True,
        )
    )
    # Keys are total (the ID last): no two compare equal, and no pair is compared.
    return sorted(range(len(keys)), key=keys.__getitem__)


def _table(
    cols: Columns, scores: tuple[list[float], list[tuple[Term, ...]], list[str], list[int | None]]
) -> tuple[RankTable, list[int]]:
    values, terms, formulas, days = scores
    order = _order(values, cols)
    return (
        RankTable(
            cols.rows(order),
            reorder(values, order),
            reorder(terms, order),
            reorder(formulas, order),
            reorder(days, order),
        ),
        order,
    )


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
    chosen_reqs = list(filter(accept, reqs))
    problems: list[ScoringProblem] = []
    if chosen == "default":
        cols = columns_of(map(vars, chosen_reqs))
        values, terms, days = default_scores(cols, deps, settings, as_of)
        formulas = [default_formula(deps, settings, as_of)] * len(values)
    else:
        scored, problems = score_many(
            chosen_reqs, deps=deps, settings=settings, as_of=as_of, model=chosen
        )
        if problems and not skip_incomplete:
            raise ScoringError(problems)
        chosen_reqs = [req for req, _sc in scored]
        cols = columns_of(map(vars, chosen_reqs))
        values = [sc.value for _req, sc in scored]
        terms = [sc.terms for _req, sc in scored]
        formulas = [sc.formula for _req, sc in scored]
        days = [sc.days_to_due for _req, sc in scored]
    table, order = _table(cols, (values, terms, formulas, days))
    return _ranking(chosen, as_of, settings, deps, table, [chosen_reqs[i] for i in order], problems)


def rank_columns(
    columns: Columns,
    *,
    settings: Settings,
    as_of: date,
    include_status: Callable[[str], bool],
) -> Ranking:
    """Rank, under the default model, the requirements of ``columns`` (the
    whole ledger) whose status ``include_status`` accepts; no model is
    built (the ranking has a table and no ``items``). :func:`rank` gives
    the same table from the models."""
    deps = Dependencies.of_columns(columns.ids, columns.statuses, columns.depends_on, settings)
    cols = columns.select(map(include_status, columns.statuses))
    values, terms, days = default_scores(cols, deps, settings, as_of)
    formulas = [default_formula(deps, settings, as_of)] * len(values)
    table, _positions = _table(cols, (values, terms, formulas, days))
    return _ranking("default", as_of, settings, deps, table, None, [])


def _ranking(
    model: str,
    as_of: date,
    settings: Settings,
    deps: Dependencies,
    table: RankTable,
    requirements: list[Requirement] | None,
    problems: list[ScoringProblem],
) -> Ranking:
    ids = table.columns.ids
    # Most ledgers have no cycle and no unknown dependency: no set of IDs then.
    ranked_ids = set(ids) if deps.cycles or deps.unknown else set()
    return Ranking(
        model=model,
        as_of=as_of,
        settings_hash=settings.scoring.fingerprint(),
        table=table,
        requirements=requirements,
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
    pair = [upper, lower]
    table = RankTable(
        columns_of(vars(item.requirement) for item in pair),
        [item.score.value for item in pair],
        [item.score.terms for item in pair],
        [item.score.formula for item in pair],
        [item.score.days_to_due for item in pair],
    )
    return next(explanations(table, range(1), as_of=as_of))


def explain_row(table: RankTable, row: int, *, as_of: date | None = None) -> str:
    """:func:`explain_order` for rows ``row`` and ``row + 1`` of a ranking's table."""
    return next(explanations(table, range(row, row + 1), as_of=as_of))


def explanations(table: RankTable, rows: range, *, as_of: date | None = None) -> Iterator[str]:
    """Why each row of ``rows`` ranks above the next one (rows of ``table``),
    in turn: the deciding term or tie-break, in words.

    A ranking's JSON explains every pair of neighbours: one loop over the
    columns (at 100k, two tuples built per pair cost more than the words).
    """
    cols = table.columns
    values, terms, dues, priorities = table.values, table.terms, cols.dues, cols.priorities
    created_us, created, ids = cols.created_us, cols.created, cols.ids
    lang = active_language()
    # Worded once for the loop: most pairs of a large ledger tie on score,
    # due date and priority, and are told apart by their creation.
    by_due = _("tie on score {score:g}; earlier due date ({date} before {other})")
    by_due_none = _("tie on score {score:g}; earlier due date ({date} before none)")
    by_priority = _("tie on score and due; higher priority ({priority} over {other})")
    by_creation = _("tie on score, due and priority; created earlier ({date} before {other})")
    by_id = _("tie on score, due, priority and created; ID order ({id} before {other})")
    # The lower row's creation text, asked for again as the next pair's upper.
    worded, creation = -1, ""
    for i in rows:
        j = i + 1
        a, b = values[i], values[j]
        if a != b:
            name, diff = _largest_difference(terms[i], terms[j])
            yield _score_reason(a, b, name, diff, lang)
            continue
        due, other_due = dues[i], dues[j]
        # (Ordinals start at 1: no due date orders as _NO_DUE, as in the sort.)
        if (due or _NO_DUE) != (other_due or _NO_DUE):
            if other_due is None:
                yield by_due_none.format(score=a, date=_show_ordinal(due, as_of))
            else:
                yield by_due.format(
                    score=a, date=_show_ordinal(due, as_of), other=_show_ordinal(other_due, as_of)
                )
        elif priorities[i] != priorities[j]:
            yield by_priority.format(
                priority=priority_text(priorities[i]), other=priority_text(priorities[j])
            )
        elif created_us[i] != created_us[j]:
            upper = creation if worded == i else _created(created[i], as_of)
            worded, creation = j, _created(created[j], as_of)
            yield by_creation.format(date=upper, other=creation)
        else:
            yield by_id.format(id=ids[i], other=ids[j])


def _show_ordinal(day: int | None, as_of: date | None) -> str:
    # The earlier of two different due dates is a date.
    assert day is not None
    return show_date(date.fromordinal(day), as_of)


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


def _created(created: date | datetime, as_of: date | None) -> str:
    # Two creations on one day differ by their time.
    return str(created) if isinstance(created, datetime) else show_date(created, as_of)


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
        from pmledger.text import closest

        message = _("unknown model {model!r}; choose one of {models}").format(
            model=model, models=", ".join(MODELS)
        )
        close = closest(model, MODELS)
        if close is not None:
            message += _("; did you mean {suggestion!r}?").format(suggestion=close)
        raise InvalidValueError(message)
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
