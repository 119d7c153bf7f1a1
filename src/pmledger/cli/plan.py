"""`pmledger plan`: propose (and record) a sprint from the ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    FilterOptions,
    ModelOpt,
    SkipOpt,
    check_format,
    filter_options,
    load_ranking,
    open_ledger,
    refuse,
)

if TYPE_CHECKING:
    from pmledger.cli.output import Block, Doc
    from pmledger.ranking.order import Ranking
    from pmledger.ranking.planning import Plan

PLAN_FORMATS = ("table", "json", "markdown")


# With nothing planned, the first ranked requirements shown with why each was not taken.
NOTHING_TAKEN_SHOWN = 10


@filter_options()
def plan(
    ctx: typer.Context,
    capacity: Annotated[
        float,
        typer.Option("--capacity", "-c", metavar="N", help="Effort the sprint can take.", min=0),
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Write sprint and status to the chosen files.")
    ] = False,
    sprint: Annotated[
        str | None,
        typer.Option("--sprint", metavar="NAME", help="Sprint name written by --apply."),
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
    where: FilterOptions = FilterOptions(),
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help="Output: table, json or markdown."),
    ] = "table",
    as_of: AsOf = TODAY,
) -> None:
    """Propose a sprint: highest ranked first, within capacity, dependencies first.

    Examples:

        pmledger plan --capacity 20

        pmledger plan -c 20 --apply --sprint 2026-S24
    """
    from pmledger.cli.display import language_for
    from pmledger.cli.output import render, warn
    from pmledger.i18n import _, ngettext
    from pmledger.ranking.planning import apply_plan, plan_sprint

    fmt = check_format(fmt, PLAN_FORMATS)
    if apply and not sprint:
        refuse(_("--apply needs --sprint NAME (the sprint to record)"))
    if sprint and not apply:
        refuse(_("--sprint only names the sprint that --apply records; add --apply"))
    ledger = open_ledger(ctx)
    if apply:
        # Planned from what is read, written before another writer changes it.
        ctx.with_resource(ledger.write_lock())
    settings = ledger.settings
    flt = where.filter(settings, as_of, root=ledger.root)
    ranking, everything = load_ranking(
        ledger, flt, as_of=as_of, model=model, skip_incomplete=skip_incomplete
    )
    # The skip reasons are sentences: JSON gets them in English, like every
    # machine format (pmledger.cli.display); the warnings below are for people.
    with language_for(fmt):
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
        n = len(proposal.skipped)
        warn(
            ngettext(
                "nothing to plan: the {count} ranked requirement has no effort estimate; "
                "set it with `pmledger set ID effort=N`",
                "nothing to plan: none of the {count} ranked requirements has an effort "
                "estimate; set them with `pmledger set ID effort=N`",
                n,
            ).format(count=n)
        )
    else:
        unestimated = [
            s.requirement.id
            for s in proposal.skipped
            if s.rank_position > proposal.cut_position and s.no_effort
        ]
        if unestimated:
            n = len(unestimated)
            if n > 5:
                shown = ngettext("{ids} and {count} more", "{ids} and {count} more", n - 5).format(
                    ids=_(", ").join(unestimated[:5]), count=n - 5
                )
            else:
                shown = _(", ").join(unestimated)
            warn(
                ngettext(
                    "note: {count} below the cut has no effort estimate: {ids}",
                    "note: {count} below the cut have no effort estimate: {ids}",
                    n,
                ).format(count=n, ids=shown)
            )
    if proposal.already_planned:
        n = len(proposal.already_planned)
        warn(
            ngettext(
                "left out {count} requirement already in a sprint or in progress "
                "(--include-planned to consider it)",
                "left out {count} requirements already in a sprint or in progress "
                "(--include-planned to consider them)",
                n,
            ).format(count=n)
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
            warn(
                _("moved {id} from sprint {old} to {new}").format(
                    id=old.id, old=old.sprint, new=sprint
                )
            )
        ledger.save(new)
        changed += 1
    if not proposal.items:
        warn(_("nothing recorded: the plan is empty"))
    elif changed:
        warn(
            ngettext(
                "recorded {count} requirement in sprint {sprint}",
                "recorded {count} requirements in sprint {sprint}",
                changed,
            ).format(count=changed, sprint=sprint)
        )
    else:
        warn(_("nothing changed: sprint {sprint} already holds this plan").format(sprint=sprint))


def _plan_doc(proposal: Plan, ranking: Ranking, *, applied: str | None) -> Doc:
    from pmledger.cli.output import Column, Doc, Line, View
    from pmledger.i18n import _, ngettext
    from pmledger.ranking.scoring import show_date

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
                "note": _("pulled in for {id}").format(id=it.pulled_in_for)
                if it.pulled_in_for
                else None,
            }
        )
    planned = View(
        columns=(
            Column("n", "#", "int"),
            Column("id", "ID", "id"),
            Column("title", _("Title"), shrink=True),
            Column("effort", _("Effort"), "number"),
            Column("total", _("Total"), "number"),
            Column("rank", _("Rank"), "int"),
            Column("note", _("Note"), drop=1),
        ),
        rows=rows,
        title=_("Proposed sprint"),
    )
    above = [s for s in proposal.skipped if s.rank_position < proposal.cut_position]
    below = [s for s in proposal.skipped if s.rank_position > proposal.cut_position]
    if not proposal.items:
        # Nothing taken: the first ones ranked are what was asked about; say why
        # each was not taken ("effort 13 > remaining 10"), not "below the cut".
        above, below = (
            proposal.skipped[:NOTHING_TAKEN_SHOWN],
            proposal.skipped[NOTHING_TAKEN_SHOWN:],
        )
    skipped = View(
        columns=(
            Column("rank", _("Rank"), "int"),
            Column("id", "ID", "id"),
            Column("title", _("Title"), shrink=True),
            Column("why", _("Why skipped")),
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
        title=_("Skipped above the cut"),
    )
    cut = _(
        "cut line: capacity {capacity}, planned {planned}, remaining {remaining} "
        "(as of {date}, model {model})"
    ).format(
        capacity=f"{proposal.capacity:g}",
        planned=f"{proposal.used:g}",
        remaining=f"{proposal.remaining:g}",
        date=show_date(ranking.as_of, ranking.as_of),
        model=ranking.model,
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
        more = ngettext(
            "{count} more ranked below the cut line.",
            "{count} more ranked below the cut line.",
            len(below),
        ).format(count=len(below))
        blocks.append(Line().add(more))
    # Only when something was too big: with every candidate in a cycle or waiting on
    # work outside the ranking, "nothing fits" sent people to raise a capacity
    # that was never the problem (the table above says why each was skipped).
    too_big = any(
        not s.no_effort and float(s.requirement.effort or 0) > proposal.capacity
        for s in proposal.skipped
    )
    notes = [] if proposal.items or not too_big else [_("nothing fits the capacity")]
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
