"""`pmledger rank --format json`: the ranking's items written from its table.

A 100k ranking never exists whole as JSON: each item is built piece by
piece from the table's columns (each distinct piece encoded once), and
piped, a helper process writes the second half meanwhile
(:func:`pmledger.parallel.tail_in_helper`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmledger.cli.output import JsonDoc, RawBytes, RawJson
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import Ranking
    from pmledger.ranking.scoring import Term

# Items of a piped ranking's JSON from which a helper process writes the
# second half (pmledger.parallel.tail_in_helper), and its share: the helper
# also pays for the pages it copies, this process for writing both halves.
PARALLEL_JSON_AT = 4096
HELPER_SHARE = 0.5


def json_doc(ranking: Ranking, shown: int, settings: Settings) -> JsonDoc:
    """The ranking as a JSON object, its first ``shown`` items streamed."""
    from pmledger.cli.output import JsonDoc

    return JsonDoc(
        head={
            "as_of": ranking.as_of.isoformat(),
            "model": ranking.model,
            "settings_hash": ranking.settings_hash,
        },
        key="items",
        items=_json_items(ranking, shown, settings),
        tail={
            "incomplete": [vars(p) for p in ranking.incomplete],
            "cycles": ranking.cycles,
            "unknown_dependencies": {k: list(v) for k, v in ranking.unknown_dependencies.items()},
        },
    )


def _json_items(ranking: Ranking, shown: int, settings: Settings) -> Iterator[RawJson | RawBytes]:
    """The first ``shown`` items, in runs (:func:`pmledger.cli.output.json_runs`);
    piped, a large ranking's second half is written by a helper process
    meanwhile. Whatever the helper fails to do, this process does."""
    from functools import partial

    from pmledger import parallel
    from pmledger.cli.output import RawBytes, json_runs, stdout_is_terminal

    tail = None
    if not stdout_is_terminal():
        tail = parallel.tail_in_helper(
            shown,
            at=PARALLEL_JSON_AT,
            share=HELPER_SHARE,
            write=partial(_write_json_texts, ranking, settings),
        )
    if tail is None:
        yield from json_runs(_json_texts(ranking, range(shown), settings))
        return
    try:
        yield from json_runs(_json_texts(ranking, range(tail.start), settings))
        pieces = tail.collect()
        if pieces is None:
            yield from json_runs(_json_texts(ranking, range(tail.start, shown), settings))
        else:
            yield RawBytes(pieces)
    finally:
        tail.close()


def _write_json_texts(ranking: Ranking, settings: Settings, rows: range, fd: int) -> None:
    """The items at ``rows`` joined by commas, as UTF-8, to ``fd`` (a helper's share)."""
    from itertools import islice

    from pmledger.cli.output import JSON_RUN

    texts = _json_texts(ranking, rows, settings)
    with open(fd, "wb", closefd=False) as out:
        run = list(islice(texts, JSON_RUN))
        out.write(",".join(run).encode("utf-8"))
        while run := list(islice(texts, JSON_RUN)):
            out.write(("," + ",".join(run)).encode("utf-8"))


def _json_texts(ranking: Ranking, rows: range, settings: Settings) -> Iterator[str]:
    """The items of the ranking's table at ``rows`` as JSON texts, built
    piece by piece: a 100k ranking never exists whole.

    The text is what ``json.dumps(item, ensure_ascii=False)`` writes, made
    safe for a terminal (a test holds them equal). Most of an item repeats
    across requirements (status, priority and due date; owner, department
    and effort; the score's terms): each distinct piece is encoded and
    checked once, and no dict is built per item.
    """
    import json
    import math
    from datetime import date

    from pmledger.cli.output import json_safe
    from pmledger.ranking.explain import explanations

    encode = json.JSONEncoder(ensure_ascii=False).encode
    string = json.encoder.encode_basestring

    def scalar(value: Any) -> str:
        # What encode() writes, without the encoder it sets up for each
        # number (a few µs, for each new term or date of a 100k ranking).
        cls = value.__class__
        if cls is str:
            return string(value)
        if value is None:
            return "null"
        if cls is int:
            return int.__repr__(value)
        if cls is float and math.isfinite(value):
            return float.__repr__(value)
        return encode(value)

    def safe(value: Any) -> str:
        return json_safe(scalar(value))

    def numbers(column: list[Any]) -> Iterator[str]:
        # Scores are floats (finite: every model rounds a finite value): their
        # JSON is their repr, written in C.
        if set(map(type, column)) == {float} and all(map(math.isfinite, column)):
            return map(float.__repr__, column)
        return map(scalar, column)

    def texts(column: list[Any]) -> list[str]:
        # Each shown value as JSON text, each distinct one encoded once.
        # (For texts and None only: 1 and 1.0 are one key, two JSON texts.)
        values = column[first:stop]
        known = {value: safe(value) for value in set(values)}
        return list(map(known.__getitem__, values))

    table = ranking.table
    cols = table.columns
    as_of = ranking.as_of
    today = as_of.toordinal()
    first, stop = rows.start, rows.stop
    dues = cols.dues[first:stop]
    due_texts = {
        due: safe(date.fromordinal(due).isoformat() if due is not None else None)
        for due in set(dues)
    }
    late = {due for due in due_texts if due is not None and due < today}
    inactive = set(settings.ledger.inactive_statuses)
    terms = _terms_texts(table.terms[first:stop], scalar)
    # Why each row ranks above the next; the last row has no next.
    reasons = explanations(table, range(first, min(stop, table.size - 1)), as_of=as_of)
    for (
        position,
        req_id,
        title,
        score,
        status,
        status_text,
        priority,
        due,
        days,
        owner,
        department,
        effort,
        formula,
        terms_text,
    ) in zip(
        range(first + 1, stop + 1),
        map(string, cols.ids[first:stop]),
        map(json_safe, map(string, cols.titles[first:stop])),
        numbers(table.values[first:stop]),
        cols.statuses[first:stop],
        texts(cols.statuses),
        texts(cols.priorities),
        dues,
        texts(table.days),
        texts(cols.owners),
        texts(cols.departments),
        numbers(cols.efforts[first:stop]),
        texts(table.formulas),
        terms,
        strict=True,
    ):
        overdue = "true" if due in late and status not in inactive else "false"
        # (Not kept: a tie broken by creation time names two timestamps, a
        # reason per requirement.)
        because = next(reasons, None)
        yield (
            f'{{"position": {position}, "id": {req_id}, "title": {title}, "score": {score}, '
            f'"status": {status_text}, "priority": {priority}, "due": {due_texts[due]}, '
            f'"overdue": {overdue}, "days_to_due": {days}, '
            f'"owner": {owner}, "department": {department}, "effort": {effort}, '
            f'"formula": {formula}, "terms": [{terms_text}], '
            f'"above_next_because": {"null" if because is None else json_safe(string(because))}}}'
        )


def _terms_texts(terms: list[tuple[Term, ...]], scalar: Callable[[Any], str]) -> list[str]:
    """Each row's terms as the inside of a JSON list.

    Terms are shared objects (ranking.scoring builds each distinct one
    once), alive as long as the ranking: their identities are a key, and
    each distinct term is written once. (Not the whole tuple of terms: with
    the age in days in it, that is nearly one per requirement, 40 MB of
    texts at 100k.) A model gives every requirement as many terms: the
    terms are read as columns, each looked up in C.
    """
    import json
    from itertools import chain

    from pmledger.cli.output import json_safe

    string = json.encoder.encode_basestring
    if len(set(map(len, terms))) > 1:
        return [_terms_texts([t], scalar)[0] for t in terms]
    columns = list(zip(*terms, strict=True))
    if not columns:
        return [""] * len(terms)
    # By identity: two equal terms (RICE's, built per requirement) are two keys.
    every = list(chain.from_iterable(columns))
    distinct = dict(zip(map(id, every), every, strict=True))
    text = {
        key: json_safe(
            f'{{"name": {string(name)}, "input": {string(given)}, '
            f'"measure": {scalar(measure)}, "weight": {scalar(weight)}, '
            f'"contribution": {scalar(contribution)}}}'
        )
        for key, (name, given, measure, weight, contribution) in distinct.items()
    }
    return list(
        map(", ".join, zip(*(map(text.__getitem__, map(id, c)) for c in columns), strict=True))
    )
