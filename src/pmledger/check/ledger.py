"""Checks of the ledger as a whole: every file (cached), then duplicate IDs,
dangling references, dependency cycles and the merge-driver set-up."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from pmledger.check.files import (
    GOALS_DIR,
    CheckReport,
    FileFacts,
    Problem,
    check_text,
    literal,
    problem,
    said,
    unreadable,
)
from pmledger.i18n import N_, active_language, translate
from pmledger.ledger.cache import ParseCache
from pmledger.ledger.filestats import changed_ns
from pmledger.ledger.ledger import SUFFIX, Ledger
from pmledger.ledger.records import KINDS, REQUIREMENT, RecordKind
from pmledger.ledger.scan import read_regular
from pmledger.ledger.settings import Settings

# Part of every cached result's key: bump it when a per-file rule changes,
# so that results computed by the old rules are not served again.
RULES_VERSION = 8


def _settings_key(settings: Settings) -> str:
    # The language too: cached problems hold their sentences for people.
    blob = f"{RULES_VERSION}:{active_language()}:{settings.model_dump_json()}".encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _record_entries(ledger: Ledger) -> list[tuple[RecordKind, str, list[os.DirEntry[str]]]]:
    out = []
    for kind in KINDS.values():
        folder = os.path.join(ledger.root, kind.folder(ledger.settings))
        try:
            entries = sorted(
                (
                    e
                    for e in os.scandir(folder)
                    if e.name.endswith(SUFFIX) and not e.name.startswith(".") and e.is_file()
                ),
                key=lambda e: e.name,
            )
        except (FileNotFoundError, NotADirectoryError):
            continue
        out.append((kind, folder, entries))
    return out


def record_files(ledger: Ledger) -> list[tuple[RecordKind, Path]]:
    """Every record file of every kind whose folder exists, in name order."""
    return [
        (kind, Path(entry.path))
        for kind, _, entries in _record_entries(ledger)
        for entry in entries
    ]


# How many files a progress step covers: a callback per file would cost more
# than the warm check of a large ledger.
PROGRESS_STEP = 500


def check_ledger(
    ledger: Ledger,
    *,
    use_cache: bool = True,
    git: bool = True,
    clone_config: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Check every record file and the ledger as a whole (``git``: and its repository's
    merge-driver set-up; ``clone_config``: including this clone's git configuration).

    ``progress(done, total)``: called as the record files are read (every
    ``PROGRESS_STEP`` files and once at the end), so a caller can show how far a
    first check of a large ledger (nothing cached yet) has come.
    """
    settings = ledger.settings
    key = _settings_key(settings)
    cache = ParseCache.for_ledger(ledger.root, "check") if use_cache else ParseCache(None)
    report = CheckReport()
    # Plain strings, not Paths, for 10k files: a warm check is mostly this loop.
    facts: dict[str, FileFacts] = {}
    # Requirement files whose ID could not be read: a link to one is not dangling.
    unread: set[str] = set()
    seen: set[str] = set()
    groups = _record_entries(ledger)
    folder = ledger.requirements_dir
    if folder.exists() and not folder.is_dir():
        # Nothing to check there, and every other command fails on it: not a pass.
        report.problems.append(
            problem(
                "error",
                "not-a-folder",
                said(N_("{folder} is a file, not the folder of requirements"), folder=folder.name),
                folder,
            )
        )
    total = sum(len(entries) for _kind, _folder, entries in groups)
    for kind, _folder, entries in groups:
        for entry in entries:
            report.files += 1
            if progress is not None and report.files % PROGRESS_STEP == 0:
                progress(report.files, total)
            name = f"{kind.name}/{entry.name}"
            seen.add(name)
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue
            cached = cache.get(name, stat.st_size, changed_ns(stat))
            if cached is not None and cached[0] == key:
                problems = cached[1]
                fact = FileFacts(*cached[2]) if cached[2] is not None else None
            else:
                problems, fact = _check_entry(Path(entry.path), settings, kind)
                stored = tuple(fact) if fact is not None else None
                cache.put(name, stat.st_size, changed_ns(stat), (key, tuple(problems), stored))
            report.problems += problems
            if fact is not None:
                facts[entry.path] = fact
            if kind is REQUIREMENT and (fact is None or fact.id is None):
                unread.add(entry.name[: -len(SUFFIX)])
    if progress is not None:
        progress(report.files, total)
    cache.retain(seen)
    cache.save()
    report.problems += _cross_file_problems(ledger, facts, unread)
    if report.problems:
        # As the problems name them (a Path each): built only when there are some.
        order = {str(Path(e.path)): i for i, e in enumerate(e for g in groups for e in g[2])}
        report.problems = _by_file(report.problems, order)
    if git:
        report.problems += unmerged_problems(ledger)
        report.problems += driver_warnings(ledger, clone_config=clone_config)
    return report


def unmerged_problems(ledger: Ledger) -> list[Problem]:
    """An error for each record a merge left removed on one side and changed on
    the other: git writes no conflict markers there, and the file in the work
    tree reads as valid, yet the merge is not done."""
    from pmledger.git.repo import Repo

    repo = Repo.find_or_none(ledger.root)
    if repo is None:
        return []
    try:
        spec = repo.relative(ledger.root) or "."
    except ValueError:
        return []
    problems = []
    for name, stages in sorted(repo.unmerged(spec).items()):
        if {2, 3} <= stages:
            continue  # changed on both sides: the markers in the file say where
        path = repo.top / name
        # git takes a path relative to where the person is.
        shown = os.path.relpath(path, Path.cwd()) if path.is_absolute() else name
        problems.append(
            problem(
                "error",
                "merge-conflict",
                said(N_("unresolved merge conflict: removed on one side, changed on the other")),
                path,
                fix=said(
                    N_("keep it with `git add {file}`, or remove it with `git rm {file}`"),
                    file=Path(shown).as_posix(),
                ),
            )
        )
    return problems


def _by_file(problems: list[Problem], files: Mapping[str, int]) -> list[Problem]:
    """Each file's problems together, in the order the files were read, each
    file's in line order and those of the whole file last: the cross-file
    problems (dangling links, duplicate IDs) join their file's. Stable: on one
    line, a file's own problems come before those found across files."""

    def key(p: Problem) -> tuple[int, bool, int]:
        order = files.get(str(p.path), len(files)) if p.path is not None else len(files)
        return order, p.line is None, p.line or 0

    return sorted(problems, key=key)


def _check_entry(
    path: Path, settings: Settings, kind: RecordKind
) -> tuple[list[Problem], FileFacts | None]:
    try:
        text = read_regular(path).decode("utf-8")
    except UnicodeDecodeError:
        return [problem("error", "encoding", said(N_("not UTF-8 text")), path)], None
    except OSError as exc:
        message = unreadable(exc, path)
        return [problem("error", "unreadable", message, path)], None
    return check_text(path, text, settings, kind)


def _cross_file_problems(
    ledger: Ledger, facts: Mapping[str, FileFacts], unread: set[str]
) -> list[Problem]:
    """Duplicate IDs, dangling references and cycles. ``unread``: the stems of
    requirement files whose ID is unknown (not TOML, in conflict): a link to one
    of them is not dangling, the file's own problem is what to fix; removing the
    link (the fix of a dangling one) would lose a valid dependency."""
    from pmledger.ranking.scoring import find_cycles

    problems: list[Problem] = []
    by_id: dict[str, list[str]] = {}
    for path, fact in facts.items():
        if fact.id is not None:
            by_id.setdefault(fact.id, []).append(path)
    for req_id, paths in sorted(by_id.items()):
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(os.path.basename(p) for p in paths if p != path)
                problems.append(
                    problem(
                        "error",
                        "duplicate-id",
                        said(N_("ID {id} is also used by {files}"), id=req_id, files=others),
                        Path(path),
                        field="id",
                    )
                )
    known = set(by_id)
    goals_dir = ledger.root / GOALS_DIR
    goals = {p.stem for p in goals_dir.glob(f"*{SUFFIX}")} if goals_dir.is_dir() else None
    graph: dict[str, tuple[str, ...]] = {}
    where: dict[str, str] = {}
    for path, fact in facts.items():
        for dep in fact.depends_on:
            if dep not in known and dep not in unread:
                problems.append(
                    problem(
                        "error",
                        "dangling-dependency",
                        said(N_("depends_on names {id}, which is not in the ledger"), id=dep),
                        Path(path),
                        fact.depends_line,
                        "depends_on",
                        fix=literal(f"pmledger set {Path(path).stem} depends_on-={dep}"),
                    )
                )
        if goals is not None and fact.goal is not None and fact.goal not in goals:
            problems.append(
                problem(
                    "error",
                    "dangling-goal",
                    said(
                        N_("goal {goal!r} is not in {folder}"),
                        goal=fact.goal,
                        folder=f"{GOALS_DIR}/",
                    ),
                    Path(path),
                    fact.goal_line,
                    "goal",
                )
            )
        if fact.id is not None and fact.depends_on:
            graph[fact.id] = fact.depends_on
            where[fact.id] = path
    for cycle in find_cycles(graph):
        first = cycle[0]
        problems.append(
            problem(
                "error",
                "dependency-cycle",
                said(N_("dependency cycle: {cycle}"), cycle=" -> ".join([*cycle, first])),
                Path(where[first]) if first in where else None,
                facts[where[first]].depends_line if first in where else None,
                "depends_on",
                # The link of the file the problem points at: its first ID's.
                fix=said(
                    N_(
                        "break the cycle with `pmledger set {id} depends_on-={other}`, "
                        "or remove another of its links"
                    ),
                    id=first,
                    other=cycle[1] if len(cycle) > 1 else first,
                ),
            )
        )
    return problems


def driver_warnings(ledger: Ledger, *, clone_config: bool = True) -> list[Problem]:
    """A warning when the ledger's repository would merge records line by line."""
    from pmledger.git.repo import Repo
    from pmledger.git.setup import driver_problems

    repo = Repo.find_or_none(ledger.root)
    if repo is None:
        return []
    sentence = N_("{reason}: ledger merges fall back to line merges")
    problems = []
    for template, values in driver_problems(
        ledger.root, ledger.settings, repo, clone_config=clone_config
    ):
        reason_en, reason = said(template, **values)
        message = (sentence.format(reason=reason_en), translate(sentence).format(reason=reason))
        problems.append(
            problem(
                "warning",
                "merge-driver",
                message,
                ledger.root / ".gitattributes",
                fix=literal("pmledger git-setup"),
            )
        )
    return problems
