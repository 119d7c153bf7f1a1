"""Field-level differences between two versions of a record, as TOML data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pmledger.i18n import _


@dataclass(frozen=True)
class FieldChange:
    """One field whose value changed (``None``: absent on that side)."""

    field: str
    old: Any
    new: Any


def plain(value: Any) -> Any:
    """A JSON-ready copy of a TOML value (dates and times as ISO text)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _flatten(doc: Mapping[str, Any], skip: tuple[str, ...], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if not prefix and key in skip:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, skip, name + "."))
        else:
            out[name] = value
    return out


def field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], *, logs: tuple[str, ...] = ("notes",)
) -> list[FieldChange]:
    """Every field (tables flattened as ``rice.impact``) that differs, logs aside."""
    a, b = _flatten(old, logs), _flatten(new, logs)
    return [
        FieldChange(key, a.get(key), b.get(key))
        for key in dict.fromkeys([*a, *b])
        if a.get(key) != b.get(key)
    ]


def log_entries_added(
    old: Mapping[str, Any], new: Mapping[str, Any], log: str = "notes"
) -> list[Mapping[str, Any]]:
    """Entries of a log (notes) present in ``new`` and not in ``old``."""
    before = old.get(log) or []
    return [e for e in new.get(log) or [] if isinstance(e, Mapping) and e not in before]


def format_value(value: Any, limit: int = 60) -> str:
    """A value on one line for people: lists joined, long text cut."""
    if value is None:
        return _("(none)")
    if isinstance(value, list):
        text = ", ".join(format_value(v, limit) for v in value) or _("(empty)")
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
