"""`pmledger rank`: the ranking, its explanation, its formats."""

from __future__ import annotations

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
    from pmledger.cli.output import Block, Column, Doc
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import RankedItem, Ranking
    from pmledger.ranking.scoring import Score

# Lines a terminal keeps for the ranking's header, the table's header and
# rule, the "N more" line and the shell prompt.
SCREEN_CHROME = 5
# Rows shown (--top, or one screen) up to which only their files are read
# after a ranking made from the cache's columns; more, and the ranking is
# made from every model.
FEW_ROWS = 200


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
        from pmledger.cli.rank_json import json_doc

        render(fmt, Doc(blocks=[], json=json_doc(ranking, shown, settings)))
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
    from pmledger.ranking.explain import explain_row

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
