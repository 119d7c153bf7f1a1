"""`pmledger add`: capture requirements during a meeting.

Three ways in: a title on the command line, `add -` (one title per line from
stdin, written as one batch through ``Ledger.create_many``), or no title on a
terminal, which asks for the fields one by one (:mod:`pmledger.cli.interview`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import TODAY, AsOf, open_ledger
from pmledger.cli.completion import complete_priority
from pmledger.i18n import _, ngettext

if TYPE_CHECKING:
    from datetime import date

    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.scan import Summary
    from pmledger.ledger.titles import TitleEntry
    from pmledger.query.similarity import Match

# A batch names at most this many near-duplicates one by one, then counts the rest.
SIMILAR_SHOWN = 20


def add(
    ctx: typer.Context,
    title: Annotated[
        str | None,
        typer.Argument(
            metavar="TITLE",
            help="The title; `-` reads one title per line from stdin; none prompts on a terminal.",
            show_default=False,
        ),
    ] = None,
    priority: Annotated[
        str | None,
        typer.Option(
            "--priority",
            "-p",
            metavar="PRIORITY",
            help="critical, high, medium (default), low; P0-P3; must/should/could/wont; "
            "紧急/高/中/低.",
            autocompletion=complete_priority,
        ),
    ] = None,
    due: Annotated[
        str | None,
        typer.Option(
            "--due",
            metavar="DATE",
            help="YYYY-MM-DD, today, tomorrow, +3d, +2w, +1m, friday, eow, eom, 下周五.",
        ),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="NAME", help="Who is responsible.")
    ] = None,
    requester: Annotated[
        str | None, typer.Option("--requester", "-r", metavar="NAME", help="Who asked for it.")
    ] = None,
    department: Annotated[
        str | None,
        typer.Option("--department", "-d", metavar="NAME", help="The requester's department."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="A tag (repeatable).")
    ] = None,
    effort: Annotated[
        float | None, typer.Option("--effort", "-e", metavar="N", help="Effort in points.", min=0)
    ] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", "-m", metavar="TEXT", help="Context and pain point."),
    ] = None,
    acceptance: Annotated[
        list[str] | None,
        typer.Option("--acceptance", metavar="TEXT", help="An acceptance criterion (repeatable)."),
    ] = None,
    depends_on: Annotated[
        list[str] | None,
        typer.Option("--depends-on", metavar="ID", help="ID it depends on (repeatable)."),
    ] = None,
    goal: Annotated[
        str | None, typer.Option("--goal", "-g", metavar="GOAL", help="The goal it serves.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            help="Initial status (default: ledger.default_status).",
        ),
    ] = None,
    same_as: Annotated[
        str | None,
        typer.Option(
            "--same-as",
            metavar="ID",
            help="Do not create: record the requester as a note on this existing requirement.",
        ),
    ] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate",
            help="Create it even when an open requirement has exactly the same title.",
        ),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="NAME",
            help="Author of notes (default: $PMLEDGER_USER, else git user.name).",
        ),
    ] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt.")] = False,
    as_of: AsOf = TODAY,
) -> None:
    """Capture a new requirement and print its ID.

    Without a title on a terminal, asks for each field (answers such as 高,
    下周五 or 销售部 are fine).

    Examples:

        pmledger add "Export invoices to CSV" -p high --due friday -r 王芳 -d 销售部

        pmledger add "导出发票" --same-as REQ-4K7PM -r 李雷

        pbpaste | pmledger add - --tag crm
    """
    from pmledger.errors import InvalidValueError

    ledger = open_ledger(ctx)
    if goal:
        from pmledger.goals.store import GoalBook

        # A unique prefix is fine; the full ID is stored, an unknown goal refused.
        goal = GoalBook(ledger.root).require(goal)
    interactive = not no_input and sys.stdin.isatty()
    fields: dict[str, Any] = {
        "priority": priority,
        "status": status,
        "due": due,
        "owner": owner,
        "requester": requester,
        "department": department,
        "tags": tag or (),
        "effort": effort,
        "description": description,
        "acceptance": acceptance or (),
        "depends_on": depends_on or (),
        "goal": goal,
    }
    if title == "-":
        if same_as is not None:
            raise InvalidValueError(_("--same-as takes one title, not `add -`"))
        _add_batch(ledger, fields, as_of=as_of, allow_duplicate=allow_duplicate)
        return
    if same_as is not None:
        target = ledger.resolve_id(same_as)
        _record_on_existing(ledger, target, title or "", requester, department, by)
        return
    if title is None or not title.strip():
        if not interactive:
            raise InvalidValueError(
                _(
                    'a title is required: pmledger add "TITLE" '
                    "(or `pmledger add -` to read titles from stdin)"
                )
            )
        from pmledger.cli.interview import interview

        answers = interview(ledger, fields, as_of=as_of, open_summaries=_open_titles(ledger))
        if answers.same_as is not None:
            _record_on_existing(
                ledger,
                answers.same_as,
                answers.title,
                answers.fields.get("requester"),
                answers.fields.get("department"),
                by,
            )
            return
        # The person saw the match and chose a new requirement: that is the allowance.
        _add_one(ledger, answers.title, answers.fields, as_of=as_of, allow_duplicate=True)
        return
    _add_one(
        ledger,
        title,
        fields,
        as_of=as_of,
        allow_duplicate=allow_duplicate,
        check_similar=True,
    )


def _build(
    ledger: Ledger, title: str, fields: dict[str, Any], *, as_of: date, resolve: bool = True
) -> Requirement:
    from pmledger.changes import new_requirement
    from pmledger.dates import now_utc_offset

    values = {k: v for k, v in fields.items() if k != "priority"}
    return new_requirement(
        title,
        settings=ledger.settings,
        created=now_utc_offset(),
        as_of=as_of,
        priority=fields.get("priority") or "medium",
        resolve=ledger.resolve_id if resolve else None,
        **values,
    )


def _add_one(
    ledger: Ledger,
    title: str,
    fields: dict[str, Any],
    *,
    as_of: date,
    allow_duplicate: bool,
    check_similar: bool = False,
) -> None:
    """Create one requirement (refusing an exact duplicate) and print its ID."""
    req = _build(ledger, title, fields, as_of=as_of)
    with ledger.write_lock():  # the duplicate check and the write, as one step
        _check_and_create(ledger, req, allow_duplicate=allow_duplicate, check_similar=check_similar)


def _check_and_create(
    ledger: Ledger, req: Requirement, *, allow_duplicate: bool, check_similar: bool
) -> None:
    from pmledger.cli.output import one_line, warn, write
    from pmledger.errors import DuplicateTitleError
    from pmledger.i18n.labels import status_label
    from pmledger.query.similarity import similar

    # Only the entries that can match: the checks below give the same answers.
    existing = (
        _open_titles_like(ledger, req.title) if (check_similar or not allow_duplicate) else []
    )
    if not allow_duplicate:
        same = _exact_duplicates(req.title, existing)
        # The title store may be a little stale: refuse only on what the file says now.
        same = [s for s in same if _still_the_same(ledger, s.id, req.title)]
        if same:
            raise DuplicateTitleError(
                _("“{title}” is already {id} ({status}); nothing was added").format(
                    title=one_line(req.title, 60),
                    id=same[0].id,
                    status=status_label(same[0].status, ledger.settings),
                ),
                existing_id=same[0].id,
            )
    if check_similar:
        matches = similar(req.title, existing)
        if matches:
            warn(_similar_line(ledger, matches[0], req.title))
            warn(
                _("hint: to record the requester there instead, add with --same-as {id}").format(
                    id=matches[0].requirement.id
                )
            )
    created = ledger.create(req)
    write(created.id)


def _add_batch(
    ledger: Ledger, fields: dict[str, Any], *, as_of: date, allow_duplicate: bool
) -> None:
    """`add -`: every title of stdin, written as one batch; duplicates reported."""
    from pmledger.cli.output import one_line, warn, write
    from pmledger.errors import InvalidValueError
    from pmledger.query.similarity import DuplicateIndex

    if sys.stdin.isatty():
        sys.stderr.write(
            _("Reading titles, one per line; press Ctrl-D on an empty line to finish.") + "\n"
        )
    from pmledger.cli.common import read_stdin

    lines = [(n, text.strip()) for n, text in enumerate(read_stdin().splitlines(), 1)]
    lines = [(n, text) for n, text in lines if text]
    if not lines:
        raise InvalidValueError(_("no titles on stdin (one per line)"))
    # Duplicates checked and files written under the write lock: two batches
    # of the same titles at once add them once.
    with ledger.write_lock():
        # Resolve the shared options once, not once per title.
        fields = dict(fields)
        fields["depends_on"] = [ledger.resolve_id(d) for d in _split(fields["depends_on"])]
        index = DuplicateIndex(_open_summaries(ledger), expected=[text for _, text in lines])
        pending: list[_Pending] = []
        reqs: list[Requirement] = []
        skipped: list[tuple[int, str, _Pending | Summary]] = []
        similar_to: list[tuple[_Pending, Match]] = []
        for number, text in lines:
            req = _build(ledger, text, fields, as_of=as_of, resolve=False)
            if not allow_duplicate:
                same = [i for i in index.exact(req.title) if i.status not in _closed(ledger)]
                if same:
                    skipped.append((number, req.title, same[0]))  # type: ignore[arg-type]
                    continue
            item = _Pending(_("line {number}").format(number=number), req.title, req.status)
            matches = index.similar(req.title, limit=1)
            if matches:
                similar_to.append((item, matches[0]))
            index.add(item)
            pending.append(item)
            reqs.append(req)
        created = ledger.create_many(reqs)
    for item, req in zip(pending, created, strict=True):
        item.id = req.id
        write(req.id)
    for item, match in similar_to[:SIMILAR_SHOWN]:
        warn(f"{item.id}: {_similar_line(ledger, match, item.title)}")
    if len(similar_to) > SIMILAR_SHOWN:
        more = len(similar_to) - SIMILAR_SHOWN
        warn(
            ngettext(
                "… and {count} more title resembles another one",
                "… and {count} more titles resemble another one",
                more,
            ).format(count=more)
        )
    if similar_to:
        warn(_("hint: `pmledger add TITLE --same-as ID` records a request on an existing one"))
    for number, text, other in skipped:
        warn(
            _(
                "skipped line {number}: “{title}” is already {id} "
                "(--allow-duplicate adds it anyway)"
            ).format(number=number, title=one_line(text, 60), id=other.id)
        )
    if skipped:
        # TRANSLATORS: the end of a batch; {added} and {skipped} are counts.
        warn(
            ngettext(
                "{added} added, {skipped} skipped as a duplicate",
                "{added} added, {skipped} skipped as duplicates",
                len(skipped),
            ).format(added=len(created), skipped=len(skipped))
        )
        raise typer.Exit(1)


class _Pending:
    """A title of the batch, known by its line until the ledger gives it an ID."""

    __slots__ = ("id", "status", "title")

    def __init__(self, id: str, title: str, status: str) -> None:
        self.id = id
        self.title = title
        self.status = status


def _split(values: Any) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _closed(ledger: Ledger) -> tuple[str, ...]:
    return tuple(ledger.settings.ledger.closed_statuses)


def _open_summaries(ledger: Ledger) -> list[Summary]:
    closed = set(_closed(ledger))
    return [s for s in ledger.summaries().summaries if s.status not in closed]


def _open_titles(ledger: Ledger) -> list[TitleEntry]:
    """Open requirements from the fast title store (a hint may be slightly stale)."""
    closed = set(_closed(ledger))
    return [s for s in ledger.titles() if s.status not in closed]


def _open_titles_like(ledger: Ledger, title: str) -> list[TitleEntry]:
    """Open requirements the duplicate checks could match (from the title store, as above)."""
    return ledger.titles_like(title, exclude_statuses=_closed(ledger))


def _still_the_same(ledger: Ledger, req_id: str, title: str) -> bool:
    from pmledger.errors import PmledgerError
    from pmledger.query.similarity import exact_key

    try:
        req = ledger.load(req_id)
    except PmledgerError:
        return False
    return req.status not in _closed(ledger) and exact_key(req.title) == exact_key(title)


def _exact_duplicates(title: str, existing: list[TitleEntry]) -> list[TitleEntry]:
    """Open requirements with exactly the same title (normalised), by ID."""
    from pmledger.query.similarity import exact_key, title_key

    key = title_key(title)
    wanted = exact_key(title)
    return sorted(
        (s for s in existing if s.title_key == key and exact_key(s.title) == wanted),
        key=lambda s: s.id,
    )


def _similar_line(ledger: Ledger, match: Match, title: str) -> str:
    from pmledger.cli.output import one_line
    from pmledger.i18n.labels import status_label
    from pmledger.query.similarity import shown_percent

    other = match.requirement
    return _("similar: {id} “{title}” ({percent}% alike, {status})").format(
        id=other.id,
        title=one_line(other.title, 60),
        percent=shown_percent(match.similarity, title, other.title),
        status=status_label(other.status, ledger.settings),
    )


def _record_on_existing(
    ledger: Ledger,
    target: str,
    title: str,
    requester: str | None,
    department: str | None,
    by: str | None,
) -> None:
    from pmledger.changes import with_note
    from pmledger.cli.common import default_author
    from pmledger.cli.output import write
    from pmledger.dates import now_utc_offset

    with ledger.write_lock():
        req = ledger.load(target)
        text = also_requested(requester, department, title.strip(), req.title)
        author = by or requester or default_author()
        ledger.save(with_note(req, text, by=author, at=now_utc_offset()))
    write(req.id)


def also_requested(
    requester: str | None, department: str | None, title: str, existing_title: str
) -> str:
    """The note that records another request, in the language of the command.

    A note is people's text (like `pmledger note`), not a value a program
    reads: it is written in the language the person works in, as one whole
    sentence (the note stays readable when the language changes later).
    """
    with_title = bool(title) and title != existing_title
    if requester and department:
        if with_title:
            return _("Also requested by {requester} ({department}): {title}").format(
                requester=requester, department=department, title=title
            )
        return _("Also requested by {requester} ({department})").format(
            requester=requester, department=department
        )
    if requester:
        if with_title:
            return _("Also requested by {requester}: {title}").format(
                requester=requester, title=title
            )
        return _("Also requested by {requester}").format(requester=requester)
    if department:
        if with_title:
            return _("Also requested by someone from {department}: {title}").format(
                department=department, title=title
            )
        return _("Also requested by someone from {department}").format(department=department)
    if with_title:
        return _("Also requested by someone: {title}").format(title=title)
    return _("Also requested by someone")
