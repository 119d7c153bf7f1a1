"""Why one requirement ranks above the next: the deciding term, or the
tie-break, in words (``rank --explain`` and every item of rank's JSON)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date, datetime
from operator import sub

from pmledger.i18n import _, active_language
from pmledger.ledger.columns import columns_of
from pmledger.ranking.order import NO_DUE, RankedItem, RankTable
from pmledger.ranking.scoring import CONTRIBUTION, Term, priority_text, show_date, term_label


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
        # (Ordinals start at 1: no due date orders as NO_DUE, as in the sort.)
        if (due or NO_DUE) != (other_due or NO_DUE):
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
            diffs = list(map(sub, map(CONTRIBUTION, upper), map(CONTRIBUTION, lower)))
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
