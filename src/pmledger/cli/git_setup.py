"""`pmledger git-setup` and `pmledger merge-file` (the driver git calls)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pmledger.cli.common import open_ledger
from pmledger.i18n import _


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
        write(_("The merge driver is already set up in {repo}").format(repo=result.repo))
        return
    if result.attributes_written:
        write(_("Wrote {file} (commit it)").format(file=ledger.root / ".gitattributes"))
    if result.config_written:
        write(
            _("Configured the merge driver in {file}").format(file=result.repo / ".git" / "config")
        )


def merge_file(
    base: Annotated[
        Path, typer.Argument(metavar="BASE", help="The common ancestor's version (git's %O).")
    ],
    ours: Annotated[
        Path,
        typer.Argument(metavar="OURS", help="Our version, overwritten with the result (git's %A)."),
    ],
    theirs: Annotated[Path, typer.Argument(metavar="THEIRS", help="Their version (git's %B).")],
    name: Annotated[
        str,
        typer.Argument(metavar="PATH", help="The file's path in the repository (git's %P)."),
    ],
    marker_size: Annotated[
        int,
        typer.Option("--marker-size", metavar="N", help="Length of conflict markers (git's %L)."),
    ] = 7,
) -> None:
    """Merge a ledger record field by field (run by git as a merge driver).

    Exit 0 when merged, 1 when a field was changed differently on both sides
    (left between conflict markers for a person). pmledger git-setup registers it.

    Example (.git/config): driver = pmledger merge-file --marker-size %L %O %A %B %P
    """
    from pmledger.cli.output import warn
    from pmledger.git.merge import driver_message, run_driver

    code, result = run_driver(base, ours, theirs, name, marker_size=marker_size)
    message = driver_message(name, result)
    if message:
        warn(message)
    if code:
        raise typer.Exit(code)
