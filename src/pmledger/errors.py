"""The exception hierarchy of the core.

The core never prints or exits: it raises one of these, and the CLI maps each
type to a sentence and an exit code in one table (``pmledger.cli.errors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class PmledgerError(Exception):
    """Base class of every error the core raises on purpose."""


class LedgerNotFoundError(PmledgerError):
    """No ledger folder could be found (no flag, no variable, no pmledger.toml upward)."""

    def __init__(self, start: Path) -> None:
        super().__init__(
            f"no pmledger ledger found in {start} or any parent folder; "
            "create one with `pmledger init` or point to one with --ledger DIR"
        )
        self.start = start


class LedgerExistsError(PmledgerError):
    """`init` was asked to create a ledger where one already exists."""


class ConfigError(PmledgerError):
    """pmledger.toml is unreadable or holds an invalid setting."""


class InvalidIdError(PmledgerError):
    """A string given as an ID is not a well-formed requirement ID."""


class NotFoundError(PmledgerError):
    """No requirement has the given ID."""


class AmbiguousIdError(PmledgerError):
    """A shortened ID matches more than one requirement."""


class InvalidValueError(PmledgerError):
    """A value given on the command line (or through the API) is invalid."""


class WorkflowError(PmledgerError):
    """A status that the ledger's workflow does not know."""


class ScoringError(PmledgerError):
    """A scoring model lacks an input or got one out of range."""

    def __init__(self, problems: list[ScoringProblem]) -> None:
        self.problems = problems
        lines = [f"{p.req_id}: {p.message}" for p in problems[:10]]
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__("; ".join(lines) + more)


@dataclass(frozen=True)
class ScoringProblem:
    """One missing or invalid input of a scoring model."""

    req_id: str
    field: str
    message: str


@dataclass(frozen=True)
class FileProblem:
    """Where and why one requirement file could not be read."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class InvalidFileError(PmledgerError):
    """A requirement file is not valid TOML or does not match the schema."""

    def __init__(self, problem: FileProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class DuplicateTitleError(PmledgerError):
    """An open requirement already has exactly this title (``add`` without --allow-duplicate)."""

    def __init__(self, message: str, *, existing_id: str) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class EditAbortedError(PmledgerError):
    """The user left `edit` without producing a valid file; nothing was saved."""


@dataclass
class LoadReport:
    """Files that could not be loaded while reading a whole ledger."""

    problems: list[FileProblem] = field(default_factory=list)


class HasDependentsError(PmledgerError):
    """A requirement cannot be removed while open requirements depend on it."""

    def __init__(self, req_id: str, dependents: list[str]) -> None:
        shown = ", ".join(dependents[:10])
        more = f" and {len(dependents) - 10} more" if len(dependents) > 10 else ""
        super().__init__(
            f"{req_id} was not removed: open requirements depend on it ({shown}{more})"
        )
        self.req_id = req_id
        self.dependents = dependents


class RemovedError(NotFoundError):
    """The requirement asked for existed once and was removed (found in git)."""
