"""Ranking: requirements ordered by score, with a documented tie-break.

Order: score (high first), due date (earliest first, none last), priority
(critical first), created (oldest first), ID. Each key is total, so the
order is total and repeatable whatever order the files were read in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import count, repeat
from operator import neg
from typing import NamedTuple

from pmledger.errors import InvalidValueError, ScoringError, ScoringProblem
from pmledger.i18n import _
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
    score_many,
)

# The due "date" of a requirement without one: after every date.
NO_DUE = date.max.toordinal()


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
        req.due.toordinal() if req.due is not None else NO_DUE,
        req.priority.rank,
        created_instant(req.created),
        req.id,
    )


def _order(values: list[float], cols: Columns) -> list[int]:
    """The rows of ``cols`` in rank order (see :func:`sort_key`)."""
    no_due = NO_DUE
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
