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
    load_everything,
    open_ledger,
    report_problems,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from pmledger.io.planner import Action, Plan

PROGRESS_FROM = 200  # rows; below that the import is over before a bar is drawn


def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="The file to import (CSV, XLSX, JSON, JSONL or a tracker export; - reads stdin).",
            metavar="FILE",
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="File format: csv, xlsx, json, jsonl, jira-csv, github-json or "
            "taskwarrior-json (default: guessed from the file).",
            metavar="FORMAT",
            show_default=False,
        ),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help='Column to field, e.g. "Summary=title"; "Column=" ignores a column (repeatable).',
            metavar="COLUMN=FIELD",
            show_default=False,
        ),
    ] = None,
    map_status: Annotated[
        list[str] | None,
        typer.Option(
            "--map-status",
            help='A status value to a workflow status, e.g. "In Review=accepted" (repeatable).',
            metavar="VALUE=STATUS",
            show_default=False,
        ),
    ] = None,
    map_priority: Annotated[
        list[str] | None,
        typer.Option(
            "--map-priority",
            help='A priority value to a priority (critical, high, medium or low), e.g. "P4=low" '
            "(repeatable).",
            metavar="VALUE=PRIORITY",
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="The column holding each row's stable key in its source (for re-imports).",
            metavar="COLUMN",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Name of the source in recorded keys (default: the tracker, else the file name).",
            metavar="NAME",
            show_default=False,
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet",
            help="XLSX: the sheet to read (default: the first).",
            metavar="NAME",
            show_default=False,
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="CSV: the file's encoding, e.g. gbk or utf-16 (default: UTF-8, or GBK/GB18030 "
            "Chinese when detected).",
            metavar="ENCODING",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
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
            metavar="NAME",
            show_default=False,
        ),
    ] = None,
    as_of: AsOf = TODAY,
) -> None:
    """Import requirements from a file; every row is checked before anything is written.

    Columns are recognised by field name, common English names and Chinese
    headers (标题, 优先级, 提出人, 部门, 截止日期...); --map decides otherwise.

    Examples: pmledger import --dry-run 需求.csv;
    pmledger import jira.csv --map-status "In Review=accepted"
    """
    from pmledger.cli.output import warn
    from pmledger.dates import now_utc_offset
    from pmledger.errors import ImportRowsError
    from pmledger.i18n import _, pgettext
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
    loaded = load_everything(ledger)
    report_problems(list(loaded.problems))
    options = Options(
        mapping=mapping,
        source=source or table.tracker or (file.stem if str(file) != "-" else "stdin"),
        now=now_utc_offset(),
        as_of=as_of,
        keep_unknown=chosen in ("json", "jsonl"),
        key_column=key,
        by=author,
        goal=_goal_resolver(ledger),
        row_keys=str(file) != "-" or source is not None,
    )
    plan = plan_import(table, loaded.requirements, options)
    for notice in plan.notices:
        warn(_("note: {notice}").format(notice=notice))
    if plan.ignored_columns:
        # TRANSLATORS: the separator of a list of names (Chinese: 、).
        shown = pgettext("list separator", ", ").join(plan.ignored_columns[:12])
        more = len(plan.ignored_columns) - 12
        if more > 0:
            message = _(
                "note: ignored columns {columns} and {more} more "
                '(map one with --map "COLUMN=field")'
            )
        else:
            message = _('note: ignored columns {columns} (map one with --map "COLUMN=field")')
        warn(message.format(columns=shown, more=more))
        _suggest_maps(table, mapping, plan.ignored_columns)
    for problem in plan.problems:
        warn(_("{file} {problem}").format(file=name, problem=problem))
    blocked = bool(plan.problems) and not skip_invalid
    if dry_run:
        for action in plan.actions:
            _say(action, dry=True)
        _summary(plan, name, plan.actions, dry=True, stopped=blocked)
        if blocked:
            raise typer.Exit(1)
        return
    if blocked:
        raise ImportRowsError(
            [_("{file} {problem}").format(file=name, problem=p) for p in plan.problems],
            len(plan.invalid_rows),
        )
    done = _apply(ledger, plan)
    for action in done:
        _say(action, dry=False)
    _summary(plan, name, done, dry=False, stopped=False)


def _goal_resolver(ledger: Any) -> Callable[[str], str] | None:
    """How a goal cell is resolved: as ``set goal=`` does, in a ledger with a
    ``goals/`` folder. Without one goals are not in use, and ``check`` takes
    a requirement's goal as it is (a JSON export of a ledger with goals
    imports into a fresh one unchanged)."""
    from pmledger.goals.store import GoalBook

    book = GoalBook(ledger.root)
    return book.require if book.folder.is_dir() else None


def _apply(ledger: Any, plan: Plan) -> list[Action]:
    from pmledger.i18n import _
    from pmledger.io.planner import apply_plan

    writes = plan.count("create") + plan.count("update")
    if writes < PROGRESS_FROM or not sys.stderr.isatty():
        return apply_plan(ledger, plan)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        _("importing"),
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
    from pmledger.i18n import _

    req = action.requirement
    if action.kind == "unchanged":
        return
    if action.kind == "create":
        if dry and (not action.keep_id or action.chosen_id):
            line = _("would create  (new)  row {row}  {title}")
        elif dry:
            line = _("would create  {id}  row {row}  {title}")
        else:
            line = _("created  {id}  row {row}  {title}")
        write(line.format(id=req.id, row=action.row, title=one_line(req.title, 80)))
        return
    changes = "; ".join(
        _("{field}: {old} → {new}").format(field=c.field, old=_show(c.old), new=_show(c.new))
        for c in action.changes
        if c.field != "notes"
    )
    if any(c.field == "notes" for c in action.changes):
        changes += ("; " if changes else "") + _("notes added")
    line = (
        _("would update  {id}  row {row}  {changes}")
        if dry
        else _("updated  {id}  row {row}  {changes}")
    )
    write(line.format(id=req.id, row=action.row, changes=changes))


def _summary(plan: Plan, name: str, actions: list[Action], *, dry: bool, stopped: bool) -> None:
    from pmledger.cli.output import warn
    from pmledger.i18n import _, ngettext, pgettext

    created = sum(1 for a in actions if a.kind == "create")
    updated = sum(1 for a in actions if a.kind == "update")
    same = sum(1 for a in actions if a.kind == "unchanged")
    rows = plan.invalid_rows
    listed = pgettext("list separator", ", ").join(str(r) for r in rows[:20]) + (
        " ..." if len(rows) > 20 else ""
    )
    # One whole sentence per case: the clauses do not translate one by one.
    if dry and not rows:
        message = _(
            "{file}: {created} to create, {updated} to update, {unchanged} unchanged; "
            "dry run, nothing written"
        )
    elif dry and stopped:
        message = ngettext(
            "{file}: {created} to create, {updated} to update, {unchanged} unchanged, "
            "{count} invalid row ({rows}); dry run, nothing written; the import would stop "
            "on the invalid row (or use --skip-invalid)",
            "{file}: {created} to create, {updated} to update, {unchanged} unchanged, "
            "{count} invalid rows ({rows}); dry run, nothing written; the import would stop "
            "on the invalid rows (or use --skip-invalid)",
            len(rows),
        )
    elif dry:
        message = ngettext(
            "{file}: {created} to create, {updated} to update, {unchanged} unchanged, "
            "{count} invalid row ({rows}); dry run, nothing written; the invalid row "
            "would be skipped",
            "{file}: {created} to create, {updated} to update, {unchanged} unchanged, "
            "{count} invalid rows ({rows}); dry run, nothing written; the invalid rows "
            "would be skipped",
            len(rows),
        )
    elif rows:
        message = ngettext(
            "{file}: {created} created, {updated} updated, {unchanged} unchanged, "
            "{count} invalid row ({rows}); the invalid row was skipped",
            "{file}: {created} created, {updated} updated, {unchanged} unchanged, "
            "{count} invalid rows ({rows}); the invalid rows were skipped",
            len(rows),
        )
    else:
        message = _("{file}: {created} created, {updated} updated, {unchanged} unchanged")
    warn(
        message.format(
            file=name,
            created=created,
            updated=updated,
            unchanged=same,
            count=len(rows),
            rows=listed,
        )
    )


def _suggest_maps(table: Any, mapping: Any, ignored: list[str]) -> None:
    """``titel``, ``prio``: an ignored column named like a field no column fills
    gets the --map that imports it (a misspelt header was dropped silently)."""
    from pmledger.cli.errors import say_hint
    from pmledger.i18n import _
    from pmledger.io.mapping import IMPORTABLE
    from pmledger.text import closest, fold

    tracker = table.aliases or None
    columns = {column for record in table.records for column, _raw in record.cells}
    filled = {mapping.field_for(column, tracker) for column in columns}
    maps = []
    for column in ignored:
        free = [f for f in IMPORTABLE if f not in filled]
        # A shortened header (`prio`, `desc`) or a near spelling (`titel`);
        # a loose likeness (`prio`, `sprint`) would only mislead.
        word = fold(column).strip()
        field = next((f for f in free if len(word) >= 3 and f.startswith(word)), None)
        if field is None:
            field = closest(column, free, cutoff=0.75)
        if field is not None:
            filled.add(field)
            maps.append(f'--map "{column}={field}"')
    if "title" not in filled:
        # Every row lacks a title: Trello's "Card Name", a "Task name" column.
        words = ("name", "title", "summary", "subject", "标题", "名称")
        named = next((c for c in ignored if any(w in fold(c) for w in words)), None)
        if named is not None:
            maps.insert(0, f'--map "{named}=title"')
    if maps:
        say_hint(_("did you mean {maps}?").format(maps=" ".join(maps[:5])))
