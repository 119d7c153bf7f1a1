"""`set`, `status` and `note`: change a requirement from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import TODAY, AsOf, open_ledger
from pmledger.cli.completion import IdArg, StatusArg
from pmledger.i18n import _

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement


def _saved(ledger: Ledger, before: Requirement, after: Requirement) -> None:
    from pmledger.cli.common import warn_lost_comments
    from pmledger.cli.output import write

    ledger.save(after, on_lost_comments=lambda lost: warn_lost_comments(after.id, lost))
    write(after.id if after != before else _("{id} (unchanged)").format(id=after.id))


def set_(
    ctx: typer.Context,
    req_id: IdArg,
    assignments: Annotated[
        list[str],
        typer.Argument(
            metavar="KEY=VALUE",
            help="FIELD=VALUE sets, FIELD+=VALUE / FIELD-=VALUE adds to / takes from a list, "
            "FIELD= clears; e.g. owner=李雷 due=+1w tags+=crm effort=5 rice.reach=450.",
        ),
    ],
    as_of: AsOf = TODAY,
) -> None:
    """Set fields, typed by the model (dates, numbers, lists); all or nothing.

    Priorities: critical, high, medium, low (or P0-P3, 紧急/高/中/低); statuses:
    the ledger's workflow, by name or by its Chinese label.

    Examples:

        pmledger set REQ-4K7PM priority=高 due=下周五 department=销售部

        pmledger set 4K7PM tags+=crm owner=
    """
    from pmledger.changes import apply_assignments, parse_assignment

    ledger = open_ledger(ctx)
    assignments = _resolve_goal(ledger, assignments)
    # Read, changed and written under the write lock: a concurrent `set` waits.
    ctx.with_resource(ledger.write_lock())
    req = ledger.load(req_id)
    graph = None
    if any(parse_assignment(a)[0] == "depends_on" for a in assignments):
        # Only then: a cycle check needs every requirement's dependencies.
        graph = {s.id: s.depends_on for s in ledger.summaries().summaries}
    updated = apply_assignments(
        req,
        assignments,
        settings=ledger.settings,
        as_of=as_of,
        resolve=ledger.resolve_id,
        dependencies=graph,
    )
    _saved(ledger, req, updated)


def _resolve_goal(ledger: Ledger, assignments: list[str]) -> list[str]:
    """``goal=PREFIX`` as ``goal=FULL-ID``, as `goal show` reads it; an unknown goal is refused."""
    from pmledger.changes import parse_assignment
    from pmledger.goals.store import GoalBook

    out = []
    for text in assignments:
        key, op, value = parse_assignment(text)
        if key == "goal" and op == "=" and value.strip():
            text = "goal=" + GoalBook(ledger.root).require(value.strip())
        out.append(text)
    return out


def status(
    ctx: typer.Context,
    req_id: IdArg,
    new: StatusArg,
) -> None:
    """Move a requirement to another status of the workflow.

    Examples:

        pmledger status REQ-4K7PM in-progress

        pmledger status 4K7PM 已完成
    """
    from pmledger.changes import with_status

    ledger = open_ledger(ctx)
    with ledger.write_lock():
        req = ledger.load(req_id)
        _saved(ledger, req, with_status(req, new, settings=ledger.settings))


def note(
    ctx: typer.Context,
    req_id: IdArg,
    text: Annotated[list[str], typer.Argument(metavar="TEXT", help="The note; `-` reads stdin.")],
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="NAME",
            help="Who said it (default: $PMLEDGER_USER, else git user.name).",
        ),
    ] = None,
) -> None:
    """Add a dated note (feedback, a decision, who said what) to a requirement.

    Examples:

        pmledger note REQ-4K7PM "销售部确认：月底前上线" --by 王芳

        echo "Customer call: needs SSO" | pmledger note 4K7PM -
    """
    from pmledger.changes import with_note
    from pmledger.cli.common import default_author, read_stdin
    from pmledger.dates import now_utc_offset

    ledger = open_ledger(ctx)
    ledger.load(req_id)  # an unknown ID is said before stdin is read
    body = read_stdin().strip() if text == ["-"] else " ".join(text)
    with ledger.write_lock():
        req = ledger.load(req_id)
        _saved(ledger, req, with_note(req, body, by=by or default_author(), at=now_utc_offset()))
