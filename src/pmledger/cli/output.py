"""The output sink: every command renders through :func:`render`.

A command describes what it shows as DATA: a :class:`View` (column specs,
rows of raw values, an overdue flag per row) or a :class:`Doc` of blocks
(lines of literal text segments, views, a 2x2 grid, a board). This module
alone turns that into a table for people (grids and boards are drawn by
:mod:`pmledger.cli.boards`, the formats for programs written by
:mod:`pmledger.cli.formats`), and alone writes to stdout.

Rules kept here once:

- user text is literal: it is never parsed as markup, and control
  characters are shown escaped (:func:`sanitize`) in tables, in JSON always,
  and in CSV / markdown whenever stdout is a terminal;
- output never fails on the output encoding: JSON and CSV are UTF-8 bytes;
  text that the terminal's encoding cannot show is replaced;
- tables are plain aligned text (CJK-width-correct), coloured with ANSI
  codes only on a terminal without ``NO_COLOR``; piped tables hold every
  row and column in full (fitted only to an explicit ``$COLUMNS``) and no
  trailing spaces. rich is not needed, so a 10k-row table is written in a
  fraction of a second.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pmledger.i18n import N_, _
from pmledger.text import cell_len, truncate

FORMATS = ("table", "json", "csv", "markdown")
# The width a board or a 2x2 grid is drawn to when stdout is not a terminal
# and $COLUMNS is unset. (A table is then not fitted at all: every column,
# full text, as PRODUCT.md promises for a pipe.)
PIPE_WIDTH = 160
# A title column keeps at least this many cells before other columns are
# dropped to make room (essential ones: MIN_SHRINK); it is never cut below
# MIN_SHRINK.
KEEP_SHRINK = 30
MIN_SHRINK = 16
# A "bar" cell holding 1.0 is this many cells long (stats' small charts).
BAR_CELLS = 30

Kind = Literal["text", "id", "date", "score", "number", "int", "bool", "list", "bar"]
Style = Literal["", "id", "alert", "dim", "bold", "heading", "good", "info", "warn"]

_ANSI: dict[str, str] = {
    "id": "\x1b[36m",
    "alert": "\x1b[1;31m",
    "dim": "\x1b[2m",
    "bold": "\x1b[1m",
    "heading": "\x1b[1;4m",
    "good": "\x1b[1;32m",
    "info": "\x1b[1;34m",
    "warn": "\x1b[1;33m",
}
_RESET = "\x1b[0m"
_NUMERIC = ("score", "number", "int")
_KIND_STYLE: dict[str, Style] = {"id": "id", "score": "bold", "bar": "info"}


# ---------------------------------------------------------------- text safety


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
    """A single-line, sanitized version of user text, cut with ``…`` past ``limit`` cells."""
    value = text or ""
    if not value.isprintable() or "  " in value:
        value = sanitize(" ".join(value.split()))
    if limit is not None and cell_len(value) > limit:
        value = truncate(value, limit)
    return value


# JSON escapes C0 controls itself; these would reach a terminal raw.
_COMPILED: dict[str, re.Pattern[str]] = {}
_JSON_UNSAFE = "[\x7f-\x9f\u200b\u200c\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff]"


def json_safe(text: str) -> str:
    """JSON ``text`` with what would reach a terminal raw escaped (JSON escapes C0 itself)."""
    if text.isascii() and "\x7f" not in text:
        return text  # the common case, without a regex pass
    # Compiled on first use: most commands never get here, and compiling it
    # at import cost every start-up ~0.5 ms.
    pattern = _COMPILED.get(_JSON_UNSAFE)
    if pattern is None:
        pattern = _COMPILED[_JSON_UNSAFE] = re.compile(_JSON_UNSAFE)
    return pattern.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# ---------------------------------------------------------------- the sink


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def use_color() -> bool:
    """Colour only on a terminal, never with ``NO_COLOR`` or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stdout_is_terminal()


def terminal_size() -> tuple[int | None, int | None]:
    """(columns, lines) of the terminal.

    Piped, there is no screen to fit: no lines, and columns only when
    $COLUMNS asks for a width (``COLUMNS=80 pmledger list | less``).
    """
    import shutil

    columns_env = os.environ.get("COLUMNS", "")
    if not stdout_is_terminal():
        return (int(columns_env) if columns_env.isdigit() else None), None
    size = shutil.get_terminal_size()
    return size.columns, size.lines


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is not None:
            buffer.flush()
    except (OSError, ValueError):
        pass  # a closed or broken stdout is the writer's problem, not the notice's


def _write_bytes(data: bytes) -> None:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    sys.stdout.flush()
    buffer.write(data)


def _write_text(text: str) -> None:
    """Human text: characters the output encoding cannot show become ``?``."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    _write_bytes(text.encode(encoding, errors="replace"))


def write_bytes(data: bytes) -> None:
    """Bytes for programs (an exported file) to stdout, exactly as given."""
    _write_bytes(data)
    sys.stdout.flush()


def write(text: str) -> None:
    """A line (or lines) of plain text to stdout."""
    _write_text(text if text.endswith("\n") else text + "\n")


def write_paged(text: str, *, pager: bool = True) -> None:
    """Text for a person: on a terminal, through the pager when it is longer
    than the screen (as git does; ``pager`` False: never)."""
    if not text.endswith("\n"):
        text += "\n"
    if pager and stdout_is_terminal():
        _width, height = terminal_size()
        if height is not None and text.count("\n") >= height and page(text):
            return
    _write_text(text)


def warn(message: str) -> None:
    """A one-line notice on stderr (never mixed into machine output)."""
    text = sanitize(message) + "\n"
    # What stdout holds goes first, so that on a terminal (where both streams
    # meet) a notice never lands in the middle of a line.
    _flush_stdout()
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    buffer = getattr(sys.stderr, "buffer", None)
    if buffer is None:
        sys.stderr.write(text)
        return
    sys.stderr.flush()
    buffer.write(text.encode(encoding, errors="replace"))
    buffer.flush()


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Column:
    """One column: where its value comes from, what it is called, what kind it is.

    ``drop``: when a table is too narrow, columns are dropped highest first
    (0: never). A column goes only when the ``shrink`` columns (titles, cut
    with ``…`` to fit) would otherwise be cut below KEEP_SHRINK cells; an
    ``essential`` one (list's status) only when they would be cut below
    MIN_SHRINK: the title gives up its cells first.
    ``alert``: the row key of a boolean flag that marks the cell (overdue).
    """

    key: str
    header: str
    kind: Kind = "text"
    drop: int = 0
    shrink: bool = False
    essential: bool = False
    alert: str | None = None
    alert_label: str = ""
    decimals: int | None = None


@dataclass
class View:
    """A listing: columns and rows of raw values (dicts keyed by column key)."""

    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    title: str | None = None
    empty: str = N_("nothing to show")
    show_header: bool = True


Segment = tuple[str, Style]


@dataclass
class Line:
    """One line of literal text segments, each with a style name."""

    segments: list[Segment] = field(default_factory=list)

    def add(self, text: str, style: Style = "") -> Line:
        self.segments.append((text, style))
        return self


@dataclass
class Grid:
    """A 2x2 (or n x m) grid: row labels, column headers, and cells of lines."""

    title: str
    columns: Sequence[str]
    rows: Sequence[tuple[str, Sequence[tuple[str, Style, list[str]]]]]


@dataclass
class Lane:
    """One column of a :class:`Board`: a heading, cards (each a few lines), a summary line.

    ``more`` names what was left out (``+12 more``), so nothing is cut silently.
    """

    title: str
    cards: Sequence[Sequence[Line]]
    more: str = ""


@dataclass
class Board:
    """Lanes side by side, fitted to the width; stacked when a lane would be too narrow."""

    lanes: Sequence[Lane]
    min_width: int = 18
    empty: str = "—"


Block = Line | View | Grid | Board


class RawJson(str):
    """An item of a streamed JSON list that is already JSON text, made safe
    for a terminal by its maker (:func:`json_safe`): the writer passes it on.

    Piped, the list is compact: a RawJson may then hold several items
    already joined by the comma the writer puts between items
    (:func:`json_runs`).
    """


# Items per RawJson run: fewer, larger texts for the writer to join.
JSON_RUN = 1000


class RawBytes:
    """Items of a compact streamed JSON list as UTF-8 bytes, already joined
    by commas and made safe (a helper process's share of a ranking's JSON,
    :func:`pmledger.parallel.tail_in_helper`): the writer passes the
    pieces on, as one item."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self.pieces = pieces


def json_runs(texts: Iterable[str]) -> Iterator[RawJson]:
    """Items' JSON texts (already safe) for a streamed list: a thousand to a
    run when piped (compact JSON, the same bytes), one by one on a terminal,
    where the list is indented item by item."""
    if stdout_is_terminal():
        for text in texts:
            yield RawJson(text)
        return
    run: list[str] = []
    for text in texts:
        run.append(text)
        if len(run) == JSON_RUN:
            yield RawJson(",".join(run))
            run.clear()
    if run:
        yield RawJson(",".join(run))


@dataclass
class JsonDoc:
    """A JSON object whose ``items`` list is streamed row by row.

    ``items`` is produced lazily, so a 100k ranking never exists as one
    67 MB string (or its object tree) in memory.
    """

    head: Mapping[str, Any]
    key: str
    items: Iterable[Any]
    tail: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Doc:
    """What a command shows: blocks for a table, and how to serialise it otherwise.

    ``json`` is the data (or a :class:`JsonDoc`); ``csv`` the view written as
    CSV; ``markdown`` the blocks written as markdown (default: the table
    blocks), whose :class:`Line` blocks are markdown already: their makers
    escape the user text in them (:func:`pmledger.report.text.esc`), where
    the table blocks' lines are escaped whole. ``notes``: lines on stderr after the table. ``document``: a
    whole document already rendered by the core (report), written as is.
    """

    blocks: list[Block]
    json: Any = None
    csv: View | None = None
    markdown: list[Block] | None = None
    notes: list[str] = field(default_factory=list)
    document: str | None = None


# ---------------------------------------------------------------- values


def _decimals(values: Iterable[Any]) -> int:
    """The decimals a numeric column needs (up to 4), the same for every row."""
    most = 0
    for v in values:
        if isinstance(v, float) and not v.is_integer():
            text = f"{v:.4f}".rstrip("0")
            most = max(most, len(text) - text.index(".") - 1)
            if most == 4:
                break
    return most


def _column_decimals(view: View) -> dict[str, int]:
    return {
        c.key: c.decimals if c.decimals is not None else _decimals(r.get(c.key) for r in view.rows)
        for c in view.columns
        if c.kind == "score"
    }


def _plain(value: Any, kind: Kind, decimals: int = 0) -> str:
    """A value as text for a table or markdown cell (not yet sanitized)."""
    if value is None:
        return ""
    if kind in _NUMERIC:
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int | float):
            return f"{value:.{decimals}f}" if kind == "score" else f"{value:g}"
        return str(value)
    if kind == "list":
        return ", ".join(str(v) for v in value)
    if kind == "bar":
        # A share of the longest bar; a non-zero share never vanishes.
        filled = round(BAR_CELLS * float(value))
        return "█" * filled if filled or not value else "▏"
    if kind == "bool":
        # TRANSLATORS: a true value in a table cell (false shows nothing).
        return _("yes") if value else ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _csv_value(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if kind != "score" else repr(value)
    if kind == "list":
        return ";".join(str(v) for v in value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- table


def _paint(text: str, style: Style, color: bool) -> str:
    if not color or not style or not text:
        return text
    return _ANSI[style] + text + _RESET


# Values whose text is converted once per distinct value: no two of these
# types hold equal values that show differently (True == 1, but a bool is
# not here; a date never equals a datetime).
_MEMO_TYPES = frozenset({str, date, datetime, type(None)})
_MEMO_KINDS = frozenset({"text", "id", "date"})


def _cell_texts(values: list[Any], kind: Kind, places: int) -> list[str]:
    """Each value's cell text (sanitized, one line).

    Most columns repeat a few values (status, priority, owner, dates), so
    each distinct value is converted once and the rest are dict lookups.
    """
    if kind in _NUMERIC and set(map(type, values)) <= {int, float}:
        # A column of plain numbers (positions, scores): formatted in C, as
        # _plain formats each (a bool is its own type, and not here).
        return list(map((f"{{:.{places}f}}" if kind == "score" else "{:g}").format, values))
    if kind in _MEMO_KINDS:
        try:
            distinct = dict.fromkeys(values)
        except TypeError:  # an unhashable value: convert each
            distinct = None
        if distinct is not None and all(v.__class__ in _MEMO_TYPES for v in distinct):
            if kind != "date" and set(map(type, distinct)) == {str}:
                # Texts that are already one printable line each are their own
                # cells (IDs, most titles): one check of them all joined. A
                # double space made by the joining only sends them the long way.
                joined = "".join(distinct)
                if joined.isprintable() and "  " not in joined:
                    return list(values)
            texts = {v: one_line(_plain(v, kind, places)) for v in distinct}
            return list(map(texts.__getitem__, values))
    return [one_line(_plain(v, kind, places)) for v in values]


def _columns(view: View) -> tuple[list[Column], list[list[str]], list[list[Style]]]:
    """Each column's cell texts (sanitized, one line) and styles, top to bottom."""
    cols = list(view.columns)
    decimals = _column_decimals(view)
    rows = view.rows
    texts: list[list[str]] = []
    styles: list[list[Style]] = []
    for c in cols:
        key, kind = c.key, c.kind
        places = decimals.get(key, 0)
        column = _cell_texts([row.get(key) for row in rows], kind, places)
        style: Style = _KIND_STYLE.get(kind, "")
        column_styles: list[Style] = [style] * len(column)
        if c.alert:
            for n, row in enumerate(rows):
                if row.get(c.alert):
                    text = column[n]
                    column[n] = f"{text} {c.alert_label}".strip() if c.alert_label else text
                    column_styles[n] = "alert"
        texts.append(column)
        styles.append(column_styles)
    return cols, texts, styles


def _cell_lens(column: list[str]) -> list[int]:
    """The display width of each cell, measured once per distinct text."""
    measured = {t: cell_len(t) for t in dict.fromkeys(column)}
    return list(map(measured.__getitem__, column))


def table_lines(view: View, *, width: int | None, color: bool) -> list[str]:
    """A view as aligned lines: no trailing spaces, columns dropped or cut to
    ``width`` (None: every column, in full).

    Built column by column (10k rows piped to a file in well under a second):
    each cell is measured once, then padded, and the rows are joined at the end.
    """
    cols, texts, styles = _columns(view)
    lens = [_cell_lens(column) for column in texts]
    headers = [c.header for c in cols]
    widths = [
        max([cell_len(h) if view.show_header else 0, *lens[i]]) for i, h in enumerate(headers)
    ]
    full = list(widths)
    keep = list(range(len(cols)))
    if width is not None:

        def need(indexes: list[int], floor: int) -> int:
            total = sum(
                2 + (min(widths[i], floor) if cols[i].shrink else widths[i]) for i in indexes
            )
            return total - 2

        for rank_ in sorted({c.drop for c in cols if c.drop}, reverse=True):
            essential = all(cols[i].essential for i in keep if cols[i].drop == rank_)
            if need(keep, MIN_SHRINK if essential else KEEP_SHRINK) <= width:
                break
            keep = [i for i in keep if cols[i].drop != rank_]
        shrinking = [i for i in keep if cols[i].shrink]
        fixed = sum(widths[i] + 2 for i in keep if not cols[i].shrink)
        spare = width - fixed - 2 * (len(shrinking) - 1)
        for i in shrinking:
            widths[i] = max(min(widths[i], spare // len(shrinking)), min(MIN_SHRINK, widths[i]))
    last = keep[-1] if keep else -1

    def cells(
        i: int, column: list[str], column_lens: list[int], column_styles: list[Style]
    ) -> list[str]:
        cells_w = widths[i]
        if cols[i].shrink and cells_w < full[i]:  # (nothing to cut at the column's own width)
            column = [truncate(text, cells_w) for text in column]
            column_lens = list(map(cell_len, column))
        if color:
            column = [_paint(t, st, color) for t, st in zip(column, column_styles, strict=True)]
        if cols[i].kind in _NUMERIC:
            return [" " * (cells_w - n) + t for t, n in zip(column, column_lens, strict=True)]
        if i == last:
            return column
        if not color:
            # Padded once per distinct text (statuses, owners and dates repeat).
            padded = {t: t + " " * (cells_w - n) for t, n in zip(column, column_lens, strict=True)}
            return list(map(padded.__getitem__, column))
        return [t + " " * (cells_w - n) for t, n in zip(column, column_lens, strict=True)]

    if not keep:  # nothing fits: an empty line per row, as a join of no cells gives
        blank = [""] * len(view.rows)
        return ["", _paint("", "dim", color), *blank] if view.show_header else blank
    lines: list[str] = []
    if view.show_header:
        header = [headers[i] for i in keep]
        lines += cells_lines(
            [cells(i, [h], [cell_len(h)], ["bold"]) for i, h in zip(keep, header, strict=True)]
        )
        lines.append(_paint("  ".join("─" * widths[i] for i in keep), "dim", color))
    lines += cells_lines([cells(i, texts[i], lens[i], styles[i]) for i in keep])
    return lines


def cells_lines(columns: list[list[str]]) -> list[str]:
    """Padded columns joined into lines, without trailing spaces."""
    if not columns:
        return []
    return [line.rstrip() for line in map("  ".join, zip(*columns, strict=True))]


def _line_text(line: Line, color: bool) -> str:
    return "".join(_paint(sanitize(t), s, color) for t, s in line.segments).rstrip()


def doc_lines(blocks: Sequence[Block], *, width: int | None, color: bool) -> list[str]:
    """The blocks of a document as lines of a terminal table (no trailing spaces).

    ``width`` None (a pipe): tables keep every column and their full text;
    boards and grids, which must wrap somewhere, are drawn PIPE_WIDTH wide.
    """
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Line):
            lines.append(_line_text(block, color))
        elif isinstance(block, Grid):
            from pmledger.cli.boards import grid_lines

            lines.extend(grid_lines(block, width=width or PIPE_WIDTH, color=color))
        elif isinstance(block, Board):
            from pmledger.cli.boards import board_lines

            lines.extend(board_lines(block, width=width or PIPE_WIDTH, color=color))
        elif block.rows:
            if block.title:
                lines.append(_paint(sanitize(block.title), "bold", color))
            lines.extend(table_lines(block, width=width, color=color))
    return lines


# ---------------------------------------------------------------- json


def emit_json(data: Any) -> None:
    """JSON on stdout as UTF-8 bytes: control characters escaped, no ANSI ever."""
    from pmledger.cli.formats import json_chunks

    indent = 2 if stdout_is_terminal() else None
    for chunk in json_chunks(data, indent=indent):
        _write_bytes(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
    _write_bytes(b"\n")


# ---------------------------------------------------------------- dispatch


def render(
    fmt: str,
    doc: Doc,
    *,
    pager: bool = False,
    excel: bool = False,
) -> None:
    """Write ``doc`` to stdout in ``fmt`` (table, json, csv or markdown).

    ``pager``: a table (list) or a document (report) longer than the terminal
    goes through the pager, as git does. ``excel``: CSV with a BOM and CRLF.
    """
    terminal = stdout_is_terminal()
    if doc.document is not None:
        # A whole document the core rendered and escaped (report's markdown or
        # HTML): UTF-8 whatever the terminal's encoding, like markdown below.
        if pager and terminal:
            _width, height = terminal_size()
            if height is not None and doc.document.count("\n") >= height and page(doc.document):
                return
        _write_bytes(doc.document.encode("utf-8"))
        return
    if fmt == "json":
        emit_json(doc.json if doc.json is not None else [])
        return
    if fmt == "csv":
        from pmledger.cli.formats import csv_bytes

        view = doc.csv if doc.csv is not None else _first_view(doc.blocks)
        for chunk in csv_bytes(view, escape=terminal, excel=excel):
            _write_bytes(chunk)
        return
    if fmt == "markdown":
        from pmledger.cli.formats import markdown_lines

        if doc.markdown is not None:
            lines = markdown_lines(doc.markdown, lines_are_markdown=True)
        else:
            lines = markdown_lines(doc.blocks)
        # A document for a PR or a wiki: UTF-8 whatever the terminal's encoding.
        _write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
        return
    width, _height = terminal_size()
    lines = doc_lines(doc.blocks, width=width, color=use_color())
    if lines:
        write_paged("\n".join(lines) + "\n", pager=pager)
    for note in doc.notes:
        warn(note)


def _first_view(blocks: Sequence[Block]) -> View:
    for block in blocks:
        if isinstance(block, View):
            return block
    return View(columns=(), rows=())


def pager_command() -> str | None:
    """$PMLEDGER_PAGER, else $PAGER, else ``less -FRX``; empty or ``cat`` means none."""
    command = os.environ.get("PMLEDGER_PAGER")
    if command is None:
        command = os.environ.get("PAGER")
    if command is None:
        command = "less -FRX"
    command = command.strip()
    return None if command in ("", "cat") else command


# POSIX shells' exit statuses for a command found but not runnable, and not found.
_SHELL_CANNOT_EXECUTE = 126
_SHELL_NOT_FOUND = 127


def page(text: str) -> bool:
    """Show ``text`` through the pager, as git does; False if there is none to run."""
    import subprocess

    command = pager_command()
    if command is None:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    sys.stdout.flush()
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode(encoding, errors="replace"))
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the user quit the pager early
    while True:
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            # Ctrl-C belongs to the pager (less uses it to stop a search), as with git.
            continue
        # The shell could not run it (PAGER=mispelled, no `less` installed):
        # the text went nowhere, so the caller writes it itself.
        return code not in (_SHELL_CANNOT_EXECUTE, _SHELL_NOT_FOUND)
