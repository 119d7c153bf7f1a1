"""XLSX both ways, through openpyxl (the optional extra ``pmledger[xlsx]``).

Written for the business side: a bold header row, frozen and filtered,
dates as real dates, text cells always text (never a formula, whatever
they start with), and column widths that count a Chinese character as two.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pmledger.errors import ImportFileError, MissingExtraError
from pmledger.i18n import _, pgettext
from pmledger.io.columns import SHEET_ERRORS, neutralise, restore
from pmledger.io.records import Record, SheetError, Table, untitled
from pmledger.text import cell_len

MAX_WIDTH = 60
# What a worksheet Excel writes can hold: a sheet past them was not made by a
# spreadsheet, and reading it whole could take gigabytes (a crafted 2M-row
# sheet took 5.6 GB before this limit).
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
_EXACT = 10**15  # Excel's numbers are exact below this
INSTALL_HINT = "pip install 'pmledger[xlsx]'"

# Control characters a worksheet cannot hold (XML 1.0; openpyxl refuses
# them). Word and Outlook paste a vertical tab or form feed for a line break:
# those become one; any other shows as its Unicode control picture (U+2400
# + code: "\x1b" as "␛"), so nothing vanishes unseen.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WRITABLE = {c: chr(0x2400 + c) for c in (*range(0x09), *range(0x0E, 0x20))} | {
    0x0B: "\n",
    0x0C: "\n",
}


def _writable(text: str) -> str:
    """``text`` as a cell can hold it (see ``_UNWRITABLE``)."""
    return text.translate(_WRITABLE) if _UNWRITABLE.search(text) else text


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise MissingExtraError(
            _("XLSX needs the openpyxl library, which is not installed; run: {command}").format(
                command=INSTALL_HINT
            )
        ) from None
    return openpyxl


def dumps(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet: str = "requirements"
) -> bytes:
    """An XLSX workbook of one sheet."""
    openpyxl = _openpyxl()
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    # Write-only mode streams rows (10k rows in a fraction of the normal time).
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    widths = [cell_len(h) for h in headers]
    for row in rows:
        for i, value in enumerate(row):
            if value is None:
                continue
            text = _writable(value) if isinstance(value, str) else str(value)
            longest = max((cell_len(line) for line in text.split("\n")), default=0)
            if longest > widths[i]:
                widths[i] = longest
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(width + 2, MAX_WIDTH)
    ws.freeze_panes = "A2"
    last = get_column_letter(max(len(headers), 1))
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    from openpyxl.cell import WriteOnlyCell

    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    # Plain values are appended as they are (a styled cell object per value
    # costs three times as much); only what needs a style or a type gets one.
    for row in rows:
        out: list[Any] = []
        for value in row:
            if isinstance(value, datetime) and value.tzinfo is not None:
                # Excel has no time zones: a moment with its offset stays ISO 8601
                # text (it sorts as well), so that an import gives it back exactly.
                value = value.isoformat()
            if isinstance(value, str):
                value = _writable(value)
                if value[:1] in ("'", "#"):
                    # Import takes one quote off `'=x` (see loads); text that is
                    # itself quoted so gets one more, as in CSV, and text that
                    # reads as an error (#N/A) one quote.
                    value = neutralise(value)
                if value.startswith("=") or "\n" in value:
                    c = WriteOnlyCell(ws, value=value)
                    # A text cell stays text even when it starts with "=".
                    c.data_type = "s"
                    if "\n" in value:
                        c.alignment = wrap
                    out.append(c)
                else:
                    out.append(value)
            elif isinstance(value, date) and not isinstance(value, datetime):
                c = WriteOnlyCell(ws, value=value)
                c.number_format = "yyyy-mm-dd"
                out.append(c)
            elif type(value) is int and not -_EXACT < value < _EXACT:
                # Excel holds 15 significant digits: a long number (an order or
                # account number) would lose its last digits once the sheet is
                # saved again. As text it stays whole, and import reads it back
                # as the number it spells.
                out.append(str(value))
            else:
                out.append(value)
        ws.append(out)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _merged_down(ws: Any, header: int) -> dict[int, list[tuple[int, tuple[int, int]]]]:
    """Cells under a merged range that spans rows: row -> [(column, anchor (row, column))].

    A department sheet merges one 部门 cell over the rows of that department:
    every one of those rows shows the value, the file holds it in the first
    only. A merge across columns only is left alone (it shows one value, in
    its first column); one that starts in the ``header`` row or above is a heading.
    """
    # openpyxl's read-only sheets do not parse merged ranges: read them from
    # the sheet's XML, where they follow the cells.
    source = getattr(ws, "_get_source", None)
    if source is None:  # pragma: no cover - an openpyxl without it: no filling
        return {}
    from openpyxl.utils import column_index_from_string

    with source() as stream:
        xml = stream.read()
    under: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    if b"mergeCell" not in xml:
        return under
    for match in _MERGE_CELL.finditer(xml):
        first_col, first_row, _last_col, last_row = match.groups()
        top, bottom = int(first_row), int(last_row)
        if top <= header or bottom <= top:
            continue
        column = column_index_from_string(first_col.decode())
        for row in range(top + 1, bottom + 1):
            under.setdefault(row, []).append((column, (top, column)))
    return under


def _text(value: str) -> str:
    if value[:1] == "'":
        return restore(value)
    return SheetError(value) if value in SHEET_ERRORS else value


def _too_big(name: str, what: str, limit: int) -> str:
    return _("{name} has more {what} than a spreadsheet holds ({limit:,}): not imported").format(
        name=name, what=what, limit=limit
    )


def loads(data: bytes, *, name: str, sheet: str | None = None) -> Table:
    """The rows of one sheet (the first unless named); the first row that is not empty is the
    header."""
    openpyxl = _openpyxl()
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise ImportFileError(
            _("{name} is not an XLSX workbook ({reason})").format(
                name=name, reason=type(exc).__name__
            )
        ) from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise ImportFileError(
                    _("{name} has no sheet {sheet!r}; its sheets are {sheets}").format(
                        name=name,
                        sheet=sheet,
                        sheets=pgettext("list separator", ", ").join(book.sheetnames),
                    )
                )
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        table = Table(spreadsheet=True)
        if sheet is None and len(book.sheetnames) > 1:
            # The sheet read first, then the others (see planner.check_header).
            table.sheets = (ws.title, *(n for n in book.sheetnames if n != ws.title))
            table.notices.append(
                _(
                    "{name}: read its first sheet {sheet!r} (of {sheets}); --sheet NAME reads another"
                ).format(
                    name=name,
                    sheet=ws.title,
                    sheets=pgettext("list separator", ", ").join(book.sheetnames),
                )
            )
        rows = ws.iter_rows(values_only=True)
        # Rows left empty above the header (a sheet that starts lower down)
        # are no header.
        header = next(rows, None)
        first = 1
        while header is not None and all(_blank(v) for v in header):
            header = next(rows, None)
            first += 1
        if header is None:
            return table
        table.header_row = first
        if len(header) > MAX_COLUMNS:
            raise ImportFileError(_too_big(name, _("columns"), MAX_COLUMNS))
        headers = ["" if h is None else str(h).strip() for h in header]
        # A column without a header is named by its letter (see csvfile).
        headers = [h or untitled(i) for i, h in enumerate(headers)]
        width = len(headers)
        under = _merged_down(ws, first)
        anchors: dict[int, set[int]] = {}
        for hidden in under.values():
            for _column, (row, column) in hidden:
                anchors.setdefault(row, set()).add(column)
        shown: dict[tuple[int, int], Any] = {}
        for number, values in enumerate(rows, start=first + 1):
            if number > MAX_ROWS:
                raise ImportFileError(_too_big(name, _("rows"), MAX_ROWS))
            for column in anchors.get(number, ()):
                if column <= len(values):
                    shown[(number, column)] = values[column - 1]
            if all(_blank(v) for v in values):
                continue
            if number in under:
                filled = list(values)
                for column, anchor in under[number]:
                    if column <= len(filled) and filled[column - 1] is None:
                        filled[column - 1] = shown.get(anchor)
                values = tuple(filled)
            if len(values) < width:
                values = (*values, *(None,) * (width - len(values)))
            # A CSV export opened in a spreadsheet and saved as XLSX keeps the
            # quote that made `=x` inert (`'=x` is text there): take it off as
            # CSV import does; and mark an error (#N/A) as one (see _text).
            cells = [
                (h, _text(v) if type(v) is str and (v[:1] == "'" or v in SHEET_ERRORS) else v)
                for h, v in zip(headers, values, strict=False)
            ]
            table.records.append(Record(row=number, cells=cells))
        return table
    finally:
        book.close()
