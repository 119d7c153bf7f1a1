"""What git knows about the ledger: recent changes, when a sprint started and
what joined it later, lead times from accepted to done.

A minimal reader of its own (``git log --raw`` for the requirements folder,
then every blob through one ``git cat-file --batch``: two processes whatever
the history's size), written while ``pmledger.git`` had not landed on main.
Every function returns None when the ledger is not in a git repository or
git is missing: git history is a bonus, never a requirement.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pmledger.errors import InvalidValueError
from pmledger.ledger.ledger import Ledger
from pmledger.report.data import Change
from pmledger.report.stats import LeadTimes

_NULL = "0" * 40
_SEP, _END = "\x1f", "\x1e"


@dataclass
class FileChange:
    status: str  # A, M, D
    old: str | None
    new: str | None
    path: str


@dataclass
class Commit:
    sha: str
    at: datetime
    who: str
    files: list[FileChange] = field(default_factory=list)


def _git(root: Path, args: Sequence[str], *, input: bytes | None = None) -> bytes | None:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", "--no-pager", *args],
            cwd=root,
            input=input,
            capture_output=True,
            env=env,
            check=False,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def in_git(root: Path) -> bool:
    """Whether the ledger folder is inside a git work tree with at least one commit."""
    return _git(root, ["rev-parse", "--verify", "-q", "HEAD"]) is not None


def read_log(
    root: Path, folder: str, *, extra: Sequence[str] = (), paths: Iterable[str] = ()
) -> list[Commit]:
    """Commits touching ``folder`` (or just ``paths``), oldest first, with their file changes."""
    fmt = f"--format={_END}%H{_SEP}%aI{_SEP}%an"
    targets = list(paths) or [folder]
    out = _git(
        root,
        [
            "log",
            "--reverse",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--relative",
            fmt,
            *extra,
            "--",
            *targets,
        ],
    )
    if out is None:
        return []
    commits: list[Commit] = []
    for chunk in out.decode("utf-8", "replace").split(_END)[1:]:
        head, _, rest = chunk.partition("\n")
        sha, at, who = head.split(_SEP, 2)
        commit = Commit(sha, datetime.fromisoformat(at), who)
        for line in rest.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            parts = meta.split()
            old, new, status = parts[2], parts[3], parts[4][0]
            if not path.endswith(".toml"):
                continue
            commit.files.append(
                FileChange(
                    status, None if old == _NULL else old, None if new == _NULL else new, path
                )
            )
        commits.append(commit)
    return commits


def read_blobs(root: Path, shas: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The parsed TOML of many blobs through one ``git cat-file --batch`` (bad ones left out)."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = _git(root, ["cat-file", "--batch"], input=("\n".join(wanted) + "\n").encode())
    if out is None:
        return {}
    parsed: dict[str, dict[str, Any]] = {}
    pos = 0
    for sha in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        body = out[pos : pos + size]
        pos += size + 1
        try:
            parsed[sha] = tomllib.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
    return parsed


def _since_args(root: Path, since: str | None, as_of: date) -> tuple[list[str], str]:
    from pmledger.dates import parse_date

    until = datetime.combine(as_of + timedelta(days=1), time.min).isoformat()
    if since is None:
        start = as_of - timedelta(days=14)
        return [f"--since={start.isoformat()}T00:00:00", f"--until={until}"], start.isoformat()
    try:
        start = parse_date(since, today=as_of)
    except InvalidValueError:
        if _git(root, ["rev-parse", "--verify", "-q", f"{since}^{{commit}}"]) is None:
            raise InvalidValueError(
                f"--since {since!r} is neither a date nor a git revision of this repository"
            ) from None
        return [f"{since}..HEAD"], since
    return [f"--since={start.isoformat()}T00:00:00", f"--until={until}"], start.isoformat()


def _req_id(path: str) -> str:
    return Path(path).name.removesuffix(".toml")


def _describe(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(kind, detail) of what changed in one requirement file."""
    if old is None and new is not None:
        return [("added", f"added ({new.get('status', '?')}, priority {new.get('priority', '?')})")]
    if new is None:
        return [("removed", "removed")]
    assert old is not None
    out: list[tuple[str, str]] = []
    for key in ("status", "priority"):
        if old.get(key) != new.get(key):
            out.append((key, f"{key}: {old.get(key)} → {new.get(key)}"))
    old_notes, new_notes = old.get("notes") or [], new.get("notes") or []
    for note in new_notes[len(old_notes) :] if isinstance(new_notes, list) else []:
        if isinstance(note, dict):
            out.append(("note", f"note by {note.get('by', '?')}: {note.get('text', '')}"))
    others = sorted(
        k
        for k in set(old) | set(new)
        if k not in ("status", "priority", "notes") and old.get(k) != new.get(k)
    )
    if others:
        out.append(("changed", "changed: " + ", ".join(others)))
    return out


def recent_changes(
    ledger: Ledger, *, since: str | None, as_of: date, only: set[str]
) -> tuple[list[Change] | None, str]:
    """Changes to the given requirements since a date or revision, newest first
    (None when there is no git history)."""
    root = ledger.root
    if not in_git(root):
        return None, since or (as_of - timedelta(days=14)).isoformat()
    args, shown = _since_args(root, since, as_of)
    folder = ledger.settings.ledger.requirements_dir
    commits = read_log(root, folder, extra=args)
    blobs = read_blobs(
        root,
        (
            s
            for c in commits
            for f in c.files
            for s in (f.old, f.new)
            if s and _req_id(f.path) in only
        ),
    )
    changes: list[Change] = []
    for c in commits:
        for f in c.files:
            req_id = _req_id(f.path)
            if req_id not in only and f.status != "D":
                continue
            old = blobs.get(f.old) if f.old else None
            new = blobs.get(f.new) if f.new else None
            if (f.old and old is None) or (f.new and new is None):
                continue  # a broken version: nothing to say about it
            title = str((new or old or {}).get("title", ""))
            for kind, detail in _describe(old, new):
                changes.append(Change(c.at, c.who, req_id, title, kind, detail))
    changes.sort(key=lambda ch: ch.at, reverse=True)
    return changes, shown


def sprint_history(ledger: Ledger, name: str) -> tuple[datetime | None, list[str] | None]:
    """When sprint ``name`` started (the first commit assigning a requirement to it)
    and which requirements were assigned in a later commit."""
    root = ledger.root
    if not in_git(root):
        return None, None
    folder = ledger.settings.ledger.requirements_dir
    commits = read_log(root, folder)
    blobs = read_blobs(root, (f.new for c in commits for f in c.files if f.new))
    first: dict[str, datetime] = {}
    for c in commits:
        for f in c.files:
            data = blobs.get(f.new) if f.new else None
            req_id = _req_id(f.path)
            if data and data.get("sprint") == name and req_id not in first:
                first[req_id] = c.at
    if not first:
        return None, None
    started = min(first.values())
    return started, sorted(i for i, at in first.items() if at > started)


def lead_times(ledger: Ledger, only: set[str]) -> LeadTimes | None:
    """Days from accepted to done for each requirement that git saw go through both."""
    root = ledger.root
    if not in_git(root):
        return None
    settings = ledger.settings.ledger
    statuses = settings.statuses
    done = "done" if "done" in statuses else settings.closed_statuses[0]
    start = "accepted" if "accepted" in statuses else statuses[0]
    # Any status from accepted on (other than rejected/deferred) means it was accepted.
    skipped = set(settings.inactive_statuses) - {done}
    after = {s for s in statuses[statuses.index(start) :] if s not in skipped}
    commits = read_log(root, settings.requirements_dir)
    blobs = read_blobs(
        root, (f.new for c in commits for f in c.files if f.new and _req_id(f.path) in only)
    )
    accepted: dict[str, datetime] = {}
    finished: dict[str, datetime] = {}
    for c in commits:
        for f in c.files:
            req_id = _req_id(f.path)
            data = blobs.get(f.new) if f.new else None
            if data is None:
                continue
            status = data.get("status")
            if status in after and req_id not in accepted:
                accepted[req_id] = c.at
            if status == done and req_id not in finished:
                finished[req_id] = c.at
    days = {
        i: round((finished[i] - accepted[i]).total_seconds() / 86400, 2)
        for i in finished
        if i in accepted and finished[i] > accepted[i]
    }
    return LeadTimes(days=dict(sorted(days.items())))
