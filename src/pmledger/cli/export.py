"""`pmledger export`: requirements to CSV (Excel-safe), XLSX, JSON or JSON Lines."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    FilterOptions,
    check_format,
    excel_format,
    filter_options,
    load_everything,
    open_ledger,
    report_problems,
    split_values,
    warn_unknown_values,
)


@filter_options()
def export(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="File format: csv, xlsx, json or jsonl (default: from the --output suffix, "
            "else csv).",
            metavar="FORMAT",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (default: stdout).",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--fields",
            help="Columns to write, in order (comma-separated or repeated; e.g. id,title,due).",
            metavar="FIELDS",
            show_default=False,
        ),
    ] = None,
    notes: Annotated[
        bool,
        typer.Option("--notes", help="CSV/XLSX: the notes as text instead of their number."),
    ] = False,
    excel: Annotated[
        bool,
        typer.Option("--excel", help="CSV: UTF-8 with a BOM and CRLF line ends, as Excel expects."),
    ] = False,
    where: FilterOptions = FilterOptions(),
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help="Order of the rows: id, title, status, priority, due, created, owner, "
            "department, requester or effort (default: id).",
            metavar="KEY",
            show_default=False,
        ),
    ] = "id",
    as_of: AsOf = TODAY,
) -> None:
    """Export requirements (active ones unless --all or --status) as CSV, XLSX, JSON or JSONL.

    Column headers and cells are field names and stored values, in every
    language, so that the file imports back as it was.

    Examples: pmledger export --excel -o requirements.csv;
    pmledger export --status planned -f xlsx -o plan.xlsx
    """
    from pmledger.cli.output import sanitize, stdout_is_terminal, warn, write, write_bytes
    from pmledger.errors import InvalidValueError
    from pmledger.i18n import _, ngettext
    from pmledger.io.export import EXPORT_FORMATS, export_bytes, write_file
    from pmledger.query.filters import select, sort_requirements

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in EXPORT_FORMATS else "csv"
    # --excel is CSV for Excel: with another format it would be ignored.
    fmt = excel_format(check_format(fmt, EXPORT_FORMATS), excel)
    to_terminal = output is None and stdout_is_terminal()
    if fmt == "xlsx" and output is None and to_terminal:
        raise InvalidValueError(_("XLSX is a binary file: name one with --output FILE.xlsx"))
    ledger = open_ledger(ctx)
    settings = ledger.settings
    flt = where.filter(settings, as_of, root=ledger.root)
    loaded = load_everything(ledger)
    report_problems(list(loaded.problems))
    warn_unknown_values(flt, loaded.requirements)
    chosen = select(loaded.requirements, flt, settings=settings, as_of=as_of)
    reqs = sort_requirements(chosen, sort, settings=settings)
    data = export_bytes(
        reqs,
        fmt=fmt,
        fields=split_values(fields) or None,
        notes_text=notes,
        excel=excel,
        custom_fields=settings.ledger.custom_fields,
    )
    hidden = 0
    if not flt.include_inactive and not flt.statuses:
        wider = replace(flt, include_inactive=True)
        hidden = len(select(loaded.requirements, wider, settings=settings, as_of=as_of)) - len(reqs)
    count = len(reqs)
    if output is not None:
        write_file(output, data)
        if hidden:
            message = ngettext(
                "exported {count} requirement to {file} ({hidden} done, rejected or deferred "
                "left out: --all includes them)",
                "exported {count} requirements to {file} ({hidden} done, rejected or deferred "
                "left out: --all includes them)",
                count,
            )
        else:
            message = ngettext(
                "exported {count} requirement to {file}",
                "exported {count} requirements to {file}",
                count,
            )
        warn(message.format(count=count, file=output, hidden=hidden))
        return
    if to_terminal:
        # Text from files is shown literally: no escape sequence reaches the terminal.
        write(sanitize(data.decode("utf-8").replace("\r\n", "\n")))
    else:
        write_bytes(data)
    if hidden:
        warn(
            ngettext(
                "exported {count} requirement ({hidden} done, rejected or deferred left out: "
                "--all includes them)",
                "exported {count} requirements ({hidden} done, rejected or deferred left out: "
                "--all includes them)",
                count,
            ).format(count=count, hidden=hidden)
        )
