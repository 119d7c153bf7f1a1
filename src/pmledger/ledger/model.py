"""The requirement: a pydantic model of one ledger file.

Unknown keys are allowed and kept (``model_extra``) so that a rewrite never
drops what a user wrote. Values are validated here, the inputs of the
scoring models included; whether a status belongs to the ledger's workflow
is checked against its settings (``pmledger.ledger.settings.check_statuses``),
since workflows are configurable per ledger.
"""

# No `from __future__ import annotations` here: pydantic would evaluate every
# string annotation of the models at import (a compile each, ~1-2 ms of each start).

import math
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from pmledger.i18n import N_, _, translate

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

PRIORITY_HELP = N_("critical, high, medium, low (or P0-P3, must/should/could/wont, 紧急/高/中/低)")


def parse_priority(value: object) -> object:
    """Map the accepted spellings of a priority to its canonical name."""
    if isinstance(value, Priority):
        return value
    if isinstance(value, str):
        # NFKC: full-width letters and digits (Ｐ０) read as ASCII.
        found = PRIORITY_ALIASES.get(unicodedata.normalize("NFKC", value).strip().lower())
        if found is None:
            from pmledger.text import closest

            # `-p hihg` means high: say so, as a misspelled status does.
            meant = closest(value, PRIORITY_ALIASES)
            if meant is not None:
                raise ValueError(
                    _("must be one of {choices}, got {value!r}; did you mean {meant!r}?").format(
                        choices=translate(PRIORITY_HELP), value=value, meant=meant
                    )
                )
            raise ValueError(
                _("must be one of {choices}, got {value!r}").format(
                    choices=translate(PRIORITY_HELP), value=value
                )
            )
        return found
    return value


def _no_bool_number(value: object) -> object:
    # TOML `true` would otherwise pass as the number 1.
    if isinstance(value, bool):
        raise ValueError(_("must be a number, got {value}").format(value=str(value).lower()))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(_("must be a finite number, got {value}").format(value=value))
    return value


def _empty_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError(_("must not be empty"))
    return value


def _aware(value: object) -> object:
    # Canonical files carry an offset; a naive datetime is read as UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


Number = Annotated[int | float, BeforeValidator(_no_bool_number)]
NonNegative = Annotated[int | float, BeforeValidator(_no_bool_number), Field(ge=0)]
OptionalText = Annotated[str | None, BeforeValidator(_empty_to_none)]
# Text a record cannot do without (a title, a status, a goal's KPI).
RequiredText = Annotated[str, AfterValidator(_not_blank)]
# After pydantic's conversion, so that a bare date (read as midnight) gets
# its offset too and the file is canonical after one `fmt`.
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


PositiveNumber = Annotated[int | float, BeforeValidator(_no_bool_number), Field(gt=0)]
RICE_IMPACTS: tuple[float, ...] = (3, 2, 1, 0.5, 0.25)


def _rice_impact(value: int | float) -> int | float:
    if value not in RICE_IMPACTS:
        allowed = ", ".join(f"{v:g}" for v in RICE_IMPACTS)
        raise ValueError(
            _("must be one of {allowed} (massive to minimal), got {value:g}").format(
                allowed=allowed, value=value
            )
        )
    return value


def _share(value: int | float) -> int | float:
    if not 0 < value <= 1:
        raise ValueError(
            _("must be more than 0 and at most 1 (1.0, 0.8, 0.5 customary), got {value:g}").format(
                value=value
            )
        )
    return value


def _one_to_ten(value: int | float) -> int | float:
    if not 1 <= value <= 10:
        raise ValueError(_("must be from 1 to 10, got {value:g}").format(value=value))
    return value


# Every model here builds its validator on first use (defer_build), not at
# import: `show` and `add` build their requirement without it when every value
# is valid as it stands (evident_requirement), and most commands never
# validate a scoring table. Building them all at import cost ~10 ms of each start.
class _ScoringInputs(BaseModel):
    # A misspelt input (rice.raech) must be refused, not ignored at rank time.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class RiceInputs(_ScoringInputs):
    """The ``[rice]`` table: reach x impact x confidence / effort (person-months)."""

    reach: NonNegative | None = None
    impact: Annotated[Number, AfterValidator(_rice_impact)] | None = None
    confidence: Annotated[Number, AfterValidator(_share)] | None = None
    effort: PositiveNumber | None = None


class WsjfInputs(_ScoringInputs):
    """The ``[wsjf]`` table: cost of delay / job size, on relative scales."""

    business_value: NonNegative | None = None
    time_criticality: NonNegative | None = None
    risk_reduction: NonNegative | None = None
    job_size: PositiveNumber | None = None


class IceInputs(_ScoringInputs):
    """The ``[ice]`` table: impact, confidence and ease, each 1 to 10."""

    impact: Annotated[Number, AfterValidator(_one_to_ten)] | None = None
    confidence: Annotated[Number, AfterValidator(_one_to_ten)] | None = None
    ease: Annotated[Number, AfterValidator(_one_to_ten)] | None = None


# The inputs of each alternative model (one table per model, SCORING_TABLES).
SCORING_INPUTS: dict[str, type[_ScoringInputs]] = {
    "rice": RiceInputs,
    "wsjf": WsjfInputs,
    "ice": IceInputs,
}


def _inputs_table(model: type[_ScoringInputs]) -> Any:
    def check(value: dict[str, Any] | None) -> dict[str, Any] | None:
        # Validated against the typed inputs, but kept as written (key order
        # and int/float), so a rewrite never reorders or retypes a table.
        if value is None:
            return value
        unknown = [k for k in value if k not in model.model_fields]
        known = {k: v for k, v in value.items() if k not in unknown}
        # Range errors carry their own location (rice.impact); an unknown key
        # alone gets a sentence naming the inputs there are.
        model.model_validate(known)
        if unknown:
            names = ", ".join(model.model_fields)
            raise ValueError(
                _("has no input {name!r}; its inputs are {names}").format(
                    name=unknown[0], names=names
                )
            )
        return value

    return AfterValidator(check)


class Note(BaseModel):
    """A dated entry of the feedback log: who said what, when."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    at: AwareDatetime
    by: str
    text: str


class Requirement(BaseModel):
    """One requirement, as stored in one TOML file (immutable: change it with
    ``model_copy(update=...)`` or the functions of :mod:`pmledger.changes`)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    id: str
    title: RequiredText
    status: RequiredText
    priority: Annotated[Priority, BeforeValidator(parse_priority)]
    # Before: a datetime given as one; after: one pydantic parsed from text
    # (a quoted "2025-11-05T09:00:00"), which would otherwise stay naive and
    # not compare with every other requirement's.
    created: Annotated[datetime | date, BeforeValidator(_aware), AfterValidator(_aware)]
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
    rice: Annotated[dict[str, Any] | None, _inputs_table(RiceInputs)] = None
    wsjf: Annotated[dict[str, Any] | None, _inputs_table(WsjfInputs)] = None
    ice: Annotated[dict[str, Any] | None, _inputs_table(IceInputs)] = None
    notes: list[Note] = Field(default_factory=list)
    import_source: OptionalText = None  # "jira:PROJ-12": what `import` matches on re-import

    @field_validator("due", mode="before")
    @classmethod
    def _due_is_a_date(cls, value: object) -> object:
        if isinstance(value, datetime):
            raise ValueError(_("must be a date (YYYY-MM-DD), not a date and time"))
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_blank_items(cls, value: Any) -> Any:
        # Every list of text (LIST_FIELDS) refuses blank items.
        if isinstance(value, list) and any(isinstance(v, str) and not v.strip() for v in value):
            raise ValueError(_("has an empty item"))
        return value

    @property
    def extra(self) -> dict[str, Any]:
        """Keys this version of pmledger does not know, as read from the file."""
        return dict(self.model_extra or {})

    @property
    def created_at(self) -> datetime:
        """When it was created, as an aware datetime (a bare date is midnight UTC);
        the one sort key for "created" in listings and rankings."""
        created = self.created
        if isinstance(created, datetime):
            return created
        return datetime.combine(created, time.min, tzinfo=UTC)

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


# One "fields set" per distinct set of keys, shared by the requirements
# rebuilt from the cache: pydantic only reads it, and copies it on
# model_copy. A set of ~25 names per requirement was 220 MB at 100k.
_FIELDS_SETS: dict[tuple[str, ...], set[str]] = {}
_EVERY_FIELD: set[str] = set(Requirement.model_fields)
_FIELD_COUNT = len(_EVERY_FIELD)


def requirement_from_state(
    state: tuple[dict[str, Any], dict[str, Any] | None] | dict[str, Any], *, owned: bool = False
) -> Requirement:
    """A requirement rebuilt from :func:`requirement_state` (no validation).

    ``state`` may also be the fields alone, for a requirement without
    unknown keys (the parse cache stores it so: two objects fewer to pickle
    and unpickle per requirement).

    ``owned``: the caller hands the state's dicts over (the parse cache,
    whose entries are not used again): they become the model's own instead
    of being copied (100 MB at 100k requirements).
    """
    obj = Requirement.__new__(Requirement)
    setter = object.__setattr__
    extra: dict[str, Any] | None
    if isinstance(state, dict):
        fields = state if owned else dict(state)
        extra = {}
    else:
        # Otherwise shallow copies: a rebuilt model never aliases the caller's dicts.
        fields = state[0] if owned else dict(state[0])
        extra = state[1] if owned or state[1] is None else dict(state[1])
    fields_set: set[str] | None
    if len(fields) == _FIELD_COUNT:
        # A validated model's __dict__ holds every field (the common case:
        # one length check instead of hashing ~25 names per requirement).
        fields_set = _EVERY_FIELD
    else:
        keys = tuple(fields)
        fields_set = _FIELDS_SETS.get(keys)
        if fields_set is None:
            fields_set = _FIELDS_SETS[keys] = set(keys)
    setter(obj, "__dict__", fields)
    setter(obj, "__pydantic_extra__", extra)
    setter(obj, "__pydantic_fields_set__", fields_set)
    setter(obj, "__pydantic_private__", None)
    return obj


def requirements_from_states(
    states: Iterable[tuple[dict[str, Any], dict[str, Any] | None] | dict[str, Any]],
) -> list[Requirement]:
    """``requirement_from_state(s, owned=True)`` of each state, in one loop (the
    parse cache's usual path: 100k calls cost ~50 ms more at 100k requirements)."""
    new = Requirement.__new__
    setter = object.__setattr__
    every, count = _EVERY_FIELD, _FIELD_COUNT
    out: list[Requirement] = []
    append = out.append
    for state in states:
        if state.__class__ is not dict or len(state) != count:
            append(requirement_from_state(state, owned=True))
            continue
        obj = new(Requirement)
        setter(obj, "__dict__", state)
        setter(obj, "__pydantic_extra__", {})
        setter(obj, "__pydantic_fields_set__", every)
        setter(obj, "__pydantic_private__", None)
        append(obj)
    return out


# Fields whose default is an empty list (default_factory=list); the others default to None.
_LIST_DEFAULTS = frozenset(
    n for n, f in Requirement.model_fields.items() if f.default_factory is list
)


# Types the model keeps as they are (dates and datetimes are kept even as subclasses).
_EXACT = frozenset({str, int, float})
_REQUIRED = frozenset(n for n, f in Requirement.model_fields.items() if f.is_required())


def _make(
    cls: type[BaseModel], fields: dict[str, Any], extra: dict[str, Any], given: Iterable[str]
) -> Any:
    # What pydantic's validator leaves in a model: its fields in declaration
    # order, the unknown keys apart, and every key given counted as "set".
    obj = cls.__new__(cls)
    setter = object.__setattr__
    setter(obj, "__dict__", fields)
    setter(obj, "__pydantic_extra__", extra)
    setter(obj, "__pydantic_fields_set__", set(given))
    setter(obj, "__pydantic_private__", None)
    return obj


def evident_requirement(data: dict[str, Any]) -> Requirement | None:
    """The requirement ``data`` (a parsed file, or a new requirement's values)
    describes, built without pydantic's validator when every value is valid
    and canonical as it stands; None when the model must decide (an alias,
    a naive datetime, a blank text, anything refused).

    Equal to ``Requirement.model_validate(data)`` field for field, extra keys
    and "fields set" included (tests/test_evident_requirement.py, under
    hypothesis). The checks are the merge driver's
    (:mod:`pmledger.ledger.records`), which that driver's tests hold equal to
    the model's.
    """
    from pmledger.ledger.records import _NOTE_FIELDS, FAST_FIELDS, FAST_SCORING

    fields: dict[str, Any] = {}
    for name in KNOWN_FIELDS:
        if name not in data:
            if name in _REQUIRED:
                return None
            fields[name] = [] if name in _LIST_DEFAULTS else None
            continue
        value = data[name]
        if name in SCORING_TABLES:
            inputs = FAST_SCORING[name]
            if value is not None:
                if type(value) is not dict or any(
                    k not in inputs or not inputs[k](v) for k, v in value.items()
                ):
                    return None
                value = dict(value)
        elif name == "notes":
            if type(value) is not list:
                return None
            notes = []
            for note in value:
                if type(note) is not dict or any(
                    k not in note or not valid(note[k]) for k, valid in _NOTE_FIELDS.items()
                ):
                    return None
                if type(note["by"]) is not str or type(note["text"]) is not str:
                    return None  # a str subclass: the model makes it a plain str
                rest = {k: v for k, v in note.items() if k not in _NOTE_FIELDS}
                known = {"at": note["at"], "by": note["by"], "text": note["text"]}
                notes.append(_make(Note, known, rest, note))
            value = notes
        elif value is None and name not in _REQUIRED and name not in _LIST_DEFAULTS:
            pass  # an explicit None: the default, as pydantic keeps it
        elif not FAST_FIELDS[name](value):
            return None
        elif name == "priority":
            value = Priority(value)
        elif name in _LIST_DEFAULTS:
            if any(type(item) is not str for item in value):
                return None  # a str subclass: the model makes it a plain str
            value = list(value)
        elif isinstance(value, str | int | float) and type(value) not in _EXACT:
            return None  # a subclass of str, int or float: the model converts it
        fields[name] = value
    extra = {k: v for k, v in data.items() if k not in fields}
    req: Requirement = _make(Requirement, fields, extra, data)
    return req
