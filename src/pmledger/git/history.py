"""A requirement's history along the git log, field by field.

The commits come from one plain ``git log`` (no path, no diff: commit
objects only), the file's blob in each commit's tree from ``git cat-file
--batch-check`` (folder by folder, each distinct folder tree read once); a
commit whose blob differs from its parent's touched the file. This reads each
version of the big ``requirements/`` tree once, where ``git log --follow
--raw -- path`` compares every commit's tree with its parent's (each tree
read twice): git's part takes less than half the time, loose or packed
(docs/performance.md, issue 8). Only where the file appears does git look
for a rename (``git log -1 --follow`` on that one commit), and the walk goes
on with the old path, as ``--follow`` does; unlike ``--follow``, a copy of
a look-alike file is not taken for the source. Every distinct version is
then read through one ``git cat-file --batch`` process, parsed once, and
compared with the version before it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from pmledger.errors import NotFoundError
from pmledger.git.fields import FieldChange, field_changes, log_entries_added, plain
from pmledger.git.repo import FileVersion, LogEntry, Repo
from pmledger.i18n import N_, _, translate
from pmledger.ledger import fastread


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

# The status of the file's oldest version in a shallow clone, whose earlier
# history was not fetched (git's own statuses are single capitals).
SHALLOW = "shallow"


_NOTES = "\n[[notes]]\n"


class _Unsplit(Exception):
    """The text is not split at its notes as the canonical writer writes them."""


def _parse_split(text: str, notes_seen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``fastread.toml(text)``, each ``[[notes]]`` table read once across versions.

    Notes are only ever appended, so the versions of a requirement repeat the
    same tables: parsing each once takes most of the parsing away. Anything
    unusual (a split inside a multi-line string leaves that string
    unterminated; a table other than the note; a key named notes above them)
    raises, and the caller parses the whole text."""
    head, sep, tail = text.partition(_NOTES)
    if not sep:
        return fastread.toml(text)
    doc = fastread.toml(head)
    if "notes" in doc:
        raise _Unsplit
    notes = []
    for chunk in tail.split(_NOTES):
        note = notes_seen.get(chunk)
        if note is None:
            table = fastread.toml("[[notes]]\n" + chunk)
            if list(table) != ["notes"] or len(table["notes"]) != 1:
                raise _Unsplit
            note = notes_seen[chunk] = table["notes"][0]
        notes.append(note)
    doc["notes"] = notes
    return doc


def _parse(
    data: bytes | None, notes_seen: dict[str, dict[str, Any]] | None = None
) -> tuple[dict[str, Any], str | None]:
    """A version's TOML data, or ({}, the parser's reason) when it cannot be read."""
    try:
        text = (data or b"").decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return {}, str(exc)
    if notes_seen is not None:
        try:
            return _parse_split(text, notes_seen), None
        except (tomllib.TOMLDecodeError, _Unsplit):
            pass  # the whole text says what is wrong, with the right line
    try:
        return fastread.toml(text), None
    except tomllib.TOMLDecodeError as exc:
        return {}, str(exc)


_RS, _US = "\x1e", "\x1f"


@dataclass(frozen=True)
class _Commit:
    sha: str
    parents: tuple[str, ...]
    tree: str
    date: str
    author: str
    subject: str


def _all_commits(repo: Repo) -> list[_Commit]:
    """Every commit reachable from HEAD, in ``git log``'s order (newest first)."""
    out = repo.git(
        "log", "-z", f"--format={_RS}%H{_US}%P{_US}%T{_US}%aI{_US}%an{_US}%s", check=False
    ).decode("utf-8", "surrogateescape")
    commits = []
    for chunk in out.split(_RS)[1:]:
        parts = chunk.rstrip("\0\n").split(_US)
        if len(parts) >= 6:
            sha, parents, tree, date, author = parts[:5]
            subject = _US.join(parts[5:])
            commits.append(_Commit(sha, tuple(parents.split()), tree, date, author, subject))
    return commits


def _batch_check(repo: Repo, specs: list[str], kind: str) -> dict[str, str | None]:
    """Object id of each ``tree:name`` spec (None: no such entry of that kind)."""
    if not specs:
        return {}
    payload = "".join(s + "\n" for s in specs).encode("utf-8", "surrogateescape")
    lines = repo.git("cat-file", "--batch-check=%(objectname) %(objecttype)", input=payload)
    found: dict[str, str | None] = {}
    for spec, line in zip(specs, lines.decode().splitlines(), strict=True):
        oid, _sep, found_kind = line.partition(" ")
        found[spec] = oid if found_kind == kind else None
    return found


def _blobs_at(repo: Repo, trees: set[str], path: str) -> dict[str, str | None]:
    """The blob at ``path`` in each tree (None: none), one folder level at a
    time so that a folder tree shared by many commits is looked into once."""
    if "\n" in path:
        raise NotFoundError(_("git has no history for {path}; commit it first").format(path=path))
    current: dict[str, str | None] = {t: t for t in trees}
    names = path.split("/")
    for depth, name in enumerate(names, 1):
        wanted = sorted({oid for oid in current.values() if oid})
        kind = "blob" if depth == len(names) else "tree"
        found = _batch_check(repo, [f"{oid}:{name}" for oid in wanted], kind)
        current = {t: (found[f"{oid}:{name}"] if oid else None) for t, oid in current.items()}
    return current


def _file_log(repo: Repo, path: str) -> list[LogEntry]:
    """The commits (newest first, merges left out) that changed the file, with
    its blobs before and after: what ``git log --follow --raw -- path`` gives."""
    commits = _all_commits(repo)
    tree_of = {c.sha: c.tree for c in commits}
    # A shallow clone's oldest commits show no parents: the file there was
    # not created by them, its past is only not fetched.
    cut = repo.shallow_commits()
    found: list[LogEntry] = []
    start = 0
    while start < len(commits):
        rest = [c for c in commits[start:] if len(c.parents) <= 1]
        trees = {c.tree for c in rest} | {
            tree_of[p] for c in rest for p in c.parents if p in tree_of
        }
        blob = _blobs_at(repo, trees, path)
        start = len(commits)
        for c in rest:
            parent_tree = tree_of.get(c.parents[0]) if c.parents else None
            new = blob[c.tree]
            old = blob[parent_tree] if parent_tree else None
            if new == old:
                continue
            if new is None:
                change = FileVersion("D", path, None, old, None)
            elif old is None and not c.parents and c.sha in cut:
                change = FileVersion(SHALLOW, path, None, None, new)
            elif old is None:
                change = _renamed_from(repo, c.sha, path) or FileVersion("A", path, None, None, new)
            else:
                change = FileVersion("M", path, None, old, new)
            found.append(LogEntry(c.sha, c.date, c.author, c.subject, (change,)))
            if change.status == "R" and change.old_path:
                # Older commits hold the file under its old name.
                path, start = change.old_path, commits.index(c) + 1
                break
    return found


def _renamed_from(repo: Repo, sha: str, path: str) -> FileVersion | None:
    """The rename that created ``path`` in commit ``sha``, if git sees one.

    ``--follow`` on that one commit: git compares the new file with the files
    the commit removed, as it would while following the whole log."""
    entries = repo.log([path], args=["-1", sha], follow=True)
    files = entries[0].files if entries else ()
    return files[0] if files and files[0].status == "R" else None


def removed_files(repo: Repo, folder: str, stem: str, suffix: str) -> list[str]:
    """The stems of files ``folder/STEM*SUFFIX`` that a commit, or the work tree
    since HEAD, deleted (``folder`` relative to the top), sorted.

    What a removed requirement's ID, or its prefix, is resolved against: one
    ``git log --diff-filter=D`` over the matching paths (a pathspec matches
    wildcards), and one ``git diff`` for a deletion not committed yet. A file
    deleted and later added again is among them: the caller drops live ones.
    """
    spec = f"{folder}/{stem}*{suffix}"
    found: set[str] = set()
    if repo.git("rev-parse", "-q", "--verify", "HEAD", check=False).strip():
        found.update(
            c.path for c in repo.changes("HEAD", None, spec, renames=False) if c.status == "D"
        )
    for entry in repo.log([spec], args=["--diff-filter=D"], renames=False):
        found.update(f.path for f in entry.files if f.status == "D")
    names = (p.rpartition("/")[2] for p in found)
    return sorted(n.removesuffix(suffix) for n in names if n.endswith(suffix))


def branches_holding(repo: Repo, path: str) -> list[str]:
    """The local and remote branches whose tip holds ``path`` (relative to the
    top): where a requirement added on another branch can be looked at."""
    refs = [
        r
        for r in repo.git(
            "for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/remotes", check=False
        )
        .decode("utf-8", "surrogateescape")
        .splitlines()
        if r and not r.endswith("/HEAD")
    ]
    if not refs or "\n" in path:
        return []
    found = _batch_check(repo, [f"{ref}:{path}" for ref in refs], "blob")
    return [ref for ref in refs if found[f"{ref}:{path}"]]


def requirement_history(repo: Repo, path: str) -> list[HistoryEntry]:
    """The commits that created, changed, renamed and removed the file at ``path``
    (relative to the top of the work tree), oldest first."""
    commits = [c for c in reversed(_file_log(repo, path)) if c.files]
    if not commits:
        raise NotFoundError(_("git has no history for {path}; commit it first").format(path=path))
    # The log names each version's blob, before and after the commit (its own
    # parent's version, even where branches interleave): each distinct
    # version is read once, through one process, and parsed once.
    wanted = [b for c in commits for b in (c.files[0].old_blob, c.files[0].new_blob) if b]
    blobs = repo.read_blobs(wanted)
    parsed: dict[str, tuple[dict[str, Any], str | None]] = {}
    # Shared between versions: read-only from here on (field_changes and
    # log_entries_added only compare).
    notes_seen: dict[str, dict[str, Any]] = {}

    def version(blob: str | None) -> tuple[dict[str, Any], str | None]:
        if blob is None:
            return {}, None
        if blob not in parsed:
            parsed[blob] = _parse(blobs.get(blob), notes_seen)
        return parsed[blob]

    entries: list[HistoryEntry] = []
    for c in commits:
        f = c.files[0]
        entry = HistoryEntry(c.sha, c.date, c.author, c.subject, "changed", f.path, f.old_path)
        if f.status == "D":
            entry.action, entry.old_path = "removed", None
            entries.append(entry)
            continue
        entry.action = {"A": "created", "R": "renamed", SHALLOW: "shallow"}.get(f.status, "changed")
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
