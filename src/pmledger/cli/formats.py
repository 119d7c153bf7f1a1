"""Markdown, CSV and JSON: the formats for documents and programs.

:func:`pmledger.cli.output.render` dispatches here; the values are written
from the same :class:`~pmledger.cli.output.View` columns as the table, and
the same escaping rules hold (control characters escaped in JSON always, in
CSV when stdout is a terminal). Kept apart from the table writer so that a
command that prints a table (or only an ID, as ``add`` does) never imports
``csv`` or ``json``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pmledger.cli.output import (
    _NUMERIC,
    Block,
    Board,
    Grid,
    JsonDoc,
    Line,
    RawBytes,
    RawJson,
    View,
    _column_decimals,
    _csv_value,
    _plain,
    json_safe,
    sanitize,
)
from pmledger.i18n import translate
from pmledger.report.text import esc as _md_cell


def markdown_lines(blocks: Sequence[Block], *, lines_are_markdown: bool = False) -> list[str]:
    """The blocks as GitHub-flavoured markdown: every text shown literally.

    Cells, headings and the text of lines are escaped by the report's rule
    (:func:`pmledger.report.text.esc`): a title ``<b>x</b> *y*`` renders as
    typed in a PR comment. ``lines_are_markdown``: the :class:`Line` blocks
    are markdown already (a command's own markdown, whose user text its
    maker escaped): only control characters are escaped in them.
    """
    lines: list[str] = []
    after_table = False
    for block in blocks:
        if isinstance(block, Line):
            text = "".join(t for t, _ in block.segments)
            line = sanitize(text).rstrip() if lines_are_markdown else _md_cell(text)
            if after_table and line:
                # Text right under a table would be read as one more row of it.
                lines.append("")
            lines.append(line)
            after_table = False
        elif isinstance(block, Grid):
            after_table = False
            for _, grid_cells in block.rows:
                for heading, _, body in grid_cells:
                    lines += ["", f"### {_md_cell(heading)}", ""]
                    lines += [f"- {_md_cell(b)}" for b in body] or ["- —"]
        elif isinstance(block, Board):
            after_table = False
            for lane in block.lanes:
                lines += ["", f"### {_md_cell(lane.title)}", ""]
                for card in lane.cards:
                    texts = ["".join(t for t, _ in line.segments) for line in card]
                    lines.append("- " + " · ".join(_md_cell(t) for t in texts if t))
                if lane.more:
                    lines.append(f"- {_md_cell(lane.more)}")
                if not lane.cards and not lane.more:
                    lines.append(f"- {translate(block.empty)}")
        elif block.rows or block.show_header:
            if lines and lines[-1]:
                # A table starts a block of its own (not a row of the one above,
                # nor part of the paragraph above).
                lines.append("")
            after_table = True
            if block.title:
                lines += [f"**{_md_cell(block.title)}**", ""]
            cols = list(block.columns)
            decimals = _column_decimals(block)
            lines.append("| " + " | ".join(_md_cell(c.header) for c in cols) + " |")
            lines.append("|" + "|".join("--:" if c.kind in _NUMERIC else "---" for c in cols) + "|")
            for row in block.rows:
                cells: list[str] = []
                for c in cols:
                    text = _plain(row.get(c.key), c.kind, decimals.get(c.key, 0))
                    if c.alert and row.get(c.alert) and c.alert_label:
                        text = f"{text} {c.alert_label}"
                    cells.append(_md_cell(text))
                lines.append("| " + " | ".join(cells) + " |")
    return lines


# ---------------------------------------------------------------- csv / json


def csv_bytes(view: View, *, escape: bool, excel: bool = False) -> Iterator[bytes]:
    """CSV of a view, from the raw values; chunks of UTF-8. Lines end with LF,
    as `export` writes for scripts (a CR would end up in the last column of
    `cut` and `read`); quoting as RFC 4180; formula-like text made inert as
    `export` does (pmledger.io.columns.neutralise).

    ``excel``: a BOM first and CRLF line ends, as `export --excel` writes:
    without the BOM, Excel reads UTF-8 as the system's code page (garbled
    Chinese on a Chinese Windows)."""
    from pmledger.io.columns import FORMULA_START, neutralise

    buffer = io.StringIO()
    if excel:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n" if excel else "\n")
    cols = list(view.columns)
    writer.writerow([c.key for c in cols])
    # A title such as =HYPERLINK(...) would run as a formula where the file is
    # opened in a spreadsheet: text gets the leading ' that `export` gives it
    # (and that import takes off); numbers, dates and IDs are never text here.
    texts = [i for i, c in enumerate(cols) if c.kind in ("text", "list")]
    risky = frozenset(FORMULA_START + "'#")
    for n, row in enumerate(view.rows, start=1):
        values = [_csv_value(row.get(c.key), c.kind) for c in cols]
        for i in texts:
            if values[i][:1] in risky:
                values[i] = neutralise(values[i])
        writer.writerow([sanitize(v) for v in values] if escape else values)
        if n % 2000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _dumps(data: Any, indent: int | None) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=indent, default=str)
    return json_safe(text)


def _json_list(items: Iterable[Any], indent: int | None, level: int) -> Iterator[str | bytes]:
    """A JSON list written item by item, in chunks of about 64 KB."""
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    pad = "\n" + " " * ((indent or 0) * level) if indent else ""
    close = "\n" + " " * ((indent or 0) * (level - 1)) + "]" if indent else "]"
    parts: list[str] = ["["]
    size = 0
    first = True
    for item in items:
        if isinstance(item, RawBytes):
            # (Compact lists only: no indent to put before each item.)
            assert not indent
            if not first:
                parts.append(",")
            yield "".join(parts)
            parts.clear()
            size = 0
            yield from item.pieces
            first = False
            continue
        text: str = item if isinstance(item, RawJson) else json_safe(encode(item))
        parts.append(pad + text if first else "," + pad + text)
        first = False
        size += len(text)
        if size > 1 << 16:
            yield "".join(parts)
            parts.clear()
            size = 0
    parts.append("]" if first else close)
    yield "".join(parts)


def json_chunks(data: Any, *, indent: int | None) -> Iterator[str | bytes]:
    """JSON text of ``data``; a :class:`JsonDoc`'s items or an iterator are streamed."""
    if isinstance(data, Iterator):
        yield from _json_list(data, indent, 1)
        return
    if not isinstance(data, JsonDoc):
        yield _dumps(data, indent)
        return
    nl = "\n  " if indent else ""
    parts = [f"{json.dumps(k)}: {_dumps(v, None)}" for k, v in data.head.items()]
    yield "{" + nl + ("," + nl).join([*parts, f"{json.dumps(data.key)}: "])
    yield from _json_list(data.items, indent, 2)
    tail = [f"{json.dumps(k)}: {_dumps(v, None)}" for k, v in data.tail.items()]
    yield "".join("," + nl + t for t in tail) + ("\n}" if indent else "}")
