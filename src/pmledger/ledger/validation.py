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

from pmledger.i18n import N_, _, ngettext, translate

# Parts of an error location that name a branch of a union or a validator
# wrapper, not a key of the file (``effort.int``, ``created.datetime``).
_TYPE_TAGS = frozenset(
    {"int", "float", "str", "bool", "date", "datetime", "time", "list", "dict", "none", "decimal"}
)

# What a value must be: the end of "effort must be a number, got 'abc'".
# Marked here, translated where the sentence is built.
_NUMBER = N_("a number")
_TEXT = N_("text (in quotes)")
_DATE = N_("a date (YYYY-MM-DD)")
_DATETIME = N_("a date and time (YYYY-MM-DD HH:MM:SS+08:00)")
_BOOL = N_("true or false")
_LIST = N_('a list, like ["a", "b"]')
_TABLE = N_("a table")
_TIME = N_("a time (HH:MM:SS)")

# pydantic error type (or prefix) -> what the value must be.
_EXPECTED: dict[str, str] = {
    "int_parsing": _NUMBER,
    "int_type": _NUMBER,
    "int_from_float": N_("a whole number"),
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "finite_number": N_("a finite number"),
    "number_type": _NUMBER,
    "bool_type": _BOOL,
    "bool_parsing": _BOOL,
    "string_type": _TEXT,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "dict_type": _TABLE,
    "model_type": _TABLE,
    "model_attributes_type": _TABLE,
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "time_type": _TIME,
    "time_parsing": _TIME,
}


# pydantic bound error -> (sentence, the ctx key holding the bound).
_BOUNDS: dict[str, tuple[str, str]] = {
    "greater_than": (N_("{where} must be more than {bound}, got {value}"), "gt"),
    "greater_than_equal": (N_("{where} must be at least {bound}, got {value}"), "ge"),
    "less_than": (N_("{where} must be less than {bound}, got {value}"), "lt"),
    "less_than_equal": (N_("{where} must be at most {bound}, got {value}"), "le"),
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
            # TRANSLATORS: a place in a file, e.g. "tags item 2".
            text = _("{field} item {number}").format(field=text, number=part + 1)
            after_item = True
        elif after_item:
            text += f": {part}"
            after_item = False
        else:
            text += f".{part}" if text else part
    return text or _("the file")


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
        return translate(_TABLE)
    if isinstance(value, list):
        return _("a list")
    return repr(value)


def sentence(error: Any, where: str) -> str:
    """One pydantic error (a dict of ``exc.errors()``) as a sentence about ``where``."""
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return _("{where} is required but missing").format(where=where)
    if kind == "extra_forbidden":
        return _("{where} is not a known key").format(where=where)
    if kind in ("value_error", "assertion_error"):
        msg = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
        # Our validators write predicates ("must be ..."); a whole sentence
        # that already names the key stands alone.
        if msg.startswith((where + " ", where + ".")) or where == _("the file"):
            return msg
        if msg.startswith(("must ", "is ", "has ")):
            # TRANSLATORS: a key, then what our validator says about it.
            return _("{where} {predicate}").format(where=where, predicate=msg)
        return _("{where}: {problem}").format(where=where, problem=msg)
    got = shown(value)
    if kind in ("literal_error", "enum"):
        choices = str(ctx.get("expected", ""))
        return _("{where} must be one of {choices}, got {value}").format(
            where=where, choices=choices, value=got
        )
    if kind in _BOUNDS:
        key = _BOUNDS[kind][1]
        return translate(_BOUNDS[kind][0]).format(where=where, bound=ctx.get(key), value=got)
    if kind in ("too_short", "too_long"):
        count = int(ctx.get("actual_length") or 0)
        if kind == "too_short":
            text = ngettext(
                "{where} has {count} item, which is too few",
                "{where} has {count} items, which is too few",
                count,
            )
        else:
            text = ngettext(
                "{where} has {count} item, which is too many",
                "{where} has {count} items, which is too many",
                count,
            )
        return text.format(where=where, count=count)
    wanted = _EXPECTED.get(kind)
    if wanted is not None:
        return _("{where} must be {wanted}, got {value}").format(
            where=where, wanted=translate(wanted), value=got
        )
    # A type we have no wording for yet: still no pydantic jargon.
    return _("{where} has an invalid value {value}").format(where=where, value=got)


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
