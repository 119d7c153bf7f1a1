"""The requirement file format: one canonical serialiser, one reader.

Every write path goes through :func:`dumps`, so that ``git diff`` shows only
what a person changed: a fixed key order, one key per line, dates as TOML
dates, datetimes with their offset, multi-line text as multi-line strings,
``notes`` as an array of tables. Unknown keys follow the known ones (sorted),
with their values as read.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from pmledger.errors import FileProblem, InvalidFileError
from pmledger.ledger.model import KEY_ORDER, SCORING_TABLES, Note, Requirement


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)
    )


def _fix_datetimes(value: Any) -> Any:
    # tomli-w writes a naive datetime as a local time; ours always carry an offset.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, Mapping):
        return {k: _fix_datetimes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fix_datetimes(v) for v in value]
    return value


def to_document(req: Requirement) -> dict[str, Any]:
    """The requirement as an ordered mapping, ready for ``tomli_w``."""
    doc: dict[str, Any] = {}
    for key in KEY_ORDER:
        value = getattr(req, key)
        if value is None or (isinstance(value, list) and not value):
            continue
        doc[key] = value.value if key == "priority" else value
    extra = req.extra
    for key in sorted(k for k, v in extra.items() if not _is_table(v)):
        doc[key] = extra[key]
    for key in SCORING_TABLES:
        table = getattr(req, key)
        if table is not None:
            doc[key] = table
    for key in sorted(k for k, v in extra.items() if _is_table(v)):
        doc[key] = extra[key]
    if req.notes:
        doc["notes"] = [_note_document(n) for n in req.notes]
    return _fix_datetimes(doc)  # type: ignore[no-any-return]


def _notes_block(notes: list[dict[str, Any]]) -> str | None:
    # tomli-w writes short arrays of tables inline; notes are always [[notes]]
    # blocks so that adding one is a diff of new lines only.
    if any(_is_table(v) for note in notes for v in note.values()):
        return None
    return "".join("\n[[notes]]\n" + tomli_w.dumps(note, multiline_strings=True) for note in notes)


def _note_document(note: Note) -> dict[str, Any]:
    doc: dict[str, Any] = {"at": note.at, "by": note.by, "text": note.text}
    extra = note.model_extra or {}
    for key in sorted(extra):
        doc[key] = extra[key]
    return doc


def dumps(req: Requirement) -> str:
    """The canonical text of a requirement file."""
    doc = to_document(req)
    notes = doc.pop("notes", None)
    text: str = tomli_w.dumps(doc, multiline_strings=True)
    if notes:
        block = _notes_block(notes)
        if block is None:
            text = tomli_w.dumps({**doc, "notes": notes}, multiline_strings=True)
        else:
            text += block
    return text


_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """Parse TOML, turning a syntax error into a :class:`FileProblem` with line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POS.search(message)
        line = int(match.group(1)) if match else None
        column = int(match.group(2)) if match else None
        reason = _TOML_POS.sub("", message).strip()
        if "<<<<<<<" in text or ">>>>>>>" in text:
            reason = "unresolved git merge-conflict markers"
            line = _conflict_line(text) or line
            column = 1
        raise InvalidFileError(
            FileProblem(path, f"not valid TOML: {reason}", line=line, column=column)
        ) from None


def _conflict_line(text: str) -> int | None:
    for number, content in enumerate(text.splitlines(), start=1):
        if content.startswith(("<<<<<<<", "=======", ">>>>>>>")):
            return number
    return None


def _array_block(name: str, items: list[dict[str, Any]]) -> str | None:
    # As for notes: always [[name]] blocks, so that adding one is a diff of new lines only.
    if any(_is_table(v) for item in items for v in item.values()):
        return None
    return "".join(
        f"\n[[{name}]]\n" + tomli_w.dumps(item, multiline_strings=True) for item in items
    )


def dumps_document(doc: Mapping[str, Any], blocks: tuple[str, ...]) -> str:
    """The canonical text of any ordered document whose ``blocks`` keys (arrays of
    tables, written last in that order) become ``[[key]]`` blocks, like the notes
    of a requirement. Used by other record kinds (goal files)."""
    body = dict(doc)
    arrays = {key: body.pop(key) for key in blocks if body.get(key)}
    text: str = tomli_w.dumps(body, multiline_strings=True)
    for key, items in arrays.items():
        block = _array_block(key, items)
        if block is None:
            return tomli_w.dumps({**body, **arrays}, multiline_strings=True)
        text += block
    return text


def key_line(text: str, key: str) -> int | None:
    """The line where ``key = ...`` (or ``[key]``) is written, for error messages."""
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}\s*=|\[+\s*{re.escape(key)}\s*\]+)")
    for number, content in enumerate(text.splitlines(), start=1):
        if pattern.match(content):
            return number
    return None


def validation_problem(exc: ValidationError, path: Path, text: str | None) -> FileProblem:
    """The first schema error of a file, named by field and (when found) line."""
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"]]
    field = ".".join(loc) if loc else None
    message = first["msg"]
    if first["type"] == "missing":
        message = "required field is missing"
    elif first["type"].startswith("value_error"):
        message = message.removeprefix("Value error, ")
    line = key_line(text, loc[0]) if (text and loc) else None
    total = exc.error_count()
    more = f" (and {total - 1} more problem{'s' if total > 2 else ''})" if total > 1 else ""
    return FileProblem(path, f"field {field!r}: {message}{more}", line=line, field=field)


def loads(text: str, path: Path) -> Requirement:
    """Parse and validate one requirement file's text."""
    data = parse_toml(text, path)
    try:
        return Requirement.model_validate(data)
    except ValidationError as exc:
        raise InvalidFileError(validation_problem(exc, path, text)) from None
