"""`pmledger stats`: the ledger's numbers in the terminal, as small bar charts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import (
    TODAY,
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
    from pmledger.cli.output import Block
    from pmledger.report.stats import Stats


def stats(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    as_of: AsOf = TODAY,
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
    """Counts by status, priority, department and owner; age, overdue, lead time.

    Examples:

      pmledger stats --as-of 2026-11-20

      pmledger stats --format json
    """
    from pmledger.cli.output import Doc, render
    from pmledger.query.filters import select
    from pmledger.report.stats import compute_stats

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    flt = build_filter(
        settings=ledger.settings,
        as_of=as_of,
        department=department,
        owner=owner,
        goal=goal,
        include_inactive=True,
    )
    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    reqs = select(loaded.requirements, flt, settings=ledger.settings, as_of=as_of)
    result = compute_stats(reqs, settings=ledger.settings, as_of=as_of)
    if lead_time:
        from pmledger.report.history import lead_times

        result.lead_time = lead_times(ledger, {r.id for r in reqs})
    render(fmt, Doc(blocks=_blocks(result, lead_time=lead_time), json=result.to_json()))


def _chart(title: str, counts: dict[str, int], *, limit: int | None = None) -> list[Block]:
    """A small bar chart: name, count, a bar as long as the count's share of the largest."""
    from pmledger.cli.output import Column, Line, View, one_line

    items = list(counts.items())
    rest = items[limit:] if limit is not None else []
    items = items[:limit] if limit is not None else items
    if rest:
        items.append((f"{len(rest)} more", sum(n for _, n in rest)))
    top = max([n for _, n in items] + [1])
    view = View(
        columns=(Column("name", "", shrink=True), Column("n", "", "int"), Column("bar", "", "bar")),
        rows=[{"name": one_line(name, 28), "n": n, "bar": n / top} for name, n in items],
        title=title,
        show_header=False,
    )
    return [view, Line()]


def _owners(result: Stats) -> list[Block]:
    from pmledger.cli.output import Column, Line, View, one_line

    owners = result.owners[:15]
    top = max([o.in_progress_effort for o in owners] + [1.0])
    blocks: list[Block] = [
        View(
            columns=(
                Column("owner", "owner", shrink=True),
                Column("open", "open", "int"),
                Column("in_progress", "in progress", "int"),
                Column("effort", "effort", "number"),
                Column("bar", "", "bar"),
            ),
            rows=[
                {
                    "owner": one_line(o.owner, 24),
                    "open": o.active,
                    "in_progress": o.in_progress,
                    "effort": o.in_progress_effort,
                    "bar": o.in_progress_effort / top,
                }
                for o in owners
            ],
            title="Owners (open work, effort in progress)",
        )
    ]
    more = len(result.owners) - len(owners)
    if more:
        blocks.append(Line().add(f"… and {more} more owners (--format json lists all)", "dim"))
    return [*blocks, Line()]


def _blocks(result: Stats, *, lead_time: bool) -> list[Block]:
    from pmledger.cli.output import Line

    blocks = [
        *_chart(f"By status ({result.total} requirements)", result.by_status),
        *_chart(f"By priority ({result.active} open)", result.by_priority),
        *_chart("By department", result.by_department, limit=15),
        *_owners(result),
        *_chart("Age of open requirements", result.age),
    ]
    overdue = len(result.overdue)
    shown = ", ".join(result.overdue[:8]) + (" …" if overdue > 8 else "")
    blocks.append(Line().add(f"Overdue: {overdue}" + (f"  ({shown})" if overdue else "")))
    lead = result.lead_time
    if not lead_time:
        return blocks
    if lead is None:
        text = "Lead time (accepted → done): no git history"
    elif not lead.days:
        text = "Lead time (accepted → done): nothing accepted and done yet"
    else:
        text = (
            f"Lead time (accepted → done, from git): median {lead.median:.1f} days, "
            f"average {lead.average:.1f} days over {len(lead.days)} requirements"
        )
    blocks.append(Line().add(text))
    return blocks
