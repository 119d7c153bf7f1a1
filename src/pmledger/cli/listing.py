"""`pmledger list`: requirements filtered, searched and sorted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
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
    pass


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
    from pmledger.cli.output import FORMATS, due_text, emit_rows
    from pmledger.query.filters import select, sort_requirements

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
