"""A requirement's history along the git log, field by field.

One ``git log --follow --raw`` names the commits that touched the file
(following a rename) and the blob of each version; every distinct version is
then read through one ``git cat-file --batch`` process, parsed once, and
compared with the version before it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from pmledger.errors import NotFoundError
from pmledger.git.fields import FieldChange, field_changes, log_entries_added, plain
from pmledger.git.repo import Repo
from pmledger.i18n import N_, _, translate


@dataclass
class HistoryEntry:
    """One commit that changed the requirement's file."""

    commit: str
    date: str
    author: str
    subject: str
    # created, changed, renamed or removed
    action: str
    path: str
    old_path: str | None = None
    fields: list[FieldChange] = field(default_factory=list)
    notes_added: list[dict[str, Any]] = field(default_factory=list)
    # Set when this version of the file could not be read as TOML: in English
    # (JSON), and in the language of the run (for people).
    problem: str | None = None
    problem_shown: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "date": self.date,
            "author": self.author,
            "subject": self.subject,
            "action": self.action,
            "path": self.path,
            "old_path": self.old_path,
            "fields": [
                {"field": c.field, "old": plain(c.old), "new": plain(c.new)} for c in self.fields
            ],
            "notes_added": self.notes_added,
            "problem": self.problem,
        }


_NOT_TOML = N_("this version is not valid TOML ({error})")


def _parse(data: bytes | None) -> tuple[dict[str, Any], str | None]:
    """A version's TOML data, or ({}, the parser's reason) when it cannot be read."""
    try:
        return tomllib.loads((data or b"").decode("utf-8").removeprefix("\ufeff")), None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, str(exc)


def requirement_history(repo: Repo, path: str) -> list[HistoryEntry]:
    """The commits that created, changed, renamed and removed the file at ``path``
    (relative to the top of the work tree), oldest first."""
    commits = [c for c in reversed(repo.log([path], follow=True)) if c.files]
    if not commits:
        raise NotFoundError(_("git has no history for {path}; commit it first").format(path=path))
    # The log names each version's blob, before and after the commit (its own
    # parent's version, even where branches interleave): each distinct
    # version is read once, through one process, and parsed once.
    wanted = [b for c in commits for b in (c.files[0].old_blob, c.files[0].new_blob) if b]
    blobs = repo.read_blobs(wanted)
    parsed: dict[str, tuple[dict[str, Any], str | None]] = {}

    def version(blob: str | None) -> tuple[dict[str, Any], str | None]:
        if blob is None:
            return {}, None
        if blob not in parsed:
            parsed[blob] = _parse(blobs.get(blob))
        return parsed[blob]

    entries: list[HistoryEntry] = []
    for c in commits:
        f = c.files[0]
        entry = HistoryEntry(c.sha, c.date, c.author, c.subject, "changed", f.path, f.old_path)
        if f.status == "D":
            entry.action, entry.old_path = "removed", None
            entries.append(entry)
            continue
        entry.action = {"A": "created", "R": "renamed"}.get(f.status, "changed")
        before, _ignored = version(f.old_blob if f.status != "A" else None)
        doc, problem = version(f.new_blob)
        if problem is not None:
            entry.problem = _NOT_TOML.format(error=problem)
            entry.problem_shown = translate(_NOT_TOML).format(error=problem)
        else:
            entry.fields = field_changes(before, doc)
            entry.notes_added = [plain(dict(n)) for n in log_entries_added(before, doc)]
        entries.append(entry)
    return entries
