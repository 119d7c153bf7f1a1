"""The output sink: tables for people, JSON / CSV / markdown for programs.

User text is always shown literally: it goes into rich ``Text`` objects
(never parsed as markup) after :func:`sanitize` has made control characters
visible, so a title holding ``[red]`` or an ANSI escape cannot restyle or
take over a terminal. rich is imported only when a table is drawn, since
``add`` must start fast.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from rich.console import Console

    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings

FORMATS = ("table", "json", "csv", "markdown")
PIPE_WIDTH = 160
WRAPPING_COLUMNS = {
    "title",
    "tags",
    "why",
    "why skipped",
    "note",
    "input",
    "owner",
    "department",
    "requester",
}


def sanitize(text: str) -> str:
    """Text with control characters (ESC, BEL, CR...) shown as ``\\xNN`` escapes."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\u200d":
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    return "".join(out)


def one_line(text: str | None, limit: int | None = None) -> str:
    """A single-line, sanitized version of user text (for table cells)."""
    value = sanitize(" ".join((text or "").split()))
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return value


def console(*, stderr: bool = False) -> Console:
    """A rich console: colour only on a terminal, ``NO_COLOR`` honoured (by rich)."""
    import os

    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit 1; the CLI's error wrapper exits 0 instead.
            raise BrokenPipeError

    out = _Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not out.is_terminal and not os.environ.get("COLUMNS"):
        # Piped or redirected: rich would assume 80 columns and fold every title.
        out = _Console(stderr=stderr, highlight=False, soft_wrap=False, width=PIPE_WIDTH)
    return out


def write(text: str) -> None:
    """Plain text to stdout."""
    sys.stdout.write(text)
    if not text.endswith("\n"):
        sys.stdout.write("\n")


def warn(message: str) -> None:
    """A one-line notice on stderr (never mixed into machine output)."""
    sys.stderr.write(sanitize(message) + "\n")


def emit_json(data: Any) -> None:
    """JSON on stdout: UTF-8, no ANSI ever, stable key order as given.

    Indented for a person at a terminal; compact when piped, because an
    indent switches json to its pure-Python encoder (5x slower on 10k items).
    """
    indent = 2 if sys.stdout.isatty() else None
    write(json.dumps(data, ensure_ascii=False, indent=indent, default=str))


def emit_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """CSV on stdout (RFC 4180 quoting)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    sys.stdout.write(buffer.getvalue())


def _md_cell(value: Any) -> str:
    text = one_line("" if value is None else str(value))
    return text.replace("\\", "\\\\").replace("|", "\\|")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def emit_markdown(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A markdown table on stdout."""
    write(markdown_table(headers, rows))


MIN_WIDTHS = {"title": 24}
# Dropped first-to-last when a terminal is too narrow to show every column.
DROPPABLE = ("tags", "requester", "department", "owner", "status", "priority")


def _fit(headers: Sequence[str], rows: Sequence[Sequence[Any]], width: int | None) -> list[int]:
    """Indexes of the columns to show so that titles keep a readable width."""
    from rich.cells import cell_len

    keep = list(range(len(headers)))
    if width is None:
        return keep

    def need(i: int) -> int:
        name = headers[i].lower()
        if name in WRAPPING_COLUMNS:
            return MIN_WIDTHS.get(name, 8) + 2
        cells = [cell_len(one_line(str(r[i]) if r[i] is not None else "")) for r in rows]
        return max([cell_len(headers[i]), *cells]) + 2

    for name in DROPPABLE:
        if sum(need(i) for i in keep) <= width - 2:
            break
        keep = [i for i in keep if headers[i].lower() != name]
    return keep


def rich_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    styles: Sequence[str | None] | None = None,
    row_styles: Sequence[str | None] | None = None,
    width: int | None = None,
) -> Any:
    """A rich Table whose cells are literal text (never markup).

    With ``width`` (the console's), the least important columns are dropped
    until the title column can stay readable.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    keep = _fit(headers, rows, width)
    # A light box leaves the width to the titles.
    table = Table(
        title=title,
        title_justify="left",
        header_style="bold",
        pad_edge=False,
        box=box.SIMPLE_HEAD,
    )
    for i in keep:
        header = headers[i]
        style = styles[i] if styles else None
        # Free text wraps; short codes (IDs, dates, scores) never break mid-word.
        wraps = header.lower() in WRAPPING_COLUMNS
        table.add_column(
            header,
            style=style or "",
            overflow="fold",
            no_wrap=not wraps,
            min_width=MIN_WIDTHS.get(header.lower()) if wraps else None,
        )
    for r, row in enumerate(rows):
        cells = [
            row[i]
            if isinstance(row[i], Text)
            else Text(one_line(str(row[i]) if row[i] is not None else ""))
            for i in keep
        ]
        table.add_row(*cells, style=(row_styles[r] if row_styles else None) or None)
    return table


def emit_rows(
    fmt: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    json_data: Any,
    title: str | None = None,
    empty: str = "nothing to show",
    styles: Sequence[str | None] | None = None,
) -> None:
    """Render one listing in the requested format."""
    if fmt == "json":
        emit_json(json_data)
    elif fmt == "csv":
        emit_csv(headers, rows)
    elif fmt == "markdown":
        emit_markdown(headers, rows)
    elif not rows:
        warn(empty)
    else:
        out = console()
        out.print(rich_table(headers, rows, title=title, styles=styles, width=out.width))


def due_text(req: Requirement, *, settings: Settings, as_of: date) -> str:
    """The due date, flagged OVERDUE when an active requirement is past it."""
    from pmledger.query.filters import is_overdue

    if req.due is None:
        return ""
    if is_overdue(req, settings=settings, as_of=as_of):
        return f"{req.due} OVERDUE"
    return str(req.due)
