"""`pmledger plan`: propose (and record) a sprint from the ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    AsOf,
    DepartmentOpt,
    GoalOpt,
    OwnerOpt,
    TagOpt,
    check_format,
    open_ledger,
)
from pmledger.cli.rank import ModelOpt, SkipOpt, load_and_rank

if TYPE_CHECKING:
    from pmledger.ranking.order import Ranking
    from pmledger.ranking.planning import Plan


def plan(
    ctx: typer.Context,
    capacity: Annotated[
        float, typer.Option("--capacity", "-c", help="Effort the sprint can take.", min=0)
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Write sprint and status to the chosen files.")
    ] = False,
    sprint: Annotated[
        str | None, typer.Option("--sprint", help="Sprint name written by --apply.")
    ] = None,
    model: ModelOpt = None,
    skip_incomplete: SkipOpt = False,
    owner: OwnerOpt = None,
    tag: TagOpt = None,
    department: DepartmentOpt = None,
    goal: GoalOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
    as_of: AsOf = None,
) -> None:
    """Propose a sprint: highest ranked first, within capacity, dependencies first."""
    from pmledger.errors import InvalidValueError
    from pmledger.ranking.planning import apply_plan, plan_sprint

    fmt = check_format(fmt, ("table", "json", "markdown"))
    if apply and not sprint:
        raise InvalidValueError("--apply needs --sprint NAME (the sprint to record)")
    filters: dict[str, Any] = dict(owner=owner, tag=tag, department=department, goal=goal)
    ranking, requirements, settings = load_and_rank(
        ctx, as_of=as_of, model=model, skip_incomplete=skip_incomplete, filters=filters
    )
    proposal = plan_sprint(ranking, requirements, settings=settings, capacity=capacity)
    if apply and sprint:
        ledger = open_ledger(ctx)
        for req in apply_plan(proposal, sprint=sprint, settings=settings):
            ledger.save(req)
    _render_plan(proposal, ranking, fmt, applied=sprint if apply else None)


def _render_plan(proposal: Plan, ranking: Ranking, fmt: str, *, applied: str | None) -> None:
    from pmledger.cli.output import (
        console,
        emit_json,
        markdown_table,
        one_line,
        rich_table,
        warn,
        write,
    )

    planned_rows = []
    total = 0.0
    for i, it in enumerate(proposal.items, start=1):
        total += it.effort
        note = f"pulled in for {it.pulled_in_for}" if it.pulled_in_for else ""
        planned_rows.append(
            [
                i,
                it.requirement.id,
                it.requirement.title,
                f"{it.effort:g}",
                f"{total:g}",
                it.rank_position or "",
                note,
            ]
        )
    above = [s for s in proposal.skipped if s.rank_position < proposal.cut_position]
    below = [s for s in proposal.skipped if s.rank_position > proposal.cut_position]
    if fmt == "json":
        emit_json(
            {
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
            }
        )
        return
    headers = ("#", "ID", "Title", "Effort", "Total", "Rank", "Note")
    cut = (
        f"cut line: capacity {proposal.capacity:g}, planned {proposal.used:g}, "
        f"remaining {proposal.remaining:g} (as of {ranking.as_of}, model {ranking.model})"
    )
    skipped_rows = [
        [s.rank_position, s.requirement.id, s.requirement.title, s.reason] for s in above
    ]
    if fmt == "markdown":
        parts = [markdown_table(headers, planned_rows), "", f"**{cut}**"]
        if skipped_rows:
            parts += [
                "",
                "Skipped above the cut:",
                "",
                markdown_table(("Rank", "ID", "Title", "Why"), skipped_rows),
            ]
        write("\n".join(parts))
    else:
        out = console()
        if planned_rows:
            out.print(rich_table(headers, planned_rows, title="Proposed sprint"))
        else:
            warn("nothing fits the capacity")
        out.print("── " + cut + " ──", markup=False, highlight=False)
        if skipped_rows:
            out.print(
                rich_table(
                    ("Rank", "ID", "Title", "Why skipped"),
                    skipped_rows,
                    title="Skipped above the cut",
                )
            )
        if below:
            out.print(f"{len(below)} more ranked below the cut line.", markup=False)
        for s in below:
            if s.reason == "no effort estimate":
                warn(f"note: {s.requirement.id} (rank {s.rank_position}) has no effort estimate")
    if applied:
        warn(f"recorded {len(proposal.items)} requirements in sprint {one_line(applied)}")
