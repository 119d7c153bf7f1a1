"""Removing a requirement, and finding out when one was removed.

A requirement file is deleted only when no open requirement depends on it,
unless forced: then the link is taken out of every dependent first (each
written canonically), so the ledger never holds a dangling reference, even
if the process dies half-way.

``removed_in`` answers "where did REQ-X go?" from git history with one
``git log --diff-filter=D`` call (through :mod:`pmledger.git`); a ledger
outside git simply has no answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pmledger.errors import (
    GitError,
    HasDependentsError,
    InvalidIdError,
    NotFoundError,
    RemovedError,
    UnkeptRemovalError,
)
from pmledger.i18n import _
from pmledger.ledger import ids
from pmledger.ledger.atomic import fsync_dir
from pmledger.ledger.ledger import SUFFIX, Ledger
from pmledger.ledger.scan import Summary

if TYPE_CHECKING:
    from pmledger.git.repo import Repo


@dataclass(frozen=True)
class Removal:
    """What ``remove`` did: the file deleted and the dependents it unlinked."""

    id: str
    title: str
    path: Path
    unlinked: tuple[str, ...] = ()


def dependents(ledger: Ledger, req_id: str) -> tuple[list[Summary], list[Summary]]:
    """The requirements that depend on ``req_id``: (open ones, closed ones), by ID."""
    closed = set(ledger.settings.ledger.closed_statuses)
    found = sorted(
        (s for s in ledger.summaries().summaries if req_id in s.depends_on), key=lambda s: s.id
    )
    return [s for s in found if s.status not in closed], [s for s in found if s.status in closed]


def unkept(ledger: Ledger, req_id: str) -> str | None:
    """Why git could not give back the file of ``req_id`` once removed (None: it can).

    Git keeps a removed file only as last committed: a ledger outside git,
    a file never committed, or one changed since its last commit, would
    lose its latest content.
    """
    from pmledger.git.repo import Repo

    path = ledger.path_for(req_id)
    repo = Repo.find_or_none(ledger.root)
    if repo is None:
        return _("the ledger is not in git")
    try:
        status = repo.git("status", "--porcelain", "--", repo.relative(path))
    except GitError:
        return _("git could not tell whether it was committed")
    if status.startswith((b"??", b"A")):
        return _("it was never committed to git")
    if status.strip():
        return _("it was changed since its last commit")
    return None


def remove_requirement(
    ledger: Ledger, req_id: str, *, force: bool = False, unkept_too: bool = False
) -> Removal:
    """Delete a requirement's file; with ``force``, first drop the links of its dependents.

    Raises :class:`HasDependentsError` (naming them) when open requirements
    depend on it and ``force`` is false. Closed dependents never block, but
    lose the link too, so that ``check`` finds no dangling reference.
    Raises :class:`UnkeptRemovalError` when git could not give the file back
    (:func:`unkept`), unless ``force`` or ``unkept_too``.
    """
    with ledger.write_lock():
        return _remove(ledger, req_id, force=force, unkept_too=unkept_too)


def _remove(ledger: Ledger, req_id: str, *, force: bool, unkept_too: bool) -> Removal:
    req = ledger.load(req_id)
    open_deps, closed_deps = dependents(ledger, req.id)
    if open_deps and not force:
        raise HasDependentsError(req.id, [s.id for s in open_deps])
    if not (force or unkept_too):
        why = unkept(ledger, req.id)
        if why is not None:
            raise UnkeptRemovalError(req.id, why)
    unlinked: list[str] = []
    for summary in [*open_deps, *closed_deps]:
        other = ledger.load(summary.id)
        kept = [d for d in other.depends_on if d != req.id]
        if kept != other.depends_on:
            ledger.save(other.model_copy(update={"depends_on": kept}))
            unlinked.append(other.id)
    path = ledger.path_for(req.id)
    path.unlink()
    fsync_dir(path.parent)
    return Removal(req.id, req.title, path, tuple(sorted(unlinked)))


@dataclass(frozen=True)
class RemovedCommit:
    """The commit that deleted a requirement's file (``commit`` empty: not committed yet)."""

    id: str
    commit: str
    author: str
    date: str
    subject: str

    def describe(self) -> str:
        """One sentence for people."""
        if not self.commit:
            return _("{id} was removed (the deletion is not committed yet)").format(id=self.id)
        return _("{id} was removed in commit {commit} ({date}, {author}: {subject})").format(
            id=self.id,
            commit=self.commit[:10],
            date=self.date[:10],
            author=self.author,
            subject=self.subject,
        )


def removed_in(ledger: Ledger, text: str) -> RemovedCommit | None:
    """The commit that removed the requirement ``text`` names (an ID or its prefix).

    None when the ledger is not in git, the ID never existed, or a prefix
    matches several removed requirements.
    """
    try:
        canonical = ids.normalize_id(text, ledger.prefix)
    except InvalidIdError:
        return None
    from pmledger.git.repo import Repo

    repo = Repo.find_or_none(ledger.root)
    if repo is None:
        return None
    try:
        return _removed_in(ledger, repo, canonical)
    except GitError:
        return None  # a broken repository has no answer either


def _removed_in(ledger: Ledger, repo: Repo, canonical: str) -> RemovedCommit | None:
    # Pathspecs match wildcards: a prefix finds the one file it names.
    spec = repo.relative(ledger.requirements_dir) + f"/{canonical}*{SUFFIX}"
    # Deleted in the work tree but still in the last commit.
    if repo.git("rev-parse", "-q", "--verify", "HEAD", check=False).strip():
        pending = repo.changes("HEAD", None, spec, renames=False)
        gone = sorted({_stem(c.path) for c in pending if c.status == "D"})
        if len(gone) == 1:
            return RemovedCommit(gone[0], "", "", "", "")
    found: dict[str, RemovedCommit] = {}
    for entry in repo.log([spec], args=["--diff-filter=D"], renames=False):
        for f in entry.files:
            req_id = _stem(f.path)
            if f.path.endswith(SUFFIX) and req_id not in found:  # newest first
                found[req_id] = RemovedCommit(
                    req_id, entry.sha, entry.author, entry.date, entry.subject
                )
    live = {i for i in found if ledger.path_for(i).is_file()}
    candidates = [c for i, c in found.items() if i not in live]
    return candidates[0] if len(candidates) == 1 else None


def _stem(path: str) -> str:
    return Path(path).name.removesuffix(SUFFIX)


def explain_missing(ledger: Ledger, text: str, error: NotFoundError) -> NotFoundError:
    """``error``, or a :class:`RemovedError` saying when and where the ID was removed."""
    found = removed_in(ledger, text)
    if found is None:
        return error
    return RemovedError(found.describe())
