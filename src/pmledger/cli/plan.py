"""`pmledger plan`: propose (and record) a sprint from the ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    TODAY,
    AllOpt,
    AsOf,
    DepartmentOpt,
    DueBeforeOpt,
    GoalOpt,
    ModelOpt,
    OverdueOpt,
    OwnerOpt,
    RequesterOpt,
    SearchArg,
    SkipOpt,
    StatusOpt,
    TagOpt,
    build_filter,
    check_format,
    load_ranking,
    open_ledger,
    refuse,
)

if TYPE_CHECKING:
    from pmledger.cli.output import Block, Doc
    from pmledger.ranking.order import Ranking
    from pmledger.ranking.planning import Plan

PLAN_FORMATS = ("table", "json", "markdown")


def plan(
    ctx: typer.Context,
    capacity: Annotated[
        float, typer.Option("--capacity", "-c", help="Effort the sprint can take.", min=0)
    ],
    search: SearchArg = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write sprint and status to the chosen files.")
    ] = False,
    sprint: Annotated[
        str | None, typer.Option("--sprint", help="Sprint name written by --apply.")
    ] = None,
    include_planned: Annotated[
        bool,
        typer.Option(
            "--include-planned",
            help="Also consider requirements already in a sprint or in progress.",
        ),
    ] = False,
    model: ModelOpt = None,
    skip_incomplete: SkipOpt = False,
    status: StatusOpt = None,
    owner: OwnerOpt = None,
    tag: TagOpt = None,
    department: DepartmentOpt = None,
    requester: RequesterOpt = None,
    goal: GoalOpt = None,
    overdue: OverdueOpt = False,
    due_before: DueBeforeOpt = None,
    all_: AllOpt = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
    as_of: AsOf = TODAY,
) -> None:
    """Propose a sprint: highest ranked first, within capacity, dependencies first."""
    from pmledger.cli.output import render, warn
    from pmledger.ranking.planning import NO_EFFORT, apply_plan, plan_sprint

    fmt = check_format(fmt, PLAN_FORMATS)
    if apply and not sprint:
        refuse("--apply needs --sprint NAME (the sprint to record)")
    if sprint and not apply:
        refuse("--sprint only names the sprint that --apply records; add --apply")
    ledger = open_ledger(ctx)
    settings = ledger.settings
    flt = build_filter(
        settings=settings,
        as_of=as_of,
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
    ranking, everything = load_ranking(
        ledger, flt, as_of=as_of, model=model, skip_incomplete=skip_incomplete
    )
    proposal = plan_sprint(
        ranking,
        everything,
        settings=settings,
        capacity=capacity,
        sprint=sprint,
        include_planned=include_planned,
    )
    render(fmt, _plan_doc(proposal, ranking, applied=sprint if apply else None))
    if proposal.no_efforts:
        warn(
            f"nothing to plan: none of the {len(proposal.skipped)} ranked requirements has an "
            "effort estimate; set them with `pmledger set ID effort=N`"
        )
    else:
        unestimated = [
            s.requirement.id
            for s in proposal.skipped
            if s.rank_position > proposal.cut_position and s.reason == NO_EFFORT
        ]
        if unestimated:
            shown = ", ".join(unestimated[:5])
            if len(unestimated) > 5:
                shown += f" and {len(unestimated) - 5} more"
            warn(
                f"note: {len(unestimated)} below the cut ha{'s' if len(unestimated) == 1 else 've'}"
                f" no effort estimate: {shown}"
            )
    if proposal.already_planned:
        n = len(proposal.already_planned)
        warn(
            f"left out {n} requirement{'s' if n != 1 else ''} already in a sprint or in progress "
            "(--include-planned to consider them)"
        )
    if not (apply and sprint):
        return
    changed = 0
    for item, new in zip(
        proposal.items, apply_plan(proposal, sprint=sprint, settings=settings), strict=True
    ):
        old = item.requirement
        if new == old:
            continue
        if old.sprint and old.sprint != sprint:
            warn(f"moved {old.id} from sprint {old.sprint} to {sprint}")
        ledger.save(new)
        changed += 1
    if not proposal.items:
        warn("nothing recorded: the plan is empty")
    elif changed:
        warn(f"recorded {changed} requirement{'s' if changed != 1 else ''} in sprint {sprint}")
    else:
        warn(f"nothing changed: sprint {sprint} already holds this plan")


def _plan_doc(proposal: Plan, ranking: Ranking, *, applied: str | None) -> Doc:
    from pmledger.cli.output import Column, Doc, Line, View

    rows: list[dict[str, Any]] = []
    total = 0.0
    for i, it in enumerate(proposal.items, start=1):
        total += it.effort
        rows.append(
            {
                "n": i,
                "id": it.requirement.id,
                "title": it.requirement.title,
                "effort": it.effort,
                "total": total,
                "rank": it.rank_position,
                "note": f"pulled in for {it.pulled_in_for}" if it.pulled_in_for else None,
            }
        )
    planned = View(
        columns=(
            Column("n", "#", "int"),
            Column("id", "ID", "id"),
            Column("title", "Title", shrink=True),
            Column("effort", "Effort", "number"),
            Column("total", "Total", "number"),
            Column("rank", "Rank", "int"),
            Column("note", "Note", drop=1),
        ),
        rows=rows,
        title="Proposed sprint",
    )
    above = [s for s in proposal.skipped if s.rank_position < proposal.cut_position]
    below = [s for s in proposal.skipped if s.rank_position > proposal.cut_position]
    skipped = View(
        columns=(
            Column("rank", "Rank", "int"),
            Column("id", "ID", "id"),
            Column("title", "Title", shrink=True),
            Column("why", "Why skipped"),
        ),
        rows=[
            {
                "rank": s.rank_position,
                "id": s.requirement.id,
                "title": s.requirement.title,
                "why": s.reason,
            }
            for s in above
        ],
        title="Skipped above the cut",
    )
    cut = (
        f"cut line: capacity {proposal.capacity:g}, planned {proposal.used:g}, "
        f"remaining {proposal.remaining:g} (as of {ranking.as_of}, model {ranking.model})"
    )
    blocks: list[Block] = [planned, Line().add(f"── {cut} ──", "dim"), skipped]
    # Markdown starts with the table itself (ready to paste into a PR or a wiki).
    markdown: list[Block] = [
        View(columns=planned.columns, rows=rows),
        Line(),
        Line().add(f"**{cut}**"),
    ]
    if above:
        markdown += [Line(), skipped]
    if below:
        blocks.append(Line().add(f"{len(below)} more ranked below the cut line."))
    notes = [] if proposal.items or proposal.no_efforts else ["nothing fits the capacity"]
    return Doc(
        blocks=blocks,
        json={
            "as_of": ranking.as_of.isoformat(),
            "model": ranking.model,
            "capacity": proposal.capacity,
            "used": proposal.used,
            "remaining": proposal.remaining,
            "cut_position": proposal.cut_position,
            "applied_sprint": applied,
            "items": [
                {
                    "id": it.requirement.id,
                    "title": it.requirement.title,
                    "effort": it.effort,
                    "rank_position": it.rank_position,
                    "pulled_in_for": it.pulled_in_for,
                }
                for it in proposal.items
            ],
            "skipped": [
                {
                    "id": s.requirement.id,
                    "title": s.requirement.title,
                    "rank_position": s.rank_position,
                    "reason": s.reason,
                }
                for s in proposal.skipped
            ],
            "already_planned": [r.id for r in proposal.already_planned],
        },
        markdown=markdown,
        notes=notes,
    )
