"""`pmledger edit`: a requirement in the user's editor, never saving an invalid file.

The file is copied to a private temporary folder (so a half-edited copy is
never seen by other commands), the editor runs on the copy, and the result
is validated. On an error the copy is re-opened with the error written on
top as comments; saving it unchanged, emptying it, or quitting the editor
with an error abandons the edit. Only a valid file replaces the original,
written canonically and atomically.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import open_ledger, warn_lost_comments
from pmledger.errors import EditAbortedError, InvalidFileError

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger

HEADER = "# pmledger: "


@dataclass(frozen=True)
class EditResult:
    """The outcome of an edit."""

    id: str
    changed: bool


def editor_command(environ: dict[str, str] | None = None) -> list[str]:
    """The editor to run: $VISUAL, then $EDITOR, then vi."""
    env = os.environ if environ is None else environ
    raw = env.get("VISUAL") or env.get("EDITOR") or "vi"
    return shlex.split(raw)


def _strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith(HEADER):
        lines.pop(0)
    return "".join(lines)


def edit_requirement(ledger: Ledger, req_id: str, *, max_rounds: int = 50) -> EditResult:
    """Run the editor on a requirement until the file is valid or the user gives up."""
    path, original = ledger.read_text(req_id)
    command = editor_command()
    with tempfile.TemporaryDirectory(prefix="pmledger-edit-") as folder:
        scratch = Path(folder) / path.name
        presented = original
        for _ in range(max_rounds):
            scratch.write_text(presented, encoding="utf-8")
            try:
                completed = subprocess.run([*command, str(scratch)], check=False)
            except OSError as exc:
                raise EditAbortedError(
                    f"cannot start the editor {command[0]!r} ({exc.strerror}); set $EDITOR"
                ) from None
            if completed.returncode != 0:
                raise EditAbortedError(
                    f"the editor exited with status {completed.returncode}; {path.name} was not changed"
                )
            edited = scratch.read_text(encoding="utf-8")
            body = _strip_header(edited)
            if not body.strip():
                raise EditAbortedError(f"the file was emptied; {path.name} was not changed")
            if body == original:
                return EditResult(path.stem, changed=False)
            try:
                req = ledger.parse(path, body)
            except InvalidFileError as exc:
                if edited == presented:
                    raise EditAbortedError(
                        f"{exc.problem.message}; {path.name} was not changed"
                    ) from None
                problem = exc.problem
                where = f"line {problem.line}: " if problem.line else ""
                presented = (
                    f"{HEADER}{where}{problem.message}\n"
                    f"{HEADER}fix it and save, or save unchanged / empty the file to abandon\n"
                    + body
                )
                continue
            before = path.read_bytes()
            # The comments kept are those of the buffer the person saved.
            ledger.save(
                req,
                original_text=body,
                on_lost_comments=functools.partial(warn_lost_comments, req.id),
            )
            return EditResult(req.id, changed=path.read_bytes() != before)
    raise EditAbortedError(f"too many attempts; {path.name} was not changed")


IdArg = Annotated[str, typer.Argument(metavar="ID", help="The requirement (prefix optional).")]


def edit(
    ctx: typer.Context,
    req_id: IdArg,
) -> None:
    """Open the file in $VISUAL / $EDITOR; save only a valid file (re-opens on error)."""
    from pmledger.cli.output import write

    ledger = open_ledger(ctx)
    result = edit_requirement(ledger, req_id)
    write(result.id if result.changed else f"{result.id} (unchanged)")
