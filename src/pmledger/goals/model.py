"""A goal: a shared objective with one KPI, a target and dated readings.

Like a requirement, a goal is a frozen pydantic model of one file; unknown
keys are kept. The KPI's history is a list of readings (``[[readings]]``
blocks), so that a new measurement is a diff of new lines only.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pmledger.i18n import _
from pmledger.ledger.model import Note, Number, OptionalText, RequiredText

# A goal ID is chosen by people ("Q4-margin", "G-增长") and becomes a file
# name: a letter or digit (any script), then letters, digits, dashes,
# underscores or dots; never a path.
GOAL_ID = re.compile(r"^[^\W_][\w.-]{0,63}$")
# Names Windows gives to devices, whatever the extension (NUL.toml, con.x.toml):
# a goals/CON.toml committed on Linux cannot be checked out there, and
# writing it on Windows writes to the console.
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10))}
)


def windows_device(goal_id: str) -> bool:
    """Whether a file named after ``goal_id`` would be a device on Windows."""
    return goal_id.split(".", 1)[0].upper() in _WINDOWS_DEVICES


class Reading(BaseModel):
    """One measurement of a goal's KPI."""

    model_config = ConfigDict(extra="allow", frozen=True)

    at: date
    value: Number
    by: OptionalText = None


class Goal(BaseModel):
    """One goal, as stored in one TOML file."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    title: RequiredText
    kpi: RequiredText
    unit: OptionalText = None
    baseline: Number | None = None
    target: Number
    current: Number | None = None
    due: date | None = None
    owner: OptionalText = None
    description: OptionalText = None
    readings: list[Reading] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if ".." in value or not GOAL_ID.match(value):
            raise ValueError(
                _("a goal ID is letters, digits, '-', '_' or '.', starting with a letter or digit")
            )
        if windows_device(value):
            raise ValueError(
                _(
                    "{id!r} names a device on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9), "
                    "where its file could not be checked out; choose another goal ID"
                ).format(id=value)
            )
        return value

    @property
    def extra(self) -> dict[str, Any]:
        """Keys this version of pmledger does not know, as read from the file."""
        return dict(self.model_extra or {})

    def history(self) -> list[Reading]:
        """The readings in date order (stable for equal dates)."""
        return sorted(self.readings, key=lambda r: r.at)

    @property
    def latest(self) -> float | None:
        """The KPI now: the latest reading, else ``current``."""
        history = self.history()
        return history[-1].value if history else self.current

    @property
    def progress(self) -> float | None:
        """How much of the way from baseline (or 0) to target the KPI has gone (0..1+).

        Works for KPIs that should fall (baseline above target) as well.
        """
        now = self.latest
        if now is None:
            return None
        start = self.baseline if self.baseline is not None else 0
        span = self.target - start
        if span == 0:
            return 1.0 if now == self.target else 0.0
        return (now - start) / span


GOAL_TABLES = ("readings", "notes")
GOAL_KEY_ORDER: tuple[str, ...] = tuple(n for n in Goal.model_fields if n not in GOAL_TABLES)
