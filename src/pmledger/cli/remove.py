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
            help="Remove it even if open requirements depend on it, taking the link out of them.",
        ),
    ] = False,
) -> None:
    """Delete a requirement's file (refused while open requirements depend on it).

    Git keeps the removed file: `pmledger show ID` names the commit that removed it.

    Examples:

        pmledger remove REQ-4K7PM

        pmledger remove 4K7PM --force
    """
    from pmledger.cli.output import one_line, warn, write
    from pmledger.ledger.removal import remove_requirement

    ledger = open_ledger(ctx)
    done = remove_requirement(ledger, req_id, force=force)
    for other in done.unlinked:
        warn(_("{id}: no longer depends on {removed}").format(id=other, removed=done.id))
    write(_("removed {id}  {title}").format(id=done.id, title=one_line(done.title)))
