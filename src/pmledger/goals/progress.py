"""How the work serves a goal: its requirements by status and their effort."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pmledger.goals.model import Goal
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings
from pmledger.text import fold


@dataclass
class GoalProgress:
    """A goal with the requirements linked to it."""

    goal: Goal
    requirements: list[Requirement] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)
    done_effort: float = 0.0
    total_effort: float = 0.0
    done: int = 0

    @property
    def count(self) -> int:
        return len(self.requirements)

    def to_json(self) -> dict[str, object]:
        """The JSON contract of ``goal list`` / ``goal show``."""
        return {
            **self.goal.model_dump(mode="json"),
            "latest": self.goal.latest,
            "progress": self.goal.progress,
            "requirements": [r.id for r in self.requirements],
            "by_status": self.by_status,
            "done": self.done,
            "done_effort": self.done_effort,
            "total_effort": self.total_effort,
        }


def _fold(text: str | None) -> str:
    return fold((text or "").strip())


def goal_progress(
    goals: Iterable[Goal], requirements: Iterable[Requirement], *, settings: Settings
) -> list[GoalProgress]:
    """One :class:`GoalProgress` per goal, in the order given (rejected work left out)."""
    rows = [GoalProgress(goal=g) for g in goals]
    index = {_fold(p.goal.id): p for p in rows}
    done_status = _done_status(settings)
    # Rejected work serves no goal; done work counts as delivered.
    dropped = {s for s in settings.ledger.closed_statuses if s != done_status}
    counts: dict[str, Counter[str]] = {p.goal.id: Counter() for p in rows}
    for req in requirements:
        row = index.get(_fold(req.goal)) if req.goal else None
        if row is None or req.status in dropped:
            continue
        row.requirements.append(req)
        counts[row.goal.id][req.status] += 1
        effort = float(req.effort or 0)
        row.total_effort += effort
        if req.status == done_status:
            row.done += 1
            row.done_effort += effort
    order = {s: i for i, s in enumerate(settings.ledger.statuses)}
    for row in rows:
        found = counts[row.goal.id]
        row.by_status = dict(sorted(found.items(), key=lambda kv: order.get(kv[0], 99)))
    return rows


def _done_status(settings: Settings) -> str:
    """The status that means delivered: ``done`` if the workflow has it, else the
    first closed status."""
    closed = settings.ledger.closed_statuses
    if "done" in settings.ledger.statuses:
        return "done"
    return closed[0] if closed else settings.ledger.statuses[-1]
