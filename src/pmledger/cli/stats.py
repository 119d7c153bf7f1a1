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
    load_everything,
    open_ledger,
    report_problems,
)
from pmledger.i18n import N_

if TYPE_CHECKING:
    from datetime import date

    from pmledger.cli.output import Block
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings
    from pmledger.report.stats import Stats

# The age buckets of pmledger.report.stats (keys of the JSON, English there),
# as a reader of the table sees them.
AGE_LABELS: dict[str, str] = {
    "< 1 week": N_("< 1 week"),
    "1-4 weeks": N_("1-4 weeks"),
    "1-3 months": N_("1-3 months"),
    "3-12 months": N_("3-12 months"),
    "> 1 year": N_("> 1 year"),
}


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
    from pmledger.report.stats import compute_stats

    fmt = check_format(fmt, ("table", "json"))
    ledger, reqs = selected(ctx, as_of=as_of, department=department, owner=owner, goal=goal)
    result = compute_stats(reqs, settings=ledger.settings, as_of=as_of)
    if lead_time:
        from pmledger.report.history import lead_times

        result.lead_time = lead_times(ledger, {r.id for r in reqs})
    blocks = _blocks(result, ledger.settings, lead_time=lead_time)
    render(fmt, Doc(blocks=blocks, json=result.to_json()))


def selected(
    ctx: typer.Context,
    *,
    as_of: date,
    department: list[str] | None,
    owner: list[str] | None,
    goal: list[str] | None,
) -> tuple[Ledger, list[Requirement]]:
    """The ledger, and its requirements (every status) that the shared filters keep.

    ``stats`` and ``board`` open the ledger the same way; problems in files
    are reported on stderr and those files left out.
    """
    from pmledger.query.filters import select

    ledger = open_ledger(ctx)
    flt = build_filter(
        settings=ledger.settings,
        as_of=as_of,
        department=department,
        owner=owner,
        goal=goal,
        include_inactive=True,
        root=ledger.root,
    )
    loaded = load_everything(ledger)
    report_problems(list(loaded.problems))
    return ledger, select(loaded.requirements, flt, settings=ledger.settings, as_of=as_of)


def _chart(title: str, counts: dict[str, int], *, limit: int | None = None) -> list[Block]:
    """A small bar chart: name, count, a bar as long as the count's share of the largest."""
    from pmledger.cli.output import Column, Line, View, one_line
    from pmledger.i18n import _

    items = list(counts.items())
    rest = items[limit:] if limit is not None else []
    items = items[:limit] if limit is not None else items
    if rest:
        # TRANSLATORS: the last bar of a chart, for the names not shown.
        items.append((_("{count} more").format(count=len(rest)), sum(n for _n, n in rest)))
    top = max([n for _n, n in items] + [1])
    view = View(
        columns=(Column("name", "", shrink=True), Column("n", "", "int"), Column("bar", "", "bar")),
        rows=[{"name": one_line(name, 28), "n": n, "bar": n / top} for name, n in items],
        title=title,
        show_header=False,
    )
    return [view, Line()]


def _shown(name: str) -> str:
    """A department or owner for a reader: "(none)" in the reader's language."""
    from pmledger.i18n import _
    from pmledger.report.stats import NONE

    return _("(none)") if name == NONE else name


def _owners(result: Stats) -> list[Block]:
    from pmledger.cli.output import Column, Line, View, one_line
    from pmledger.i18n import _, ngettext

    owners = result.owners[:15]
    top = max([o.in_progress_effort for o in owners] + [1.0])
    blocks: list[Block] = [
        View(
            columns=(
                Column("owner", _("owner"), shrink=True),
                Column("open", _("open"), "int"),
                Column("in_progress", _("in progress"), "int"),
                Column("effort", _("effort"), "number"),
                Column("bar", "", "bar"),
            ),
            rows=[
                {
                    "owner": one_line(_shown(o.owner), 24),
                    "open": o.active,
                    "in_progress": o.in_progress,
                    "effort": o.in_progress_effort,
                    "bar": o.in_progress_effort / top,
                }
                for o in owners
            ],
            title=_("Owners (open work, effort in progress)"),
        )
    ]
    more = len(result.owners) - len(owners)
    if more:
        text = ngettext(
            "… and {count} more owner (--format json lists all)",
            "… and {count} more owners (--format json lists all)",
            more,
        )
        blocks.append(Line().add(text.format(count=more), "dim"))
    return [*blocks, Line()]


def _blocks(result: Stats, settings: Settings, *, lead_time: bool) -> list[Block]:
    from pmledger.cli.output import Line
    from pmledger.i18n import _, ngettext, pgettext, translate
    from pmledger.ranking.scoring import priority_text, status_text

    by_status = ngettext(
        "By status ({count} requirement)", "By status ({count} requirements)", result.total
    ).format(count=result.total)
    blocks = [
        *_chart(by_status, {status_text(s, settings): n for s, n in result.by_status.items()}),
        *_chart(
            _("By priority ({count} open)").format(count=result.active),
            {priority_text(p): n for p, n in result.by_priority.items()},
        ),
        *_chart(
            _("By department"),
            {_shown(d): n for d, n in result.by_department.items()},
            limit=15,
        ),
        *_owners(result),
        *_chart(
            _("Age of open requirements"),
            {translate(AGE_LABELS.get(a, a)): n for a, n in result.age.items()},
        ),
    ]
    overdue = len(result.overdue)
    listed = pgettext("list separator", ", ").join(result.overdue[:8])
    if overdue > 8:
        listed += " …"
    if overdue:
        text = _("Overdue: {count}  ({ids})").format(count=overdue, ids=listed)
    else:
        text = _("Overdue: {count}").format(count=overdue)
    blocks.append(Line().add(text))
    lead = result.lead_time
    if not lead_time:
        return blocks
    if lead is None:
        text = _("Lead time (accepted → done): no git history")
    elif not lead.days:
        text = _("Lead time (accepted → done): nothing accepted and done yet")
    else:
        text = ngettext(
            "Lead time (accepted → done, from git): median {median:.1f} days, "
            "average {average:.1f} days over {count} requirement",
            "Lead time (accepted → done, from git): median {median:.1f} days, "
            "average {average:.1f} days over {count} requirements",
            len(lead.days),
        ).format(median=lead.median, average=lead.average, count=len(lead.days))
    blocks.append(Line().add(text))
    return blocks
