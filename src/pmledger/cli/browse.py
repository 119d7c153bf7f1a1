"""`pmledger list` and `pmledger show`: look at the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    AllOpt,
    AsOf,
    DepartmentOpt,
    DueBeforeOpt,
    Format,
    GoalOpt,
    OverdueOpt,
    OwnerOpt,
    RequesterOpt,
    SearchArg,
    StatusOpt,
    TagOpt,
    build_filter,
    check_format,
    open_ledger,
    report_problems,
    resolve_as_of,
)

if TYPE_CHECKING:
    from datetime import date

    from ..config import Settings
    from ..model import Requirement
    from ..storage import Summary

LIST_HEADERS = (
    "ID",
    "Title",
    "Status",
    "Priority",
    "Due",
    "Owner",
    "Department",
    "Requester",
    "Tags",
)
CSV_HEADERS = (
    "id",
    "title",
    "status",
    "priority",
    "due",
    "owner",
    "department",
    "requester",
    "tags",
    "effort",
    "goal",
    "sprint",
    "created",
)


def due_text(req: Requirement, *, settings: Settings, as_of: date) -> str:
    """The due date, flagged OVERDUE when an active requirement is past it."""
    from ..query import is_overdue

    if req.due is None:
        return ""
    if is_overdue(req, settings=settings, as_of=as_of):
        return f"{req.due} OVERDUE"
    return str(req.due)


def list_(
    ctx: typer.Context,
    search: SearchArg = None,
    status: StatusOpt = None,
    owner: OwnerOpt = None,
    tag: TagOpt = None,
    department: DepartmentOpt = None,
    requester: RequesterOpt = None,
    goal: GoalOpt = None,
    overdue: OverdueOpt = False,
    due_before: DueBeforeOpt = None,
    all_: AllOpt = False,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help="id, title, status, priority, due, created, owner, department, requester, effort; prefix - to reverse.",
        ),
    ] = "priority",
    fmt: Format = "table",
    as_of: AsOf = None,
) -> None:
    """List requirements (active ones unless --all or --status), filtered and sorted."""
    from ..query import select, sort_requirements
    from .output import FORMATS, emit_rows

    fmt = check_format(fmt, FORMATS)
    ledger = open_ledger(ctx)
    today = resolve_as_of(as_of)
    settings = ledger.settings
    flt = build_filter(
        settings=settings,
        as_of=today,
        status=status,
        owner=owner,
        tag=tag,
        department=department,
        requester=requester,
        goal=goal,
        overdue=overdue,
        due_before=due_before,
        search=search,
        include_inactive=all_,
    )
    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    reqs = sort_requirements(
        select(loaded.requirements, flt, settings=settings, as_of=today), sort, settings=settings
    )
    if fmt == "table":
        rows: list[list[Any]] = [
            [
                r.id,
                r.title,
                r.status,
                r.priority.value,
                due_text(r, settings=settings, as_of=today),
                r.owner,
                r.department,
                r.requester,
                ", ".join(r.tags),
            ]
            for r in reqs
        ]
        headers: tuple[str, ...] = LIST_HEADERS
        title = f"{len(reqs)} requirement{'s' if len(reqs) != 1 else ''}"
    else:
        headers = CSV_HEADERS
        title = None
        rows = [
            [
                r.id,
                r.title,
                r.status,
                r.priority.value,
                r.due.isoformat() if r.due else "",
                r.owner,
                r.department,
                r.requester,
                ";".join(r.tags),
                "" if r.effort is None else r.effort,
                r.goal,
                r.sprint,
                r.created.isoformat(),
            ]
            for r in reqs
        ]
    emit_rows(
        fmt,
        headers,
        rows,
        json_data=[r.model_dump(mode="json") for r in reqs],
        title=title,
        empty="no requirements match",
        styles=("cyan", None, None, None, None, None, None, None, "magenta")
        if fmt == "table"
        else None,
    )


def show(
    ctx: typer.Context,
    req_id: Annotated[str, typer.Argument(metavar="ID", help="The requirement (prefix optional).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    as_of: AsOf = None,
) -> None:
    """Show every field of a requirement, its notes, and its dependencies both ways."""
    from ..query import is_overdue
    from .output import emit_json

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    req = ledger.load(req_id)
    today = resolve_as_of(as_of)
    summaries = {s.id: s for s in ledger.summaries().summaries}
    dependents = sorted(s.id for s in summaries.values() if req.id in s.depends_on)
    if fmt == "json":
        data = req.model_dump(mode="json")
        data["dependents"] = dependents
        data["overdue"] = is_overdue(req, settings=ledger.settings, as_of=today)
        emit_json(data)
        return
    _render_show(req, summaries, dependents, settings=ledger.settings, as_of=today)


def _render_show(
    req: Requirement,
    by_id: dict[str, Summary],
    dependents: list[str],
    *,
    settings: Settings,
    as_of: date,
) -> None:
    from rich.table import Table
    from rich.text import Text

    from .output import console, one_line, sanitize

    out = console()
    head = Text()
    head.append(req.id, style="bold cyan")
    head.append("  ")
    head.append(one_line(req.title), style="bold")
    out.print(head)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    due = due_text(req, settings=settings, as_of=as_of)
    fields: list[tuple[str, str]] = [
        ("status", req.status),
        ("priority", req.priority.value),
        ("created", str(req.created)),
        ("due", due),
        ("requester", req.requester or ""),
        ("department", req.department or ""),
        ("owner", req.owner or ""),
        ("tags", ", ".join(req.tags)),
        ("effort", "" if req.effort is None else f"{req.effort:g}"),
        ("value", "" if req.value is None else f"{req.value:g}"),
        ("goal", req.goal or ""),
        ("sprint", req.sprint or ""),
        ("links", "\n".join(req.links)),
    ]
    for key in ("rice", "wsjf", "ice"):
        table = getattr(req, key)
        if table:
            fields.append((key, ", ".join(f"{k}={v}" for k, v in table.items())))
    for key, value in sorted(req.extra.items()):
        fields.append((key, str(value)))
    for key, value in fields:
        if value:
            style = "bold red" if key == "due" and value.endswith("OVERDUE") else None
            grid.add_row(key, Text(sanitize(value), style=style or ""))
    out.print(grid)

    def dep_line(other_id: str) -> Text:
        other = by_id.get(other_id)
        line = Text(f"  {other_id}  ", style="cyan")
        if other is None:
            line.append("(not in the ledger)", style="red")
        else:
            line.append(f"[{other.status}] ", style="dim")
            line.append(one_line(other.title, 70))
        return line

    sections: list[tuple[str, list[Text]]] = []
    if req.description:
        sections.append(("Description", [Text(sanitize(req.description))]))
    if req.acceptance:
        sections.append(
            ("Acceptance criteria", [Text("  - " + sanitize(a)) for a in req.acceptance])
        )
    if req.depends_on:
        sections.append(("Depends on", [dep_line(d) for d in req.depends_on]))
    if dependents:
        sections.append(("Needed by", [dep_line(d) for d in dependents]))
    if req.notes:
        lines = []
        for n in req.notes:
            line = Text(f"  {n.at:%Y-%m-%d %H:%M} ", style="dim")
            line.append(one_line(n.by), style="bold")
            line.append(": " + sanitize(n.text))
            lines.append(line)
        sections.append(("Notes", lines))
    for heading, lines in sections:
        out.print()
        out.print(Text(heading, style="bold underline"))
        for line in lines:
            out.print(line)
