"""CSV both ways: Excel-safe writing, and reading whatever a spreadsheet saved.

Reading never guesses silently: UTF-8 (with or without a BOM) and UTF-16
with a BOM are read as such; a file that is not valid UTF-8 is tried as
GB18030 (a superset of GBK, what Excel on a Chinese Windows saves as "CSV"),
and accepted only if the result is Chinese text; anything else is refused
with a sentence rather than turned into mojibake.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from pmledger.errors import ImportFileError
from pmledger.i18n import _
from pmledger.io.columns import FORMULA_START, SHEET_ERRORS, neutralise, restore, text
from pmledger.io.records import Problem, Record, SheetError, Table, untitled

BOM = "\ufeff"


def dumps(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, excel: bool = False) -> bytes:
    """CSV bytes: text cells neutralised against formulas; ``excel`` adds a BOM and CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if excel else "\n")
    writer.writerow(headers)
    writer.writerows(
        [
            (neutralise(v) if (v and v[0] in FORMULA_START) or v[:1] in ("'", "#") else v)
            if type(v) is str
            else ("" if v is None else text(v))
            for v in row
        ]
        for row in rows
    )
    out = buffer.getvalue()
    # Excel reads a BOM-less CSV in the machine's ANSI code page (GBK on a
    # Chinese Windows): the BOM is what makes it read UTF-8.
    return ((BOM + out) if excel else out).encode("utf-8")


def _plausible_chinese(decoded: str) -> bool:
    # GB18030 decodes most byte soup; real Chinese text is CJK ideographs,
    # CJK/full-width punctuation and ASCII, not symbols from all over Unicode.
    for ch in decoded:
        if ch.isascii():
            continue
        name = unicodedata.name(ch, "")
        if not name.startswith(("CJK", "FULLWIDTH", "IDEOGRAPHIC", "HALFWIDTH")) and ch not in (
            "“”‘’…—–·、。《》【】「」『』〈〉×"
        ):
            return False
    return True


def decode(data: bytes, *, name: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of a file and the encoding it was read in."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise ImportFileError(
                _("unknown encoding {encoding!r}").format(encoding=encoding)
            ) from None
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("{name} is not valid {encoding} (byte {byte})").format(
                    name=name, encoding=encoding, byte=exc.start + 1
                )
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("{name} starts with a UTF-8 BOM but is not UTF-8 (byte {byte})").format(
                    name=name, byte=exc.start + 4
                )
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(
                _("{name} starts with a UTF-16 BOM but is not UTF-16").format(name=name)
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        position = exc.start
    try:
        decoded = data.decode("gb18030")
    except UnicodeDecodeError:
        decoded = ""
    if decoded and _plausible_chinese(decoded):
        return decoded, "gb18030"
    raise ImportFileError(
        _(
            "{name} is not UTF-8 (byte {byte}) and does not read as Chinese GBK/GB18030 "
            'text either; save it as "CSV UTF-8" or name its encoding with --encoding'
        ).format(name=name, byte=position + 1)
    )


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    # The header's line: the first with something besides separators.
    lines = sample.split("\n")
    first = next((line for line in lines if line.strip(" ,;\t\r")), lines[0])
    # Excel saves ";"-separated CSV where "," is the decimal mark, and "Unicode
    # text" as tab-separated UTF-16.
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0 or best == ",":
        return csv.excel
    return csv.excel_tab if best == "\t" else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"


def _rows(
    decoded: str, dialect: type[csv.Dialect] | csv.Dialect, *, name: str
) -> Iterator[list[str]]:
    """The rows of CSV text; refused when a quote opened in a row is never closed.

    Read leniently, such a quote makes every later line part of one cell: the
    rows after it would vanish into one title. Files with other quoting slips
    (``"a"b``) are read leniently, as spreadsheets read them.
    """
    strict = csv.reader(io.StringIO(decoded, newline=""), dialect, strict=True)
    rows: list[list[str]] = []
    try:
        for cells in strict:
            rows.append(cells)
    except csv.Error as exc:
        if str(exc) != "unexpected end of data":
            return csv.reader(io.StringIO(decoded, newline=""), dialect)
        raise ImportFileError(
            _(
                '{name} row {row}: a quote (") opened in this row is never closed, so every '
                "later line would be part of one cell; close or remove it"
            ).format(name=name, row=len(rows) + 1)
        ) from None
    return iter(rows)


_SPECIAL = frozenset("'#")


def _cell(text: str) -> str:
    if text in SHEET_ERRORS:
        return SheetError(text)
    # A line break inside a cell is "\n" in every spreadsheet; CRLF there
    # comes from the file's line ends, not from the person.
    return restore(text).replace("\r\n", "\n")


def loads(data: bytes, *, name: str, encoding: str | None = None) -> Table:
    """The rows of a CSV file, numbered as a spreadsheet shows them (the header: the first row
    that is not empty)."""
    decoded, used = decode(data, name=name, encoding=encoding)
    table = Table(spreadsheet=True)
    if used == "gb18030":
        table.notices.append(
            _("{name} is not UTF-8: read it as Chinese GB18030/GBK").format(name=name)
        )
    dialect = _dialect(decoded[:4096])
    # Where Excel separates by ";", the decimal mark is ",": 2,5 is 2.5.
    table.decimal_comma = dialect is _Semicolon
    reader = _rows(decoded, dialect, name=name)
    try:
        # Rows left empty above the header are no header (see xlsxfile).
        header = next(reader, None)
        first = 1
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
            first += 1
        if header is None:
            return table
        table.header_row = first
        headers = [h.strip().lstrip(BOM) for h in header]
        # A column without a header is named by its letter, so that a notice
        # can point at it (and --map "(C)=field" can take it).
        headers = [h or untitled(i) for i, h in enumerate(headers)]
        width = len(headers)
        for number, cells in enumerate(reader, start=first + 1):
            if not any(c.strip() for c in cells):
                continue
            record = Record(row=number)
            if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers) :]):
                record.problems.append(
                    Problem(
                        number,
                        _(
                            "{cells} cells but the header names {columns} columns "
                            "(a stray comma or quote?)"
                        ).format(cells=len(cells), columns=len(headers)),
                    )
                )
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            # Most cells need nothing done (see _cell): test that first.
            record.cells = [
                (h, _cell(c) if c[:1] in _SPECIAL or "\r" in c else c)
                for h, c in zip(headers, cells, strict=False)
            ]
            table.records.append(record)
    except csv.Error as exc:
        raise ImportFileError(
            _("{name}: not readable as CSV: {reason}").format(name=name, reason=exc)
        ) from None
    return table
