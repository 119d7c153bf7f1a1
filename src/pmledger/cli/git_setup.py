"""`pmledger git-setup` and `pmledger merge-file` (the driver git calls)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pmledger.cli.common import open_ledger


def git_setup(ctx: typer.Context) -> None:
    """Register the field-aware merge driver in this clone (idempotent).

    Example: pmledger git-setup
    """
    from pmledger.cli.output import write
    from pmledger.git.repo import Repo
    from pmledger.git.setup import setup

    ledger = open_ledger(ctx)
    repo = Repo.find(ledger.root)
    result = setup(ledger.root, ledger.settings, repo)
    if not (result.attributes_written or result.config_written):
        write(f"The merge driver is already set up in {result.repo}")
        return
    if result.attributes_written:
        write(f"Wrote {ledger.root / '.gitattributes'} (commit it)")
    if result.config_written:
        write(f"Configured the merge driver in {result.repo / '.git' / 'config'}")


def merge_file(
    base: Annotated[Path, typer.Argument(help="The common ancestor's version (git's %O).")],
    ours: Annotated[
        Path, typer.Argument(help="Our version, overwritten with the result (git's %A).")
    ],
    theirs: Annotated[Path, typer.Argument(help="Their version (git's %B).")],
    name: Annotated[str, typer.Argument(help="The file's path in the repository (git's %P).")],
    marker_size: Annotated[
        int, typer.Option("--marker-size", help="Length of conflict markers (git's %L).")
    ] = 7,
) -> None:
    """Merge a ledger record field by field (run by git as a merge driver).

    Exit 0 when merged, 1 when a field was changed differently on both sides
    (left between conflict markers for a person). Example (.git/config):
    driver = pmledger merge-file --marker-size %L %O %A %B %P
    """
    from pmledger.cli.output import warn
    from pmledger.git.merge import run_driver

    code, result = run_driver(base, ours, theirs, name, marker_size=marker_size)
    if result.fallback_reason:
        warn(f"pmledger: {name}: {result.fallback_reason}; merged line by line by git")
    elif result.conflicts:
        warn(f"pmledger: {name}: changed on both sides: {', '.join(result.conflicts)}")
    if code:
        raise typer.Exit(code)
