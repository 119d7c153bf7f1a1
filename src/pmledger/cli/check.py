"""`pmledger check`: every problem of the ledger in one run."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import check_format, open_ledger
from pmledger.i18n import _, ngettext

if TYPE_CHECKING:
    from pmledger.check import Problem

FORMATS = ("text", "json", "github")
# Files; a smaller ledger is checked before a bar would be drawn, while the
# first check of 100k files (nothing cached) reads for a minute.
PROGRESS_FROM = 5000


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A transient bar on a terminal's stderr, drawn once the ledger proves large."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeRemainingColumn

    shown: list[tuple[Progress, TaskID]] = []

    def step(done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if not shown:
            bar = Progress(
                _("checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            shown.append((bar, bar.add_task("check", total=total)))
        bar, task = shown[0]
        bar.update(task, completed=done)

    try:
        yield step
    finally:
        for bar, _task in shown:
            bar.stop()


def _shown(path: Path | None) -> str:
    if path is None:
        return _("(ledger)")
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _text_line(p: Problem) -> str:
    where = _shown(p.path) + p.position
    values = {"where": where, "field": p.field, "message": p.text}
    # One whole line per severity, with and without a field: the words around
    # the placeholders are the translator's to order.
    if p.severity == "error":
        if p.field:
            line = _("{where}: error [{field}]: {message}").format(**values)
        else:
            line = _("{where}: error: {message}").format(**values)
    elif p.field:
        line = _("{where}: warning [{field}]: {message}").format(**values)
    else:
        line = _("{where}: warning: {message}").format(**values)
    fix = p.fix_text
    if fix:
        line += "\n    " + _("fix: {fix}").format(fix=fix)
    return line


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
    # The command, its properties and the title (with the problem's code) are
    # what GitHub reads: fixed. The message is for people: their language.
    props.append(f"title={_escape_property('pmledger check: ' + p.code)}")
    fix = p.fix_text
    message = _("{message} (fix: {fix})").format(message=p.text, fix=fix) if fix else p.text
    return f"::{p.severity} {','.join(props)}::{_escape_data(message)}"


def check(
    ctx: typer.Context,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output: text, json or github (annotations).",
        ),
    ] = "text",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings too, not only on errors.")
    ] = False,
) -> None:
    """Validate the whole ledger and list every problem with file, line and field.

    Exit 1 when there are errors (--strict: or warnings), 0 otherwise. The
    messages follow the language (--lang); JSON (fields, codes, messages) and
    the github annotations' commands and titles do not.

    Examples: pmledger check --strict; pmledger check --format github
    """
    from pmledger.check import check_ledger
    from pmledger.cli.output import emit_json, sanitize, warn, write

    chosen = check_format(fmt, FORMATS)
    ledger = open_ledger(ctx)
    # CI sets $CI: its fresh clone never merges, so its git config is no concern.
    with _progress() as progress:
        report = check_ledger(ledger, clone_config=not os.environ.get("CI"), progress=progress)
    if chosen == "json":
        emit_json([p.as_json() for p in report.problems])
    else:
        render = github_line if chosen == "github" else _text_line
        for problem in report.problems:
            write(sanitize(render(problem)))
    errors, warnings = len(report.errors), len(report.warnings)
    # TRANSLATORS: {checked}, {errors} and {warnings} are the three counts below.
    warn(
        _("{checked}: {errors}, {warnings}").format(
            checked=ngettext("{count} file checked", "{count} files checked", report.files).format(
                count=report.files
            ),
            errors=ngettext("{count} error", "{count} errors", errors).format(count=errors),
            warnings=ngettext("{count} warning", "{count} warnings", warnings).format(
                count=warnings
            ),
        )
    )
    if errors or (strict and warnings):
        raise typer.Exit(1)
