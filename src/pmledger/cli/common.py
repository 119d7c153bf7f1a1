"""Options and helpers shared by the command modules.

Only typer is imported at module level; the core is imported inside the
functions, so that each command pays only for what it uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli import completion

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.settings import Settings
    from pmledger.query.filters import Filter


@dataclass
class State:
    """Global options, resolved once by the app callback."""

    ledger_dir: Path | None = None
    debug: bool = False


def state(ctx: typer.Context) -> State:
    """The global options of this invocation."""
    root = ctx.find_root()
    obj = root.obj
    return obj if isinstance(obj, State) else State()


def open_ledger(ctx: typer.Context) -> Ledger:
    """The ledger named by --ledger, $PMLEDGER_DIR or the nearest parent folder."""
    from pmledger.ledger.ledger import Ledger

    return Ledger.discover(state(ctx).ledger_dir)


def resolve_as_of(text: str | None) -> date:
    """``--as-of`` as a date (default today); read once per command."""
    from pmledger.dates import parse_date

    today = date.today()
    return parse_date(text, today=today) if text else today


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    """The format name, or a usage error listing the allowed ones."""
    from pmledger.errors import InvalidValueError

    value = fmt.lower()
    if value not in allowed:
        raise InvalidValueError(f"unknown format {fmt!r}; choose one of {', '.join(allowed)}")
    return value


AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Compute relative to this date instead of today (YYYY-MM-DD, +3d, ...).",
        show_default=False,
    ),
]
Format = Annotated[
    str,
    typer.Option("--format", "-f", help="Output: table, json, csv or markdown."),
]
StatusOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        "-s",
        help="Only these statuses (repeatable or comma-separated).",
        autocompletion=completion.complete_status,
    ),
]
OwnerOpt = Annotated[
    list[str] | None,
    typer.Option("--owner", help="Only this owner.", autocompletion=completion.complete_owner),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        "-t",
        help="Only with this tag (all given).",
        autocompletion=completion.complete_tag,
    ),
]
DepartmentOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--department",
        "-d",
        help="Only this department.",
        autocompletion=completion.complete_department,
    ),
]
RequesterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--requester", help="Only this requester.", autocompletion=completion.complete_requester
    ),
]
GoalOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--goal", help="Only linked to this goal.", autocompletion=completion.complete_goal
    ),
]
OverdueOpt = Annotated[
    bool, typer.Option("--overdue", help="Only active items past their due date.")
]
DueBeforeOpt = Annotated[
    str | None, typer.Option("--due-before", help="Only due before this date.", show_default=False)
]
AllOpt = Annotated[
    bool, typer.Option("--all", "-a", help="Include done, rejected and deferred requirements.")
]
SearchArg = Annotated[
    list[str] | None, typer.Argument(help="Text to search in titles, descriptions, notes...")
]


def split_values(values: list[str] | None) -> tuple[str, ...]:
    """Repeatable options that also accept comma-separated values."""
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(out)


def build_filter(
    *,
    settings: Settings,
    as_of: date,
    status: list[str] | None = None,
    owner: list[str] | None = None,
    tag: list[str] | None = None,
    department: list[str] | None = None,
    requester: list[str] | None = None,
    goal: list[str] | None = None,
    overdue: bool = False,
    due_before: str | None = None,
    search: list[str] | None = None,
    include_inactive: bool = False,
) -> Filter:
    """The core filter from the shared listing options."""
    from pmledger.dates import parse_date
    from pmledger.query.filters import Filter, check_statuses

    return Filter(
        statuses=check_statuses(split_values(status), settings),
        owners=split_values(owner),
        tags=split_values(tag),
        departments=split_values(department),
        requesters=split_values(requester),
        goals=split_values(goal),
        overdue=overdue,
        due_before=parse_date(due_before, today=as_of) if due_before else None,
        text=" ".join(search) if search else None,
        include_inactive=include_inactive,
    )


def report_problems(problems: list[object]) -> None:
    """Name each unreadable file on stderr (the command goes on with the rest)."""
    from pmledger.cli.output import warn

    for problem in problems:
        warn(f"warning: skipped {problem}")


def default_author() -> str:
    """Who is writing: $PMLEDGER_USER, else git's user.name, else the login name."""
    import getpass
    import os
    import subprocess

    name = os.environ.get("PMLEDGER_USER")
    if name:
        return name
    try:
        found = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if found:
        return found
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
