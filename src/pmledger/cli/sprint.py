"""`pmledger sprint`: list sprints, review one, carry unfinished work over."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import check_format, open_ledger, report_problems
from pmledger.cli.errors import handle_errors

if TYPE_CHECKING:
    from pmledger.cli.output import Block
    from pmledger.ledger.ledger import Ledger
    from pmledger.sprints import SprintReview

app = typer.Typer(
    help=("Sprint review: list, show, carry.\n\nExample:\n\n  pmledger sprint show 2026-S23"),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SprintArg = Annotated[str, typer.Argument(metavar="SPRINT", help="The sprint name, e.g. 2026-S24.")]


def _review(ledger: Ledger, name: str, *, with_git: bool = True) -> SprintReview:
    from pmledger.report.history import sprint_history
    from pmledger.sprints import review

    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    started, added = sprint_history(ledger, name) if with_git else (None, None)
    return review(
        name,
        loaded.requirements,
        settings=ledger.settings,
        started=started,
        added_after_start=added,
    )


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, csv or markdown.")
    ] = "table",
) -> None:
    """Every sprint: committed vs done, in count and effort.

    Example:

      pmledger sprint list
    """
    from pmledger.cli.output import Column, Doc, View, render
    from pmledger.sprints import review, sprint_names

    fmt = check_format(fmt, ("table", "json", "csv", "markdown"))
    ledger = open_ledger(ctx)
    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    reviews = [
        review(n, loaded.requirements, settings=ledger.settings)
        for n in sprint_names(loaded.requirements)
    ]
    view = View(
        columns=(
            Column("sprint", "Sprint", "id"),
            Column("committed", "Committed", "int"),
            Column("done", "Done", "int"),
            Column("not_finished", "Not finished", "int"),
            Column("done_effort", "Effort done", "number"),
            Column("committed_effort", "Effort committed", "number"),
        ),
        rows=[
            {
                "sprint": r.name,
                "committed": len(r.items),
                "done": len(r.done),
                "not_finished": len(r.slipped),
                "done_effort": r.done_effort,
                "committed_effort": r.committed_effort,
            }
            for r in reviews
        ],
    )
    empty = "no sprints yet; record one with `pmledger plan --capacity N --apply --sprint S`"
    render(
        fmt,
        Doc(
            blocks=[view],
            json=[r.to_json() for r in reviews],
            notes=[] if reviews else [empty],
        ),
    )


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    name: SprintArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Review a sprint: committed vs done, what slipped, what was added after it started.

    Example:

      pmledger sprint show 2026-S23
    """
    from pmledger.cli.output import Doc, render

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    rv = _review(ledger, name)
    if fmt == "json":
        render(fmt, Doc(blocks=[], json=rv.to_json()))
        return
    render(fmt, Doc(blocks=_review_blocks(rv, ledger.settings.ledger.statuses)))


def _review_blocks(rv: SprintReview, statuses: list[str]) -> list[Block]:
    from pmledger.cli.output import Column, Line, View

    started = rv.started.date().isoformat() if rv.started else "unknown (no git history)"
    share = (
        f" ({100 * rv.done_effort / rv.committed_effort:.0f}% of the effort)"
        if rv.committed_effort
        else ""
    )
    added = (
        "unknown (no git history)"
        if rv.added_after_start is None
        else (", ".join(rv.added_after_start) or "nothing")
    )
    facts = [
        ("started", started),
        ("committed", f"{len(rv.items)} requirements, {rv.committed_effort:g} points"),
        ("done", f"{len(rv.done)} requirements, {rv.done_effort:g} points{share}"),
        ("not finished", f"{len(rv.slipped)} requirements, {rv.slipped_effort:g} points"),
        ("dropped", ", ".join(r.id for r in rv.dropped) or "nothing"),
        ("added after start", added),
    ]
    order = {s: i for i, s in enumerate(statuses)}
    items = sorted(rv.items, key=lambda r: (order.get(r.status, 99), r.id))
    late = set(rv.added_after_start or ())
    blocks: list[Block] = [
        Line().add(f"Sprint {rv.name}", "bold"),
        View(
            columns=(Column("key", "Fact"), Column("value", "Value")),
            rows=[{"key": k, "value": v} for k, v in facts],
            show_header=False,
        ),
        Line(),
        View(
            columns=(
                Column("id", "ID", "id"),
                Column("title", "Title", shrink=True),
                Column("status", "Status"),
                Column("effort", "Effort", "number"),
                Column("owner", "Owner", drop=1),
                Column("note", "Note", drop=2),
            ),
            rows=[
                {
                    "id": r.id,
                    "title": r.title,
                    "status": r.status,
                    "effort": r.effort,
                    "owner": r.owner,
                    "note": "added late" if r.id in late else "",
                }
                for r in items
            ],
        ),
    ]
    if rv.slipped:
        blocks.append(
            Line().add(
                f"Carry the {len(rv.slipped)} unfinished over with "
                f"`pmledger sprint carry {rv.name} --to NEXT`.",
                "dim",
            )
        )
    return blocks


@app.command("carry")
@handle_errors
def carry(
    ctx: typer.Context,
    name: SprintArg,
    to: Annotated[str, typer.Option("--to", help="The sprint that takes the unfinished work.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would move; write nothing.")
    ] = False,
) -> None:
    """Move every unfinished requirement of a sprint to another sprint (prints the IDs).

    Example:

      pmledger sprint carry 2026-S23 --to 2026-S24 --dry-run
    """
    from pmledger.cli.output import warn, write
    from pmledger.errors import NotFoundError
    from pmledger.sprints import carry_over

    ledger = open_ledger(ctx)
    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    if not any(r.sprint == name for r in loaded.requirements):
        raise NotFoundError(f"no requirement is assigned to sprint {name!r}")
    moved = carry_over(name, to.strip(), loaded.requirements, settings=ledger.settings)
    for req in moved:
        if not dry_run:
            ledger.save(req)
        write(req.id)
    verb = "would move" if dry_run else "moved"
    warn(f"{verb} {len(moved)} unfinished requirement(s) from {name} to {to.strip()}")
