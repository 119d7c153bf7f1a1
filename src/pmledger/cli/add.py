"""`pmledger add`: capture requirements during a meeting."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import TODAY, AsOf, open_ledger

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger, Summary
    from pmledger.ledger.model import Requirement


def add(
    ctx: typer.Context,
    title: Annotated[
        str | None,
        typer.Argument(
            help="The title; `-` reads one title per line from stdin; none prompts on a terminal.",
            show_default=False,
        ),
    ] = None,
    priority: Annotated[
        str | None,
        typer.Option(
            "--priority",
            "-p",
            help="critical, high, medium (default), low; P0-P3; must/should/could/wont.",
        ),
    ] = None,
    due: Annotated[
        str | None,
        typer.Option("--due", help="YYYY-MM-DD, today, tomorrow, +3d, +2w, +1m, friday, eow, eom."),
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who is responsible.")] = None,
    requester: Annotated[
        str | None, typer.Option("--requester", "-r", help="Who asked for it.")
    ] = None,
    department: Annotated[
        str | None, typer.Option("--department", "-d", help="The requester's department.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="A tag (repeatable).")
    ] = None,
    effort: Annotated[
        float | None, typer.Option("--effort", "-e", help="Effort in points.", min=0)
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-m", help="Context and pain point.")
    ] = None,
    acceptance: Annotated[
        list[str] | None,
        typer.Option("--acceptance", "-a", help="An acceptance criterion (repeatable)."),
    ] = None,
    depends_on: Annotated[
        list[str] | None, typer.Option("--depends-on", help="ID it depends on (repeatable).")
    ] = None,
    goal: Annotated[str | None, typer.Option("--goal", "-g", help="The goal it serves.")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", "-s", help="Initial status (default: ledger.default_status)."),
    ] = None,
    same_as: Annotated[
        str | None,
        typer.Option(
            "--same-as",
            help="Do not create: record the requester as a note on this existing requirement.",
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Author of notes (default: git user.name).")
    ] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt.")] = False,
    as_of: AsOf = TODAY,
) -> None:
    """Capture a new requirement and print its ID."""
    from pmledger.changes import new_requirement
    from pmledger.cli.output import write
    from pmledger.dates import now_utc_offset
    from pmledger.errors import InvalidValueError
    from pmledger.ledger.ledger import summarize

    ledger = open_ledger(ctx)
    interactive = not no_input and sys.stdin.isatty()
    titles: list[str]
    if title == "-":
        titles = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
        if not titles:
            raise InvalidValueError("no titles on stdin (one per line)")
        interactive = False
    elif title is None or not title.strip():
        if not interactive:
            raise InvalidValueError(
                'a title is required: pmledger add "TITLE" (or `pmledger add -` to read titles from stdin)'
            )
        answers = _prompt(ledger)
        titles = [answers.pop("title")]
        priority = priority or answers.get("priority")
        requester = requester or answers.get("requester")
        department = department or answers.get("department")
        due = due or answers.get("due")
        owner = owner or answers.get("owner")
        tag = tag or ([answers["tags"]] if answers.get("tags") else None)
        description = description or answers.get("description")
    else:
        titles = [title]

    if same_as is not None:
        target = ledger.resolve_id(same_as)
        for text in titles:
            _record_on_existing(ledger, target, text, requester, department, by)
        return

    stamp = now_utc_offset()
    existing: list[Summary] | None = None
    for text in titles:
        req = new_requirement(
            text,
            settings=ledger.settings,
            created=stamp,
            today=as_of,
            priority=priority or "medium",
            status=status,
            due=due,
            owner=owner,
            requester=requester,
            department=department,
            tags=tag or (),
            effort=effort,
            description=description,
            acceptance=acceptance or (),
            depends_on=depends_on or (),
            goal=goal,
            resolve=ledger.resolve_id,
        )
        if existing is None:
            existing = _open_requirements(ledger)
        if _offer_existing(ledger, req, existing, interactive=interactive, by=by):
            continue
        created = ledger.create(req)
        existing.append(summarize(created))
        write(created.id)


def _open_requirements(ledger: Ledger) -> list[Summary]:
    closed = set(ledger.settings.ledger.closed_statuses)
    return [s for s in ledger.summaries().summaries if s.status not in closed]


def _offer_existing(
    ledger: Ledger,
    req: Requirement,
    existing: list[Summary],
    *,
    interactive: bool,
    by: str | None,
) -> bool:
    """Say which open requirement looks the same; True if the user chose to record on it."""
    from pmledger.cli.output import one_line, warn
    from pmledger.query.similarity import similar

    matches = similar(req.title, existing)
    if not matches:
        return False
    best = matches[0]
    warn(
        f"similar: {best.requirement.id} “{one_line(best.requirement.title, 60)}” "
        f"({best.similarity:.0%} alike, {best.requirement.status})"
    )
    if interactive and typer.confirm(
        f"Record this request on {best.requirement.id} instead of creating a new one?",
        default=False,
        err=True,
    ):
        _record_on_existing(
            ledger, best.requirement.id, req.title, req.requester, req.department, by
        )
        return True
    if not interactive:
        warn(
            f"hint: to record the requester there instead, add with --same-as {best.requirement.id}"
        )
    return False


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

    req = ledger.load(target)
    who = requester or "someone"
    if department:
        who += f" ({department})"
    text = f"Also requested by {who}"
    if title.strip() and title.strip() != req.title:
        text += f": {title.strip()}"
    updated = with_note(req, text, by=by or requester or default_author(), at=now_utc_offset())
    ledger.save(updated)
    write(req.id)


def _prompt(ledger: Ledger) -> dict[str, str]:
    """Ask for the fields on a terminal; offers the last requester and department."""
    # The newest requirement (by when it was captured) gives the defaults.
    recent = ledger.summaries().summaries
    newest = max(recent, key=lambda s: (s.created[:10], s.created), default=None)
    last = ledger.load(newest.id) if newest is not None else None
    answers: dict[str, str] = {}
    answers["title"] = typer.prompt("Title", err=True).strip()
    answers["priority"] = typer.prompt("Priority", default="medium", err=True)
    answers["requester"] = typer.prompt(
        "Requester",
        default=(last.requester if last and last.requester else ""),
        show_default=True,
        err=True,
    )
    answers["department"] = typer.prompt(
        "Department",
        default=(last.department if last and last.department else ""),
        show_default=True,
        err=True,
    )
    answers["due"] = typer.prompt(
        "Due (e.g. +2w, friday)", default="", show_default=False, err=True
    )
    answers["owner"] = typer.prompt("Owner", default="", show_default=False, err=True)
    answers["tags"] = typer.prompt(
        "Tags (comma-separated)", default="", show_default=False, err=True
    )
    answers["description"] = typer.prompt(
        "Pain point / context", default="", show_default=False, err=True
    )
    return {k: v for k, v in answers.items() if v.strip()}
