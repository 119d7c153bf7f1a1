"""`pmledger goal`: shared goals with a KPI, a target and dated readings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.asof import as_of_date
from pmledger.cli.common import AsOf, check_format, open_ledger, report_problems
from pmledger.cli.errors import handle_errors

if TYPE_CHECKING:
    from pmledger.goals.model import Goal
    from pmledger.goals.progress import GoalProgress

app = typer.Typer(
    help="Goals and KPIs: add, list, show, set, measure.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

GoalArg = Annotated[str, typer.Argument(metavar="GOAL", help="The goal ID (case ignored).")]


def fmt_number(value: float | None, unit: str | None = None) -> str:
    """A KPI value for people: no trailing .0, the unit after it."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    return f"{text} {unit}" if unit else text


def fmt_progress(goal: Goal) -> str:
    """``42%`` of the way from baseline to target, or ``—``."""
    value = goal.progress
    return "—" if value is None else f"{round(value * 100)}%"


def _progress_all(ctx: typer.Context) -> tuple[list[GoalProgress], list[object]]:
    from pmledger.goals.progress import goal_progress
    from pmledger.goals.store import GoalBook

    ledger = open_ledger(ctx)
    loaded = GoalBook(ledger.root).load_all()
    reqs = ledger.load_all()
    rows = goal_progress(loaded.goals, reqs.requirements, settings=ledger.settings)
    return rows, [*loaded.problems, *reqs.problems]


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What the goal is, in words.")],
    kpi: Annotated[str, typer.Option("--kpi", help="The KPI that measures it.")],
    target: Annotated[float, typer.Option("--target", help="The KPI value to reach.")],
    goal_id: Annotated[
        str | None,
        typer.Option("--id", help="The goal ID (default: from the title, e.g. Q4-margin)."),
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="The KPI's unit (%, days, €).")] = None,
    baseline: Annotated[
        float | None, typer.Option("--baseline", help="The KPI when the goal was set.")
    ] = None,
    current: Annotated[float | None, typer.Option("--current", help="The KPI now.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="When the target is due.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who answers for it.")] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-m", help="Why the goal matters.")
    ] = None,
    as_of: AsOf = None,
) -> None:
    """Create a goal and print its ID."""
    from pmledger.cli.output import write
    from pmledger.goals.changes import new_goal
    from pmledger.goals.store import GoalBook

    book = GoalBook(open_ledger(ctx).root)
    goal = new_goal(
        goal_id or book.new_id(title),
        title,
        kpi=kpi,
        target=target,
        unit=unit,
        baseline=baseline,
        current=current,
        due=due,
        owner=owner,
        description=description,
        today=as_of_date(as_of),
    )
    write(book.create(goal).id)


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, csv or markdown.")
    ] = "table",
) -> None:
    """Every goal: KPI baseline → now → target, progress, linked work."""
    from pmledger.cli.output import emit_rows

    fmt = check_format(fmt, ("table", "json", "csv", "markdown"))
    rows, problems = _progress_all(ctx)
    report_problems(problems)
    headers = (
        "ID",
        "Title",
        "KPI",
        "Baseline",
        "Now",
        "Target",
        "Progress",
        "Due",
        "Owner",
        "Work",
    )
    table = [
        (
            p.goal.id,
            p.goal.title,
            p.goal.kpi,
            fmt_number(p.goal.baseline, p.goal.unit),
            fmt_number(p.goal.latest, p.goal.unit),
            fmt_number(p.goal.target, p.goal.unit),
            fmt_progress(p.goal),
            str(p.goal.due or ""),
            p.goal.owner or "",
            f"{p.done}/{p.count} done",
        )
        for p in rows
    ]
    if fmt == "csv":
        from pmledger.cli.output import emit_csv

        # Numbers for spreadsheets, not text for people.
        emit_csv(
            ("id", "title", "kpi", "unit", "baseline", "latest", "target", "progress", "due",
             "owner", "done", "requirements", "done_effort", "total_effort"),
            [
                (p.goal.id, p.goal.title, p.goal.kpi, p.goal.unit, p.goal.baseline,
                 p.goal.latest, p.goal.target,
                 None if p.goal.progress is None else round(p.goal.progress, 4),
                 p.goal.due, p.goal.owner, p.done, p.count, p.done_effort, p.total_effort)
                for p in rows
            ],
        )  # fmt: skip
        return
    emit_rows(
        fmt,
        headers,
        table,
        json_data=[p.to_json() for p in rows],
        empty="no goals yet; add one with `pmledger goal add TITLE --kpi NAME --target N`",
    )


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    goal_id: GoalArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """One goal: KPI readings over time and its requirements by status."""
    from pmledger.cli.output import emit_json
    from pmledger.goals.progress import goal_progress
    from pmledger.goals.store import GoalBook

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    goal = GoalBook(ledger.root).load(goal_id)
    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    (progress,) = goal_progress([goal], loaded.requirements, settings=ledger.settings)
    if fmt == "json":
        data = progress.to_json()
        data["readings"] = [r.model_dump(mode="json") for r in goal.history()]
        emit_json(data)
        return
    _render_show(progress)


def _render_show(p: GoalProgress) -> None:
    from rich.table import Table
    from rich.text import Text

    from pmledger.cli.output import console, one_line, rich_table

    goal = p.goal
    out = console()
    head = Text()
    head.append(goal.id, style="bold cyan")
    head.append("  ")
    head.append(one_line(goal.title), style="bold")
    out.print(head)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    kpi_line = (
        f"{fmt_number(goal.baseline, goal.unit)} → {fmt_number(goal.latest, goal.unit)} → "
        f"{fmt_number(goal.target, goal.unit)}  ({fmt_progress(goal)} of the way)"
    )
    effort = f"{fmt_number(p.done_effort)} / {fmt_number(p.total_effort)} points done"
    fields = [
        ("kpi", goal.kpi),
        ("baseline → now → target", kpi_line),
        ("due", str(goal.due or "")),
        ("owner", goal.owner or ""),
        ("requirements", f"{p.done}/{p.count} done; {effort}"),
        ("by status", ", ".join(f"{s} {n}" for s, n in p.by_status.items()) or "—"),
        ("description", goal.description or ""),
    ]
    for name, value in fields:
        if value:
            grid.add_row(name, Text(one_line(value)))
    out.print(grid)
    if goal.readings:
        out.print(
            rich_table(
                ("Date", "Value", "By"),
                [(str(r.at), fmt_number(r.value, goal.unit), r.by or "") for r in goal.history()],
                title="KPI readings",
            )
        )
    if p.requirements:
        order = {s: i for i, s in enumerate(p.by_status)}
        reqs = sorted(p.requirements, key=lambda r: (order.get(r.status, 99), r.id))
        out.print(
            rich_table(
                ("ID", "Title", "Status", "Effort", "Owner"),
                [(r.id, r.title, r.status, fmt_number(r.effort), r.owner or "") for r in reqs],
                title="Requirements",
                width=out.width,
            )
        )


@app.command("set")
@handle_errors
def set_(
    ctx: typer.Context,
    goal_id: GoalArg,
    assignments: Annotated[
        list[str],
        typer.Argument(metavar="KEY=VALUE...", help="e.g. target=25 due=2026-12-31 owner=王芳"),
    ],
    as_of: AsOf = None,
) -> None:
    """Set fields of a goal (title, kpi, unit, baseline, target, current, due, owner...)."""
    from pmledger.cli.output import write
    from pmledger.goals.changes import apply_goal_assignments
    from pmledger.goals.store import GoalBook

    book = GoalBook(open_ledger(ctx).root)
    goal = book.load(goal_id)
    updated = apply_goal_assignments(goal, assignments, today=as_of_date(as_of))
    book.save(updated)
    write(updated.id if updated != goal else f"{updated.id} (unchanged)")


@app.command("measure")
@handle_errors
def measure(
    ctx: typer.Context,
    goal_id: GoalArg,
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The KPI's value now.")],
    at: Annotated[
        str | None, typer.Option("--at", help="The day it was measured (default today).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who measured it.")] = None,
) -> None:
    """Append a dated KPI reading, so progress has a history."""
    from pmledger.cli.common import default_author
    from pmledger.cli.output import write
    from pmledger.dates import parse_date
    from pmledger.goals.changes import number, with_reading
    from pmledger.goals.store import GoalBook

    book = GoalBook(open_ledger(ctx).root)
    goal = book.load(goal_id)
    day = parse_date(at, today=as_of_date(None)) if at else as_of_date(None)
    updated = with_reading(goal, number("VALUE", value), at=day, by=by or default_author())
    book.save(updated)
    write(f"{updated.id} {fmt_number(updated.latest, updated.unit)}")
