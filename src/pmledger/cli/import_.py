"""`pmledger import`: requirements from spreadsheets, JSON and other trackers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    check_format,
    default_author,
    open_ledger,
    report_problems,
)

if TYPE_CHECKING:
    from pmledger.io.planner import Action, Plan

PROGRESS_FROM = 200  # rows; below that the import is over before a bar is drawn


def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="The file to import (CSV, XLSX, JSON, JSONL or a tracker export)."),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="csv, xlsx, json, jsonl, jira-csv, github-json or taskwarrior-json "
            "(default: guessed from the file).",
            show_default=False,
        ),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            "-m",
            help='Column to field, e.g. "Summary=title"; "Column=" ignores a column (repeatable).',
            show_default=False,
        ),
    ] = None,
    map_status: Annotated[
        list[str] | None,
        typer.Option(
            "--map-status",
            help='A status value to a workflow status, e.g. "In Review=accepted" (repeatable).',
            show_default=False,
        ),
    ] = None,
    map_priority: Annotated[
        list[str] | None,
        typer.Option(
            "--map-priority",
            help='A priority value to a priority, e.g. "P4=low" (repeatable).',
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="The column holding each row's stable key in its source (for re-imports).",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Name of the source in recorded keys (default: the tracker, else the file name).",
            show_default=False,
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet", help="XLSX: the sheet to read (default: the first).", show_default=False
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="CSV: the file's encoding (default: UTF-8, or GBK/GB18030 Chinese when detected).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            "-n",
            help="Show what would be created or updated and every problem; write nothing.",
        ),
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the valid rows and list the skipped ones."),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Author of imported notes (default: $PMLEDGER_USER, git user.name).",
            show_default=False,
        ),
    ] = None,
    as_of: AsOf = TODAY,
) -> None:
    """Import requirements from a file; every row is checked before anything is written."""
    from pmledger.cli.output import warn
    from pmledger.dates import now_utc_offset
    from pmledger.errors import ImportRowsError
    from pmledger.io.mapping import Mapping
    from pmledger.io.planner import Options, plan_import
    from pmledger.io.readers import IMPORT_FORMATS, guess_format, read_table

    data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    name = "stdin" if str(file) == "-" else file.name
    chosen = check_format(fmt, IMPORT_FORMATS) if fmt else guess_format(file, data)
    author = by or default_author()
    table = read_table(data, name=name, fmt=chosen, sheet=sheet, encoding=encoding, by=author)
    ledger = open_ledger(ctx)
    settings = ledger.settings
    mapping = Mapping.build(
        settings, columns=map_ or (), statuses=map_status or (), priorities=map_priority or ()
    )
    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    options = Options(
        mapping=mapping,
        source=source or table.tracker or (file.stem if str(file) != "-" else "stdin"),
        now=now_utc_offset(),
        today=as_of,
        keep_unknown=chosen in ("json", "jsonl"),
        key_column=key,
        by=author,
    )
    plan = plan_import(table, loaded.requirements, options)
    for notice in plan.notices:
        warn(f"note: {notice}")
    if plan.ignored_columns:
        shown = ", ".join(plan.ignored_columns[:12])
        more = (
            f" and {len(plan.ignored_columns) - 12} more" if len(plan.ignored_columns) > 12 else ""
        )
        warn(f'note: ignored columns {shown}{more} (map one with --map "COLUMN=field")')
    for problem in plan.problems:
        warn(f"{name} {problem}")
    blocked = bool(plan.problems) and not skip_invalid
    if dry_run:
        for action in plan.actions:
            _say(action, dry=True)
        _summary(plan, name, plan.actions, dry=True, stopped=blocked)
        if blocked:
            raise typer.Exit(1)
        return
    if blocked:
        raise ImportRowsError([f"{name} {p}" for p in plan.problems], len(plan.invalid_rows))
    done = _apply(ledger, plan)
    for action in done:
        _say(action, dry=False)
    _summary(plan, name, done, dry=False, stopped=False)


def _apply(ledger: Any, plan: Plan) -> list[Action]:
    from pmledger.io.planner import apply_plan

    writes = plan.count("create") + plan.count("update")
    if writes < PROGRESS_FROM or not sys.stderr.isatty():
        return apply_plan(ledger, plan)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "importing",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=writes)
        return apply_plan(ledger, plan, progress=lambda n: bar.advance(task, n))


def _show(value: Any) -> str:
    from pmledger.cli.output import one_line

    if value is None or value == []:
        return "∅"
    if isinstance(value, list):
        return one_line("; ".join(str(v) for v in value), 60)
    return one_line(str(value), 60)


def _say(action: Action, *, dry: bool) -> None:
    from pmledger.cli.output import one_line, write

    req = action.requirement
    if action.kind == "unchanged":
        return
    if action.kind == "create":
        ident = req.id if (not dry or action.keep_id) else "(new)"
        verb = "would create" if dry else "created"
        write(f"{verb}  {ident}  row {action.row}  {one_line(req.title, 80)}")
        return
    verb = "would update" if dry else "updated"
    changes = "; ".join(
        f"{c.field}: {_show(c.old)} → {_show(c.new)}" for c in action.changes if c.field != "notes"
    )
    added = sum(1 for c in action.changes if c.field == "notes")
    if added:
        changes += ("; " if changes else "") + "notes added"
    write(f"{verb}  {req.id}  row {action.row}  {changes}")


def _summary(plan: Plan, name: str, actions: list[Action], *, dry: bool, stopped: bool) -> None:
    from pmledger.cli.output import warn

    created = sum(1 for a in actions if a.kind == "create")
    updated = sum(1 for a in actions if a.kind == "update")
    same = sum(1 for a in actions if a.kind == "unchanged")
    rows = plan.invalid_rows
    parts = [f"{created} to create" if dry else f"{created} created"]
    parts.append(f"{updated} to update" if dry else f"{updated} updated")
    parts.append(f"{same} unchanged")
    if rows:
        listed = ", ".join(str(r) for r in rows[:20]) + (" ..." if len(rows) > 20 else "")
        parts.append(f"{len(rows)} invalid row{'s' if len(rows) != 1 else ''} ({listed})")
    tail = ""
    if dry:
        tail = "; dry run, nothing written"
        if stopped:
            tail += "; the import would stop on the invalid rows (or use --skip-invalid)"
    elif rows:
        tail = "; the invalid rows were skipped"
    warn(f"{name}: {', '.join(parts)}{tail}")
