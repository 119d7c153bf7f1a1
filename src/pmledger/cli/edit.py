"""`pmledger edit`: a requirement in the user's editor, never saving an invalid file.

The file is copied to a private temporary folder (so a half-edited copy is
never seen by other commands), the editor runs on the copy, and the result
is validated. On an error the copy is re-opened with the error written on
top as comments (line numbers count those comment lines, so they match what
the editor shows); saving it unchanged, emptying it, or quitting the editor
with an error abandons the edit. Only a valid file replaces the original,
written canonically and atomically, and only if nobody else wrote the file
while the editor was open: otherwise the edited text is kept in a file whose
path the error names, and the other change stays.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pmledger.cli.common import open_ledger, warn_lost_comments
from pmledger.cli.completion import IdArg
from pmledger.errors import EditAbortedError, InvalidFileError, WorkflowError, os_reason
from pmledger.i18n import _

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement

HEADER = "# pmledger: "


@dataclass(frozen=True)
class EditResult:
    """The outcome of an edit."""

    id: str
    changed: bool


def editor_command(environ: Mapping[str, str] | None = None) -> tuple[list[str], str | None]:
    """The editor to run and the variable that named it: $VISUAL, then $EDITOR,
    then vi (None). A variable holding only blanks counts as unset."""
    env = os.environ if environ is None else environ
    for variable in ("VISUAL", "EDITOR"):
        raw = env.get(variable) or ""
        try:
            words = shlex.split(raw)
        except ValueError:
            # `EDITOR='"code --wait'`: shlex's own words ("No closing quotation") are not ours.
            raise EditAbortedError(
                _("cannot read ${variable} ({value!r}): its quotes do not pair up").format(
                    variable=variable, value=raw
                )
            ) from None
        if words:
            return words, variable
    return ["vi"], None


def _cannot_start(editor: str, variable: str | None, exc: OSError) -> EditAbortedError:
    """Why the editor did not start, naming the variable to fix (the one that won)."""
    if variable is None:
        message = _("cannot start the editor {editor!r} ({reason}); set $EDITOR")
    else:
        message = _(
            "cannot start the editor {editor!r} named by ${variable} ({reason}); "
            "set ${variable} to an installed editor"
        )
    return EditAbortedError(message.format(editor=editor, variable=variable, reason=os_reason(exc)))


def _strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith(HEADER):
        lines.pop(0)
    return "".join(lines)


def _with_header(body: str, problems: list[tuple[int | None, str]]) -> str:
    """The buffer shown again after an error: every problem on top, then the file."""
    notes = [message for _line, message in problems]
    notes.append(_("fix it and save, or save unchanged / empty the file to abandon"))
    for index, (line, message) in enumerate(problems):
        if line is not None:
            # The numbers the user sees in the editor include these comment lines.
            notes[index] = _("line {line}: {message}").format(
                line=line + len(notes), message=message
            )
    return "".join(f"{HEADER}{note}\n" for note in notes) + body


def _problems(ledger: Ledger, path: Path, body: str) -> list[tuple[int | None, str]]:
    """Every error of the edited text, with its line, as `check` reports them
    (parsing stops at the first stage that fails: the schema before the workflow)."""
    from pmledger.check import check_text

    found, _facts = check_text(path, body, ledger.settings)
    named = _status_name(ledger, path, body) is not None
    return [
        (p.line, p.text)
        for p in found
        if p.severity == "error" and not (named and p.code == "unknown-status")
    ]


def _status_name(ledger: Ledger, path: Path, body: str) -> str | None:
    """The workflow status the edited ``status`` names by its label (进行中), if
    it is not already a status name."""
    from pmledger.i18n.labels import resolve_status
    from pmledger.ledger import fileformat

    try:
        status = fileformat.parse_toml(body, path).get("status")
        if not isinstance(status, str) or status in ledger.settings.ledger.statuses:
            return None
        return resolve_status(status, ledger.settings)
    except (InvalidFileError, WorkflowError):
        return None


def _parse(ledger: Ledger, path: Path, body: str) -> Requirement:
    """The edited text as a requirement.

    A status typed by its Chinese label (进行中) is read as its name and saved
    so, as a priority alias (紧急) is: files hold only the canonical names.
    """
    try:
        return ledger.parse(path, body)
    except InvalidFileError:
        status = _status_name(ledger, path, body)
        if status is None:
            raise
    from pmledger.ledger import fileformat

    renamed = fileformat.loads(body, path).model_copy(update={"status": status})
    # Parsed again as written, so the ID and everything else is checked as usual.
    return ledger.parse(path, fileformat.dumps(renamed))


def _keep_edited(req_id: str, text: str) -> Path:
    """Save text the user typed but pmledger may not write, in a file that survives."""
    fd, name = tempfile.mkstemp(prefix=f"pmledger-{req_id}-", suffix=".toml")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(name)


def _not_saved(path: Path, body: str, exc: OSError) -> EditAbortedError:
    """The edit could not be written: the edited text is kept in a temporary file."""
    reason = os_reason(exc)
    try:
        kept = _keep_edited(path.stem, body)
    except OSError:
        return EditAbortedError(
            _("cannot save {file} ({reason}); your edit is lost").format(file=path, reason=reason)
        )
    return EditAbortedError(
        _(
            "cannot save {file} ({reason}); your edit is kept in {kept} "
            "(copy it in once the file can be written)"
        ).format(file=path, reason=reason, kept=kept)
    )


def _changed_on_disk(path: Path, original: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") != original
    except (OSError, UnicodeDecodeError):
        return True  # removed or replaced by something unreadable


def edit_requirement(ledger: Ledger, req_id: str, *, max_rounds: int = 50) -> EditResult:
    """Run the editor on a requirement until the file is valid or the user gives up."""
    path, original = ledger.read_text(req_id)
    command, variable = editor_command()
    with tempfile.TemporaryDirectory(prefix="pmledger-edit-") as folder:
        scratch = Path(folder) / path.name
        presented = original
        for _round in range(max_rounds):
            scratch.write_text(presented, encoding="utf-8")
            try:
                completed = subprocess.run([*command, str(scratch)], check=False)
            except OSError as exc:
                raise _cannot_start(command[0], variable, exc) from None
            if completed.returncode != 0:
                raise EditAbortedError(
                    _("the editor exited with status {code}; {file} was not changed").format(
                        code=completed.returncode, file=path.name
                    )
                )
            edited = scratch.read_text(encoding="utf-8")
            body = _strip_header(edited)
            if not body.strip():
                raise EditAbortedError(
                    _("the file was emptied; {file} was not changed").format(file=path.name)
                )
            if body == original:
                # A file opened broken (a merge conflict `check` sent the person
                # here to resolve) and closed as it was is not "unchanged" and fine.
                still = _problems(ledger, path, body)
                if still:
                    raise EditAbortedError(
                        _("{file} was not changed and still has errors: {problem}").format(
                            file=path.name,
                            problem="; ".join(
                                message
                                if line is None
                                else _("line {line}: {message}").format(line=line, message=message)
                                for line, message in still
                            ),
                        )
                    )
                return EditResult(path.stem, changed=False)
            try:
                req = _parse(ledger, path, body)
            except InvalidFileError as exc:
                problems = _problems(ledger, path, body) or [
                    (p.line, p.message) for p in exc.problems
                ]
                if edited == presented:
                    raise EditAbortedError(
                        _("{problem}; {file} was not changed").format(
                            problem="; ".join(message for _line, message in problems),
                            file=path.name,
                        )
                    ) from None
                presented = _with_header(body, problems)
                continue
            # Another terminal (`note`, `set`, a git checkout) may have written
            # the file while the editor was open: never overwrite that.
            # (Checked and saved under the write lock: nothing writes in between.)
            with ledger.write_lock():
                if _changed_on_disk(path, original):
                    kept = _keep_edited(path.stem, body)
                    raise EditAbortedError(
                        _(
                            "{file} changed on disk while the editor was open, so your edit was "
                            "not saved; it is kept in {kept} (run `pmledger edit {id}` again and "
                            "copy your changes in)"
                        ).format(file=path.name, kept=kept, id=path.stem)
                    )
                before = path.read_bytes()
                try:
                    # The comments kept are those of the buffer the person saved.
                    ledger.save(
                        req,
                        original_text=body,
                        on_lost_comments=functools.partial(warn_lost_comments, req.id),
                    )
                except OSError as exc:
                    # A read-only ledger, a full disk: what the person typed
                    # is not theirs to lose.
                    raise _not_saved(path, body, exc) from None
                return EditResult(req.id, changed=path.read_bytes() != before)
    raise EditAbortedError(_("too many attempts; {file} was not changed").format(file=path.name))


def edit(
    ctx: typer.Context,
    req_id: IdArg,
) -> None:
    """Open the file in $VISUAL / $EDITOR; save only a valid file (re-opens on error).

    Examples:

        pmledger edit REQ-4K7PM

        EDITOR=nano pmledger edit 4K7PM
    """
    from pmledger.cli.output import write

    ledger = open_ledger(ctx)
    result = edit_requirement(ledger, req_id)
    write(result.id if result.changed else _("{id} (unchanged)").format(id=result.id))
