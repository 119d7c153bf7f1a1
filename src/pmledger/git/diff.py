"""A semantic diff of the ledger between two revisions.

Only the files git reports as changed are read from git objects (one
``git cat-file --batch`` process); requirements unchanged between the two
revisions are parsed once and shared by both sides, taken from the work
tree's parse cache whenever their file there is identical. Both sides are
ranked with the same as-of date and the same settings (the work tree's),
so that a move in the ranking is explained by the data alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from pmledger.check.files import in_english_too, syntax_error
from pmledger.errors import GitError, InvalidValueError
from pmledger.git.fields import FieldChange, field_changes, log_entries_added, plain
from pmledger.git.repo import Repo
from pmledger.i18n import N_, _, translate
from pmledger.ledger import fastread
from pmledger.ledger.ledger import SUFFIX, Ledger
from pmledger.ledger.model import Requirement
from pmledger.ranking.order import Ranking, rank
from pmledger.ranking.scoring import Score

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass(frozen=True)
class Revisions:
    """The two sides of a diff: commits, or None for the work tree."""

    old: str
    new: str | None
    old_label: str
    new_label: str
    # The labels for people, in the language of the run (None: as the label).
    old_shown: str | None = None
    new_shown: str | None = None


def since_date(repo: Repo, since: str, *, as_of: date | None = None) -> str:
    """``--since`` as git reads it: pmledger's date forms (2026-11-01, -2w, 昨天)
    or git's own ("2 weeks ago"). Raises :class:`InvalidValueError` for text
    that is neither: git reads any unknown word as "now", which would
    silently diff the wrong range."""
    from pmledger.dates import parse_date

    try:
        day = parse_date(since, as_of=as_of or date.today())
    except InvalidValueError:
        if re.match(r"\s*\d+\s*[/.-]\s*\d", since) and ":" not in since:
            raise  # a numeric date pmledger cannot read (32/13): not for git to guess
    else:
        # The day's start: git reads a bare date as that day at the current
        # time, which left out the commits made earlier that day.
        return f"{day.isoformat()} 00:00:00"

    def seconds(text: str) -> int:
        out = repo.git("rev-parse", f"--before={text}", check=False).decode()
        return int(out.strip().rpartition("=")[2] or 0)

    if since.strip().lower() != "now" and abs(seconds(since) - seconds("now")) < 5:
        raise InvalidValueError(
            _("--since {since!r} is not a date (e.g. 2026-11-01, -2w, '2 weeks ago')").format(
                since=since
            )
        )
    return since


def resolve_range(
    repo: Repo, spec: str | None, *, since: str | None = None, as_of: date | None = None
) -> Revisions:
    """``A..B``, ``A...B`` (from the merge base), ``A`` (against the work tree) or nothing
    (HEAD against the work tree); ``since`` starts from the last commit before a date
    (a relative one counted from ``as_of``, as the report's ``--since`` is)."""
    if since is not None:
        since_text = since
        since = since_date(repo, since, as_of=as_of)
        new = None if spec is None else repo.resolve(spec)
        # The branch as it stood then: its first-parent line. A commit of a
        # side branch made before the date but merged after it was not on
        # the branch yet, and what it brought belongs to the diff.
        out = (
            repo.git(
                "rev-list", "-1", "--first-parent", f"--before={since}", new or "HEAD", check=False
            )
            .decode()
            .strip()
        )
        if not out and repo.shallow_commits():
            # The commits before the date exist but were not fetched: starting
            # from nothing would show every requirement as added.
            raise GitError(
                _(
                    "this clone is shallow: it holds no commit from before --since {since!r} "
                    "(fetch the history: git fetch --unshallow)"
                ).format(since=since_text)
            )
        return Revisions(
            out or EMPTY_TREE,
            new,
            out[:10] if out else "(empty)",
            spec or "work tree",
            None if out else _("(empty)"),
            None if spec else _("work tree"),
        )
    if spec is None:
        head = repo.git("rev-parse", "-q", "--verify", "HEAD", check=False).decode().strip()
        return Revisions(head or EMPTY_TREE, None, "HEAD", "work tree", None, _("work tree"))
    if "..." in spec:
        a, _sep, b = spec.partition("...")
        a_sha, b_sha = repo.resolve(a or "HEAD"), repo.resolve(b or "HEAD")
        return Revisions(
            repo.merge_base(a_sha, b_sha, names=(a or "HEAD", b or "HEAD")),
            b_sha,
            f"merge base of {spec}",
            b or "HEAD",
            _("merge base of {range}").format(range=spec),
        )
    if ".." in spec:
        a, _sep, b = spec.partition("..")
        return Revisions(
            repo.resolve(a or "HEAD"), repo.resolve(b or "HEAD"), a or "HEAD", b or "HEAD"
        )
    return Revisions(repo.resolve(spec), None, spec, "work tree", None, _("work tree"))


@dataclass
class RequirementChange:
    """What changed in one requirement present on both sides."""

    id: str
    title: str
    fields: list[FieldChange] = field(default_factory=list)
    notes_added: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_move(self) -> tuple[Any, Any] | None:
        found = next((c for c in self.fields if c.field == "status"), None)
        return (found.old, found.new) if found else None


@dataclass(frozen=True)
class RankMove:
    """A requirement whose place in the ranking changed."""

    id: str
    title: str
    before: int | None
    after: int | None
    # The term whose contribution changed most, and by how much (None when
    # the requirement's own score did not change: others moved around it).
    term: str | None = None
    term_change: float | None = None
    score_before: float | None = None
    score_after: float | None = None


@dataclass(frozen=True)
class RevisionProblem:
    """A file of one revision that could not be read; the diff goes on without it.

    ``message`` is English (JSON); ``shown`` the same in the language of the run.
    """

    revision: str
    path: str
    message: str
    line: int | None = None
    shown: str | None = None

    @property
    def text(self) -> str:
        return self.shown if self.shown is not None else self.message


@dataclass
class LedgerDiff:
    """Everything that changed between two revisions, in business terms."""

    old: str
    new: str
    as_of: date
    added: list[Requirement] = field(default_factory=list)
    removed: list[Requirement] = field(default_factory=list)
    changed: list[RequirementChange] = field(default_factory=list)
    moves: list[RankMove] = field(default_factory=list)
    problems: list[RevisionProblem] = field(default_factory=list)
    # ``old``/``new`` for people, in the language of the run (None: as is).
    old_shown: str | None = None
    new_shown: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moves or self.problems)

    def as_json(self) -> dict[str, Any]:
        """A stable, JSON-ready form."""

        def brief(req: Requirement) -> dict[str, Any]:
            return {
                "id": req.id,
                "title": req.title,
                "status": req.status,
                "priority": req.priority.value,
            }

        return {
            "from": self.old,
            "to": self.new,
            "as_of": self.as_of.isoformat(),
            "added": [brief(r) for r in self.added],
            "removed": [brief(r) for r in self.removed],
            "changed": [
                {
                    "id": c.id,
                    "title": c.title,
                    "status": plain(list(c.status_move)) if c.status_move else None,
                    "fields": [
                        {"field": f.field, "old": plain(f.old), "new": plain(f.new)}
                        for f in c.fields
                    ],
                    "notes_added": [plain(n) for n in c.notes_added],
                }
                for c in self.changed
            ],
            "rank_moves": [
                {
                    "id": m.id,
                    "title": m.title,
                    "before": m.before,
                    "after": m.after,
                    "term": m.term,
                    "term_change": m.term_change,
                    "score_before": m.score_before,
                    "score_after": m.score_after,
                }
                for m in self.moves
            ],
            "problems": [
                {"revision": p.revision, "path": p.path, "line": p.line, "message": p.message}
                for p in self.problems
            ],
        }


@dataclass
class _Side:
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)  # stem -> TOML data
    reqs: dict[str, Requirement] = field(default_factory=dict)  # stem -> model
    broken: set[str] = field(default_factory=set)


def _parse_into(
    side: _Side,
    stem: str,
    path: str,
    data: bytes | None,
    label: str,
    problems: list[RevisionProblem],
) -> None:
    if data is None:
        return
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
        doc = fastread.toml(text)
        req = Requirement.model_validate(doc)
    except UnicodeDecodeError:
        problems.append(_problem(label, path, N_("not UTF-8 text")))
    except tomllib.TOMLDecodeError:
        english, shown = in_english_too(syntax_error, text, Path(path))
        if shown is not None:
            problems.append(RevisionProblem(label, path, english[0], shown[1], shown[0]))
    except ValidationError as exc:
        from pmledger.check.files import schema_problems

        found = schema_problems(
            exc, Path(path), text, retry=lambda: Requirement.model_validate(doc)
        )
        if not found:
            problems.append(_problem(label, path, N_("does not match the schema")))
        else:
            problems.append(
                RevisionProblem(
                    label,
                    path,
                    "; ".join(p.message for p in found),
                    found[0].line,
                    "; ".join(p.text for p in found),
                )
            )
    else:
        if req.id == stem:
            side.docs[stem] = doc
            side.reqs[stem] = req
            return
        # (list, rank and check refuse it too: a copy or a hand rename.)
        problems.append(_problem(label, path, N_("its id does not match the file name")))
    side.broken.add(stem)


def _read_side(
    side: _Side,
    repo: Repo,
    paths: Mapping[str, str | None],
    label: str,
    problems: list[RevisionProblem],
) -> None:
    """Parse each path's version: its blob id (one ``cat-file`` process for all of
    them), or None for the file in the work tree."""
    blobs = repo.read_blobs(b for b in paths.values() if b)
    for p, blob in paths.items():
        data: bytes | None
        if blob is not None:
            data = blobs.get(blob)
        else:
            try:
                data = (repo.top / p).read_bytes()
            except FileNotFoundError:
                data = None
            except OSError:  # permission denied: the rest of the diff goes on
                problems.append(_problem(label, p, N_("cannot be read")))
                side.broken.add(_stem(p) or p)
                continue
        _parse_into(side, _stem(p) or p, p, data, label, problems)


def _problem(label: str, path: str, message: str) -> RevisionProblem:
    """A problem from a sentence marked with ``N_``."""
    return RevisionProblem(label, path, message, None, translate(message))


def _stem(path: str) -> str | None:
    name = PurePosixPath(path).name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) and not name.startswith(".") else None


def ledger_diff(
    ledger: Ledger, revisions: Revisions, *, as_of: date, repo: Repo | None = None
) -> LedgerDiff:
    """The semantic diff of the ledger between two revisions."""
    repo = repo or Repo.find(ledger.root)
    folder = repo.relative(ledger.requirements_dir)
    changes = [c for c in repo.changes(revisions.old, revisions.new, folder) if _stem(c.path)]
    # Each changed file's version on each side: its blob id (None: read the work tree).
    old_paths: dict[str, str | None] = {}
    new_paths: dict[str, str | None] = {}
    for c in changes:
        if c.status != "A":
            old_paths[c.old_path or c.path] = c.old_blob
        if c.status != "D":
            new_paths[c.path] = None if revisions.new is None else c.new_blob
    result = LedgerDiff(revisions.old_label, revisions.new_label, as_of)
    result.old_shown, result.new_shown = revisions.old_shown, revisions.new_shown
    old, new = _Side(), _Side()
    _read_side(old, repo, old_paths, revisions.old_label, result.problems)
    _read_side(new, repo, new_paths, revisions.new_label, result.problems)

    changed_stems = {_stem(p) for p in [*old_paths, *new_paths]}
    shared = _unchanged(ledger, repo, revisions, folder, changed_stems, result)
    broken = old.broken | new.broken
    # A requirement unreadable on one side is left out of both rankings: what
    # that side says of it is unknown, and ranking it on one side only would
    # move it and everything below it (phantom moves).
    old_all = [*shared, *_readable_on_both(old, broken)]
    new_all = [*shared, *_readable_on_both(new, broken)]

    old_by_id = {r.id: (s, r) for s, r in old.reqs.items()}
    new_by_id = {r.id: (s, r) for s, r in new.reqs.items()}
    for req_id, (stem, req) in sorted(new_by_id.items()):
        if req_id not in old_by_id and stem not in broken:
            result.added.append(req)
    for req_id, (stem, req) in sorted(old_by_id.items()):
        if req_id not in new_by_id and stem not in broken:
            result.removed.append(req)
    for req_id in sorted(set(old_by_id) & set(new_by_id)):
        (s_old, _r_old), (s_new, r_new) = old_by_id[req_id], new_by_id[req_id]
        d_old, d_new = old.docs[s_old], new.docs[s_new]
        fields = field_changes(d_old, d_new)
        notes = [plain(dict(n)) for n in log_entries_added(d_old, d_new)]
        if fields or notes:
            result.changed.append(RequirementChange(req_id, r_new.title, fields, notes))
    result.moves = rank_moves(_ranking(old_all, ledger, as_of), _ranking(new_all, ledger, as_of))
    return result


def _readable_on_both(side: _Side, broken: set[str]) -> list[Requirement]:
    """The side's changed requirements but those unreadable on either side (by
    file name, or by ID: a file renamed as it broke)."""
    return [r for s, r in side.reqs.items() if s not in broken and r.id not in broken]


def _unchanged(
    ledger: Ledger,
    repo: Repo,
    revisions: Revisions,
    folder: str,
    changed: set[str | None],
    result: LedgerDiff,
) -> list[Requirement]:
    """Requirements identical on both sides, each parsed once."""
    current = ledger.load_all()
    by_stem = {r.id: r for r in current.requirements}
    if revisions.new is None:
        return [r for stem, r in by_stem.items() if stem not in changed]
    blob_of = repo.tree_files(revisions.new, folder)
    at_new = {s: p for p in blob_of if (s := _stem(p)) is not None}
    # Files that differ between the new revision and the work tree must come from git.
    worktree_changes = repo.changes(revisions.new, None, folder)
    differs = {_stem(c.old_path or c.path) for c in worktree_changes}
    differs |= {_stem(c.path) for c in worktree_changes}
    shared = [by_stem[s] for s in at_new if s not in changed and s not in differs and s in by_stem]
    missing = {
        p: blob_of[p]
        for s, p in at_new.items()
        if s not in changed and (s in differs or s not in by_stem)
    }
    side = _Side()
    _read_side(side, repo, missing, revisions.new_label, result.problems)
    return shared + list(side.reqs.values())


def _ranking(reqs: list[Requirement], ledger: Ledger, as_of: date) -> Ranking:
    return rank(reqs, settings=ledger.settings, as_of=as_of, skip_incomplete=True)


def _largest_term(before: Score, after: Score) -> tuple[str | None, float | None]:
    best: tuple[str | None, float | None] = (None, None)
    old_terms = {t.name: t for t in before.terms}
    for term in after.terms:
        prior = old_terms.get(term.name)
        if prior is None:
            continue
        a = prior.contribution if prior.contribution is not None else prior.measure
        b = term.contribution if term.contribution is not None else term.measure
        delta = round(b - a, 4)
        if delta and (best[1] is None or abs(delta) > abs(best[1])):
            best = (term.name, delta)
    return best


def rank_moves(before: Ranking, after: Ranking) -> list[RankMove]:
    """Every requirement whose position changed, biggest moves first."""
    old = {item.requirement.id: item for item in before.items}
    new = {item.requirement.id: item for item in after.items}
    moves: list[RankMove] = []
    for req_id in dict.fromkeys([*new, *old]):
        a, b = old.get(req_id), new.get(req_id)
        if a is not None and b is not None and a.position == b.position:
            continue
        term: tuple[str | None, float | None] = (None, None)
        if a is not None and b is not None and a.score.value != b.score.value:
            term = _largest_term(a.score, b.score)
        title = (b or a).requirement.title  # type: ignore[union-attr]
        moves.append(
            RankMove(
                req_id,
                title,
                a.position if a else None,
                b.position if b else None,
                term[0],
                term[1],
                a.score.value if a else None,
                b.score.value if b else None,
            )
        )

    # A requirement entering the ranking comes from below its last place,
    # one leaving goes below it: entering at #1 is the biggest move of all.
    below_before, below_after = len(old) + 1, len(new) + 1

    def size(m: RankMove) -> tuple[int, int, str]:
        # Moves explained by the requirement's own data first (entered, left,
        # or its score changed), then those pushed by others, biggest first.
        own = m.before is None or m.after is None or m.term is not None
        delta = abs((m.before or below_before) - (m.after or below_after))
        return (0 if own else 1, -delta, m.id)

    moves.sort(key=size)
    return moves
