"""The goal file format, on the requirement files' machinery
(:mod:`pmledger.ledger.fileformat`): fixed key order, ``[[readings]]`` and
``[[notes]]`` blocks, unknown keys kept after the known ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pmledger.errors import InvalidFileError
from pmledger.goals.model import GOAL_KEY_ORDER, Goal, Reading
from pmledger.ledger import fileformat as base


def _reading_document(reading: Reading) -> dict[str, Any]:
    doc: dict[str, Any] = {"at": reading.at, "value": reading.value}
    if reading.by:
        doc["by"] = reading.by
    extra = reading.model_extra or {}
    for key in sorted(extra):
        doc[key] = extra[key]
    return doc


def to_document(goal: Goal) -> dict[str, Any]:
    """The goal as an ordered mapping, ready for the canonical serialiser."""
    doc: dict[str, Any] = {}
    for key in GOAL_KEY_ORDER:
        value = getattr(goal, key)
        if value is not None:
            doc[key] = value
    extra = goal.extra
    for key in sorted(k for k, v in extra.items() if not base._is_table(v)):
        doc[key] = extra[key]
    for key in sorted(k for k, v in extra.items() if base._is_table(v)):
        doc[key] = extra[key]
    if goal.readings:
        doc["readings"] = [_reading_document(r) for r in goal.readings]
    if goal.notes:
        doc["notes"] = [base._note_document(n) for n in goal.notes]
    return doc


def dumps(goal: Goal) -> str:
    """The canonical text of a goal file."""
    return base.dumps_document(to_document(goal), blocks=("readings", "notes"))


def loads(text: str, path: Path) -> Goal:
    """Parse and validate one goal file's text."""
    data = base.parse_toml(text, path)
    try:
        return Goal.model_validate(data)
    except ValidationError as exc:
        raise InvalidFileError(base.validation_problems(exc, path, text)) from None
