"""The requirement: a pydantic model of one ledger file.

Unknown keys are allowed and kept (``model_extra``) so that a rewrite never
drops what a user wrote. Values are validated here; whether a status belongs
to the ledger's workflow is the ledger's business (``pmledger.ledger.ledger``),
since workflows are configurable per ledger.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator


class Priority(StrEnum):
    """Business priority, highest first."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"

    @property
    def rank(self) -> int:
        """0 for critical ... 3 for low (used as a tie-break: lower first)."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.critical: 0, Priority.high: 1, Priority.medium: 2, Priority.low: 3}

PRIORITY_ALIASES: dict[str, Priority] = {
    "critical": Priority.critical,
    "crit": Priority.critical,
    "high": Priority.high,
    "medium": Priority.medium,
    "med": Priority.medium,
    "low": Priority.low,
    "p0": Priority.critical,
    "p1": Priority.high,
    "p2": Priority.medium,
    "p3": Priority.low,
    # MoSCoW: "won't (this time)" is the least urgent, not a rejection; the
    # status says whether it is rejected or deferred.
    "must": Priority.critical,
    "should": Priority.high,
    "could": Priority.medium,
    "wont": Priority.low,
    "won't": Priority.low,
}

PRIORITY_HELP = "critical, high, medium, low (or P0-P3, must/should/could/wont)"


def parse_priority(value: object) -> object:
    """Map the accepted spellings of a priority to its canonical name."""
    if isinstance(value, Priority):
        return value
    if isinstance(value, str):
        found = PRIORITY_ALIASES.get(value.strip().lower())
        if found is None:
            raise ValueError(f"unknown priority {value!r}; expected {PRIORITY_HELP}")
        return found
    return value


def _no_bool_number(value: object) -> object:
    # TOML `true` would otherwise pass as the number 1.
    if isinstance(value, bool):
        raise ValueError("expected a number, not a boolean")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number")
    return value


def _empty_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _aware(value: object) -> object:
    # Canonical files carry an offset; a naive datetime is read as UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


Number = Annotated[int | float, BeforeValidator(_no_bool_number)]
NonNegative = Annotated[int | float, BeforeValidator(_no_bool_number), Field(ge=0)]
OptionalText = Annotated[str | None, BeforeValidator(_empty_to_none)]
AwareDatetime = Annotated[datetime, BeforeValidator(_aware)]


class Note(BaseModel):
    """A dated entry of the feedback log: who said what, when."""

    model_config = ConfigDict(extra="allow")

    at: AwareDatetime
    by: str
    text: str


class Requirement(BaseModel):
    """One requirement, as stored in one TOML file."""

    model_config = ConfigDict(extra="allow")

    id: str
    title: str
    status: str
    priority: Annotated[Priority, BeforeValidator(parse_priority)]
    created: Annotated[datetime | date, BeforeValidator(_aware)]
    requester: OptionalText = None
    department: OptionalText = None
    owner: OptionalText = None
    tags: list[str] = Field(default_factory=list)
    due: date | None = None
    effort: NonNegative | None = None
    value: Number | None = None
    goal: OptionalText = None
    sprint: OptionalText = None
    depends_on: list[str] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    description: OptionalText = None
    acceptance: list[str] = Field(default_factory=list)
    rice: dict[str, Any] | None = None
    wsjf: dict[str, Any] | None = None
    ice: dict[str, Any] | None = None
    notes: list[Note] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the title is empty")
        return value

    @field_validator("status")
    @classmethod
    def _status_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the status is empty")
        return value

    @field_validator("due", mode="before")
    @classmethod
    def _due_is_a_date(cls, value: object) -> object:
        if isinstance(value, datetime):
            raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
        return value

    @field_validator("tags", "depends_on", "links", "acceptance")
    @classmethod
    def _no_blank_items(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("a list item is empty")
        return value

    @property
    def extra(self) -> dict[str, Any]:
        """Keys this version of pmledger does not know, as read from the file."""
        return dict(self.model_extra or {})

    @property
    def created_date(self) -> date:
        """The calendar day the requirement was created."""
        created = self.created
        return created.date() if isinstance(created, datetime) else created


KNOWN_FIELDS: tuple[str, ...] = tuple(Requirement.model_fields)


# The parse cache stores a validated requirement as its plain state and
# rebuilds it without validating again: unpickling 10k full models costs
# about twice as much (docs/performance.md). Only data that pydantic itself
# validated is ever stored, so skipping validation on the way back is safe.
_SHARED_FIELDS_SET: set[str] = set()


def requirement_state(req: Requirement) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The plain, picklable state of a validated requirement."""
    return req.__dict__, req.__pydantic_extra__


def requirement_from_state(state: tuple[dict[str, Any], dict[str, Any] | None]) -> Requirement:
    """A requirement rebuilt from :func:`requirement_state` (no validation)."""
    obj = Requirement.__new__(Requirement)
    setter = object.__setattr__
    setter(obj, "__dict__", state[0])
    setter(obj, "__pydantic_extra__", state[1])
    setter(obj, "__pydantic_fields_set__", _SHARED_FIELDS_SET)
    setter(obj, "__pydantic_private__", None)
    return obj
