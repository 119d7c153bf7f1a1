"""What git knows about the ledger: recent changes, when a sprint started and
what joined it later, lead times from accepted to done.

Read through :mod:`pmledger.git` (``git log --raw`` for the requirements
folder, then every blob through one ``git cat-file --batch``: two processes
whatever the history's size). Every function returns None when the ledger is not in a git repository or
git is missing: git history is a bonus, never a requirement.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pmledger.errors import InvalidValueError
from pmledger.i18n import _, pgettext, translate
from pmledger.i18n.labels import FIELD_LABELS
from pmledger.ledger import fastread
from pmledger.ledger.ledger import Ledger
from pmledger.report.data import Change
from pmledger.report.stats import LeadTimes

if TYPE_CHECKING:
    from pmledger.git.repo import Repo
    from pmledger.ledger.settings import Settings


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


def _repo(root: Path) -> Repo | None:
    """The repository of the ledger when it has at least one commit (else None)."""
    from pmledger.git.repo import Repo

    repo = Repo.find_or_none(root)
    if repo is None or not repo.git("rev-parse", "--verify", "-q", "HEAD", check=False).strip():
        return None
    return repo


def in_git(root: Path) -> bool:
    """Whether the ledger folder is inside a git work tree with at least one commit."""
    return _repo(root) is not None


def read_log(
    repo: Repo, folder: Path, *, extra: Sequence[str] = (), paths: Iterable[str] = ()
) -> list[Commit]:
    """Commits touching ``folder`` (or just ``paths``, relative to the top), oldest
    first, with their TOML file changes."""
    targets = list(paths) or [repo.relative(folder)]
    # Where a shallow clone's history is cut, git shows a commit without its
    # parents, every file in it "added" by its author: not a change anyone made.
    cut = repo.shallow_commits()
    commits: list[Commit] = []
    for entry in reversed(repo.log(targets, args=extra, renames=False)):
        if entry.sha in cut:
            continue
        commit = Commit(entry.sha, datetime.fromisoformat(entry.date), entry.author)
        commit.files = [
            FileChange(f.status, f.old_blob, f.new_blob, f.path)
            for f in entry.files
            if f.path.endswith(".toml")
        ]
        commits.append(commit)
    return commits


def read_blobs(
    repo: Repo, shas: Iterable[str], *, mentions: str | None = None
) -> dict[str, dict[str, Any]]:
    """The parsed TOML of many blobs through one ``git cat-file --batch`` (bad ones left out).

    ``mentions``: only blobs whose text holds this string are parsed (the
    others cannot have it as a value); the rest are left out too.
    """
    parsed: dict[str, dict[str, Any]] = {}
    for sha, body in repo.read_blobs(shas).items():
        data = _parse_blob(body, mentions) if body is not None else None
        if data is not None:
            parsed[sha] = data
    return parsed


def _parse_blob(body: bytes, mentions: str | None = None) -> dict[str, Any] | None:
    """A blob's TOML, or None when it is not TOML (or does not hold ``mentions``)."""
    try:
        text = body.decode("utf-8-sig")
        if mentions is not None and mentions not in text:
            return None
        return fastread.toml(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _since_args(repo: Repo, since: str | None, as_of: date) -> tuple[list[str], str]:
    from pmledger.dates import parse_date

    until = datetime.combine(as_of + timedelta(days=1), time.min).isoformat()
    if since is None:
        start = as_of - timedelta(days=14)
        return [f"--since={start.isoformat()}T00:00:00", f"--until={until}"], start.isoformat()
    try:
        start = parse_date(since, as_of=as_of)
    except InvalidValueError:
        found = repo.git("rev-parse", "--verify", "-q", f"{since}^{{commit}}", check=False)
        if not found.strip():
            raise InvalidValueError(
                _(
                    "--since {since!r} is neither a date nor a git revision of this repository"
                ).format(since=since)
            ) from None
        return [f"{since}..HEAD"], since
    return [f"--since={start.isoformat()}T00:00:00", f"--until={until}"], start.isoformat()


def _req_id(path: str) -> str:
    # git writes paths with "/" on every system; no Path per file change.
    return path.rpartition("/")[2].removesuffix(".toml")


# Fields whose old and new values fit in a line and matter to the reader: a deadline that
# moved (earlier or later?), work handed over, re-estimated or moved to another sprint.
VALUE_FIELDS = ("due", "sprint", "owner", "effort", "goal", "department", "requester")


def _value(value: object) -> str:
    return "—" if value is None or value == "" else str(value)


def _describe(
    old: dict[str, Any] | None, new: dict[str, Any] | None, settings: Settings
) -> list[tuple[str, str]]:
    """(kind, detail) of what changed in one requirement file, in the report's language."""
    from pmledger.ranking.scoring import priority_text, status_text

    def status(data: dict[str, Any]) -> str:
        return status_text(str(data.get("status", "?")), settings)

    def priority(data: dict[str, Any]) -> str:
        return priority_text(str(data.get("priority", "?")))

    if old is None and new is not None:
        detail = _("added ({status}, priority {priority})").format(
            status=status(new), priority=priority(new)
        )
        return [("added", detail)]
    if new is None:
        return [("removed", _("removed"))]
    assert old is not None
    out: list[tuple[str, str]] = []
    if old.get("status") != new.get("status"):
        out.append(("status", _("status: {old} → {new}").format(old=status(old), new=status(new))))
    if old.get("priority") != new.get("priority"):
        out.append(
            (
                "priority",
                _("priority: {old} → {new}").format(old=priority(old), new=priority(new)),
            )
        )
    old_notes, new_notes = old.get("notes") or [], new.get("notes") or []
    for note in new_notes[len(old_notes) :] if isinstance(new_notes, list) else []:
        if isinstance(note, dict):
            out.append(
                (
                    "note",
                    _("note by {author}: {text}").format(
                        author=note.get("by", "?"), text=note.get("text", "")
                    ),
                )
            )
    changed = {
        k
        for k in set(old) | set(new)
        if k not in ("status", "priority", "notes") and old.get(k) != new.get(k)
    }
    for key in VALUE_FIELDS:
        if key in changed:
            detail = _("{field}: {old} → {new}").format(
                field=translate(FIELD_LABELS[key]),
                old=_value(old.get(key)),
                new=_value(new.get(key)),
            )
            out.append(("changed", detail))
    # Other fields (a reworded description, custom fields) are named, not quoted.
    others = sorted(changed - set(VALUE_FIELDS))
    if others:
        separator = pgettext("list separator", ", ")
        names = separator.join(
            translate(FIELD_LABELS[k]) if k in FIELD_LABELS else k for k in others
        )
        out.append(("changed", _("changed: {fields}").format(fields=names)))
    return out


def recent_changes(
    ledger: Ledger, *, since: str | None, as_of: date, only: set[str]
) -> tuple[list[Change] | None, str]:
    """Changes to the given requirements since a date or revision, newest first
    (None when there is no git history)."""
    repo = _repo(ledger.root)
    if repo is None:
        return None, since or (as_of - timedelta(days=14)).isoformat()
    args, shown = _since_args(repo, since, as_of)
    commits = read_log(repo, ledger.requirements_dir, extra=args)
    blobs = read_blobs(
        repo,
        (
            s
            for c in commits
            for f in c.files
            for s in (f.old, f.new)
            if s and _req_id(f.path) in only
        ),
    )
    changes: list[Change] = []
    order: list[int] = []  # each change's commit, oldest first: the tie-break below
    for index, c in enumerate(commits):
        for f in c.files:
            req_id = _req_id(f.path)
            if req_id not in only and f.status != "D":
                continue
            old = blobs.get(f.old) if f.old else None
            new = blobs.get(f.new) if f.new else None
            if (f.old and old is None) or (f.new and new is None):
                continue  # a broken version: nothing to say about it
            title = str((new or old or {}).get("title", ""))
            for kind, detail in _describe(old, new, ledger.settings):
                changes.append(Change(c.at, c.who, req_id, title, kind, detail))
                order.append(index)
    # Newest first; two commits of one second by their order in git (the later
    # one first), so a cap on the list never drops the newest commit's changes.
    ranked = sorted(range(len(changes)), key=lambda i: (changes[i].at, order[i]), reverse=True)
    return [changes[i] for i in ranked], shown


class SprintHistory(NamedTuple):
    """What git says of a sprint: when it started (the first commit assigning
    a requirement to it), the requirements assigned in a later commit, and
    every requirement ever assigned to it (some since moved to another)."""

    started: datetime | None
    added_after_start: list[str] | None
    assigned: list[str] | None


def sprint_history(ledger: Ledger, name: str) -> SprintHistory:
    """:class:`SprintHistory` of sprint ``name`` (all None without git history)."""
    repo = _repo(ledger.root)
    if repo is None:
        return SprintHistory(None, None, None)
    commits = read_log(repo, ledger.requirements_dir)
    # A version assigned to the sprint holds its name as written: only those
    # are parsed (most versions of a long history are not). A name TOML
    # would escape is not looked for as written.
    plain = not any(c in name for c in '"\\') and name.isprintable()
    blobs = read_blobs(
        repo, (f.new for c in commits for f in c.files if f.new), mentions=name if plain else None
    )
    first: dict[str, datetime] = {}
    for c in commits:
        for f in c.files:
            data = blobs.get(f.new) if f.new else None
            req_id = _req_id(f.path)
            if data and data.get("sprint") == name and req_id not in first:
                first[req_id] = c.at
    if not first:
        return SprintHistory(None, None, None)
    started = min(first.values())
    return SprintHistory(
        started, sorted(i for i, at in first.items() if at > started), sorted(first)
    )


def lead_times(ledger: Ledger, only: set[str]) -> LeadTimes | None:
    """Days from accepted to done for each requirement that git saw go through both."""
    repo = _repo(ledger.root)
    if repo is None:
        return None
    settings = ledger.settings.ledger
    statuses = settings.statuses
    done = "done" if "done" in statuses else settings.closed_statuses[0]
    start = "accepted" if "accepted" in statuses else statuses[0]
    # Any status from accepted on (other than rejected/deferred) means it was accepted.
    skipped = set(settings.inactive_statuses) - {done}
    after = {s for s in statuses[statuses.index(start) :] if s not in skipped}
    commits = read_log(repo, ledger.requirements_dir)
    statuses_of = _blob_statuses(
        ledger.root,
        repo,
        {f.new for c in commits for f in c.files if f.new and _req_id(f.path) in only},
        {f.new for c in commits for f in c.files if f.new},
    )
    # (commit index, time): by index, two commits of one second still come in order.
    accepted: dict[str, tuple[int, datetime]] = {}
    finished: dict[str, tuple[int, datetime]] = {}
    for index, c in enumerate(commits):
        for f in c.files:
            req_id = _req_id(f.path)
            if not f.new or req_id not in only:
                continue
            known = statuses_of.get(f.new)
            if not known:
                continue  # not TOML: nothing to read from it
            status = known[0]
            if status in after and req_id not in accepted:
                accepted[req_id] = (index, c.at)
            if status == done and req_id not in finished:
                finished[req_id] = (index, c.at)
    # Done in a later commit than the one first seen accepted (created as
    # accepted counts; straight to done in one commit does not).
    days = {
        i: round(max((finished[i][1] - accepted[i][1]).total_seconds(), 0) / 86400, 2)
        for i in finished
        if i in accepted and finished[i][0] > accepted[i][0]
    }
    return LeadTimes(days=dict(sorted(days.items())))


# A blob's status never changes (its sha is its content): "stats" keeps each
# one it has read, so the next run parses only new versions (100k
# requirements: ~100k blobs through git cat-file and the TOML reader, ~13 s,
# at every run before).
BLOB_STATUS_CACHE = "blob-status"


def _blob_statuses(
    root: Path, repo: Repo, wanted: set[str], in_history: set[str]
) -> dict[str, tuple[Any, ...]]:
    """The ``status`` value of each wanted blob, as ``(status,)``, or ``()`` for a
    blob that is not TOML; remembered in the ledger's parse-cache folder."""
    from pmledger.ledger.cache import ParseCache

    cache = ParseCache.for_ledger(root, BLOB_STATUS_CACHE)
    found: dict[str, tuple[Any, ...]] = {}
    missing: list[str] = []
    for sha in wanted:
        known = cache.get(sha, 0, 0)
        if isinstance(known, tuple):
            found[sha] = known
        else:
            missing.append(sha)
    for sha, body in repo.read_blobs(missing).items():
        if body is None:
            found[sha] = ()  # git could not give it this time: not remembered
            continue
        data = _parse_blob(body)
        value: tuple[Any, ...] = (data.get("status"),) if data is not None else ()
        found[sha] = value
        cache.put(sha, 0, 0, value)
    # Versions a rewritten history no longer holds are forgotten.
    cache.retain(in_history)
    cache.save()
    return found
