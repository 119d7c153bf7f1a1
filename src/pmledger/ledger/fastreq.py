"""A requirement file in its canonical shape, read with one regular expression.

Reading a ledger without its parse cache is a TOML parse and a check of
every value per file: ≈ 100 µs a file in :mod:`pmledger.ledger.fastread`
and :func:`pmledger.ledger.model.evident_requirement`, 10 s at 100k files.
Files pmledger writes (``fileformat.dumps``) have one shape: the known keys
in schema order (``model.KEY_ORDER``), plain strings, one item a line in
lists, then the scoring tables and ``[[notes]]`` blocks. :func:`requirement`
matches that whole shape with one expression (in C) and builds the model
from its groups: ≈ 15 µs a file.

Anything else (a comment, an unknown key, another order,
an escape, a blank text, a priority alias, an impossible date…) returns
``None``, and the caller takes the general path (``fileformat.loads``),
which words every error. What this returns is equal to that path's model,
field for field, "fields set" and unknown keys included
(``tests/test_fastreq.py``, under hypothesis).

Equal strings can be made one object (people, statuses, tags repeat: the
parse cache then stores each once), and equal time-zone offsets share one
``tzinfo``: each ``datetime`` otherwise pickles its own offset object (100k
of them at 100k requirements).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from itertools import repeat
from operator import is_not, itemgetter
from typing import Any

from pmledger.ledger.model import (
    DATE_FIELDS,
    KEY_ORDER,
    KNOWN_FIELDS,
    LIST_FIELDS,
    NUMBER_FIELDS,
    SCORING_TABLES,
    Note,
    Priority,
    Requirement,
)
from pmledger.ledger.records import FAST_FIELDS, FAST_SCORING

# Text inside a one-line basic string, and inside a multi-line one (which
# may hold line breaks but no carriage return): no quote, no backslash, no
# control character but the tab. The same rules as fastread's. Possessive
# (*+): the quote that ends the text is not in the class, so there is
# nothing to give back, and the engine need not remember how.
_CHARS = r'[^"\\\x00-\x08\x0a-\x1f\x7f]*+'
_ML_CHARS = r'[^"\\\x00-\x08\x0b-\x1f\x7f]*+'
_LIST = rf'\[\n((?:    "{_CHARS}",\n)*)\]'
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
_DATETIME = rf"{_DATE}[T ](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{6}})?{_OFFSET}"
_NUMBER_SHAPE = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:e[+-]?[0-9]+)?|e[+-]?[0-9]+)?"
_NUMBER = f"({_NUMBER_SHAPE})"


def _string(group: int) -> str:
    """A one-line or multi-line basic string whose text is group ``group + 1``
    (group ``group`` says which: a conditional, so the text is one group)."""
    return rf'"(""\n)?((?({group}){_ML_CHARS}|{_CHARS}))"(?({group})"")'


# How each kind of key is written, and how many groups its value takes.
_TEXT, _LISTED, _DAY, _NUM, _PRIO, _CREATED, _TABLE, _NOTES_KIND = range(8)
_GROUPS = {_TEXT: 2, _LISTED: 1, _DAY: 1, _NUM: 1, _PRIO: 1, _CREATED: 1}
_VALUE = {
    _LISTED: _LIST,
    _DAY: f"({_DATE})",
    _NUM: _NUMBER,
    _PRIO: '"(' + "|".join(p.value for p in Priority) + ')"',
    _CREATED: f"({_DATETIME}|{_DATE})",
}

# Built on the first read (a start-up that reads no file does not pay it).
_FILE: re.Pattern[str] | None = None
_NOTES: re.Pattern[str] | None = None
# The fields by kind, in the model's order: (name, index of its text in
# match.groups()); the ID, priority, creation and notes have their own places.
_BY_KIND: dict[int, list[tuple[str, int]]] = {}
_ID = _PRIORITY = _CREATED_AT = _NOTES_AT = 0
_REQUIRED = frozenset(n for n, f in Requirement.model_fields.items() if f.is_required())
_PRIORITIES = {p.value: p for p in Priority}
# One offset object per offset as written.
_ZONES: dict[str, tzinfo | None] = {}
_NOTE_KEYS = ("at", "by", "text")


def _kind(name: str) -> int:
    if name == "priority":
        return _PRIO
    if name == "created":
        return _CREATED
    if name == "notes":
        return _NOTES_KIND
    if name in SCORING_TABLES:
        return _TABLE
    if name in LIST_FIELDS:
        return _LISTED
    if name in DATE_FIELDS:
        return _DAY
    if name in NUMBER_FIELDS:
        return _NUM
    return _TEXT


def _note(first: int) -> str:
    """A ``[[notes]]`` block whose groups are numbered from ``first``:
    its time, then the two groups of each of its strings."""
    return (
        rf"\n\[\[notes\]\]\nat = ({_DATETIME})\n"
        rf"by = {_string(first + 1)}\ntext = {_string(first + 3)}\n"
    )


# The same block without groups, for the whole file: in a repeated group, a
# conditional would still see the groups of the note before.
_ANY_STRING = f'(?:"{_CHARS}"|"""\\n{_ML_CHARS}""")'
_NOTE_SHAPE = rf"\n\[\[notes\]\]\nat = {_DATETIME}\nby = {_ANY_STRING}\ntext = {_ANY_STRING}\n"


def _compile() -> None:
    global _FILE, _NOTES
    lines: list[str] = []
    where: dict[str, int] = {}
    group = 1
    for name in KEY_ORDER:
        kind = _kind(name)
        value = _string(group) if kind == _TEXT else _VALUE[kind]
        line = rf"{name} = {value}\n"
        lines.append(line if name in _REQUIRED else f"(?:{line})?")
        # The value's text is the kind's last group (match.groups() counts from 0).
        where[name] = group + _GROUPS[kind] - 2
        group += _GROUPS[kind]
    # The scoring tables (written in this order), each as one group of lines.
    for name in SCORING_TABLES:
        lines.append(rf"(?:\n\[{name}\]\n((?:[A-Za-z0-9_-]+ = {_NUMBER_SHAPE}\n)*))?")
        where[name] = group - 1
        group += 1
    # Every note after the plain keys, as one group (each note's own follow).
    where["notes"] = group - 1
    lines.append(f"((?:{_NOTE_SHAPE})*)")
    _FILE = re.compile("".join(lines) + r"\Z")
    _NOTES = re.compile(_note(1))
    global _ID, _PRIORITY, _CREATED_AT, _NOTES_AT
    for kind in (_TEXT, _LISTED, _DAY, _NUM, _TABLE):
        _BY_KIND[kind] = [(n, where[n]) for n in KNOWN_FIELDS if n != "id" and _kind(n) == kind]
    _ID, _PRIORITY, _CREATED_AT = where["id"], where["priority"], where["created"]
    _NOTES_AT = where["notes"]
    # The optional keys, in the order of requirement()'s presence key.
    _OPTIONAL.extend(n for n, _ in _BY_KIND[_TEXT] if n not in _REQUIRED)
    for kind in (_LISTED, _DAY, _NUM, _TABLE):
        _OPTIONAL.extend(n for n, _ in _BY_KIND[kind])
    global _optional_groups
    _optional_groups = itemgetter(*(where[name] for name in _OPTIONAL))
    _OPTIONAL.append("notes")


def _datetime(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    # The offset is what follows the seconds (and their fraction).
    offset = raw[19:] if raw[19:20] != "." else raw[26:]
    zone = _ZONES.get(offset)
    if zone is None:
        _ZONES[offset] = value.tzinfo
        return value
    return value.replace(tzinfo=zone)


def _number(raw: str) -> int | float:
    # Whether it is finite (1e999 reads as inf) is the validity checks' call.
    return float(raw) if "." in raw or "e" in raw else int(raw)


def _table(raw: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
    """A scoring table's ``key = number`` lines, each a known and valid input."""
    table: dict[str, Any] = {}
    for line in raw.split("\n")[:-1]:
        key, _, number = line.partition(" = ")
        value = _number(number)
        valid = inputs.get(key)
        # A repeated key: TOML refuses it, in tomllib's words.
        if valid is None or key in table or not valid(value):
            return None
        table[key] = value
    return table


def _note_model(groups: tuple[Any, ...]) -> Note:
    at, _, by, _, said = groups
    note = Note.__new__(Note)
    setter = object.__setattr__
    setter(note, "__dict__", {"at": _datetime(at), "by": by, "text": said})
    setter(note, "__pydantic_extra__", {})
    setter(note, "__pydantic_fields_set__", set(_NOTE_KEYS))
    setter(note, "__pydantic_private__", None)
    return note


def requirement(text: str, shared: dict[str, str] | None = None) -> Requirement | None:
    """The requirement of a canonical file's text, or None (the general path decides).

    Does not check the ID against the file name, nor the status against the
    ledger's workflow: the caller does, as for any parsed file.

    ``shared``: equal strings are made one object through it (pass the same
    dict for every file of a ledger: people, statuses and tags repeat, and
    the parse cache then stores each once).
    """
    if _FILE is None:
        _compile()
    match = _FILE.match(text)  # type: ignore[union-attr]
    if match is None:
        return None
    groups = match.groups()
    same = (shared if shared is not None else {}).setdefault
    # Every field in the model's order, None until given (a dict keeps the
    # order of its first keys, whatever order they are then set in).
    fields: dict[str, Any] = dict.fromkeys(KNOWN_FIELDS)
    raw = groups[_ID]
    fields["id"] = same(raw, raw)  # anything: the caller checks
    for name, g in _BY_KIND[_TEXT]:
        raw = groups[g]
        if raw is not None:
            if not raw or raw.isspace():
                return None  # blank: the model words the error
            fields[name] = same(raw, raw)
    for name, g in _BY_KIND[_LISTED]:
        raw = groups[g]
        if raw is None:
            fields[name] = []
        elif (items := _items(raw, same)) is _REFUSED:
            return None
        else:
            fields[name] = items
    fields["priority"] = _PRIORITIES[groups[_PRIORITY]]
    if (created := _created(groups[_CREATED_AT])) is _REFUSED:
        return None
    fields["created"] = created
    for kind, read in _READERS:
        for name, g in _BY_KIND[kind]:
            raw = groups[g]
            if raw is not None:
                if (value := read(name, raw)) is _REFUSED:
                    return None
                fields[name] = value
    raw = groups[_NOTES_AT]
    if not raw:
        fields["notes"] = []
    elif (notes := _notes(raw)) is _REFUSED:
        return None
    else:
        fields["notes"] = notes
    # Which optional keys the file gives (the notes' group is empty, not
    # None, when there are none).
    given = (*map(is_not, _optional_groups(groups), repeat(None)), bool(raw))
    req = Requirement.__new__(Requirement)
    setter = object.__setattr__
    setter(req, "__dict__", fields)
    setter(req, "__pydantic_extra__", {})
    setter(req, "__pydantic_fields_set__", _FIELDS_SETS[given])
    setter(req, "__pydantic_private__", None)
    return req


class _FieldsSets(dict[tuple[bool, ...], set[str]]):
    """One "fields set" per combination of optional keys given: pydantic only
    reads it (and copies it on model_copy)."""

    def __missing__(self, given: tuple[bool, ...]) -> set[str]:
        names = {n for n, present in zip(_OPTIONAL, given, strict=True) if present}
        found = self[given] = names | _REQUIRED
        return found


_FIELDS_SETS = _FieldsSets()
# The optional keys of a file, in the order of requirement()'s presence key.
_OPTIONAL: list[str] = []
# Their groups, but the notes' (which are never None).
_optional_groups: Callable[[tuple[Any, ...]], tuple[Any, ...]]


# What a reader below returns for a value the model must decide on.
_REFUSED: Any = object()


def _items(raw: str, same: Any) -> list[str] | Any:
    items = raw[5:-3].split('",\n    "') if raw else []
    for item in items:
        if not item.strip():
            return _REFUSED
    return list(map(same, items, items))


def _created(raw: str) -> date | Any:
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else _datetime(raw)
    except ValueError:
        return _REFUSED  # 2026-02-30


def _day(_name: str, raw: str) -> date | Any:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return _REFUSED


def _number_of(name: str, raw: str) -> int | float | Any:
    number = _number(raw)
    return number if FAST_FIELDS[name](number) else _REFUSED


def _table_of(name: str, raw: str) -> dict[str, Any] | Any:
    table = _table(raw, FAST_SCORING[name])
    return _REFUSED if table is None else table


_READERS: tuple[tuple[int, Callable[[str, str], Any]], ...] = (
    (_DAY, _day),
    (_NUM, _number_of),
    (_TABLE, _table_of),
)


def _notes(raw: str) -> list[Note] | Any:
    try:
        return [_note_model(f.groups()) for f in _NOTES.finditer(raw)]  # type: ignore[union-attr]
    except ValueError:
        return _REFUSED
