"""`pmledger init`: create a ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def init(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="Folder of the new ledger (created if missing).")
    ] = Path("."),
    prefix: Annotated[str, typer.Option("--prefix", help="ID prefix, e.g. REQ or CRM.")] = "REQ",
) -> None:
    """Create a ledger: a documented pmledger.toml and the requirements folder."""
    from pmledger.cli.output import write
    from pmledger.ledger.ledger import Ledger

    ledger = Ledger.init(directory, prefix=prefix)
    write(f"Created ledger in {ledger.root}")
    write(f"  settings:     {ledger.root / 'pmledger.toml'}")
    write(f"  requirements: {ledger.requirements_dir}")
    write('Next: pmledger add "First requirement" -p high --due +2w')
