"""JSON and JSON Lines: every field of every requirement, unknown keys included."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pmledger.errors import ImportFileError
from pmledger.i18n import _
from pmledger.io.csvfile import decode
from pmledger.io.records import Problem, Record, Table
from pmledger.ledger.model import Requirement


def document(req: Requirement) -> dict[str, Any]:
    """One requirement as JSON data: the stored model plus its unknown keys."""
    return req.model_dump(mode="json")


def _line(item: dict[str, Any]) -> str:
    # Compact items: indent would switch json to its pure-Python encoder.
    return json.dumps(item, ensure_ascii=False)


def dumps(reqs: Iterable[Requirement], *, lines: bool = False) -> bytes:
    """A JSON array with one requirement per line, or JSON Lines."""
    items = [_line(document(r)) for r in reqs]
    if lines:
        return "".join(i + "\n" for i in items).encode("utf-8")
    if not items:
        return b"[]\n"
    return ("[\n" + ",\n".join(items) + "\n]\n").encode("utf-8")


def _parsed(text: str, *, name: str) -> Any:
    """``json.loads(text)``, refusing values nested deeper than a record file
    may hold (a RecursionError from ``[[[[…]]]]``, or a value that every
    later step would fail on)."""
    from pmledger.ledger.fastread import MAX_DEPTH, depth_below

    try:
        parsed = json.loads(text)
        # +1: the array of records around them.
        if depth_below(parsed, MAX_DEPTH + 1):
            return parsed
    except RecursionError:
        pass
    raise ImportFileError(
        _("{name}: values nested more than {limit} levels deep").format(name=name, limit=MAX_DEPTH)
    )


def load_data(data: bytes, *, name: str, lines: bool) -> list[tuple[int, Any]]:
    """The items of a JSON array (numbered from 1) or of JSON Lines (numbered by line)."""
    content, _used = decode(data, name=name)
    if lines:
        items: list[tuple[int, Any]] = []
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((number, _parsed(line, name=f"{name}:{number}")))
            except json.JSONDecodeError as exc:
                raise ImportFileError(
                    _("{name}:{line}: not valid JSON: {reason} (column {column})").format(
                        name=name, line=number, reason=exc.msg, column=exc.colno
                    )
                ) from None
        return items
    try:
        parsed = _parsed(content, name=name)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            _("{name}:{line}:{column}: not valid JSON: {reason}").format(
                name=name, line=exc.lineno, column=exc.colno, reason=exc.msg
            )
        ) from None
    if isinstance(parsed, dict):
        # A single object, or a wrapper such as {"requirements": [...]}.
        lists = [v for v in parsed.values() if isinstance(v, list)]
        parsed = lists[0] if len(lists) == 1 and "title" not in parsed else [parsed]
    if not isinstance(parsed, list):
        raise ImportFileError(_("{name}: expected a JSON array of objects").format(name=name))
    return list(enumerate(parsed, start=1))


def loads(data: bytes, *, name: str, lines: bool = False) -> Table:
    """The items of a JSON file as records: top-level keys are the columns."""
    table = Table()
    for number, item in load_data(data, name=name, lines=lines):
        record = Record(row=number)
        if isinstance(item, dict):
            record.cells = list(item.items())
        else:
            record.problems.append(Problem(number, _("not a JSON object")))
        table.records.append(record)
    return table
