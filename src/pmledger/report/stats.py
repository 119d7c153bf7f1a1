"""Counts and distributions of a ledger (``stats``, and the report's numbers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from pmledger.ledger.model import Priority, Requirement
from pmledger.ledger.settings import Settings
from pmledger.query.filters import is_overdue

NONE = "(none)"
# Age of active requirements, in days: (upper bound exclusive, label).
AGE_BUCKETS: tuple[tuple[int, str], ...] = (
    (7, "< 1 week"),
    (30, "1-4 weeks"),
    (91, "1-3 months"),
    (365, "3-12 months"),
    (10**9, "> 1 year"),
)


@dataclass
class OwnerLoad:
    """What one owner holds: active items, and the effort of those in progress."""

    owner: str
    active: int = 0
    in_progress: int = 0
    in_progress_effort: float = 0.0


@dataclass
class LeadTimes:
    """Days from accepted to done, per requirement (from git history)."""

    days: dict[str, float] = field(default_factory=dict)
    source: str = "git"

    @property
    def median(self) -> float | None:
        return median(self.days.values()) if self.days else None

    @property
    def average(self) -> float | None:
        return sum(self.days.values()) / len(self.days) if self.days else None


@dataclass
class Stats:
    """The numbers of a ledger on one day."""

    as_of: date
    total: int
    active: int
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_department: dict[str, int]
    owners: list[OwnerLoad]
    age: dict[str, int]
    overdue: list[str]
    lead_time: LeadTimes | None = None

    def to_json(self) -> dict[str, object]:
        lead = self.lead_time
        return {
            "as_of": self.as_of.isoformat(),
            "total": self.total,
            "active": self.active,
            "by_status": self.by_status,
            "by_priority": self.by_priority,
            "by_department": self.by_department,
            "owners": [
                {
                    "owner": o.owner,
                    "active": o.active,
                    "in_progress": o.in_progress,
                    "in_progress_effort": o.in_progress_effort,
                }
                for o in self.owners
            ],
            "age": self.age,
            "overdue": self.overdue,
            "lead_time": None
            if lead is None
            else {
                "source": lead.source,
                "count": len(lead.days),
                "median_days": lead.median,
                "average_days": lead.average,
                "days": lead.days,
            },
        }


def _by_count(counter: Counter[str]) -> dict[str, int]:
    # Largest first; ties by name so the order is repeatable; "(none)" last.
    items = sorted(counter.items(), key=lambda kv: (kv[0] == NONE, -kv[1], kv[0].casefold()))
    return dict(items)


def age_bucket(days: int) -> str:
    """The label of the age bucket ``days`` falls in."""
    return next(label for bound, label in AGE_BUCKETS if days < bound)


def compute_stats(requirements: Iterable[Requirement], *, settings: Settings, as_of: date) -> Stats:
    """Counts by status, priority, department and owner; ages; overdue items."""
    reqs = list(requirements)
    inactive = set(settings.ledger.inactive_statuses)
    in_progress = settings.ledger.in_progress_status
    status = Counter({s: 0 for s in settings.ledger.statuses})
    priority = Counter({p.value: 0 for p in Priority})
    departments: Counter[str] = Counter()
    owners: dict[str, OwnerLoad] = {}
    age = Counter({label: 0 for _, label in AGE_BUCKETS})
    overdue: list[str] = []
    active = 0
    for req in reqs:
        status[req.status] += 1
        departments[req.department or NONE] += 1
        if req.status in inactive:
            continue
        active += 1
        priority[req.priority.value] += 1
        load = owners.setdefault(req.owner or NONE, OwnerLoad(req.owner or NONE))
        load.active += 1
        if req.status == in_progress:
            load.in_progress += 1
            load.in_progress_effort += float(req.effort or 0)
        age[age_bucket(max(0, (as_of - req.created_date).days))] += 1
        if is_overdue(req, settings=settings, as_of=as_of):
            overdue.append(req.id)
    workflow = {s: i for i, s in enumerate(settings.ledger.statuses)}
    return Stats(
        as_of=as_of,
        total=len(reqs),
        active=active,
        by_status=dict(sorted(status.items(), key=lambda kv: workflow.get(kv[0], 99))),
        by_priority=dict(priority),
        by_department=_by_count(departments),
        owners=sorted(
            owners.values(),
            key=lambda o: (o.owner == NONE, -o.in_progress_effort, -o.active, o.owner.casefold()),
        ),
        age=dict(age),
        overdue=sorted(overdue),
    )
