"""The one place where errors become a sentence on stderr and an exit code.

Exit codes (documented in the README):

- 0: success
- 1: a domain error or a failed check (no ledger, unknown ID, broken file,
  incomplete scoring inputs, an edit abandoned)
- 2: bad usage: an invalid option, value, ID or status on the command line
- 3: an internal error (a bug: please report it with the ``--debug`` output)
- 130: interrupted (Ctrl-C)
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from pmledger.errors import (
    AmbiguousIdError,
    CommentsLostError,
    ConfigError,
    DuplicateTitleError,
    EditAbortedError,
    GitError,
    HasDependentsError,
    ImportFileError,
    ImportRowsError,
    InvalidFileError,
    InvalidIdError,
    InvalidValueError,
    LedgerExistsError,
    LedgerNotFoundError,
    MissingExtraError,
    NotFoundError,
    PmledgerError,
    RemovedError,
    ScoringError,
    SprintNotFoundError,
    UnkeptRemovalError,
    WatchError,
    WorkflowError,
)
from pmledger.goals.errors import GoalFileError, GoalNotFoundError
from pmledger.i18n import N_, _, translate

OK = 0
FAILURE = 1
USAGE = 2
INTERNAL = 3
INTERRUPTED = 130

# Exception type -> (exit code, hint printed after the message, or ""). The
# hints are marked here and translated by exit_code_for.
ERROR_TABLE: dict[type[PmledgerError], tuple[int, str]] = {
    LedgerNotFoundError: (FAILURE, ""),
    LedgerExistsError: (FAILURE, ""),
    ConfigError: (FAILURE, ""),
    NotFoundError: (FAILURE, N_("`pmledger list --all` shows every ID")),
    AmbiguousIdError: (USAGE, N_("type more characters of the ID")),
    InvalidIdError: (USAGE, ""),
    InvalidValueError: (USAGE, ""),
    WorkflowError: (USAGE, ""),
    InvalidFileError: (FAILURE, N_("fix the file in an editor, or with `pmledger edit ID`")),
    CommentsLostError: (FAILURE, ""),
    ScoringError: (
        FAILURE,
        N_(
            "add the missing inputs with `pmledger set ID table.key=value`, "
            "or leave those requirements out with --skip-incomplete"
        ),
    ),
    EditAbortedError: (FAILURE, ""),
    DuplicateTitleError: (
        FAILURE,
        N_("--same-as ID records the request on it; --allow-duplicate adds another anyway"),
    ),
    ImportFileError: (FAILURE, ""),
    ImportRowsError: (
        FAILURE,
        N_(
            "fix those rows (`--dry-run` lists every problem), "
            "or import the rest with --skip-invalid"
        ),
    ),
    MissingExtraError: (FAILURE, ""),
    HasDependentsError: (
        FAILURE,
        N_("remove those first, or use --force to also remove the links to it"),
    ),
    UnkeptRemovalError: (
        FAILURE,
        N_("commit it first if the ledger is in git, or use --force to remove it anyway"),
    ),
    RemovedError: (FAILURE, ""),
    SprintNotFoundError: (FAILURE, N_("`pmledger sprint list` shows every sprint")),
    GitError: (FAILURE, ""),
    GoalNotFoundError: (FAILURE, N_("`pmledger goal list` shows every goal")),
    # (`edit` opens requirements only: a goal file is fixed in an editor.)
    GoalFileError: (FAILURE, N_("open the goal's file in an editor and fix it")),
    WatchError: (FAILURE, N_("without a watcher, commands check every file themselves")),
}

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_for(exc: PmledgerError) -> tuple[int, str]:
    """The exit code and hint for a core exception (most specific type wins)."""
    for kind in type(exc).__mro__:
        if kind in ERROR_TABLE:
            code, hint = ERROR_TABLE[kind]
            return code, translate(hint) if hint else ""
    return FAILURE, ""


def say_hint(hint: str) -> None:
    """The ``hint:`` line after an error message, in the reader's language."""
    sys.stderr.write(_("hint: {hint}").format(hint=hint) + "\n")


def quiet_stdout() -> None:
    # The reader went away: send what is left to /dev/null so that the
    # interpreter's final flush does not fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _say(message: str) -> None:
    from pmledger.cli.output import sanitize

    sys.stderr.write(f"pmledger: {sanitize(message)}\n")


def _debug_enabled(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    ctx = kwargs.get("ctx")
    if ctx is None:
        ctx = next((a for a in args if isinstance(a, typer.Context)), None)
    while ctx is not None:
        obj = getattr(ctx, "obj", None)
        if obj is not None and getattr(obj, "debug", False):
            return True
        ctx = getattr(ctx, "parent", None)
    return False


def handle_errors(func: F) -> F:
    """Run a command, turning exceptions into a message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except PmledgerError as exc:
            if _debug_enabled(args, kwargs):
                traceback.print_exc()
            code, hint = exit_code_for(exc)
            _say(str(exc))
            if hint:
                say_hint(hint)
            raise typer.Exit(code) from None
        except KeyboardInterrupt:
            _say(_("interrupted"))
            raise typer.Exit(INTERRUPTED) from None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                # `pmledger list | head`: the reader left; nothing to report.
                quiet_stdout()
                raise typer.Exit(OK) from None
            # A file system problem (a file where a folder should be, no
            # permission, a full disk) is the user's to fix, not a bug.
            if _debug_enabled(args, kwargs):
                traceback.print_exc()
            from pmledger.errors import os_reason

            reason = os_reason(exc)
            if exc.filename:
                reason = _("{path}: {reason}").format(path=exc.filename, reason=reason)
            _say(reason)
            raise typer.Exit(FAILURE) from None
        except Exception as exc:
            if _debug_enabled(args, kwargs):
                traceback.print_exc()
            _say(_("internal error: {kind}: {error}").format(kind=type(exc).__name__, error=exc))
            say_hint(_("run again with --debug for the traceback, and report it"))
            raise typer.Exit(INTERNAL) from None

    return wrapper  # type: ignore[return-value]
