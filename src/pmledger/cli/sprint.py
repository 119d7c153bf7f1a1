"""`pmledger sprint`: list sprints, review one, carry unfinished work over."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import Format, check_format, load_everything, open_ledger, report_problems
from pmledger.cli.errors import handle_errors
from pmledger.cli.language import HelpGroup

if TYPE_CHECKING:
    from pmledger.cli.output import Block
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings
    from pmledger.sprints import SprintReview

app = typer.Typer(
    help=("Sprint review: list, show, carry.\n\nExample:\n\n  pmledger sprint show 2026-S23"),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=HelpGroup,
)

SprintArg = Annotated[str, typer.Argument(metavar="SPRINT", help="The sprint name, e.g. 2026-S24.")]


def _review(ledger: Ledger, name: str, *, with_git: bool = True) -> SprintReview:
    from pmledger.report.history import sprint_history
    from pmledger.sprints import find_sprint, review

    loaded = load_everything(ledger)
    report_problems(list(loaded.problems))
    # Git is searched for the name as the files spell it: `show 2026-s23` (or a
    # prefix) found the sprint but no commit assigning `2026-s23`, and said
    # "unknown (no git history)" in a ledger with history.
    name = find_sprint(name, loaded.requirements)
    history = sprint_history(ledger, name) if with_git else None
    return review(
        name,
        loaded.requirements,
        settings=ledger.settings,
        started=history.started if history else None,
        added_after_start=history.added_after_start if history else None,
        assigned=history.assigned if history else None,
    )


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    fmt: Format = "table",
) -> None:
    """Every sprint: committed vs done, in count and effort.

    Example:

      pmledger sprint list
    """
    from pmledger.cli.output import Column, Doc, View, render
    from pmledger.i18n import _
    from pmledger.sprints import review, sprint_names

    fmt = check_format(fmt, ("table", "json", "csv", "markdown"))
    ledger = open_ledger(ctx)
    loaded = load_everything(ledger)
    report_problems(list(loaded.problems))
    reviews = [
        review(n, loaded.requirements, settings=ledger.settings)
        for n in sprint_names(loaded.requirements)
    ]
    view = View(
        columns=(
            Column("sprint", _("Sprint"), "id"),
            Column("committed", _("Committed"), "int"),
            Column("done", _("Done"), "int"),
            Column("not_finished", _("Not finished"), "int"),
            Column("done_effort", _("Effort done"), "number"),
            Column("committed_effort", _("Effort committed"), "number"),
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
    empty = _("no sprints yet; record one with `pmledger plan --capacity N --apply --sprint S`")
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
    render(fmt, Doc(blocks=_review_blocks(rv, ledger.settings)))


def _review_blocks(rv: SprintReview, settings: Settings) -> list[Block]:
    from pmledger.cli.output import Column, Line, View
    from pmledger.cli.worklist import work_view
    from pmledger.i18n import _, ngettext, pgettext

    unknown = _("unknown (no git history)")
    nothing = _("nothing")
    from datetime import date

    from pmledger.ranking.scoring import show_date

    # ISO in English, 11月27日 (周五) in Chinese, as every other view writes a day.
    started = show_date(rv.started.date(), date.today()) if rv.started else unknown
    separator = pgettext("list separator", ", ")
    added = (
        unknown
        if rv.added_after_start is None
        else (separator.join(rv.added_after_start) or nothing)
    )

    def amount(count: int, points: float) -> str:
        return ngettext(
            "{count} requirement, {points:g} points",
            "{count} requirements, {points:g} points",
            count,
        ).format(count=count, points=points)

    done = amount(len(rv.done), rv.done_effort)
    if rv.committed_effort:
        share = 100 * rv.done_effort / rv.committed_effort
        done = _("{amount} ({share:.0f}% of the effort)").format(amount=done, share=share)
    facts = [
        (_("started"), started),
        (_("committed"), amount(len(rv.items), rv.committed_effort)),
        (_("done"), done),
        (_("not finished"), amount(len(rv.slipped), rv.slipped_effort)),
        (_("dropped"), separator.join(r.id for r in rv.dropped) or nothing),
        (_("added after start"), added),
    ]
    late = set(rv.added_after_start or ())
    carried = {r.id: r.sprint for r in rv.carried}

    def note(req: Requirement) -> str:
        if req.id in carried:
            # TRANSLATORS: a requirement of a sprint review since moved to another sprint.
            return _("carried over to {sprint}").format(sprint=carried[req.id] or "—")
        return _("added late") if req.id in late else ""

    blocks: list[Block] = [
        # TRANSLATORS: the heading of a sprint review.
        Line().add(_("Sprint {name}").format(name=rv.name), "bold"),
        View(
            columns=(Column("key", "Fact"), Column("value", "Value")),
            rows=[{"key": k, "value": v} for k, v in facts],
            show_header=False,
        ),
        Line(),
        work_view(rv.items, settings, note=note),
    ]
    # Still in this sprint (the carried ones are in the next already).
    unfinished = [r for r in rv.slipped if r.id not in carried]
    if unfinished:
        hint = ngettext(
            "Carry the {count} unfinished over with `pmledger sprint carry {name} --to NEXT`.",
            "Carry the {count} unfinished over with `pmledger sprint carry {name} --to NEXT`.",
            len(unfinished),
        )
        blocks.append(Line().add(hint.format(count=len(unfinished), name=rv.name), "dim"))
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
    from pmledger.i18n import ngettext
    from pmledger.sprints import carry_over, find_sprint

    ledger = open_ledger(ctx)
    if not dry_run:
        ctx.with_resource(ledger.write_lock())
    loaded = load_everything(ledger)
    report_problems(list(loaded.problems))
    name = find_sprint(name, loaded.requirements)
    moved = carry_over(name, to.strip(), loaded.requirements, settings=ledger.settings)
    for req in moved:
        if not dry_run:
            ledger.save(req)
        write(req.id)
    if dry_run:
        text = ngettext(
            "would move {count} unfinished requirement from {name} to {to}",
            "would move {count} unfinished requirements from {name} to {to}",
            len(moved),
        )
    else:
        text = ngettext(
            "moved {count} unfinished requirement from {name} to {to}",
            "moved {count} unfinished requirements from {name} to {to}",
            len(moved),
        )
    warn(text.format(count=len(moved), name=name, to=to.strip()))
