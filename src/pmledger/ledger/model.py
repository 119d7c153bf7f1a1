"""The requirement: a pydantic model of one ledger file.

Unknown keys are allowed and kept (``model_extra``) so that a rewrite never
drops what a user wrote. Values are validated here; whether a status belongs
to the ledger's workflow is the ledger's business (``pmledger.ledger.ledger``),
since workflows are configurable per ledger.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

ScoringModel = Literal["default", "rice", "wsjf", "ice"]
# Every alternative model reads its inputs from a table of its own name in
# the requirement file, so that scales never clash (docs/scoring.md).
SCORING_MODELS: tuple[str, ...] = get_args(ScoringModel)
SCORING_TABLES: tuple[str, ...] = tuple(m for m in SCORING_MODELS if m != "default")


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
    # Chinese (issue 12): 紧急 "urgent", 最高 "highest", 一般 "ordinary".
    "紧急": Priority.critical,
    "最高": Priority.critical,
    "高": Priority.high,
    "中": Priority.medium,
    "一般": Priority.medium,
    "低": Priority.low,
}

PRIORITY_HELP = "critical, high, medium, low (or P0-P3, must/should/could/wont, 紧急/高/中/低)"


def parse_priority(value: object) -> object:
    """Map the accepted spellings of a priority to its canonical name."""
    if isinstance(value, Priority):
        return value
    if isinstance(value, str):
        # NFKC: full-width letters and digits (Ｐ０) read as ASCII.
        found = PRIORITY_ALIASES.get(unicodedata.normalize("NFKC", value).strip().lower())
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

    model_config = ConfigDict(extra="allow", frozen=True)

    at: AwareDatetime
    by: str
    text: str


class Requirement(BaseModel):
    """One requirement, as stored in one TOML file (immutable: change it with
    ``model_copy(update=...)`` or the functions of :mod:`pmledger.changes`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

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
    # One table per alternative scoring model (SCORING_TABLES), in that order.
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

    @field_validator("*", mode="after")
    @classmethod
    def _no_blank_items(cls, value: Any) -> Any:
        # Every list of text (LIST_FIELDS) refuses blank items.
        if isinstance(value, list) and any(isinstance(v, str) and not v.strip() for v in value):
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


def _fields_typed(*types: object) -> tuple[str, ...]:
    return tuple(
        name
        for name, info in Requirement.model_fields.items()
        if info.annotation in types or any(a in types for a in get_args(info.annotation))
    )


# Schema facts derived from the model, so that the file format, `set`, checks,
# import and export can never disagree with it.
LIST_FIELDS: tuple[str, ...] = _fields_typed(list[str])
DATE_FIELDS: tuple[str, ...] = tuple(
    n for n, i in Requirement.model_fields.items() if i.annotation == date | None
)
NUMBER_FIELDS: tuple[str, ...] = ("effort", "value")
# The order of keys in a file: the model's field order. Tables (the scoring
# tables, then notes) come after every plain key, as TOML requires.
KEY_ORDER: tuple[str, ...] = tuple(
    n for n in KNOWN_FIELDS if n not in SCORING_TABLES and n != "notes"
)


# The parse cache stores a validated requirement as its plain state and
# rebuilds it without validating again: unpickling 10k full models costs
# about twice as much (docs/performance.md). Only data that pydantic itself
# validated is ever stored, so skipping validation on the way back is safe.
def requirement_state(req: Requirement) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The plain, picklable state of a validated requirement."""
    return req.__dict__, req.__pydantic_extra__


def requirement_from_state(state: tuple[dict[str, Any], dict[str, Any] | None]) -> Requirement:
    """A requirement rebuilt from :func:`requirement_state` (no validation)."""
    obj = Requirement.__new__(Requirement)
    setter = object.__setattr__
    # Shallow copies: a rebuilt model never aliases the cache's dicts.
    fields = dict(state[0])
    setter(obj, "__dict__", fields)
    setter(obj, "__pydantic_extra__", dict(state[1]) if state[1] is not None else None)
    setter(obj, "__pydantic_fields_set__", set(fields))
    setter(obj, "__pydantic_private__", None)
    return obj
