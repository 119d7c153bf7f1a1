"""`pmledger goal`: shared goals with a KPI, a target and dated readings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    Format,
    check_format,
    load_everything,
    open_ledger,
    report_problems,
)
from pmledger.cli.errors import handle_errors
from pmledger.cli.language import HelpGroup

if TYPE_CHECKING:
    from pmledger.cli.output import Block
    from pmledger.goals.model import Goal
    from pmledger.goals.progress import GoalProgress
    from pmledger.ledger.settings import Settings

app = typer.Typer(
    help=(
        "Goals and KPIs: add, list, show, set, measure.\n\n"
        "Example:\n\n  pmledger goal measure Q4-margin 19.5 --at 2026-11-20"
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=HelpGroup,
)

GoalArg = Annotated[str, typer.Argument(metavar="GOAL", help="The goal ID (case ignored).")]


def fmt_number(value: float | None, unit: str | None = None) -> str:
    """A KPI value for people: no trailing .0, the unit after it (as the report writes it)."""
    from pmledger.report.text import number

    return number(value, unit)


def fmt_progress(goal: Goal) -> str:
    """``42%`` of the way from baseline to target, or ``—``."""
    from pmledger.report.text import percent

    return percent(goal.progress)


def _progress_all(ctx: typer.Context) -> tuple[list[GoalProgress], list[object]]:
    from pmledger.goals.progress import goal_progress
    from pmledger.goals.store import GoalBook

    ledger = open_ledger(ctx)
    loaded = GoalBook(ledger.root).load_all()
    reqs = load_everything(ledger)
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
    as_of: AsOf = TODAY,
) -> None:
    """Create a goal and print its ID.

    Example:

      pmledger goal add "Cut churn" --kpi churn --unit % --baseline 8 --target 5
    """
    from pmledger.cli.output import write
    from pmledger.goals.changes import new_goal
    from pmledger.goals.store import GoalBook
    from pmledger.text import ascii_forms

    book = GoalBook(open_ledger(ctx).root)
    goal = new_goal(
        # `--id Ｑ４-margin` is Q4-margin, as a generated ID is (docs/i18n.md).
        ascii_forms(goal_id) if goal_id else book.new_id(title),
        title,
        kpi=kpi,
        target=target,
        unit=unit,
        baseline=baseline,
        current=current,
        due=due,
        owner=owner,
        description=description,
        as_of=as_of,
    )
    write(book.create(goal).id)


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    fmt: Format = "table",
) -> None:
    """Every goal: KPI baseline → now → target, progress, linked work.

    Example:

      pmledger goal list --format csv > goals.csv
    """
    from datetime import date

    from pmledger.cli.output import Column, Doc, View, render
    from pmledger.i18n import _
    from pmledger.ranking.scoring import show_date

    fmt = check_format(fmt, ("table", "json", "csv", "markdown"))
    rows, problems = _progress_all(ctx)
    report_problems(problems)
    as_of = date.today()
    view = View(
        columns=(
            Column("id", "ID", "id"),
            Column("title", _("Title"), shrink=True),
            Column("kpi", "KPI", drop=2),
            Column("baseline", _("Baseline"), drop=3),
            Column("now", _("Now")),
            Column("target", _("Target")),
            Column("progress", _("Progress")),
            Column("due", _("Due"), drop=1),
            Column("owner", _("Owner"), drop=4),
            Column("work", _("Work")),
        ),
        rows=[
            {
                "id": p.goal.id,
                "title": p.goal.title,
                "kpi": p.goal.kpi,
                "baseline": fmt_number(p.goal.baseline, p.goal.unit),
                "now": fmt_number(p.goal.latest, p.goal.unit),
                "target": fmt_number(p.goal.target, p.goal.unit),
                "progress": fmt_progress(p.goal),
                "due": show_date(p.goal.due, as_of) if p.goal.due else None,
                "owner": p.goal.owner,
                # TRANSLATORS: requirements of a goal: how many are done, of how many.
                "work": _("{done}/{count} done").format(done=p.done, count=p.count),
            }
            for p in rows
        ],
    )
    # Numbers for spreadsheets, not text for people.
    numbers = View(
        # "score" keeps every digit in CSV (1250000, not 1.25e+06).
        columns=(
            Column("id", "id", "id"), Column("title", "title"), Column("kpi", "kpi"),
            Column("unit", "unit"), Column("baseline", "baseline", "score"),
            Column("latest", "latest", "score"), Column("target", "target", "score"),
            Column("progress", "progress", "score"), Column("due", "due", "date"),
            Column("owner", "owner"), Column("done", "done", "int"),
            Column("requirements", "requirements", "int"),
            Column("done_effort", "done_effort", "number"),
            Column("total_effort", "total_effort", "number"),
        ),
        rows=[
            {
                "id": p.goal.id, "title": p.goal.title, "kpi": p.goal.kpi, "unit": p.goal.unit,
                "baseline": p.goal.baseline, "latest": p.goal.latest, "target": p.goal.target,
                "progress": None if p.goal.progress is None else round(p.goal.progress, 4),
                "due": p.goal.due, "owner": p.goal.owner, "done": p.done,
                "requirements": p.count, "done_effort": p.done_effort,
                "total_effort": p.total_effort,
            }
            for p in rows
        ],
    )  # fmt: skip
    empty = _("no goals yet; add one with `pmledger goal add TITLE --kpi NAME --target N`")
    render(
        fmt,
        Doc(
            blocks=[view],
            json=[p.to_json() for p in rows],
            csv=numbers,
            notes=[] if rows else [empty],
        ),
    )


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    goal_id: GoalArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """One goal: KPI readings over time and its requirements by status.

    Example:

      pmledger goal show Q4-margin
    """
    from pmledger.cli.output import Doc, render
    from pmledger.goals.progress import goal_progress
    from pmledger.goals.store import GoalBook

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    goal = GoalBook(ledger.root).load(goal_id)
    loaded = load_everything(ledger)
    report_problems(list(loaded.problems))
    (progress,) = goal_progress([goal], loaded.requirements, settings=ledger.settings)
    if fmt == "json":
        data = progress.to_json()
        data["readings"] = [r.model_dump(mode="json") for r in goal.history()]
        render(fmt, Doc(blocks=[], json=data))
        return
    render(fmt, Doc(blocks=_show_blocks(progress, ledger.settings)))


def _show_blocks(p: GoalProgress, settings: Settings) -> list[Block]:
    from datetime import date

    from pmledger.cli.output import Column, Line, View
    from pmledger.cli.worklist import work_view
    from pmledger.i18n import _, pgettext
    from pmledger.ranking.scoring import show_date, status_text

    goal = p.goal
    kpi_line = _("{baseline} → {now} → {target}  ({progress} of the way)").format(
        baseline=fmt_number(goal.baseline, goal.unit),
        now=fmt_number(goal.latest, goal.unit),
        target=fmt_number(goal.target, goal.unit),
        progress=fmt_progress(goal),
    )
    effort = _("{done} / {total} points done").format(
        done=fmt_number(p.done_effort), total=fmt_number(p.total_effort)
    )
    by_status = pgettext("list separator", ", ").join(
        f"{status_text(s, settings)} {n}" for s, n in p.by_status.items()
    )
    fields = [
        ("kpi", goal.kpi),
        (_("baseline → now → target"), kpi_line),
        (_("due"), show_date(goal.due, date.today()) if goal.due else None),
        (_("owner"), goal.owner),
        (
            _("requirements"),
            _("{done}/{count} done; {effort}").format(done=p.done, count=p.count, effort=effort),
        ),
        (_("by status"), by_status or "—"),
        (_("description"), goal.description),
    ]
    blocks: list[Block] = [
        Line().add(goal.id, "id").add("  ").add(goal.title, "bold"),
        View(
            columns=(Column("key", "Field"), Column("value", "Value")),
            rows=[{"key": k, "value": v} for k, v in fields if v],
            show_header=False,
        ),
    ]
    if goal.readings:
        blocks += [
            Line(),
            View(
                columns=(
                    Column("at", _("Date")),
                    Column("value", _("Value")),
                    Column("by", _("By")),
                ),
                rows=[
                    {
                        "at": show_date(r.at, date.today()),
                        "value": fmt_number(r.value, goal.unit),
                        "by": r.by,
                    }
                    for r in goal.history()
                ],
                title=_("KPI readings"),
            ),
        ]
    if p.requirements:
        blocks += [Line(), work_view(p.requirements, settings, title=_("Requirements"))]
    return blocks


@app.command("set")
@handle_errors
def set_(
    ctx: typer.Context,
    goal_id: GoalArg,
    assignments: Annotated[
        list[str],
        typer.Argument(metavar="KEY=VALUE", help="e.g. target=25 due=2026-12-31 owner=王芳"),
    ],
    as_of: AsOf = TODAY,
) -> None:
    """Set fields of a goal (title, kpi, unit, baseline, target, current, due, owner...).

    Example:

      pmledger goal set Q4-margin target=22 owner=李雷
    """
    from pmledger.cli.output import write
    from pmledger.goals.changes import apply_goal_assignments
    from pmledger.goals.store import GoalBook

    book = GoalBook(open_ledger(ctx).root)
    goal = book.load(goal_id)
    updated = apply_goal_assignments(goal, assignments, as_of=as_of)
    book.save(updated)
    from pmledger.i18n import _

    write(updated.id if updated != goal else _("{id} (unchanged)").format(id=updated.id))


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
    """Append a dated KPI reading, so progress has a history.

    Example:

      pmledger goal measure Q4-margin 19.5 --at 2026-11-20
    """
    from datetime import date

    from pmledger.cli.common import default_author
    from pmledger.cli.output import write
    from pmledger.dates import parse_date
    from pmledger.goals.changes import number, with_reading
    from pmledger.goals.store import GoalBook

    book = GoalBook(open_ledger(ctx).root)
    goal = book.load(goal_id)
    as_of = date.today()
    day = parse_date(at, as_of=as_of) if at else as_of
    measured = number("VALUE", value)
    updated = with_reading(goal, measured, at=day, by=by or default_author(), today=as_of)
    book.save(updated)
    # The reading just recorded (an older date's is not the goal's latest).
    write(f"{updated.id} {fmt_number(measured, updated.unit)} ({day.isoformat()})")
