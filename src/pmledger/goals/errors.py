"""Errors of the goals family (light: the CLI's error table imports it at start-up)."""

from __future__ import annotations

from pmledger.errors import InvalidFileError, NotFoundError


class GoalNotFoundError(NotFoundError):
    """No goal has the given ID."""


class GoalFileError(InvalidFileError):
    """A goal file is not valid TOML or does not match the schema (``edit``,
    which opens requirements, cannot repair it: the hint differs)."""
