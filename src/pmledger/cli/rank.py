"""`pmledger rank`: the ranking, its explanation, its formats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    ExcelOpt,
    FilterOptions,
    Format,
    ModelOpt,
    SkipOpt,
    check_format,
    excel_format,
    filter_options,
    load_ranking,
    open_ledger,
    refuse,
)

if TYPE_CHECKING:
    from pmledger.cli.output import Block, Column, Doc, JsonDoc, RawBytes, RawJson
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import RankedItem, Ranking
    from pmledger.ranking.scoring import Score, Term

# Lines a terminal keeps for the ranking's header, the table's header and
# rule, the "N more" line and the shell prompt.
SCREEN_CHROME = 5
# Rows shown (--top, or one screen) up to which only their files are read
# after a ranking made from the cache's columns; more, and the ranking is
# made from every model.
FEW_ROWS = 200
# Items of a piped ranking's JSON from which a helper process writes the
# second half (pmledger.parallel.tail_in_helper), and its share: the helper
# also pays for the pages it copies, this process for writing both halves.
PARALLEL_JSON_AT = 4096
HELPER_SHARE = 0.5


def rank_columns() -> tuple[Column, ...]:
    from pmledger.cli.output import Column

    # Priority is an input of the default score: it goes last, after the
    # columns that only decorate (department, owner, due).
    from pmledger.i18n import _

    return (
        Column("position", "#", "int"),
        Column("id", "ID", "id"),
        Column("title", _("Title"), shrink=True),
        Column("score", _("Score"), "score"),
        Column("priority", _("Priority")),
        Column("due", _("Due"), "date", drop=2, alert="overdue", alert_label=_("OVERDUE")),
        Column("owner", _("Owner"), drop=3),
        Column("department", _("Department"), drop=4),
    )


@filter_options()
def rank(
    ctx: typer.Context,
    where: FilterOptions = FilterOptions(),
    model: ModelOpt = None,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            "-n",
            metavar="N",
            help="Show only the first N (0: every one).",
            min=0,
            show_default=False,
        ),
    ] = None,
    no_limit: Annotated[
        bool,
        typer.Option("--no-limit", help="On a terminal, show every requirement, not one screen."),
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", "-x", help="Show every term of each score.")
    ] = False,
    matrix: Annotated[
        bool, typer.Option("--matrix", help="Draw the urgent x important 2x2.")
    ] = False,
    skip_incomplete: SkipOpt = False,
    fmt: Format = "table",
    excel: ExcelOpt = False,
    as_of: AsOf = TODAY,
) -> None:
    """Rank active requirements by score (priority + deadline urgency by default).

    Examples:

        pmledger rank --top 10

        pmledger rank --explain --top 3 --as-of 2026-11-20

        pmledger rank --matrix --department 销售部
    """
    from pmledger.cli.display import language_for
    from pmledger.cli.output import FORMATS
    from pmledger.i18n import _

    fmt = excel_format(check_format(fmt, FORMATS), excel)
    if matrix and explain:
        refuse(_("--explain has no meaning with --matrix (the matrix shows no scores)"))
    if explain and fmt == "csv":
        refuse(_("--explain cannot be written as CSV; use --format markdown or json"))
    if top is not None and no_limit:
        refuse(_("--top and --no-limit contradict each other; give one"))
    from pmledger.cli.output import Doc, render, stdout_is_terminal, terminal_size

    # One screen by default on a terminal, like `task next` (the matrix too).
    one_screen = top is None and not no_limit and fmt == "table" and stdout_is_terminal()
    # How many rows are shown, when not all of them.
    limit = top or None
    if limit is None and one_screen and not matrix:
        _width, lines = terminal_size()
        limit = max(5, (lines or 24) - SCREEN_CHROME)
        if explain:
            limit = max(1, limit // 12)
    # JSON is written from the ranking's table, and a few rows need the
    # models of those rows alone: the ranking is then made from columns.
    few = limit is not None and limit <= FEW_ROWS and not matrix
    ledger = open_ledger(ctx)
    settings = ledger.settings
    flt = where.filter(settings, as_of, root=ledger.root)
    ranking, _everything = load_ranking(
        ledger,
        flt,
        as_of=as_of,
        model=model,
        skip_incomplete=skip_incomplete,
        # JSON and CSV are the same in every language (pmledger.cli.display):
        # English from the ranking on, once the files' problems are said.
        then=lambda: ctx.with_resource(language_for(fmt)),
        models=not (fmt == "json" and not matrix) and not few,
        ranked_in=lambda: language_for(fmt),
    )
    if fmt == "json" and not matrix:
        shown = ranking.table.size if not top else min(top, ranking.table.size)
        render(fmt, Doc(blocks=[], json=_json_doc(ranking, shown, settings)))
        return
    more = 0
    if matrix:
        # (The matrix fits its own screen: only --top cuts it.)
        items = ranking.items[:top] if top else ranking.items
    elif limit is None:
        items = ranking.items
    else:
        items = ranking.first(limit, ledger.load)
        if top is None:
            more = ranking.table.size - len(items)
    if matrix:
        from pmledger.cli.matrix import matrix_doc

        fit = terminal_size() if one_screen else None
        render(fmt, matrix_doc(ranking, items, settings, screen=fit), excel=excel)
        return
    render(
        fmt,
        _rank_doc(ranking, items, settings, explain=explain, more=more),
        excel=excel,
    )


def _item_rows(items: list[RankedItem], as_of: date, settings: Settings) -> list[dict[str, Any]]:
    from pmledger.cli.display import shown_rows

    return shown_rows(
        [it.requirement for it in items],
        settings,
        as_of,
        lead=[{"position": it.position, "score": it.score.value} for it in items],
    )


def _json_doc(ranking: Ranking, shown: int, settings: Settings) -> JsonDoc:
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
    from pmledger.ranking.order import explanations

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


def _header(ranking: Ranking) -> str:
    from pmledger.i18n import ngettext
    from pmledger.ranking.scoring import show_date

    count = ranking.table.size
    return ngettext(
        "Ranking as of {date} · model {model} · settings {hash} · {count} requirement",
        "Ranking as of {date} · model {model} · settings {hash} · {count} requirements",
        count,
    ).format(
        date=show_date(ranking.as_of, ranking.as_of),
        model=ranking.model,
        hash=ranking.settings_hash,
        count=count,
    )


def _term_view(sc: Score) -> Any:
    from pmledger.cli.output import Column, View
    from pmledger.i18n import _
    from pmledger.ranking.scoring import term_label

    rows: list[dict[str, Any]] = [
        {
            "term": term_label(t.name),
            "input": t.input,
            "measure": t.measure,
            "weight": t.weight,
            "contribution": t.contribution,
        }
        for t in sc.terms
    ]
    additive = all(t.contribution is not None for t in sc.terms)
    # The rows add up to the printed score: contributions get the score's
    # four decimals, and a total row closes the sum.
    rows.append(
        {
            "term": _("total") if additive else _("score"),
            "input": sc.formula,
            "contribution": sc.value,
        }
    )
    columns = [
        Column("term", _("Term")),
        Column("input", _("Input"), shrink=True),
        Column("measure", _("Measure"), "number"),
    ]
    if any(t.weight is not None for t in sc.terms):
        # RICE, WSJF and ICE multiply or divide their inputs: no weights to show.
        columns.append(Column("weight", _("Weight"), "number"))
    columns.append(
        Column("contribution", _("Contribution") if additive else _("Value"), "score", decimals=4)
    )
    return View(columns=tuple(columns), rows=rows)


def _rank_doc(
    ranking: Ranking,
    items: list[RankedItem],
    settings: Settings,
    *,
    explain: bool,
    more: int,
) -> Doc:
    """The ranking as a table (or CSV, or markdown); JSON is :func:`_json_doc`."""
    from pmledger.cli.output import Doc, Line, View
    from pmledger.i18n import _, ngettext
    from pmledger.ranking.order import explain_row

    as_of = ranking.as_of
    view = View(
        columns=rank_columns(),
        rows=_item_rows(items, as_of, settings),
        empty=_("nothing to rank"),
    )
    csv_view = View(columns=_csv_columns(), rows=view.rows)
    blocks: list[Block] = [Line().add(_header(ranking), "dim"), view]
    if explain:
        for item in items:
            sc = item.score
            blocks.append(Line())
            head = Line().add(f"#{item.position} ", "bold").add(item.requirement.id, "id")
            head.add(f"  {item.requirement.title}  ")
            head.add(_("score {score:.4f}").format(score=sc.value), "bold")
            blocks += [head, _term_view(sc)]
            if item.position < ranking.table.size:
                reason = explain_row(ranking.table, item.position - 1, as_of=as_of)
                because = _("above #{position} because: {reason}").format(
                    position=item.position + 1, reason=reason
                )
                blocks.append(Line().add(f"  {because}", "dim"))
    notes = []
    if not items:
        notes.append(_("nothing to rank"))
    if more:
        notes.append(
            ngettext(
                "{count} more — `--no-limit` or `--top N`",
                "{count} more — `--no-limit` or `--top N`",
                more,
            ).format(count=more)
        )
    return Doc(blocks=blocks, csv=csv_view, notes=notes)


def _csv_columns() -> tuple[Column, ...]:
    from pmledger.cli.output import Column

    # CSV is data: the due date as a date, overdue as its own column.
    return (
        Column("position", "#", "int"),
        Column("id", "ID", "id"),
        Column("title", "Title"),
        Column("score", "Score", "score"),
        Column("status", "Status"),
        Column("priority", "Priority"),
        Column("due", "Due", "date"),
        Column("overdue", "Overdue", "bool"),
        Column("owner", "Owner"),
        Column("department", "Department"),
    )
