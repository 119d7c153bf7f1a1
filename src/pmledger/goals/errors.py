"""Errors of the goals family (light: the CLI's error table imports it at start-up)."""

from __future__ import annotations

from pmledger.errors import NotFoundError


class GoalNotFoundError(NotFoundError):
    """No goal has the given ID."""
