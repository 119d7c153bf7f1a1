"""A requirement's history along the git log, field by field.

One ``git log --follow`` names the commits that touched the file (following
a rename); every version is then read through one ``git cat-file --batch``
process and compared with the version before it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from pmledger.errors import NotFoundError
from pmledger.git.fields import FieldChange, field_changes, log_entries_added, plain
from pmledger.git.repo import Repo
from pmledger.i18n import N_, _, translate

_RS, _US = "\x1e", "\x1f"


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


@dataclass
class _Commit:
    sha: str
    date: str
    author: str
    subject: str
    status: str
    path: str
    old_path: str | None


def _log(repo: Repo, path: str) -> list[_Commit]:
    out = repo.git(
        "log",
        "--follow",
        "-M",
        "--no-merges",
        f"--format={_RS}%H{_US}%aI{_US}%an{_US}%s",
        "--name-status",
        "--",
        path,
        check=False,  # a repository without commits has no history: said below
    ).decode("utf-8", "replace")
    commits: list[_Commit] = []
    for record in out.split(_RS):
        if not record.strip():
            continue
        header, _sep, body = record.partition("\n")
        sha, date, author, subject = ([*header.split(_US), "", "", "", ""])[:4]
        lines = [line for line in body.splitlines() if line.strip()]
        if not lines:
            continue
        parts = lines[0].split("\t")
        status = parts[0][:1]
        if status == "R" and len(parts) >= 3:
            commits.append(_Commit(sha, date, author, subject, "R", parts[2], parts[1]))
        elif len(parts) >= 2:
            commits.append(_Commit(sha, date, author, subject, status, parts[1], None))
    commits.reverse()  # oldest first
    return commits


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
    commits = _log(repo, path)
    if not commits:
        raise NotFoundError(_("git has no history for {path}; commit it first").format(path=path))
    # Each commit is compared with its own parent's version of the file (the
    # log interleaves branches, so the commit listed before it may be a
    # sibling on another branch).
    specs = [f"{c.sha}:{c.path}" for c in commits if c.status != "D"]
    specs += [f"{c.sha}^:{c.old_path or c.path}" for c in commits if c.status != "A"]
    blobs = repo.read_blobs(specs)
    entries: list[HistoryEntry] = []
    for c in commits:
        if c.status == "D":
            entries.append(HistoryEntry(c.sha, c.date, c.author, c.subject, "removed", c.path))
            continue
        before, _ignored = (
            ({}, None) if c.status == "A" else _parse(blobs.get(f"{c.sha}^:{c.old_path or c.path}"))
        )
        doc, problem = _parse(blobs.get(f"{c.sha}:{c.path}"))
        action = {"A": "created", "R": "renamed"}.get(c.status, "changed")
        entry = HistoryEntry(c.sha, c.date, c.author, c.subject, action, c.path, c.old_path)
        if problem is not None:
            entry.problem = _NOT_TOML.format(error=problem)
            entry.problem_shown = translate(_NOT_TOML).format(error=problem)
        else:
            entry.fields = field_changes(before, doc)
            entry.notes_added = [plain(dict(n)) for n in log_entries_added(before, doc)]
        entries.append(entry)
    return entries
