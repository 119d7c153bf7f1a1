"""Changes to goals: a new goal, ``set key=value``, a new KPI reading.

Each function returns a new, validated :class:`Goal` and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import ValidationError

from pmledger.changes import parse_assignment
from pmledger.dates import parse_date
from pmledger.errors import InvalidValueError
from pmledger.goals.model import Goal, Reading
from pmledger.i18n import _
from pmledger.ledger.validation import sentences
from pmledger.text import ascii_forms

READ_ONLY = ("id", "readings", "notes")
NUMBERS = ("target", "baseline", "current")
SETTABLE = tuple(f for f in Goal.model_fields if f not in READ_ONLY)
# Fields every goal has: `goal set` can change them, never clear them.
REQUIRED = tuple(f for f in SETTABLE if Goal.model_fields[f].is_required())


def _validate(data: dict[str, Any]) -> Goal:
    try:
        return Goal.model_validate(data)
    except ValidationError as exc:
        # People's words, as for requirements: "target must be a number, got 'x'".
        raise InvalidValueError("; ".join(sentences(exc))) from None


def number(key: str, text: str) -> int | float:
    """A KPI number typed by a person (``12``, ``0.5``, ``1,200``, ``４５．５``)."""
    # float() reads full-width digits but not the full-width point or comma.
    cleaned = ascii_forms(text).strip().replace(",", "").replace("_", "")
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidValueError(
            _("{field} must be a number, got {text!r}").format(field=key, text=text)
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidValueError(
            _("{field} must be a finite number, got {text!r}").format(field=key, text=text)
        )
    return value


def new_goal(
    goal_id: str,
    title: str,
    *,
    kpi: str,
    target: float,
    as_of: date,
    unit: str | None = None,
    baseline: float | None = None,
    current: float | None = None,
    due: str | None = None,
    owner: str | None = None,
    description: str | None = None,
) -> Goal:
    """A validated new goal."""

    def tidy(v: float | None) -> float | int | None:
        # Typer hands over 3 as 3.0; store what the person typed.
        return int(v) if isinstance(v, float) and v.is_integer() else v

    return _validate(
        {
            "id": goal_id,
            "title": title.strip(),
            "kpi": kpi,
            "target": tidy(target),
            "unit": unit,
            "baseline": tidy(baseline),
            "current": tidy(current),
            "due": parse_date(due, as_of=as_of) if due else None,
            "owner": owner,
            "description": description,
        }
    )


def apply_goal_assignments(goal: Goal, assignments: Iterable[str], *, as_of: date) -> Goal:
    """``goal`` with every ``key=value`` applied, validated as a whole."""
    data = goal.model_dump(mode="python")
    data["readings"] = goal.readings
    data["notes"] = goal.notes
    for text in assignments:
        key, op, raw = parse_assignment(text)
        value = raw.strip()
        if op != "=":
            raise InvalidValueError(
                _("{op} does not apply to goal fields; use key=value").format(op=op)
            )
        if key in READ_ONLY:
            if key == "readings":
                message = _("goal field {key!r} cannot be set: use `pmledger goal measure`")
            else:
                message = _("goal field {key!r} cannot be set: it is fixed")
            raise InvalidValueError(message.format(key=key))
        if key not in SETTABLE:
            raise InvalidValueError(
                _("unknown goal field {key!r}; known fields: {fields}").format(
                    key=key, fields=", ".join(SETTABLE)
                )
            )
        if not value and key in REQUIRED:
            # (An empty value clears an optional field; these have no "unset".)
            raise InvalidValueError(_("{field} cannot be empty").format(field=key))
        if key in NUMBERS:
            data[key] = number(key, value) if value else None
        elif key == "due":
            data[key] = parse_date(value, as_of=as_of) if value else None
        else:
            data[key] = value or None
    return _validate(data)


def with_reading(
    goal: Goal, value: float, *, at: date, by: str | None = None, today: date | None = None
) -> Goal:
    """``goal`` with one more dated KPI reading (appended: history stays as written).

    ``today``: a reading dated after it is refused (a value not yet
    measured would pass for progress made).
    """
    if today is not None and at > today:
        raise InvalidValueError(
            _(
                "a reading cannot be dated after today ({day} > {today}); was the year mistyped?"
            ).format(day=at.isoformat(), today=today.isoformat())
        )
    try:
        reading = Reading(at=at, value=int(value) if float(value).is_integer() else value, by=by)
    except ValidationError as exc:
        raise InvalidValueError("; ".join(sentences(exc, prefix=("readings",)))) from None
    return goal.model_copy(update={"readings": [*goal.readings, reading]})
