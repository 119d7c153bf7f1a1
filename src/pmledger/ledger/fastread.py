"""A fast reader for the TOML that pmledger itself writes; anything else is tomllib's.

``tomllib`` is pure Python in 3.11 and reading a ledger's files is most of the
time of a cold ``list``, ``rank`` or ``check`` (≈ 130 µs a file, 58 % of a
cold load at 10k requirements). Files written by pmledger (``fmt``, ``add``,
``set``…) have a small, regular shape: bare keys, ``key = value`` lines,
one-line or multi-line basic strings, integers, floats, dates, arrays with
one item a line, ``[table]`` and ``[[notes]]`` headers.

:func:`loads` reads exactly that shape and returns ``None`` for anything it
is not sure of — a comment, an escape, a quote inside a string, an inline
table, odd spacing, a carriage return — so that the caller hands the text to
``tomllib``. It never accepts a text ``tomllib`` refuses and never returns a
value ``tomllib`` would not (same types, same values): a property test in
``tests/test_fastread.py`` holds it to that on canonical and mutated texts.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

_ITEM_INDENT = "    "

# The shapes read here, compiled on the first read: a start-up that parses
# nothing does not pay the ≈ 1.5 ms. Anything else sends the text to
# tomllib: escapes, quotes inside strings, control characters (tab aside),
# carriage returns; a comment matches no pattern (values end the line).
_STRING: re.Pattern[str]
_KEY_VALUE: re.Pattern[str]
_TABLE: re.Pattern[str]
_ARRAY_TABLE: re.Pattern[str]
_INTEGER: re.Pattern[str]
_FLOAT: re.Pattern[str]
_DATE: re.Pattern[str]
_DATETIME: re.Pattern[str]
# Text inside a multi-line string: no quote, no backslash, no control
# character but the tab (its newlines are the line breaks themselves).
_MULTILINE_PART: re.Pattern[str]
_compiled = False


def _compile() -> None:
    global _STRING, _KEY_VALUE, _TABLE, _ARRAY_TABLE, _INTEGER, _FLOAT, _DATE, _DATETIME
    global _MULTILINE_PART, _compiled
    _STRING = re.compile(r'"([^"\\\x00-\x08\x0a-\x1f\x7f]*)"\Z')
    _KEY_VALUE = re.compile(r"([A-Za-z0-9_-]+) = (.+)\Z")
    _TABLE = re.compile(r"\[([A-Za-z0-9_-]+)\]\Z")
    _ARRAY_TABLE = re.compile(r"\[\[([A-Za-z0-9_-]+)\]\]\Z")
    _INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
    _FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:e[+-]?[0-9]+)?|e[+-]?[0-9]+)\Z")
    _DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
    _DATETIME = re.compile(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
        r"(?:\.[0-9]{6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?\Z"
    )
    _MULTILINE_PART = re.compile(r'[^"\\\x00-\x08\x0a-\x1f\x7f]*\Z')
    _compiled = True


class _Unsure(Exception):
    """The text is not in the shape this reader knows: tomllib decides."""


def loads(text: str) -> dict[str, Any] | None:
    """``tomllib.loads(text)`` for pmledger's own shape of TOML, else ``None``."""
    if "\r" in text:
        return None
    if not _compiled:
        _compile()
    try:
        return _read(text.split("\n"))
    except _Unsure:
        return None


def _read(lines: list[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    table = root
    # Tables this text defined with a header: another [name] for them is an error.
    headed: set[str] = set()
    arrays: set[str] = set()
    n = 0
    count = len(lines)
    while n < count:
        line = lines[n]
        n += 1
        if not line:
            continue
        if line[0] == "[":
            table = _header(line, root, headed, arrays)
            continue
        match = _KEY_VALUE.match(line)
        if match is None:
            raise _Unsure
        key, raw = match.groups()
        if key in table:
            raise _Unsure  # tomllib refuses a repeated key
        value: Any
        if raw == '"""':
            value, n = _multiline(lines, n)
        elif raw == "[":
            value, n = _array(lines, n)
        elif raw == "[]":
            value = []
        else:
            value = _scalar(raw)
        table[key] = value
    return root


def _header(line: str, root: dict[str, Any], headed: set[str], arrays: set[str]) -> dict[str, Any]:
    match = _ARRAY_TABLE.match(line)
    if match is not None:
        name = match.group(1)
        if name in root and name not in arrays:
            raise _Unsure
        arrays.add(name)
        entry: dict[str, Any] = {}
        root.setdefault(name, []).append(entry)
        return entry
    match = _TABLE.match(line)
    if match is None:
        raise _Unsure  # dotted names, spaces, inline comments…
    name = match.group(1)
    if name in root or name in headed:
        raise _Unsure
    headed.add(name)
    table: dict[str, Any] = {}
    root[name] = table
    return table


def _multiline(lines: list[str], n: int) -> tuple[str, int]:
    """A multi-line basic string opened on the line before ``lines[n]``."""
    parts: list[str] = []
    while n < len(lines):
        line = lines[n]
        n += 1
        if line.endswith('"""'):
            last = line[:-3]
            if _MULTILINE_PART.match(last) is None:
                raise _Unsure
            parts.append(last)
            return "\n".join(parts), n
        if _MULTILINE_PART.match(line) is None:
            raise _Unsure
        parts.append(line)
    raise _Unsure  # never closed


def _array(lines: list[str], n: int) -> tuple[list[Any], int]:
    """An array written one item a line (``    item,``) up to a line ``]``."""
    items: list[Any] = []
    while n < len(lines):
        line = lines[n]
        n += 1
        if line == "]":
            return items, n
        if not line.startswith(_ITEM_INDENT) or not line.endswith(","):
            raise _Unsure
        raw = line[4:-1]
        if not raw or raw[0] in "[{ ":
            raise _Unsure  # nested arrays, inline tables: tomllib's
        items.append(_scalar(raw))
    raise _Unsure


def _scalar(raw: str) -> Any:
    first = raw[0]
    if first == '"':
        match = _STRING.match(raw)
        if match is None:
            raise _Unsure
        return match.group(1)
    if raw == "true":
        return True
    if raw == "false":
        return False
    if _INTEGER.match(raw):
        return int(raw)
    if _FLOAT.match(raw):
        return float(raw)
    try:
        if _DATETIME.match(raw):
            return datetime.fromisoformat(raw)
        if _DATE.match(raw):
            return date.fromisoformat(raw)
    except ValueError:
        raise _Unsure from None  # 2026-02-30: tomllib words the error
    raise _Unsure


def toml(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, through the fast reader when it can: same value,
    same errors (tomllib, the fallback, is imported only when needed)."""
    data = loads(text)
    if data is not None:
        return data
    return tomllib_loads(text)


# How deep tables and arrays may nest in a file (a requirement needs 3).
MAX_DEPTH = 32


def depth_below(data: object, limit: int) -> bool:
    """Whether ``data`` nests fewer than ``limit`` tables and arrays deep."""
    level: list[object] = [data]
    for _level in range(limit):
        deeper: list[object] = []
        for value in level:
            if isinstance(value, dict):
                deeper.extend(value.values())
            elif isinstance(value, list):
                deeper.extend(value)
        if not deeper:
            return True
        level = deeper
    return False


def tomllib_loads(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, with a value nested deeper than Python's stack
    (``x = [[[[…]]]]``, one hostile file in a pull request) refused as a
    TOMLDecodeError like any other syntax problem, not a RecursionError."""
    import sys
    import tomllib

    try:
        data = tomllib.loads(text)
        if depth_below(data, MAX_DEPTH):
            return data
    except RecursionError:
        pass
    # Deeper than any record needs, and than the serialisers that write and
    # show it can follow (they would fail with a RecursionError later).
    from pmledger.i18n import _

    message = _("values nested more than {limit} levels deep").format(limit=MAX_DEPTH)
    if sys.version_info >= (3, 14):
        # Python 3.14 deprecates the one-argument form and adds the position.
        raise tomllib.TOMLDecodeError(message, text, 0)
    raise tomllib.TOMLDecodeError(message)
