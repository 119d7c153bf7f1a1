"""`pmledger history`: one requirement's changes along the git log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import check_format, open_ledger
from pmledger.i18n import _

if TYPE_CHECKING:
    from pmledger.git.repo import Repo
    from pmledger.ledger.ledger import Ledger

FORMATS = ("text", "json")


def history(
    ctx: typer.Context,
    req_id: Annotated[
        str, typer.Argument(metavar="ID", help="The requirement (also a removed one).")
    ],
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="Output: text or json.")
    ] = "text",
) -> None:
    """Show who changed a requirement, when, and which fields (old → new), commit by commit.

    Examples: pmledger history REQ-4K7PM; pmledger history REQ-4K7PM --format json
    """
    from pmledger.cli.diff import field_value
    from pmledger.cli.output import emit_json, one_line, write
    from pmledger.git.history import requirement_history
    from pmledger.git.repo import Repo

    chosen = check_format(fmt, FORMATS)
    ledger = open_ledger(ctx)
    repo = Repo.find(ledger.root)
    canonical = _resolve(ledger, repo, req_id)
    path = repo.relative(ledger.requirements_dir / f"{canonical}.toml")
    entries = requirement_history(repo, path)
    if chosen == "json":
        emit_json([e.as_json() for e in entries])
        return
    for entry in entries:
        write(
            f"{entry.commit[:10]}  {entry.date[:10]}  {one_line(entry.author)}  "
            f"{one_line(entry.subject, 72)}"
        )
        if entry.action == "created":
            title = next((c.new for c in entry.fields if c.field == "title"), "")
            write("    " + _("created: {title}").format(title=one_line(str(title), 70)))
            continue
        if entry.action == "shallow":
            write(
                "    "
                + _(
                    "the history before this commit is not in this shallow clone "
                    "(git fetch --unshallow fetches it)"
                )
            )
            continue
        if entry.action == "removed":
            write("    " + _("removed"))
            continue
        if entry.action == "renamed":
            write("    " + _("renamed: {old} → {new}").format(old=entry.old_path, new=entry.path))
        if entry.problem:
            write(f"    {one_line(entry.problem_shown or entry.problem)}")
        for change in entry.fields:
            old = field_value(change, change.old, ledger.settings)
            new = field_value(change, change.new, ledger.settings)
            write(f"    {change.field}: {one_line(old)} → {one_line(new)}")
        for note in entry.notes_added:
            write(
                "    "
                + _("note by {author}: {text}").format(
                    author=one_line(str(note.get("by", "?"))),
                    text=one_line(str(note.get("text", "")), 100),
                )
            )


def _resolve(ledger: Ledger, repo: Repo, text: str) -> str:
    """The ID ``text`` means, as `show` reads it: a current requirement (exact or
    a unique prefix), else one removed in git history (the same); else the
    requirement is unknown, and the error of the current ones says so."""
    from pmledger.errors import AmbiguousIdError, GitError, NotFoundError
    from pmledger.git.history import branches_holding, removed_files
    from pmledger.ledger import ids
    from pmledger.ledger.ledger import SUFFIX

    try:
        return ledger.resolve_id(text)
    except NotFoundError as exc:
        missing = exc
    canonical = ids.normalize_id(text, ledger.prefix)
    folder = repo.relative(ledger.requirements_dir)
    gone = [
        i
        for i in removed_files(repo, folder, canonical, SUFFIX)
        if not ledger.path_for(i).is_file()
    ]
    if canonical in gone:
        return canonical
    if len(gone) == 1:
        return gone[0]
    if gone:
        raise AmbiguousIdError(
            _("{text!r} matches several requirements: {ids}").format(
                text=text, ids=", ".join(gone[:5])
            )
        )
    # A requirement of a pull request under review lives on its branch only.
    elsewhere = branches_holding(repo, repo.relative(ledger.path_for(canonical)))
    if elsewhere:
        raise GitError(
            _(
                "{id} is not on this branch; it is on {branches}: check one of them out "
                "to see its history"
            ).format(id=canonical, branches=", ".join(elsewhere[:5]))
        )
    raise missing
