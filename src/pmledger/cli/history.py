"""`pmledger history`: one requirement's changes along the git log."""

from __future__ import annotations

from typing import Annotated

import typer

from pmledger.cli.common import check_format, open_ledger

FORMATS = ("text", "json")


def history(
    ctx: typer.Context,
    req_id: Annotated[
        str, typer.Argument(metavar="ID", help="The requirement (also a removed one).")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output: text or json.")] = "text",
) -> None:
    """Show who changed a requirement, when, and which fields (old → new), commit by commit.

    Example: pmledger history REQ-4K7PM
    """
    from pmledger.cli.output import emit_json, one_line, write
    from pmledger.errors import NotFoundError
    from pmledger.git.fields import format_value
    from pmledger.git.history import requirement_history
    from pmledger.git.repo import Repo
    from pmledger.ledger import ids

    chosen = check_format(fmt, FORMATS)
    ledger = open_ledger(ctx)
    try:
        canonical = ledger.resolve_id(req_id)
    except NotFoundError:
        canonical = ids.normalize_id(req_id, ledger.prefix)  # removed: no file to match
    repo = Repo.find(ledger.root)
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
            write(f"    created: {one_line(str(title), 70)}")
            continue
        if entry.action == "removed":
            write("    removed")
            continue
        if entry.action == "renamed":
            write(f"    renamed: {entry.old_path} → {entry.path}")
        if entry.problem:
            write(f"    {one_line(entry.problem)}")
        for change in entry.fields:
            write(
                f"    {change.field}: {one_line(format_value(change.old))} → "
                f"{one_line(format_value(change.new))}"
            )
        for note in entry.notes_added:
            write(
                f"    note by {one_line(str(note.get('by', '?')))}: "
                f"{one_line(str(note.get('text', '')), 100)}"
            )
