"""Options and helpers shared by the command modules.

Only typer is imported at module level; the core is imported inside the
functions, so that each command pays only for what it uses.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar, get_type_hints

import typer

from pmledger.cli import completion
from pmledger.i18n import _, ngettext

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from pmledger.ledger.columns import Columns
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.scan import LoadResult
    from pmledger.ledger.settings import Settings
    from pmledger.query.filters import Filter
    from pmledger.ranking.order import Ranking

R = TypeVar("R")


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


# What the last command loaded, left for the process's end: main() leaves
# with os._exit, so a 100k ledger is dropped at once instead of freed object
# by object on return (~0.3 s; docs/performance.md). Only the last command's:
# a caller running many commands in one process stays bounded.
_KEPT: list[object] = []


def keep_until_exit(*objects: object) -> list[object]:
    """Hold ``objects`` (and what is added to the returned list) until the next
    command, or the process's end."""
    _KEPT.clear()
    _KEPT.extend(objects)
    return _KEPT


def load_everything(ledger: Ledger) -> LoadResult:
    """Every requirement of ``ledger`` (:meth:`Ledger.load_all`), kept until the process ends."""
    loaded = ledger.load_all()
    keep_until_exit(ledger, loaded)
    return loaded


# The default of --as-of: replaced by today's date when the option is parsed,
# so that a command receives a plain `date` and never reads the clock itself.
TODAY = date.min


# --as-of stops a year short of the calendar's end (9999-12-31).
LAST_AS_OF_YEAR = 9999


def _parse_as_of(value: str | date) -> date:
    from pmledger.dates import parse_date
    from pmledger.errors import PmledgerError

    if not isinstance(value, date):
        try:
            value = parse_date(value, as_of=date.today())
        except PmledgerError as exc:
            raise typer.BadParameter(str(exc)) from None
    if value.year >= LAST_AS_OF_YEAR:
        # Reports and due dates count weeks and months past the date.
        raise typer.BadParameter(
            _("{date} is too late to count from; give a date before {year}").format(
                date=value.isoformat(), year=LAST_AS_OF_YEAR
            )
        )
    return value


def _as_of_default(value: date | None) -> date:
    return date.today() if value is None or value == TODAY else value


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    """The format name, or a usage error listing the allowed ones."""
    from pmledger.errors import InvalidValueError
    from pmledger.text import ascii_forms

    value = ascii_forms(fmt).lower()  # `-f ｊｓｏｎ` is json
    if value not in allowed:
        from pmledger.text import closest

        suggestion = closest(value, allowed)
        if suggestion is not None:
            raise InvalidValueError(
                _("unknown format {format!r}; did you mean {suggestion!r}?").format(
                    format=fmt, suggestion=suggestion
                )
            )
        raise InvalidValueError(
            _("unknown format {format!r}; choose one of {choices}").format(
                format=fmt, choices=", ".join(allowed)
            )
        )
    return value


def as_of_option(help_text: str) -> Any:
    """``--as-of DATE``: parsed once to a ``date`` (today when not given)."""
    return typer.Option(
        "--as-of",
        help=help_text,
        show_default=False,
        metavar="DATE",
        parser=_parse_as_of,
        callback=_as_of_default,
    )


AsOf = Annotated[
    date,
    as_of_option("Compute relative to this date instead of today (YYYY-MM-DD, +3d, ...)."),
]
Format = Annotated[
    str,
    typer.Option("--format", "-f", help="Output: table, json, csv or markdown."),
]
ExcelOpt = Annotated[
    bool,
    typer.Option(
        "--excel",
        help="CSV for Excel: UTF-8 with a BOM and CRLF line ends (implies --format csv).",
    ),
]


def excel_format(fmt: str, excel: bool) -> str:
    """The format with ``--excel``: CSV (a table becomes CSV; another format is refused)."""
    if not excel or fmt == "csv":
        return fmt
    if fmt != "table":
        refuse(_("--excel writes CSV; it has no meaning with --format {format}").format(format=fmt))
    return "csv"


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
    typer.Option(
        "--owner",
        help="Only these owners (repeatable or comma-separated).",
        autocompletion=completion.complete_owner,
    ),
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
        help="Only these departments (repeatable or comma-separated).",
        autocompletion=completion.complete_department,
    ),
]
RequesterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--requester",
        "-r",
        help="Only these requesters (repeatable or comma-separated).",
        autocompletion=completion.complete_requester,
    ),
]
GoalOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--goal",
        "-g",
        help="Only linked to these goals (repeatable or comma-separated).",
        autocompletion=completion.complete_goal,
    ),
]
OverdueOpt = Annotated[
    bool, typer.Option("--overdue", help="Only active items past their due date.")
]
DueBeforeOpt = Annotated[
    str | None,
    typer.Option(
        "--due-before", metavar="DATE", help="Only due before this date.", show_default=False
    ),
]
AllOpt = Annotated[
    bool, typer.Option("--all", "-a", help="Include done, rejected and deferred requirements.")
]
SearchArg = Annotated[
    list[str] | None, typer.Argument(help="Text to search in titles, descriptions, notes...")
]


@dataclass(frozen=True)
class FilterOptions:
    """The listing filters as typed: search words, --status, --owner ... --all.

    Declared once, here: ``filter_options`` puts these fields (their option
    names, help and completion) into a command's --help and hands the
    command one ``FilterOptions``; ``filter()`` makes the core's ``Filter``.
    """

    search: SearchArg = None
    status: StatusOpt = None
    owner: OwnerOpt = None
    tag: TagOpt = None
    department: DepartmentOpt = None
    requester: RequesterOpt = None
    goal: GoalOpt = None
    overdue: OverdueOpt = False
    due_before: DueBeforeOpt = None
    include_inactive: AllOpt = False

    def filter(self, settings: Settings, as_of: date, *, root: Path | None = None) -> Filter:
        """The core filter (statuses checked against the workflow, dates parsed,
        goals resolved in the ledger at ``root``)."""
        # The fields are named after build_filter's parameters.
        return build_filter(settings=settings, as_of=as_of, root=root, **vars(self))


@functools.cache
def _filter_parameters() -> dict[str, inspect.Parameter]:
    hints = get_type_hints(FilterOptions, include_extras=True)
    return {
        f.name: inspect.Parameter(
            f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[f.name]
        )
        for f in fields(FilterOptions)
    }


def filter_options(*names: str) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Give a command the listing filters in place of its ``FilterOptions`` parameter.

    ``names`` picks the filters and their order in --help (default: every
    field of ``FilterOptions``, in its order). Typer reads the command's
    parameters from ``__signature__`` and ``__annotations__``, so both are
    rewritten; the command itself receives one ``FilterOptions``.
    """
    every = _filter_parameters()
    chosen = [every[name] for name in names or every]

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        signature = inspect.signature(func, eval_str=True)
        slot = next(p for p in signature.parameters.values() if p.annotation is FilterOptions)
        params: list[inspect.Parameter] = []
        for param in signature.parameters.values():
            if param is slot:
                params += [p.replace(kind=slot.kind) for p in chosen]
            else:
                params.append(param)

        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> R:
            given = {p.name: kwargs.pop(p.name) for p in chosen if p.name in kwargs}
            kwargs[slot.name] = FilterOptions(**given)
            return func(*args, **kwargs)

        command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return decorate


ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", help="default, rice, wsjf or ice (default: scoring.model).", show_default=False
    ),
]
SkipOpt = Annotated[
    bool,
    typer.Option(
        "--skip-incomplete", help="Leave out (and count) requirements lacking model inputs."
    ),
]


def refuse(message: str) -> NoReturn:
    """A usage error (exit 2): options that contradict or that a view would ignore."""
    from pmledger.errors import InvalidValueError

    raise InvalidValueError(message)


def load_ranking(
    ledger: Ledger,
    flt: Filter,
    *,
    as_of: date,
    model: str | None,
    skip_incomplete: bool,
    then: Callable[[], object] | None = None,
    models: bool = True,
    ranked_in: Callable[[], AbstractContextManager[object]] | None = None,
) -> tuple[Ranking, list[Requirement]]:
    """Load the ledger and rank what ``flt`` keeps; problems are reported on stderr.

    ``then``: called once the files' problems are reported, before ranking
    (``rank`` switches a machine format's language there).

    Returns the ranking and every requirement read (dependencies resolve
    against the whole ledger). ``models=False``: the caller reads only the
    ranking's table, so an unchanged ledger ranked by the default model and
    filtered by status alone is ranked from the parse cache's columns,
    without a model (and without requirements returned), inside
    ``ranked_in()`` (the language ``then`` switches to).

    Incomplete scoring inputs: one line per requirement naming all its
    missing fields, then exit 1; with ``skip_incomplete``, one summary line.
    """
    from contextlib import nullcontext

    from pmledger.cli.errors import exit_code_for
    from pmledger.cli.output import warn
    from pmledger.errors import ScoringError
    from pmledger.query.filters import status_test
    from pmledger.ranking.order import incomplete_by_requirement, rank_columns, rank_selection

    settings = ledger.settings
    by_status = None
    if not models and (model or settings.scoring.model) == "default":
        by_status = status_test(flt, settings)
    if by_status is not None:
        include_status = by_status

        def ranked(columns: Columns) -> Ranking:
            # Ranked while the files are still being stat'ed, before their
            # problems are said: in the language it will be written in.
            with ranked_in() if ranked_in is not None else nullcontext():
                return rank_columns(
                    columns, settings=settings, as_of=as_of, include_status=include_status
                )

        read = ledger.load_columns(ranked)
        if isinstance(read, tuple):
            columns, ranking = read
            if then is not None:
                then()
            keep_until_exit(ledger, columns, ranking)
            _warn_ranking(ranking)
            return ranking, []
        loaded = read
    else:
        loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    warn_unknown_values(flt, loaded.requirements)
    if then is not None:
        then()
    try:
        ranking = rank_selection(
            loaded.requirements,
            flt,
            settings=settings,
            as_of=as_of,
            model=model,
            skip_incomplete=skip_incomplete,
        )
    except ScoringError as exc:
        grouped = incomplete_by_requirement(exc.problems)
        chosen = model or settings.scoring.model
        warn(
            "pmledger: "
            + ngettext(
                "{count} requirement lacks {model} inputs:",
                "{count} requirements lack {model} inputs:",
                len(grouped),
            ).format(count=len(grouped), model=chosen)
        )
        for req_id, messages in grouped.items():
            warn(f"  {req_id}: {'; '.join(messages)}")
        code, hint = exit_code_for(exc)
        if hint:
            warn(_("hint: {hint}").format(hint=hint))
        raise typer.Exit(code) from None
    keep_until_exit(ledger, loaded, ranking)
    _warn_ranking(ranking)
    return ranking, loaded.requirements


def _warn_ranking(ranking: Ranking) -> None:
    """What ranking noticed, on stderr: cycles, unknown dependencies, left out."""
    from pmledger.cli.output import warn
    from pmledger.ranking.order import incomplete_by_requirement

    for cycle in ranking.cycles:
        warn(_("warning: dependency cycle {cycle}").format(cycle=" -> ".join([*cycle, cycle[0]])))
    for req_id, missing in sorted(ranking.unknown_dependencies.items()):
        warn(
            _("warning: {id} depends on {missing}, not in the ledger").format(
                id=req_id, missing=", ".join(missing)
            )
        )
    if ranking.incomplete:
        grouped = incomplete_by_requirement(ranking.incomplete)
        ids = list(grouped)
        shown = ", ".join(ids[:5])
        if len(ids) > 5:
            shown = ngettext(
                "{ids} and {count} more", "{ids} and {count} more", len(ids) - 5
            ).format(ids=shown, count=len(ids) - 5)
        warn(
            ngettext(
                "left out {count} requirement lacking {model} inputs: {ids}",
                "left out {count} requirements lacking {model} inputs: {ids}",
                len(ids),
            ).format(count=len(ids), model=ranking.model, ids=shown)
        )


def read_stdin() -> str:
    """All of stdin as text, without the byte-order mark a Windows editor
    puts first (it is not whitespace: a title would keep it, and no longer
    equal the same title typed)."""
    import sys

    text = sys.stdin.read()
    return text[1:] if text.startswith("\ufeff") else text


def split_values(values: list[str] | None) -> tuple[str, ...]:
    """Repeatable options that also accept comma-separated values (``,``, ``，``, ``、``)."""
    from pmledger.text import split_list

    return tuple(split_list(values or []))


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
    root: Path | None = None,
) -> Filter:
    """The core filter from the shared listing options (``--goal`` resolved in the
    ledger at ``root``, as ``set goal=`` stores it)."""
    from pmledger.dates import parse_date
    from pmledger.query.filters import Filter, check_statuses

    return Filter(
        statuses=check_statuses(split_values(status), settings),
        owners=split_values(owner),
        tags=split_values(tag),
        departments=split_values(department),
        requesters=split_values(requester),
        goals=_goal_ids(split_values(goal), root),
        overdue=overdue,
        due_before=parse_date(due_before, as_of=as_of) if due_before else None,
        text=" ".join(search) if search else None,
        include_inactive=include_inactive,
    )


def _goal_ids(typed: tuple[str, ...], root: Path | None) -> tuple[str, ...]:
    # `--goal raise` means the goal `goal show raise` shows: a unique prefix,
    # any case. Imported only when a goal is given: start-up stays fast.
    if not typed or root is None:
        return typed
    from pmledger.goals.store import GoalBook

    book = GoalBook(root)
    return tuple(book.wanted(g) for g in typed)


def report_problems(problems: list[object]) -> None:
    """Name each unreadable file on stderr (the command goes on with the rest)."""
    from pmledger.cli.output import warn

    for problem in problems:
        warn(_("warning: skipped {problem}").format(problem=problem))


def warn_unknown_values(flt: Filter, requirements: list[Requirement]) -> None:
    """Say which department, owner or requester of ``flt`` no requirement has
    (with the closest one the ledger has): a typo keeps nothing, and an empty
    listing or report would look like an answer."""
    from pmledger.cli.output import warn
    from pmledger.query.filters import unknown_values

    for field, value, close in unknown_values(flt, requirements):
        if field == "department":
            text = _("no requirement has department {value!r}")
        elif field == "owner":
            text = _("no requirement has owner {value!r}")
        else:
            text = _("no requirement has requester {value!r}")
        text = text.format(value=value)
        if close is not None:
            text += _("; did you mean {suggestion!r}?").format(suggestion=close)
        warn("pmledger: " + text)


def warn_lost_comments(req_id: str, lost: list[str]) -> None:
    """Say, before writing, which comments go with the key they stood beside."""
    from pmledger.cli.output import warn

    warn(
        ngettext(
            "warning: {id}: {count} comment dropped with the key it described:",
            "warning: {id}: {count} comments dropped with the keys they described:",
            len(lost),
        ).format(id=req_id, count=len(lost))
    )
    for comment in lost:
        warn(f"  {comment}")


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
