"""`pmledger stats`: the ledger's numbers in the terminal, as small bar charts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.asof import as_of_date
from pmledger.cli.common import (
    AsOf,
    DepartmentOpt,
    GoalOpt,
    OwnerOpt,
    build_filter,
    check_format,
    open_ledger,
    report_problems,
)

if TYPE_CHECKING:
    from rich.console import Console

    from pmledger.report.stats import Stats

BAR_WIDTH = 30


def stats(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    as_of: AsOf = None,
    department: DepartmentOpt = None,
    owner: OwnerOpt = None,
    goal: GoalOpt = None,
    lead_time: Annotated[
        bool,
        typer.Option(
            "--lead-time/--no-lead-time",
            help="Lead time from accepted to done, read from git history.",
        ),
    ] = True,
) -> None:
    """Counts by status, priority, department and owner; age, overdue, lead time."""
    from pmledger.cli.output import emit_json
    from pmledger.query.filters import select
    from pmledger.report.stats import compute_stats

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
    result = compute_stats(reqs, settings=ledger.settings, as_of=today)
    if lead_time:
        from pmledger.report.history import lead_times

        result.lead_time = lead_times(ledger, {r.id for r in reqs})
    if fmt == "json":
        emit_json(result.to_json())
        return
    out_console = _console()
    _chart(out_console, f"By status ({result.total} requirements)", result.by_status)
    _chart(out_console, f"By priority ({result.active} open)", result.by_priority)
    _chart(out_console, "By department", result.by_department, limit=15)
    _owners(out_console, result)
    _chart(out_console, "Age of open requirements", result.age)
    overdue = len(result.overdue)
    shown = ", ".join(result.overdue[:8]) + (" …" if overdue > 8 else "")
    out_console.print(f"Overdue: {overdue}" + (f"  ({shown})" if overdue else ""), markup=False)
    lead = result.lead_time
    if not lead_time:
        return
    if lead is None:
        out_console.print("Lead time (accepted → done): no git history", markup=False)
    elif not lead.days:
        out_console.print(
            "Lead time (accepted → done): nothing accepted and done yet", markup=False
        )
    else:
        out_console.print(
            f"Lead time (accepted → done, from git): median {lead.median:.1f} days, "
            f"average {lead.average:.1f} days over {len(lead.days)} requirements",
            markup=False,
        )


def _console() -> Console:
    from pmledger.cli.output import console

    return console()


def _chart(out: Console, title: str, counts: dict[str, int], *, limit: int | None = None) -> None:
    from rich.table import Table
    from rich.text import Text

    from pmledger.cli.output import one_line

    items = list(counts.items())
    rest = items[limit:] if limit is not None else []
    items = items[:limit] if limit is not None else items
    if rest:
        items.append((f"{len(rest)} more", sum(n for _, n in rest)))
    top = max([n for _, n in items] + [1])
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, max_width=28)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    for name, n in items:
        filled = round(BAR_WIDTH * n / top)
        bar = "█" * filled if filled or not n else "▏"
        table.add_row(Text(one_line(name, 28)), Text(str(n)), Text(bar, style="cyan"))
    out.print(Text(title, style="bold"))
    out.print(table)
    out.print()


def _owners(out: Console, result: Stats) -> None:
    from rich.table import Table
    from rich.text import Text

    from pmledger.cli.output import one_line

    owners = result.owners[:15]
    top = max([o.in_progress_effort for o in owners] + [1.0])
    table = Table.grid(padding=(0, 1))
    for column in ("owner", "open", "in progress", "effort in progress", ""):
        table.add_column(
            column,
            no_wrap=True,
            justify="right" if column in ("open", "in progress", "effort in progress") else "left",
        )
    table.add_row(*(Text(h, style="dim") for h in ("owner", "open", "in progress", "effort", "")))
    for o in owners:
        bar = "█" * round(BAR_WIDTH * o.in_progress_effort / top)
        table.add_row(
            Text(one_line(o.owner, 24)),
            Text(str(o.active)),
            Text(str(o.in_progress)),
            Text(f"{o.in_progress_effort:g}"),
            Text(bar, style="yellow"),
        )
    more = len(result.owners) - len(owners)
    out.print(Text("Owners (open work, effort in progress)", style="bold"))
    out.print(table)
    if more:
        out.print(Text(f"… and {more} more owners (--format json lists all)", style="dim"))
    out.print()
