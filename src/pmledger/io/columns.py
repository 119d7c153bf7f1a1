"""Requirements as flat rows of cells: the columns of CSV and XLSX exports.

Lists are joined with ``;`` (acceptance criteria, which are sentences, one
per line) or written as a JSON array when that would not read back exactly
(:mod:`pmledger.io.lists`), dates stay dates (the writer decides their spelling), notes are
counted unless asked for as text, and a scoring input is a dotted column
such as ``rice.reach``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from pmledger.errors import InvalidValueError
from pmledger.i18n import _, pgettext
from pmledger.io import lists
from pmledger.ledger.model import KEY_ORDER, LIST_FIELDS, SCORING_TABLES, Note, Requirement

LIST_SEPARATOR = lists.SEPARATOR
# The inputs of each model in their published order (docs/scoring.md), which
# is also the order a new scoring table is written in.
SCORING_INPUTS = {
    "rice": ("reach", "impact", "confidence", "effort"),
    "wsjf": ("business_value", "time_criticality", "risk_reduction", "job_size"),
    "ice": ("impact", "confidence", "ease"),
}
NOTES = "notes"

# A spreadsheet runs a cell that starts with one of these as a formula
# (OWASP "CSV injection"); tab and carriage return too, in some versions.
FORMULA_START = "=+-@\t\r"
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")
# What a spreadsheet shows in a cell whose formula failed, and saves as the
# cell's text: import refuses it as a value (a #N/A from a VLOOKUP is no
# title), so text that is exactly one is written with a leading ' as well.
SHEET_ERRORS = frozenset(
    ["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"]
)
_QUOTED_ERROR = re.compile("^'*(?:" + "|".join(re.escape(e) for e in sorted(SHEET_ERRORS)) + ")$")


def neutralise(text: str) -> str:
    """``text`` made inert for a spreadsheet: a leading ``'`` when it could run as a formula.

    Text that already starts with quotes before such a character gets one more,
    so that :func:`restore` gives back exactly what was exported.
    """
    if text and (text[0] in FORMULA_START or _NEUTRALISED.match(text) or _QUOTED_ERROR.match(text)):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise`: one leading ``'`` removed before a formula character."""
    if _NEUTRALISED.match(text) or (text[:1] == "'" and _QUOTED_ERROR.match(text)):
        return text[1:]
    return text


def default_columns(reqs: Sequence[Requirement], custom_fields: Iterable[str]) -> list[str]:
    """Every field a CSV row carries: known keys, the scoring inputs in use, declared custom fields, notes."""
    columns = list(KEY_ORDER)
    for table in SCORING_TABLES:
        keys: dict[str, None] = {}
        for req in reqs:
            keys.update(dict.fromkeys(getattr(req, table) or {}))
        published = [k for k in SCORING_INPUTS.get(table, ()) if k in keys]
        columns += [f"{table}.{k}" for k in published + sorted(set(keys) - set(published))]
    columns += [c for c in custom_fields if c not in columns]
    columns.append(NOTES)
    return columns


def check_columns(
    names: Sequence[str], reqs: Sequence[Requirement], custom_fields: Iterable[str]
) -> list[str]:
    """``--fields`` validated: known fields, ``table.key`` inputs, custom or present extra keys."""
    allowed = set(KEY_ORDER) | {NOTES} | set(custom_fields)
    for req in reqs:
        allowed.update(req.extra)
    out: list[str] = []
    for raw in names:
        name = raw.strip()
        table, dot, key = name.partition(".")
        if name in allowed or (dot and table in SCORING_TABLES and key):
            if name not in out:
                out.append(name)
            continue
        raise InvalidValueError(
            _(
                "unknown field {field!r} in --fields; choose from {fields}, notes, "
                "rice.KEY / wsjf.KEY / ice.KEY or a custom field"
            ).format(field=name, fields=pgettext("list separator", ", ").join(KEY_ORDER))
        )
    if not out:
        raise InvalidValueError(_("--fields names no field"))
    return out


_NOTE_START = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?) (.*?): ?(.*)$"
)


def notes_to_text(notes: Sequence[Note]) -> str:
    """Notes as text a person reads and :func:`notes_from_text` reads back.

    One note per line, ``2026-11-15T20:30:00+08:00 孙悦: text``; further lines
    of a note's text are indented by two spaces.
    """
    out = []
    for n in notes:
        body = n.text.replace("\n", "\n  ")
        out.append(f"{n.at.isoformat()} {n.by}: {body}")
    return "\n".join(out)


def notes_from_text(text: str) -> list[dict[str, str]]:
    """The notes of :func:`notes_to_text` (raises ValueError on any other shape)."""
    notes: list[dict[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("  ") and notes:
            notes[-1]["text"] += "\n" + line[2:]
            continue
        match = _NOTE_START.match(line)
        if not match:
            raise ValueError(
                _(
                    "notes line {line!r} does not start with a date-time and an author "
                    "(2026-11-15T20:30:00+08:00 Name: text)"
                ).format(line=line[:40])
            )
        notes.append({"at": match.group(1), "by": match.group(2), "text": match.group(3)})
    return notes


def cell(req: Requirement, column: str, *, notes_text: bool = False) -> Any:
    """One cell: text, a number, a date or datetime, or None when empty."""
    if column == NOTES:
        if notes_text:
            return notes_to_text(req.notes) or None
        return len(req.notes)
    table, dot, key = column.partition(".")
    if dot and table in SCORING_TABLES:
        return (getattr(req, table) or {}).get(key)
    value = getattr(req, column) if column in Requirement.model_fields else req.extra.get(column)
    if column == "priority":
        return req.priority.value
    if isinstance(value, list):
        if not value:
            return None
        if column in LIST_FIELDS:
            return lists.to_cell(column, value)
        if all(isinstance(v, str) for v in value):
            return LIST_SEPARATOR.join(value)
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def text(value: Any) -> str:
    """A cell as CSV text: dates ISO 8601, numbers as written, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _getter(column: str, notes_text: bool) -> Callable[[Requirement], Any]:
    # Plain text and number fields are read directly: 10k rows of 30 columns
    # through the general :func:`cell` cost twice as long (docs/performance.md).
    if column in _DIRECT:
        return lambda r: r.__dict__[column]
    if column == "priority":
        return lambda r: r.priority.value
    if column in LIST_FIELDS:
        return lambda r: lists.to_cell(column, r.__dict__[column])
    return lambda r: cell(r, column, notes_text=notes_text)


_DIRECT = frozenset(n for n in KEY_ORDER if n not in LIST_FIELDS and n != "priority")


def rows(
    reqs: Iterable[Requirement], columns: Sequence[str], *, notes_text: bool = False
) -> list[list[Any]]:
    """The typed cells of each requirement, in column order."""
    getters = [_getter(c, notes_text) for c in columns]
    return [[g(r) for g in getters] for r in reqs]
