"""The Eisenhower view: urgent x important, four quadrants.

Urgent: overdue or due within ``scoring.matrix.urgent_days`` of the as-of
date. Important: a priority listed in ``scoring.matrix.important_priorities``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pmledger.i18n import N_
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings

QUADRANTS = ("do", "schedule", "delegate", "drop")
# Shown with pmledger.i18n.translate (marked here, translated where shown).
QUADRANT_TITLES = {
    "do": N_("Do (urgent, important)"),
    "schedule": N_("Schedule (important, not urgent)"),
    "delegate": N_("Delegate (urgent, not important)"),
    "drop": N_("Drop (neither)"),
}
# The quadrant's short name, a heading of the 2x2 grid.
QUADRANT_NAMES = {
    "do": N_("DO"),
    "schedule": N_("SCHEDULE"),
    "delegate": N_("DELEGATE"),
    "drop": N_("DROP"),
}


@dataclass
class Matrix:
    """Requirements sorted into the four quadrants, each in the order given."""

    as_of: date
    quadrants: dict[str, list[Requirement]] = field(
        default_factory=lambda: {q: [] for q in QUADRANTS}
    )


def is_urgent(req: Requirement, *, settings: Settings, as_of: date) -> bool:
    """Overdue, or due within the configured number of days."""
    if req.due is None:
        return False
    return (req.due - as_of).days <= settings.scoring.matrix.urgent_days


def is_important(req: Requirement, *, settings: Settings) -> bool:
    """A priority the ledger counts as important."""
    return req.priority in settings.scoring.matrix.important_priorities


def quadrant(req: Requirement, *, settings: Settings, as_of: date) -> str:
    """The quadrant name of one requirement."""
    urgent = is_urgent(req, settings=settings, as_of=as_of)
    important = is_important(req, settings=settings)
    if urgent and important:
        return "do"
    if important:
        return "schedule"
    if urgent:
        return "delegate"
    return "drop"


def build_matrix(requirements: list[Requirement], *, settings: Settings, as_of: date) -> Matrix:
    """Sort requirements (keep them in ranking order) into the quadrants."""
    matrix = Matrix(as_of=as_of)
    for req in requirements:
        matrix.quadrants[quadrant(req, settings=settings, as_of=as_of)].append(req)
    return matrix
