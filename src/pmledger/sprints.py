"""Sprint review: what a sprint committed, what got done, what slipped, and
carry-over into the next sprint.

A sprint is the ``sprint`` value that ``plan --apply --sprint S`` writes on
requirements; there is no sprint file. When the sprint started and what was
added after it started come from git history (``pmledger.report.history``),
passed in by the caller, so this module stays a pure function of its inputs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pmledger.errors import InvalidValueError, SprintNotFoundError
from pmledger.i18n import _, pgettext
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings


def sprint_key(name: str) -> tuple[object, ...]:
    """Natural order: ``2026-S9`` before ``2026-S10``."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", name))


def sprint_names(requirements: Iterable[Requirement]) -> list[str]:
    """Every sprint named on a requirement, in natural order."""
    return sorted({r.sprint for r in requirements if r.sprint}, key=sprint_key)


def _effort(reqs: Iterable[Requirement]) -> float:
    return float(sum(r.effort or 0 for r in reqs))


@dataclass
class SprintReview:
    """One sprint, reviewed."""

    name: str
    items: list[Requirement]
    done: list[Requirement]
    slipped: list[Requirement]
    dropped: list[Requirement]
    started: datetime | None = None
    # IDs that joined the sprint after it started; None when git cannot tell.
    added_after_start: list[str] | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    # Assigned to this sprint once, in another since (carried over): still
    # committed here and not finished here. Among ``items`` and ``slipped``.
    carried: list[Requirement] = field(default_factory=list)

    @property
    def committed_effort(self) -> float:
        return _effort(self.items)

    @property
    def done_effort(self) -> float:
        return _effort(self.done)

    @property
    def slipped_effort(self) -> float:
        return _effort(self.slipped)

    def to_json(self) -> dict[str, object]:
        return {
            "sprint": self.name,
            "started": self.started.isoformat() if self.started else None,
            "committed": len(self.items),
            "committed_effort": self.committed_effort,
            "done": len(self.done),
            "done_effort": self.done_effort,
            "slipped": [r.id for r in self.slipped],
            "slipped_effort": self.slipped_effort,
            "dropped": [r.id for r in self.dropped],
            "added_after_start": self.added_after_start,
            "carried_over": {r.id: r.sprint for r in self.carried},
            "by_status": self.by_status,
            "items": [r.id for r in self.items],
        }


def _done_status(settings: Settings) -> str:
    return "done" if "done" in settings.ledger.statuses else settings.ledger.closed_statuses[0]


def find_sprint(name: str, requirements: Iterable[Requirement]) -> str:
    """The sprint ``name`` means, as the requirements spell it: exactly, else
    ignoring case and width (2026-s48, ２０２６-S48), else a unique prefix.

    Raises :class:`SprintNotFoundError` naming the sprints there are, or
    the ones a prefix matches.
    """
    names = sprint_names(requirements)
    if name in names:
        return name

    def folded(text: str) -> str:
        return unicodedata.normalize("NFKC", text).strip().casefold()

    wanted = folded(name)
    same = [n for n in names if folded(n) == wanted]
    if len(same) == 1:
        return same[0]
    starting = same or [n for n in names if wanted and folded(n).startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    separator = pgettext("list separator", ", ")
    if starting:
        raise SprintNotFoundError(
            _("{name!r} names more than one sprint: {sprints}").format(
                name=name, sprints=separator.join(starting)
            )
        )
    message = _("no requirement is assigned to sprint {name!r}").format(name=name)
    if names:
        message += _(" (sprints: {sprints})").format(sprints=separator.join(names[-10:]))
    raise SprintNotFoundError(message)


def review(
    name: str,
    requirements: Iterable[Requirement],
    *,
    settings: Settings,
    started: datetime | None = None,
    added_after_start: list[str] | None = None,
    assigned: Iterable[str] | None = None,
) -> SprintReview:
    """Committed vs done, and what slipped (not done, still assigned to the sprint).

    Closed but not done items (rejected) are "dropped": neither done nor slipped.
    ``assigned``: every requirement git saw assigned to the sprint; one now in
    another sprint was carried over (or moved) from this one, and counts as
    committed here and not finished here, so a sprint's review does not
    change when its unfinished work is carried over.
    """
    requirements = list(requirements)
    name = find_sprint(name, requirements)
    current = [r for r in requirements if r.sprint == name]
    once = set(assigned or ())
    carried = sorted((r for r in requirements if r.id in once and r.sprint != name), key=_id)
    items = sorted([*current, *carried], key=_id)
    done_status = _done_status(settings)
    closed = set(settings.ledger.closed_statuses)
    order = {s: i for i, s in enumerate(settings.ledger.statuses)}
    counts: dict[str, int] = {}
    for r in sorted(items, key=lambda r: order.get(r.status, 99)):
        counts[r.status] = counts.get(r.status, 0) + 1
    moved = {r.id for r in carried}
    return SprintReview(
        name=name,
        items=items,
        done=[r for r in items if r.id not in moved and r.status == done_status],
        slipped=[r for r in items if r.id in moved or r.status not in closed],
        dropped=[
            r for r in items if r.id not in moved and r.status in closed and r.status != done_status
        ],
        started=started,
        added_after_start=added_after_start,
        by_status=counts,
        carried=carried,
    )


def _id(req: Requirement) -> str:
    return req.id


def carry_over(
    source: str, target: str, requirements: Iterable[Requirement], *, settings: Settings
) -> list[Requirement]:
    """The unfinished requirements of ``source``, moved to ``target`` (nothing is written)."""
    if not target.strip():
        raise InvalidValueError(_("the target sprint name is empty"))
    if target.strip() == source:
        raise InvalidValueError(
            _("{name} is both the sprint to empty and the one to fill").format(name=source)
        )
    closed = set(settings.ledger.closed_statuses)
    return [
        r.model_copy(update={"sprint": target})
        for r in sorted(requirements, key=lambda r: r.id)
        if r.sprint == source and r.status not in closed
    ]
