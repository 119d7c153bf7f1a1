"""The fields a ranking reads, as one list per field.

A ranking of 100k requirements that reads each requirement's model field
by field pays a cache miss or two per read (the object, its ``__dict__``,
the value): ≈ 0.5 µs each, in every pass. Held as columns, the same
fields are contiguous lists that C-level loops (``map``, ``zip``,
``sorted``) walk without a Python step per requirement, and the parse
cache stores them beside the models' states, so a ranking of an unchanged
ledger builds no model at all (``docs/performance.md``, ninth round).

Dates are kept as proleptic ordinals and the creation time as
microseconds since the epoch: ints pickle and compare several times
faster than ``date`` and ``datetime`` objects, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FIELDS = (
    "id",
    "title",
    "status",
    "priority",
    "due",
    "created",
    "owner",
    "department",
    "effort",
    "depends_on",
)
_READ = itemgetter(*_FIELDS)
_NO_DEPENDENCY: tuple[str, ...] = ()


class Columns(NamedTuple):
    """Requirements as columns, row ``i`` of each list being one requirement."""

    ids: list[str]
    titles: list[str]
    statuses: list[str]
    # Priority's values (the enum is a str: equal, and hashed alike).
    priorities: list[str]
    # The due date's ordinal, or None.
    dues: list[int | None]
    # As written (a date, or an aware datetime): for a reader.
    created: list[date | datetime]
    # The creation instant in µs since the epoch (a bare date: midnight UTC),
    # ordered as ``Requirement.created_at``.
    created_us: list[int]
    # The calendar day of creation (``Requirement.created_date``), as an ordinal.
    created_days: list[int]
    owners: list[str | None]
    departments: list[str | None]
    efforts: list[int | float | None]
    depends_on: list[tuple[str, ...]]

    @property
    def size(self) -> int:
        """The number of requirements (``len`` is the number of columns)."""
        return len(self.ids)

    def select(self, keep: Iterable[bool]) -> Columns:
        """The rows whose ``keep`` is true, in order."""
        from itertools import compress

        mask = list(keep)
        return Columns._make(list(compress(column, mask)) for column in self)

    def rows(self, order: list[int]) -> Columns:
        """The rows at the positions of ``order``, in that order."""
        return Columns._make(reorder(column, order) for column in self)


def reorder(column: list[T], order: list[int]) -> list[T]:
    """The items of ``column`` at the positions of ``order``, in that order
    (fetched in C: a comprehension costs ~30 ms a column at 100k)."""
    if len(order) < 2:
        return [column[i] for i in order]
    return list(itemgetter(*order)(column))


def created_instant(created: date | datetime) -> int:
    """``created`` as µs since the epoch (a bare date: midnight UTC)."""
    if not isinstance(created, datetime):
        created = datetime(created.year, created.month, created.day, tzinfo=UTC)
    return (created - _EPOCH) // _MICROSECOND


def created_day(created: date | datetime) -> int:
    """The ordinal of the calendar day ``created`` falls on (its own time zone's)."""
    return (created.date() if isinstance(created, datetime) else created).toordinal()


def columns_of(fields: Iterable[Mapping[str, Any]]) -> Columns:
    """The columns of requirements given by their fields (a model's ``vars``,
    or a state of the parse cache), in order."""
    rows = list(map(_READ, fields))
    if not rows:
        return Columns([], [], [], [], [], [], [], [], [], [], [], [])
    ids, titles, statuses, priorities, dues, created, owners, departments, efforts, depends = zip(
        *rows, strict=True
    )
    return Columns(
        ids=list(ids),
        titles=list(titles),
        statuses=list(statuses),
        # Plain strings (str() of the StrEnum is its value): an enum member
        # pickles as a call to its class.
        priorities=list(map(str, priorities)),
        dues=[d.toordinal() if d is not None else None for d in dues],
        created=list(created),
        created_us=list(map(created_instant, created)),
        created_days=list(map(created_day, created)),
        owners=list(owners),
        departments=list(departments),
        efforts=list(efforts),
        # Most depend on nothing: one shared empty tuple (pickled once).
        depends_on=[tuple(d) if d else _NO_DEPENDENCY for d in depends],
    )
