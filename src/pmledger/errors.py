"""The exception hierarchy of the core.

The core never prints or exits: it raises one of these, and the CLI maps each
type to a sentence and an exit code in one table (``pmledger.cli.errors``).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

from pmledger.i18n import N_, _, active_language, ngettext, pgettext, translate


class PmledgerError(Exception):
    """Base class of every error the core raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its message and attributes, not by calling __init__
        # again: most subclasses take other arguments than the message, and an
        # error that cannot be unpickled breaks a caller's process pool.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: type[PmledgerError], args: tuple[object, ...], state: dict[str, object]
) -> PmledgerError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class LedgerNotFoundError(PmledgerError):
    """No ledger folder could be found (no flag, no variable, no pmledger.toml upward)."""

    def __init__(self, start: Path) -> None:
        super().__init__(
            _(
                "no pmledger ledger found in {start} or any parent folder; "
                "create one with `pmledger init` or point to one with --ledger DIR"
            ).format(start=start)
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


class SprintNotFoundError(NotFoundError):
    """No requirement is assigned to the sprint named."""


class AmbiguousIdError(PmledgerError):
    """A shortened ID matches more than one requirement."""


class InvalidValueError(PmledgerError):
    """A value given on the command line (or through the API) is invalid."""


class WorkflowError(PmledgerError):
    """A status that the ledger's workflow does not know (one check:
    :func:`pmledger.ledger.settings.check_statuses`)."""


class ScoringError(PmledgerError):
    """A scoring model lacks an input or got one out of range."""

    def __init__(self, problems: list[ScoringProblem]) -> None:
        self.problems = problems
        lines = [f"{p.req_id}: {p.message}" for p in problems[:10]]
        text = pgettext("problem separator", "; ").join(lines)
        if len(problems) > 10:
            # TRANSLATORS: {problems} is a list of problems, then how many more there are.
            text = _("{problems} (and {count} more)").format(
                problems=text, count=len(problems) - 10
            )
        super().__init__(text)


@dataclass(frozen=True)
class ScoringProblem:
    """One missing or invalid input of a scoring model."""

    req_id: str
    field: str
    message: str
    missing: bool = False  # absent, rather than out of range


@dataclass(frozen=True)
class FileProblem:
    """Where and why one file could not be read (``severity``: "error" or "warning")."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class InvalidFileError(PmledgerError):
    """A requirement file is not valid TOML or does not match the schema.

    ``problems`` lists every problem found, so a person fixes them in one go;
    ``problem`` is the first.
    """

    def __init__(self, problem: FileProblem | list[FileProblem]) -> None:
        problems = [problem] if isinstance(problem, FileProblem) else list(problem)
        if not problems:
            raise ValueError("InvalidFileError needs at least one problem")
        super().__init__(describe_problems(problems))
        self.problems = problems
        self.problem = problems[0]


def describe_problems(problems: list[FileProblem]) -> str:
    """Every problem of one file in one line: the file named once, then each by line."""
    return str(merge_problems(problems))


def merge_problems(problems: list[FileProblem]) -> FileProblem:
    """The problems of one file as one, located at the first (for one-line warnings)."""
    first, *rest = problems
    if not rest:
        return first
    parts = [first.message]
    for p in rest:
        if p.path != first.path:
            parts.append(str(p))
        else:
            located = _("line {line}: {message}").format(line=p.line, message=p.message)
            parts.append(located if p.line is not None else p.message)
    return FileProblem(
        first.path,
        pgettext("problem separator", "; ").join(parts),
        line=first.line,
        column=first.column,
        field=first.field,
        severity=first.severity,
    )


class CommentsLostError(PmledgerError):
    """A rewrite would drop comments whose key is gone, and nobody was told."""

    def __init__(self, path: Path, comments: list[str]) -> None:
        shown = pgettext("problem separator", "; ").join(comments[:3])
        if len(comments) > 3:
            # TRANSLATORS: {comments} lists the first comments, then how many more there are.
            shown = _("{comments} and {count} more").format(comments=shown, count=len(comments) - 3)
        super().__init__(
            ngettext(
                "{path}: {count} comment would be lost with their key: {comments}",
                "{path}: {count} comments would be lost with their key: {comments}",
                len(comments),
            ).format(path=path, count=len(comments), comments=shown)
        )
        self.path = path
        self.comments = comments


class DuplicateTitleError(PmledgerError):
    """An open requirement already has exactly this title (``add`` without --allow-duplicate)."""

    def __init__(self, message: str, *, existing_id: str) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class EditAbortedError(PmledgerError):
    """The user left `edit` without producing a valid file; nothing was saved."""


class ImportFileError(PmledgerError):
    """A file to import cannot be read: unknown encoding, not CSV/JSON/XLSX, wrong shape."""


class ImportRowsError(PmledgerError):
    """Rows of an import are invalid; nothing was written."""

    def __init__(self, problems: list[object], rows: int) -> None:
        self.problems = problems
        self.rows = rows
        first = str(problems[0]) if problems else _("invalid rows")
        more = len(problems) - 1
        if more:
            first = ngettext(
                "{problem} (and {count} more problem)",
                "{problem} (and {count} more problems)",
                more,
            ).format(problem=first, count=more)
        super().__init__(
            ngettext(
                "{problems}; nothing was imported ({count} invalid row)",
                "{problems}; nothing was imported ({count} invalid rows)",
                rows,
            ).format(problems=first, count=rows)
        )


class MissingExtraError(PmledgerError):
    """An optional dependency is not installed (the message names the pip extra)."""


class UnkeptRemovalError(PmledgerError):
    """A requirement whose latest content git does not hold: removing it could not be undone."""

    def __init__(self, req_id: str, why: str) -> None:
        super().__init__(
            _("{id} was not removed: {why}, so removing it could not be undone").format(
                id=req_id, why=why
            )
        )
        self.req_id = req_id
        self.why = why


class HasDependentsError(PmledgerError):
    """A requirement cannot be removed while open requirements depend on it."""

    def __init__(self, req_id: str, dependents: list[str]) -> None:
        shown = pgettext("list separator", ", ").join(dependents[:10])
        if len(dependents) > 10:
            shown = _("{ids} and {count} more").format(ids=shown, count=len(dependents) - 10)
        super().__init__(
            _("{id} was not removed: open requirements depend on it ({ids})").format(
                id=req_id, ids=shown
            )
        )
        self.req_id = req_id
        self.dependents = dependents


class RemovedError(NotFoundError):
    """The requirement asked for existed once and was removed (found in git)."""


class GitError(PmledgerError):
    """git is missing, the ledger is not in a repository, or a revision is unknown."""


class WatchError(PmledgerError):
    """The watcher (``pmledger watch``) cannot run here, or did not start or stop."""


# The operating system's reason for the file errors a user meets, for a
# sentence in the reader's language (the OS speaks its own locale's words, or
# English). The msgids are glibc's words; English shows the OS's own text.
OS_REASONS: dict[int, str] = {
    errno.ENOENT: N_("No such file or directory"),
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.EEXIST: N_("File exists"),
    errno.ENOTEMPTY: N_("Directory not empty"),
    errno.ENOSPC: N_("No space left on device"),
    errno.EDQUOT: N_("Disk quota exceeded"),
    errno.EROFS: N_("Read-only file system"),
    errno.EIO: N_("Input/output error"),
    errno.EBUSY: N_("Device or resource busy"),
    errno.ENAMETOOLONG: N_("File name too long"),
    errno.ELOOP: N_("Too many levels of symbolic links"),
    errno.EMFILE: N_("Too many open files"),
    errno.EXDEV: N_("Invalid cross-device link"),
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in the reader's language.

    English keeps the OS's own words; another language gets the translation of
    a common errno, else the OS's words (better than nothing).
    """
    own = exc.strerror or str(exc)
    if active_language() == "en" or exc.errno not in OS_REASONS:
        return own
    return translate(OS_REASONS[exc.errno])
