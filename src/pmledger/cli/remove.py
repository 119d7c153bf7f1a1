"""`pmledger remove`: delete a requirement's file, never leaving a dangling link."""

from __future__ import annotations

from typing import Annotated

import typer

from pmledger.cli.common import open_ledger
from pmledger.cli.completion import IdArg
from pmledger.i18n import _


def remove(
    ctx: typer.Context,
    req_id: IdArg,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help=(
                "Remove it even if open requirements depend on it (taking the link out "
                "of them), or if git does not hold its latest content."
            ),
        ),
    ] = False,
) -> None:
    """Delete a requirement's file (refused while open requirements depend on it).

    Git keeps the removed file: `pmledger show ID` names the commit that removed it.
    A file git does not hold as it is (never committed, changed since, or a
    ledger outside git) is removed only after you confirm on a terminal, or
    with --force.

    Examples:

        pmledger remove REQ-4K7PM

        pmledger remove 4K7PM --force
    """
    import sys

    from pmledger.cli.output import one_line, warn, write
    from pmledger.errors import UnkeptRemovalError
    from pmledger.ledger.removal import remove_requirement

    ledger = open_ledger(ctx)
    try:
        done = remove_requirement(ledger, req_id, force=force)
    except UnkeptRemovalError as exc:
        if not sys.stdin.isatty():
            raise
        from pmledger.cli.interview import confirm

        warn(_("{id}: {why}, so removing it cannot be undone").format(id=exc.req_id, why=exc.why))
        if not confirm(_("Remove {id} anyway?").format(id=exc.req_id), default=False):
            raise typer.Exit(1) from None
        done = remove_requirement(ledger, req_id, force=force, unkept_too=True)
    for other in done.unlinked:
        warn(_("{id}: no longer depends on {removed}").format(id=other, removed=done.id))
    write(_("removed {id}  {title}").format(id=done.id, title=one_line(done.title)))
