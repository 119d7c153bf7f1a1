"""`pmledger board`: a kanban board in the terminal, one column per status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import (
    TODAY,
    AllOpt,
    AsOf,
    DepartmentOpt,
    GoalOpt,
    OwnerOpt,
    check_format,
    split_values,
)
from pmledger.cli.stats import selected

if TYPE_CHECKING:
    from datetime import date

    from pmledger.cli.output import Board, Line
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
        list[str] | None,
        typer.Option(
            "--sprint",
            help="Only these sprints (repeatable or comma-separated).",
            show_default=False,
        ),
    ] = None,
    all_: AllOpt = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="Cards per column before summarising.")
    ] = 8,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    as_of: AsOf = TODAY,
) -> None:
    """A kanban board: one column per workflow status, a card per requirement.

    Examples:

      pmledger board --department 销售部

      pmledger board --owner 陈涛 --limit 5
    """
    from pmledger.cli.output import Doc, render
    from pmledger.report.board import board_columns
    from pmledger.text import fold

    fmt = check_format(fmt, ("table", "json"))
    ledger, reqs = selected(ctx, as_of=as_of, department=department, owner=owner, goal=goal)
    # Case and width ignored, as `sprint show` does: `--sprint ２０２６－ｓ４８` is 2026-S48.
    sprints = {fold(s.strip()) for s in split_values(sprint)}
    if sprints:
        reqs = [r for r in reqs if fold((r.sprint or "").strip()) in sprints]
    columns = board_columns(
        reqs,
        settings=ledger.settings,
        per_column=limit if fmt == "table" else len(reqs) + 1,
        include_inactive=all_,
    )
    if fmt == "json":
        render(fmt, Doc(blocks=[], json={c.status: [r.id for r in c.cards] for c in columns}))
        return
    render(fmt, Doc(blocks=[_board(columns, ledger.settings, as_of)]))


def _card(req: Requirement, settings: Settings, as_of: date) -> list[Line]:
    """ID and priority; the title; owner and due date (red when overdue)."""
    from pmledger.cli.output import Line, one_line
    from pmledger.i18n import _
    from pmledger.query.filters import is_overdue
    from pmledger.ranking.scoring import priority_text, show_date

    priority = priority_text(req.priority.value)
    lines = [
        Line().add(req.id, "id").add(f" {priority}", "alert" if req.priority.rank == 0 else "dim"),
        Line().add(req.title),
    ]
    meta = [one_line(req.owner, 16)] if req.owner else []
    late = False
    if req.due:
        late = is_overdue(req, settings=settings, as_of=as_of)
        # In words too, as list and rank say it: red alone is lost without colour.
        meta.append(show_date(req.due, as_of) + (" " + _("OVERDUE") if late else ""))
    if meta:
        lines.append(Line().add(" · ".join(meta), "alert" if late else "dim"))
    return lines


def _board(columns: list[BoardColumn], settings: Settings, as_of: date) -> Board:
    from pmledger.cli.output import Board, Lane
    from pmledger.i18n import _
    from pmledger.ranking.scoring import status_text

    return Board(
        lanes=[
            Lane(
                # TRANSLATORS: a board column: the status, and how many cards it has.
                title=_("{status} ({count})").format(
                    status=status_text(c.status, settings), count=c.total
                ),
                cards=[_card(r, settings, as_of) for r in c.cards],
                # TRANSLATORS: the end of a board column, for the cards not shown.
                more=_("+{count} more").format(count=c.hidden) if c.hidden else "",
            )
            for c in columns
        ],
        min_width=MIN_COLUMN,
    )
