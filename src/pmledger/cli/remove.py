"""`pmledger remove`: delete a requirement's file, never leaving a dangling link."""

from __future__ import annotations

from typing import Annotated

import typer

from pmledger.cli.common import open_ledger
from pmledger.cli.completion import IdArg


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

    Example: pmledger remove REQ-4K7PM
    """
    from pmledger.cli.output import one_line, warn, write
    from pmledger.ledger.removal import remove_requirement

    ledger = open_ledger(ctx)
    done = remove_requirement(ledger, req_id, force=force)
    for other in done.unlinked:
        warn(f"{other}: no longer depends on {done.id}")
    write(f"removed {done.id}  {one_line(done.title)}")
