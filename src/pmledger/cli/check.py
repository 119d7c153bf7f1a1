"""`pmledger check`: every problem of the ledger in one run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import check_format, open_ledger

if TYPE_CHECKING:
    from pmledger.check import Problem

FORMATS = ("text", "json", "github")


def _shown(path: Path | None) -> str:
    if path is None:
        return "(ledger)"
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _text_line(p: Problem) -> str:
    where = _shown(p.path) + (f":{p.line}" if p.line else "")
    field = f" [{p.field}]" if p.field else ""
    fix = f"\n    fix: {p.fix}" if p.fix else ""
    return f"{where}: {p.severity}{field}: {p.message}{fix}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(p: Problem) -> str:
    """A GitHub Actions workflow command that annotates the file and line."""
    props = []
    if p.path is not None:
        props.append(f"file={_escape_property(_shown(p.path))}")
    if p.line:
        props.append(f"line={p.line}")
    props.append(f"title={_escape_property('pmledger check: ' + p.code)}")
    message = p.message + (f" (fix: {p.fix})" if p.fix else "")
    return f"::{p.severity} {','.join(props)}::{_escape_data(message)}"


def check(
    ctx: typer.Context,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output: text, json or github (annotations).")
    ] = "text",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings too, not only on errors.")
    ] = False,
) -> None:
    """Validate the whole ledger and list every problem with file, line and field.

    Exit 1 when there are errors (--strict: or warnings), 0 otherwise.
    Example: pmledger check --format github
    """
    from pmledger.check import check_ledger
    from pmledger.cli.output import emit_json, sanitize, warn, write

    chosen = check_format(fmt, FORMATS)
    ledger = open_ledger(ctx)
    # CI sets $CI: its fresh clone never merges, so its git config is no concern.
    report = check_ledger(ledger, clone_config=not os.environ.get("CI"))
    if chosen == "json":
        emit_json([p.as_json() for p in report.problems])
    else:
        render = github_line if chosen == "github" else _text_line
        for problem in report.problems:
            write(sanitize(render(problem)))
    errors, warnings = len(report.errors), len(report.warnings)
    warn(
        f"{report.files} file{'s' if report.files != 1 else ''} checked: "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    if errors or (strict and warnings):
        raise typer.Exit(1)
