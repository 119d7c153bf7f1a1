"""`set`, `status`, `note` and `edit`: change a requirement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .common import AsOf, open_ledger, resolve_as_of

if TYPE_CHECKING:
    from ..model import Requirement
    from ..storage import Ledger

IdArg = Annotated[str, typer.Argument(metavar="ID", help="The requirement (prefix optional).")]


def _saved(ledger: Ledger, before: Requirement, after: Requirement) -> None:
    from .output import write

    ledger.save(after)
    write(after.id if after != before else f"{after.id} (unchanged)")


def set_(
    ctx: typer.Context,
    req_id: IdArg,
    assignments: Annotated[
        list[str],
        typer.Argument(
            metavar="KEY=VALUE...",
            help="e.g. owner=李雷 due=+1w tags+=crm effort=5 rice.reach=450; empty value clears.",
        ),
    ],
    as_of: AsOf = None,
) -> None:
    """Set fields, typed by the model (dates, numbers, lists); all or nothing."""
    from ..edits import apply_assignments

    ledger = open_ledger(ctx)
    req = ledger.load(req_id)
    updated = apply_assignments(
        req,
        assignments,
        settings=ledger.settings,
        today=resolve_as_of(as_of),
        resolve=ledger.resolve_id,
    )
    _saved(ledger, req, updated)


def status(
    ctx: typer.Context,
    req_id: IdArg,
    new: Annotated[
        str, typer.Argument(metavar="STATUS", help="A status of the ledger's workflow.")
    ],
) -> None:
    """Move a requirement to another status of the workflow."""
    from ..edits import with_status

    ledger = open_ledger(ctx)
    req = ledger.load(req_id)
    _saved(ledger, req, with_status(req, new, settings=ledger.settings))


def note(
    ctx: typer.Context,
    req_id: IdArg,
    text: Annotated[list[str], typer.Argument(metavar="TEXT", help="The note; `-` reads stdin.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Who said it (default: git user.name).")
    ] = None,
) -> None:
    """Add a dated note (feedback, a decision, who said what) to a requirement."""
    import sys

    from ..dates import now_utc_offset
    from ..edits import with_note
    from .common import default_author

    ledger = open_ledger(ctx)
    req = ledger.load(req_id)
    body = sys.stdin.read().strip() if text == ["-"] else " ".join(text)
    _saved(ledger, req, with_note(req, body, by=by or default_author(), at=now_utc_offset()))


def edit(
    ctx: typer.Context,
    req_id: IdArg,
) -> None:
    """Open the file in $VISUAL / $EDITOR; save only a valid file (re-opens on error)."""
    from ..editing import edit_requirement
    from .output import write

    ledger = open_ledger(ctx)
    result = edit_requirement(ledger, req_id)
    write(result.id if result.changed else f"{result.id} (unchanged)")
