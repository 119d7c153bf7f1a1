"""`pmledger board`: a kanban board in the terminal, one column per status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.asof import as_of_date
from pmledger.cli.common import (
    AllOpt,
    AsOf,
    DepartmentOpt,
    GoalOpt,
    OwnerOpt,
    build_filter,
    check_format,
    open_ledger,
    report_problems,
    split_values,
)

if TYPE_CHECKING:
    from datetime import date

    from rich.text import Text

    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings
    from pmledger.report.board import BoardColumn

MIN_COLUMN = 18


def board(
    ctx: typer.Context,
    department: DepartmentOpt = None,
    owner: OwnerOpt = None,
    goal: GoalOpt = None,
    sprint: Annotated[
        list[str] | None, typer.Option("--sprint", help="Only this sprint.", show_default=False)
    ] = None,
    all_: AllOpt = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="Cards per column before summarising.")
    ] = 8,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    as_of: AsOf = None,
) -> None:
    """A kanban board: one column per workflow status, a card per requirement."""
    from pmledger.cli.output import emit_json
    from pmledger.query.filters import select
    from pmledger.report.board import board_columns

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    today = as_of_date(as_of)
    flt = build_filter(
        settings=ledger.settings,
        as_of=today,
        department=department,
        owner=owner,
        goal=goal,
        include_inactive=True,
    )
    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    reqs = select(loaded.requirements, flt, settings=ledger.settings, as_of=today)
    sprints = {s.casefold() for s in split_values(sprint)}
    if sprints:
        reqs = [r for r in reqs if (r.sprint or "").casefold() in sprints]
    columns = board_columns(
        reqs,
        settings=ledger.settings,
        per_column=limit if fmt == "table" else len(reqs) + 1,
        include_inactive=all_,
    )
    if fmt == "json":
        emit_json({c.status: [r.id for r in c.cards] for c in columns})
        return
    _render(columns, ledger.settings, today)


def _card(req: Requirement, width: int, settings: Settings, as_of: date) -> Text:
    from rich.text import Text

    from pmledger.cli.output import one_line
    from pmledger.query.filters import is_overdue

    card = Text()
    card.append(req.id, style="bold cyan")
    card.append(f" {req.priority.value}", style="red" if req.priority.rank == 0 else "dim")
    card.append("\n")
    card.append(one_line(req.title))
    meta = []
    if req.owner:
        meta.append(one_line(req.owner, 16))
    if req.due:
        meta.append(str(req.due))
    if meta:
        card.append("\n")
        late = is_overdue(req, settings=settings, as_of=as_of)
        card.append(" · ".join(meta), style="bold red" if late else "dim")
    return card


def _render(cols: list[BoardColumn], settings: Settings, as_of: date) -> None:
    from rich.table import Table
    from rich.text import Text

    from pmledger.cli.output import console

    out = console()
    per = (out.width - 1) // max(1, len(cols)) - 3
    if per < MIN_COLUMN:
        # Too narrow for side by side: one status after the other, never cut.
        for c in cols:
            out.print(Text(f"{c.status} ({c.total})", style="bold"))
            for req in c.cards:
                out.print(_card(req, out.width, settings, as_of))
                out.print()
            if c.hidden:
                out.print(Text(f"+{c.hidden} more", style="dim italic"))
                out.print()
        return
    table = Table(show_lines=False, expand=True, pad_edge=False)
    for c in cols:
        table.add_column(Text(f"{c.status} ({c.total})"), ratio=1, overflow="fold", vertical="top")
    cells = []
    for c in cols:
        text = Text()
        for i, req in enumerate(c.cards):
            if i:
                text.append("\n\n")
            text.append_text(_card(req, per, settings, as_of))
        if c.hidden:
            text.append(f"\n\n+{c.hidden} more", style="dim italic")
        if not c.total:
            text.append("—", style="dim")
        cells.append(text)
    table.add_row(*cells)
    out.print(table)
