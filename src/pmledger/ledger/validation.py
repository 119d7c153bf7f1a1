"""Schema errors in people's words: the one translation of pydantic's errors.

pydantic reports ``field 'effort.int': Input should be a valid integer``;
a product manager needs ``effort must be a number, got 'abc'``. Every
validation error of a requirement, a ``set`` and ``pmledger.toml`` goes
through :func:`describe`, which names each field as the person wrote it
and lists every problem, not only the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError

# Parts of an error location that name a branch of a union or a validator
# wrapper, not a key of the file (``effort.int``, ``created.datetime``).
_TYPE_TAGS = frozenset(
    {"int", "float", "str", "bool", "date", "datetime", "time", "list", "dict", "none", "decimal"}
)

_NUMBER = "a number"
_TEXT = "text (in quotes)"
_DATE = "a date (YYYY-MM-DD)"
_DATETIME = "a date and time (YYYY-MM-DD HH:MM:SS+08:00)"

# pydantic error type (or prefix) -> what the value must be.
_EXPECTED: dict[str, str] = {
    "int_parsing": _NUMBER,
    "int_type": _NUMBER,
    "int_from_float": "a whole number",
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "finite_number": "a finite number",
    "number_type": _NUMBER,
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": _TEXT,
    "list_type": 'a list, like ["a", "b"]',
    "tuple_type": 'a list, like ["a", "b"]',
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "time_type": "a time (HH:MM:SS)",
    "time_parsing": "a time (HH:MM:SS)",
}


@dataclass(frozen=True)
class Described:
    """One validation problem: where (``loc``, the path of keys) and what, in a sentence."""

    loc: tuple[str | int, ...]
    field: str | None
    sentence: str


def clean_loc(loc: tuple[str | int, ...], error_type: str = "") -> tuple[str | int, ...]:
    """The location without pydantic's union-branch and wrapper tags."""
    parts = list(loc)
    keep_last = error_type == "extra_forbidden"
    out: list[str | int] = []
    for index, part in enumerate(parts):
        is_last = index == len(parts) - 1
        if isinstance(part, str) and not (keep_last and is_last) and _is_tag(part):
            continue
        out.append(part)
    return tuple(out)


def _is_tag(part: str) -> bool:
    return part in _TYPE_TAGS or "[" in part or part.startswith(("function-", "constrained-"))


def field_name(loc: tuple[str | int, ...]) -> str | None:
    """The machine form of a location: ``notes.1.at``."""
    return ".".join(str(p) for p in loc) or None


def label(loc: tuple[str | int, ...]) -> str:
    """A location as people read it: ``rice.impact``, ``tags item 2``, ``notes item 1: at``."""
    text = ""
    after_item = False
    for part in loc:
        if isinstance(part, int):
            text += f" item {part + 1}"
            after_item = True
        elif after_item:
            text += f": {part}"
            after_item = False
        else:
            text += f".{part}" if text else part
    return text or "the file"


def shown(value: Any) -> str:
    """A value as it would look in the file, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:39] + "…"
        return repr(text)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def sentence(error: Any, where: str) -> str:
    """One pydantic error (a dict of ``exc.errors()``) as a sentence about ``where``."""
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return f"{where} is required but missing"
    if kind == "extra_forbidden":
        return f"{where} is not a known key"
    if kind in ("value_error", "assertion_error"):
        msg = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
        # Our validators write predicates ("must be ..."); a whole sentence
        # that already names the key stands alone.
        if msg.startswith((where + " ", where + ".")) or where == "the file":
            return msg
        return f"{where} {msg}" if msg.startswith(("must ", "is ", "has ")) else f"{where}: {msg}"
    if kind in ("literal_error", "enum"):
        choices = str(ctx.get("expected", ""))
        return f"{where} must be one of {choices}, got {shown(value)}"
    bounds = {
        "greater_than": ("more than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{where} must be {words} {ctx.get(key)}, got {shown(value)}"
    if kind in ("too_short", "too_long"):
        return f"{where} has {ctx.get('actual_length')} items, which is too {kind[4:]}"
    wanted = _EXPECTED.get(kind)
    if wanted is not None:
        return f"{where} must be {wanted}, got {shown(value)}"
    # A type we have no wording for yet: still no pydantic jargon.
    return f"{where} has an invalid value {shown(value)}"


def describe(exc: ValidationError, *, prefix: tuple[str | int, ...] = ()) -> list[Described]:
    """Every problem of a validation error, once per field, in people's words."""
    out: list[Described] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    fields_done: set[tuple[str | int, ...]] = set()
    errors = exc.errors()
    # A union (``effort: int | float``) reports one error per branch: keep
    # the first sentence per field.
    for error in errors:
        loc = prefix + clean_loc(tuple(error["loc"]), error["type"])
        text = sentence(error, label(loc))
        if (loc, text) in seen or (loc in fields_done and _is_branch(error)):
            continue
        seen.add((loc, text))
        fields_done.add(loc)
        out.append(Described(loc, field_name(loc), text))
    return out


def _is_branch(error: Any) -> bool:
    return any(isinstance(p, str) and _is_tag(p) for p in error["loc"])


def sentences(exc: ValidationError, *, prefix: tuple[str | int, ...] = ()) -> list[str]:
    """Just the sentences of :func:`describe`."""
    return [d.sentence for d in describe(exc, prefix=prefix)]
