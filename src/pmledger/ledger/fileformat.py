"""The requirement file format: one canonical serialiser, one reader.

Every write path goes through :func:`dumps`, so that ``git diff`` shows only
what a person changed: a fixed key order, one key per line, dates as TOML
dates, datetimes with their offset, multi-line text as multi-line strings,
``notes`` as an array of tables. Unknown keys follow the known ones (sorted),
with their values as read. Comments a person wrote are kept beside their
keys (:mod:`pmledger.ledger.comments`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from pydantic import ValidationError

from pmledger.errors import FileProblem, InvalidFileError
from pmledger.i18n import N_, _, active_language, translate
from pmledger.ledger import fastread
from pmledger.ledger.canonical import arrange, is_table, note_document, write
from pmledger.ledger.model import (
    KEY_ORDER,
    SCORING_TABLES,
    Note,
    Requirement,
    evident_requirement,
)
from pmledger.ledger.validation import describe, field_name, label

if TYPE_CHECKING:
    import tomllib

# The writing rules live in pmledger.ledger.canonical, shared with the merge
# driver's pydantic-free path; the names below are what other kinds (goals) use.
_is_table = is_table


def to_document(req: Requirement) -> dict[str, Any]:
    """The requirement as an ordered mapping, ready for ``tomli_w``."""
    known: dict[str, Any] = {}
    for key in KEY_ORDER:
        value = getattr(req, key)
        if value is None or (isinstance(value, list) and not value):
            continue
        known[key] = value.value if key == "priority" else value
    tables = {k: t for k in SCORING_TABLES if (t := getattr(req, k)) is not None}
    # `created` and notes' `at` carry an offset (the model makes them aware);
    # values of unknown keys, local date-times and times included, stay as read.
    return arrange(known, req.extra, tables, [_note_document(n) for n in req.notes])


def _note_document(note: Note) -> dict[str, Any]:
    return note_document(note.at, note.by, note.text, note.model_extra)


def _canonical(req: Requirement) -> str:
    return write(to_document(req), req.model_extra or ())


def dumps(req: Requirement, *, original_text: str | None = None) -> str:
    """The canonical text of a requirement file.

    With ``original_text`` (the file as it was), the comments a person wrote
    there are put back beside their keys (:func:`dumps_keeping_comments`);
    comments that have no key left to stay with are dropped.
    """
    if original_text is None:
        return _canonical(req)
    return dumps_keeping_comments(req, original_text)[0]


def dumps_keeping_comments(req: Requirement, original_text: str) -> tuple[str, list[str]]:
    """The canonical text with ``original_text``'s comments re-attached, and
    the comments that could not be kept (their key is gone)."""
    from pmledger.ledger.comments import reattach

    return reattach(_canonical(req), strip_bom(original_text))


BOM = "\ufeff"


def strip_bom(text: str) -> str:
    """The text without a leading UTF-8 byte-order mark (Windows Notepad writes one)."""
    return text[1:] if text.startswith(BOM) else text


_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_END = "(at end of document)"

# tomllib's reasons for a syntax error, in its words (a placeholder stands for
# what it quotes), so that a Chinese sentence does not carry an English
# reason. A reason not here (a newer Python's wording) is shown as the parser
# wrote it.
TOML_REASONS: tuple[str, ...] = (
    N_("Invalid value"),
    N_("Invalid statement"),
    N_("Expected '=' after a key in a key/value pair"),
    N_("Expected ']' at the end of a table declaration"),
    N_("Expected ']]' at the end of an array declaration"),
    N_("Expected newline or end of document after a statement"),
    N_("Unclosed array"),
    N_("Unclosed inline table"),
    N_("Unterminated string"),
    N_("Invalid initial character for a key part"),
    N_("Invalid date or datetime"),
    N_("Invalid hex value"),
    N_("Escaped character is not a Unicode scalar value"),
    N_("Unescaped '\\' in a string"),
    N_("Cannot overwrite a value"),
    N_("Expected {expected}"),
    N_("Found invalid character {character}"),
    N_("Illegal character {character}"),
    N_("Cannot declare {key} twice"),
    N_("Cannot mutate immutable namespace {key}"),
    N_("Cannot redefine namespace {key}"),
    N_("Duplicate inline table key {key}"),
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_KEY_PART = re.compile(r"'([^']*)'")


def _reason_pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    # split alternates text and placeholder names: text, name, text, ...
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+)" for i, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z")


_REASON_PATTERNS: list[tuple[re.Pattern[str], str]] = []


def _translated_reason(reason: str) -> str:
    if not _REASON_PATTERNS:
        _REASON_PATTERNS.extend((_reason_pattern(t), t) for t in TOML_REASONS)
    for pattern, template in _REASON_PATTERNS:
        match = pattern.match(reason)
        if match:
            found = match.groupdict()
            if found.get("key", "").startswith("("):
                # tomllib quotes a key as a tuple, ('ledger', 'x'): a reader writes ledger.x
                parts = _KEY_PART.findall(found["key"])
                found["key"] = ".".join(parts) if parts else found["key"]
            return translate(template).format(**found)
    return reason


def toml_reason(exc: tomllib.TOMLDecodeError) -> tuple[str, int | None, int | None]:
    """Why the parser refused, in the reader's language, and the line and column it names.

    English keeps the parser's words; the position is returned apart (at the
    end of the document, the reason says so).
    """
    message = str(exc)
    match = _TOML_POS.search(message)
    line = int(match.group(1)) if match else None
    column = int(match.group(2)) if match else None
    reason = _TOML_POS.sub("", message).strip()
    at_end = reason.endswith(_TOML_END)
    if at_end:
        reason = reason.removesuffix(_TOML_END).strip()
    if active_language() != "en":
        reason = _translated_reason(reason)
    if at_end:
        reason = _("{reason} (at end of document)").format(reason=reason)
    return reason, line, column


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """Parse TOML, turning a syntax error into a :class:`FileProblem` with line and column."""
    text = strip_bom(text)
    try:
        return fastread.toml(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError, imported only now (~2.5 ms)
        import tomllib

        if not isinstance(exc, tomllib.TOMLDecodeError):
            raise
        reason, line, column = toml_reason(exc)
        if "<<<<<<<" in text or ">>>>>>>" in text:
            reason = _("unresolved git merge-conflict markers")
            line = _conflict_line(text) or line
            column = 1
        elif line is not None and (bad := bad_date(text, line)) is not None:
            # tomllib's words ("Expected newline or end of document after a
            # statement") name neither the key nor the date.
            raise InvalidFileError(
                FileProblem(path, bad.message, line=line, column=bad.column, field=bad.field)
            ) from None
        raise InvalidFileError(
            FileProblem(
                path,
                _("not valid TOML: {reason}").format(reason=reason),
                line=line,
                column=column,
            )
        ) from None


# What a person means as a date or a date and time, valid or not: 2026-13-45,
# 2026-2-30, 2026/12/01, 2026-12-01 25:00. TOML reads only real dates written
# YYYY-MM-DD, so the parser refuses these with words about newlines.
_DATE_LIKE = re.compile(
    r"\d{4}(?P<sep>[-/.])\d{1,2}(?:(?P=sep)\d{1,2})?"
    r"(?P<time>[Tt ]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{1,2}:\d{2})?)?"
)


@dataclass(frozen=True)
class BadDate:
    """A value that was meant as a date but is none: where, and the sentence."""

    field: str
    column: int
    message: str


def bad_date(text: str, line: int) -> BadDate | None:
    """The date-like value TOML refused on ``line`` (1-based), said with its key.

    None when that line holds no such value, so the parser's own reason stands.
    """
    import tomllib

    from pmledger.ledger.comments import statements

    text = strip_bom(text)
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    content = lines[line - 1].rstrip("\r")
    stmt = next((s for s in statements(text) if s.line == line and not s.header), None)
    equals = content.find("=")
    if stmt is None or equals < 0:
        return None
    value = content[equals + 1 :].split("#", 1)[0].strip()
    shape = _DATE_LIKE.fullmatch(value)
    if shape is None:
        return None
    try:
        tomllib.loads(f"v = {value}\n")
        return None  # a real date: the parser refused something else on this line
    except tomllib.TOMLDecodeError:
        pass
    if shape.group("time"):
        template = _("{field}: {value} is not a valid date and time (YYYY-MM-DD HH:MM:SS+08:00)")
    else:
        template = _("{field}: {value} is not a valid date (YYYY-MM-DD)")
    where = label(stmt.path)
    return BadDate(
        field=field_name(stmt.path) or where,
        column=content.find(value) + 1,
        message=template.format(field=where, value=value),
    )


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
    """The line where the top-level ``key = ...`` (or ``[key]``) is written, for
    error messages; a key written in quotes (``"客户等级" = "A"``) too."""
    name = re.escape(key)
    # Bare, "basic" or 'literal': a key outside A-Za-z0-9_- is always quoted.
    spelt = rf"(?:{name}|\"{name}\"|'{name}')"
    pattern = re.compile(rf"^\s*(?:{spelt}\s*=|\[+\s*{spelt}\s*\]+)")
    for number, content in enumerate(text.splitlines(), start=1):
        if pattern.match(content):
            return number
    # Rarer spellings (escapes in a quoted key, a dotted key `a.b = 1`): the
    # statement scanner reads keys as TOML does, at ~30 times the cost.
    from pmledger.ledger.comments import statements

    return next((s.line for s in statements(strip_bom(text)) if s.path[:1] == (key,)), None)


def field_line(text: str, loc: tuple[str | int, ...]) -> int | None:
    """The line of a (possibly nested) key: ``due``, ``rice.impact``, ``notes.1.at``."""
    from pmledger.ledger.comments import statements

    if not loc:
        return None
    keys = [p for p in loc]
    best: int | None = None
    best_len = 0
    for stmt in statements(strip_bom(text)):
        path = stmt.path
        common = 0
        for a, b in zip(path, keys, strict=False):
            if a != b:
                break
            common += 1
        if common > best_len:
            best, best_len = stmt.line, common
    return best


def validation_problems(exc: ValidationError, path: Path, text: str | None) -> list[FileProblem]:
    """Every schema problem of a file, in people's words, each with its line when found."""
    problems: list[FileProblem] = []
    for found in describe(exc):
        line = field_line(text, found.loc) if text else None
        problems.append(FileProblem(path, found.sentence, line=line, field=found.field))
    # In the order a person reads the file.
    problems.sort(key=lambda p: p.line if p.line is not None else 1 << 30)
    return problems


def loads(text: str, path: Path) -> Requirement:
    """Parse and validate one requirement file's text (a leading BOM is ignored)."""
    data = parse_toml(text, path)
    req = evident_requirement(data)  # without the validator when nothing needs checking
    if req is not None:
        return req
    try:
        return Requirement.model_validate(data)
    except ValidationError as exc:
        raise InvalidFileError(validation_problems(exc, path, text)) from None
