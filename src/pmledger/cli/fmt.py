"""`pmledger fmt`: rewrite record files canonically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pmledger.cli.common import open_ledger
from pmledger.i18n import _, ngettext


def fmt(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[FILE]...",
            help="Files or folders to format (default: every record file).",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only list files that are not canonical; exit 1 if any."),
    ] = False,
) -> None:
    """Rewrite requirement files in canonical form (idempotent).

    Examples: pmledger fmt; pmledger fmt --check; pmledger fmt requirements/REQ-4K7PM.toml
    """
    from pmledger.check import format_files
    from pmledger.cli.output import warn, write

    ledger = open_ledger(ctx)
    result = format_files(ledger, paths or None, check=check)
    for problem in result.problems:
        where = os.path.relpath(problem.path) if problem.path else ""
        warn(
            _("pmledger: {where}: {message}").format(
                where=where + problem.position, message=problem.text
            )
        )
    for path in result.changed:
        write(os.path.relpath(path))
    count = len(result.changed)
    if check:
        if count:
            warn(
                ngettext(
                    "{count} file not canonical; run `pmledger fmt`",
                    "{count} files not canonical; run `pmledger fmt`",
                    count,
                ).format(count=count)
            )
    elif count:
        warn(
            ngettext("formatted {count} file", "formatted {count} files", count).format(count=count)
        )
    if result.problems or (check and count):
        raise typer.Exit(1)
