"""Filtering, text search and sorting of requirements (``list``, ``rank``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from operator import attrgetter, itemgetter

from pmledger.errors import InvalidValueError
from pmledger.i18n import _
from pmledger.i18n.labels import resolve_status
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings
from pmledger.text import ascii_forms, fold


@dataclass(frozen=True)
class Filter:
    """What a listing keeps. Empty tuples mean "any"; several values of one
    option are alternatives (OR), except tags, which must all be present."""

    statuses: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    requesters: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    overdue: bool = False
    due_before: date | None = None
    text: str | None = None
    include_inactive: bool = False


def unknown_values(
    flt: Filter, requirements: Iterable[Requirement]
) -> list[tuple[str, str, str | None]]:
    """The people and departments ``flt`` names that no requirement has, each
    as (field, value as typed, the closest value the ledger has, if any).

    A misspelled department (``-d Slaes``) keeps nothing, and a report or
    listing of nothing looks like an answer: callers say so instead.
    """
    from difflib import get_close_matches

    asked = (("department", flt.departments), ("owner", flt.owners), ("requester", flt.requesters))
    if not any(values for _field, values in asked):
        return []
    reqs = list(requirements)
    found: list[tuple[str, str, str | None]] = []
    for field, values in asked:
        if not values:
            continue
        known: dict[str, str] = {}
        for req in reqs:
            value = getattr(req, field)
            if value:
                known.setdefault(_fold(value), value)
        for value in values:
            if _fold(value) in known:
                continue
            close = get_close_matches(_fold(value), list(known), n=1, cutoff=0.6)
            found.append((field, value, known[close[0]] if close else None))
    return found


def _fold(value: str | None) -> str:
    # Width too: `-d ＩＴ` is the department IT, `-t crm` the tag ｃｒｍ.
    return fold(value or "").strip()


@lru_cache(maxsize=64)
def _folded(wanted: tuple[str, ...]) -> frozenset[str]:
    # Once per filter, not once per requirement.
    return frozenset(map(_fold, wanted))


@lru_cache(maxsize=64)
def _words(text: str) -> tuple[str, ...]:
    return tuple(fold(text).split())


def _one_of(value: str | None, wanted: tuple[str, ...]) -> bool:
    return not wanted or _fold(value) in _folded(wanted)


def haystack(req: Requirement) -> str:
    """All the text of a requirement, width- and case-folded (``pmledger.text.fold``), for search."""
    parts = [
        req.id,
        req.title,
        req.description or "",
        req.requester or "",
        req.department or "",
        req.owner or "",
        req.goal or "",
        req.sprint or "",
        " ".join(req.tags),
        " ".join(req.acceptance),
        " ".join(n.text for n in req.notes),
    ]
    return fold("\n".join(parts))


def is_overdue(req: Requirement, *, settings: Settings, as_of: date) -> bool:
    """Past its due date and still active."""
    return (
        req.due is not None
        and req.due < as_of
        and req.status not in settings.ledger.inactive_statuses
    )


def matches(req: Requirement, flt: Filter, *, settings: Settings, as_of: date) -> bool:
    """Whether a requirement passes a filter."""
    if flt.statuses:
        if req.status not in flt.statuses:
            return False
    elif not flt.include_inactive and req.status in settings.ledger.inactive_statuses:
        return False
    if not _one_of(req.owner, flt.owners):
        return False
    if not _one_of(req.department, flt.departments):
        return False
    if not _one_of(req.requester, flt.requesters):
        return False
    if not _one_of(req.goal, flt.goals):
        return False
    if flt.tags:
        have = {_fold(t) for t in req.tags}
        if not have.issuperset(_folded(flt.tags)):
            return False
    if flt.overdue and not is_overdue(req, settings=settings, as_of=as_of):
        return False
    if flt.due_before is not None and (req.due is None or req.due >= flt.due_before):
        return False
    if flt.text:
        text = haystack(req)
        for word in _words(flt.text):
            if word not in text:
                return False
    return True


def check_statuses(statuses: Iterable[str], settings: Settings) -> tuple[str, ...]:
    """The canonical statuses typed (names or Chinese labels); ``WorkflowError`` if one is unknown.

    Typed by a person (``--status 进行中``), so labels count; values read from
    files go through ``pmledger.ledger.settings.check_statuses``, which takes
    only the canonical names that files must hold.
    """
    return tuple(resolve_status(status, settings) for status in statuses)


_STATUS_ONLY = frozenset({"statuses", "include_inactive"})


def _status_rule(flt: Filter, settings: Settings) -> tuple[frozenset[str], bool] | None:
    """What ``flt`` asks of a status, when it asks nothing else: (statuses,
    whether a status must be one of them, or none of them); None when another
    option is given."""
    if any(getattr(flt, f.name) for f in fields(flt) if f.name not in _STATUS_ONLY):
        return None
    if flt.statuses:
        return frozenset(flt.statuses), True
    if flt.include_inactive:
        return frozenset(), False
    return frozenset(settings.ledger.inactive_statuses), False


def status_test(flt: Filter, settings: Settings) -> Callable[[str], bool] | None:
    """What ``flt`` asks of a requirement's status, when it asks nothing else
    (a plain `list` or `rank`); None when another option is given."""
    rule = _status_rule(flt, settings)
    if rule is None:
        return None
    statuses, inside = rule
    return statuses.__contains__ if inside else lambda status: status not in statuses


def matcher(flt: Filter, *, settings: Settings, as_of: date) -> Callable[[Requirement], bool]:
    """:func:`matches` for one filter, as a predicate over a whole ledger.

    A plain `list` or `rank` filters by status alone: that is one set test
    per requirement instead of a call through every option.
    """
    rule = _status_rule(flt, settings)
    if rule is None:
        return lambda req: matches(req, flt, settings=settings, as_of=as_of)
    statuses, inside = rule
    if inside:
        return lambda req: req.status in statuses
    return lambda req: req.status not in statuses


def select(
    requirements: Iterable[Requirement], flt: Filter, *, settings: Settings, as_of: date
) -> list[Requirement]:
    """The requirements that pass ``flt``, in the order given."""
    return list(filter(matcher(flt, settings=settings, as_of=as_of), requirements))


SORT_KEYS = (
    "id",
    "title",
    "status",
    "priority",
    "due",
    "created",
    "owner",
    "department",
    "requester",
    "effort",
)


def sort_value(name: str, settings: Settings) -> Callable[[Requirement], object]:
    """What ``list --sort name`` compares for a requirement (``None``: sorted last)."""
    workflow = {s: i for i, s in enumerate(settings.ledger.statuses)}

    def value(r: Requirement) -> object:
        if name == "priority":
            return r.priority.rank
        if name == "status":
            return workflow.get(r.status, len(workflow))
        if name == "created":
            return r.created_at
        if name in ("title", "owner", "department", "requester"):
            v = getattr(r, name)
            return fold(v) if v else None
        return getattr(r, name)

    return value


def sort_requirements(
    requirements: list[Requirement], key: str, *, settings: Settings, reverse: bool = False
) -> list[Requirement]:
    """Sort by one field; empty values last; ties by ID (stable and total)."""
    typed, key = key, ascii_forms(key)  # `--sort －ｄｕｅ` is -due
    name = key.lstrip("-")
    descending = reverse ^ key.startswith("-")
    if name not in SORT_KEYS:
        from pmledger.text import closest

        suggestion = closest(name, SORT_KEYS)
        if suggestion is not None:
            raise InvalidValueError(
                _("cannot sort by {key!r}; did you mean {suggestion!r}?").format(
                    key=typed, suggestion=suggestion
                )
            )
        raise InvalidValueError(
            _("cannot sort by {key!r}; choose one of {keys}").format(
                key=typed, keys=", ".join(SORT_KEYS)
            )
        )
    ordered = sorted(requirements, key=attrgetter("id"))
    if name == "id":
        return list(reversed(ordered)) if descending else ordered

    value = sort_value(name, settings)
    # Each value worked out once (100k requirements: a third of the time).
    values = list(map(value, ordered))
    present = [(v, r) for v, r in zip(values, ordered, strict=True) if v is not None]
    missing = [r for v, r in zip(values, ordered, strict=True) if v is None]
    present.sort(key=itemgetter(0), reverse=descending)  # stable: ties stay in ID order
    return [r for _v, r in present] + missing
