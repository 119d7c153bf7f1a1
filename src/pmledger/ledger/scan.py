"""Reading the whole ledger: the folder's listing and one ``stat`` per file,
checked against the parse cache (:class:`~pmledger.ledger.cache.StateCache`,
whole requirements) or the summary index (summaries); files that changed
are read again. Never stale.

:class:`~pmledger.ledger.ledger.Ledger` exposes these as ``load_all``,
``summaries`` and ``summary_table``.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar, cast

from pmledger.errors import FileProblem, InvalidFileError, merge_problems
from pmledger.i18n import N_, _, translate
from pmledger.ledger import cache as cache_module
from pmledger.ledger.cache import (
    UNTRUSTED,
    State,
    StateCache,
    compact_state,
    share_strings,
    state_fields,
)
from pmledger.ledger.columns import Columns
from pmledger.ledger.filestats import FolderStats, folder_descriptor, stat_folder
from pmledger.ledger.model import (
    Requirement,
    requirement_from_state,
    requirement_state,
    requirements_from_states,
)
from pmledger.ledger.summaryindex import SummaryIndex, SummaryRow, SummaryTable
from pmledger.query.similarity import bigrams, title_key

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger

T = TypeVar("T")


class Summary(NamedTuple):
    """What commands that scan the whole ledger but show one item need."""

    id: str
    title: str
    status: str
    depends_on: tuple[str, ...]
    created: str
    # For the duplicate check of `add` (pmledger.query.similarity).
    title_key: str
    title_bigrams: int


make_summary = Summary._make


def summarize(req: Requirement) -> Summary:
    """The summary of a requirement."""
    key = title_key(req.title)
    return Summary(
        req.id,
        req.title,
        req.status,
        tuple(req.depends_on),
        req.created.isoformat(),
        key,
        len(bigrams(req.title)),
    )


@dataclass
class SummaryResult:
    """Summaries of every readable requirement, and every file that could not be read."""

    summaries: list[Summary] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


@dataclass
class LoadResult:
    """Every requirement that could be read, and every file that could not."""

    requirements: list[Requirement] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    # The ranking's columns of the requirements, when the parse cache was
    # written again with them (a ranking's JSON then needs no model).
    columns: Columns | None = None


# Files to read from which load_all uses pmledger.ledger.fastreq.
FAST_READ_AT = 512
# O_BINARY: Windows would otherwise translate line ends. O_NOFOLLOW: a
# requirement file that is a symbolic link is refused, never read through
# (show and set refuse one leading outside the ledger; a listing, an export
# or `fmt` would otherwise copy what it points at into the ledger).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)


def _read_bytes(name: str, fd: int | None, folder: Path, size: int) -> bytes:
    """A file's bytes (``fd``: the folder's descriptor, else the path is used).

    One read of the listed size and a byte more: a regular file reads short
    only at its end, so a shorter answer is the whole file; a longer one
    (the file grew meanwhile) is read on to the end.
    """
    f = (
        os.open(name, _READ_FLAGS, dir_fd=fd)
        if fd is not None
        else os.open(folder / name, _READ_FLAGS)
    )
    try:
        want = max(size, 0) + 1
        data = os.read(f, want)
        if len(data) < want:
            return data
        parts = [data]
        while chunk := os.read(f, 1 << 16):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(f)


def read_regular(path: Path) -> bytes:
    """The bytes of a record file; a symbolic link is refused, never read
    through (:data:`SYMLINK`; ``OSError`` with ``ELOOP``)."""
    return _read_bytes(path.name, None, path.parent, 0)


def _read_file(ledger: Ledger, path: Path) -> Requirement | FileProblem:
    try:
        return ledger.parse(path, read_regular(path).decode("utf-8"))
    except UnicodeDecodeError:
        return FileProblem(path, _("not UTF-8 text"))
    except InvalidFileError as exc:
        # Every problem of the file, in one warning line.
        return merge_problems(exc.problems)
    except OSError as exc:
        return _unreadable(path, exc)


# What is said of a record file that is a symbolic link.
SYMLINK = N_("a symbolic link: ledger files must be regular files (not read)")


def is_symlink_refusal(path: Path, exc: OSError) -> bool:
    """Whether ``exc`` is :func:`read_regular` refusing ``path``, a symbolic link."""
    import errno

    return exc.errno == errno.ELOOP and path.is_symlink()


def _unreadable(path: Path, exc: OSError) -> FileProblem:
    """The problem of a file that could not be opened or read."""
    if is_symlink_refusal(path, exc):
        return FileProblem(path, translate(SYMLINK))
    from pmledger.errors import os_reason

    return FileProblem(path, _("cannot be read: {error}").format(error=os_reason(exc)))


def load_all(ledger: Ledger, *, use_cache: bool = True) -> LoadResult:
    """Every requirement, in ID order; broken files are reported, not fatal.

    Never stale: every file is checked by size and mtime (one ``stat``
    each) against the parse cache (:class:`~pmledger.ledger.cache.StateCache`).
    """
    stats, cache = _stat_files(ledger, use_cache)
    return _load(ledger, stats, cache)


def load_columns(ledger: Ledger, use: Callable[[Columns], T]) -> tuple[Columns, T] | LoadResult:
    """The ranking's columns of every requirement (:mod:`pmledger.ledger.columns`)
    and ``use(columns)``, when the parse cache holds every file as it is now;
    otherwise every requirement, as :func:`load_all` (the caller builds what
    it needs).

    As fresh as :func:`load_all`: the same ``stat`` of every file decides.
    ``use`` runs on the cached columns while a helper process stats the
    files (a ranking and the stats then take the two processors), and its
    result is dropped when a file changed.
    """

    def meanwhile() -> tuple[StateCache, tuple[Columns, T] | None]:
        cache = StateCache.for_ledger(ledger.root, read="columns")
        columns = cache.columns
        return cache, None if columns is None else (columns, use(columns))

    stats, (cache, ahead) = stat_folder(ledger.requirements_dir, meanwhile)
    if ahead is not None and _unchanged(ledger, stats, cache):
        return ahead
    from pmledger.ledger import patching

    patched = patching.patched_cache(ledger, stats, cache)
    if patched is not None:
        fresh, columns, _source = patched
        cache.save(fresh, columns)
        return columns, use(columns)
    loaded = _load(ledger, stats, cache)
    # Every file read again and stored: the columns stored are this ledger's.
    if loaded.columns is not None and not loaded.problems:
        return loaded.columns, use(loaded.columns)
    return loaded


def _stat_files(
    ledger: Ledger, use_cache: bool, *, read: str = "states"
) -> tuple[FolderStats, StateCache]:
    # The cache is read (``read``: its states or its columns unpickled)
    # while a helper process may already be stat'ing.
    return stat_folder(
        ledger.requirements_dir,
        partial(StateCache.for_ledger, ledger.root, read=read)
        if use_cache
        else partial(StateCache, None),
    )


def _unchanged(ledger: Ledger, stats: FolderStats, cache: StateCache) -> bool:
    """Whether every file is as the cache stored it (the usual case: three
    comparisons in C), under statuses the workflow still has."""
    _names, sizes, mtimes, listing = stats
    return (
        cache.listing == listing
        and cache.sizes == sizes
        and cache.mtimes == mtimes
        and cache.statuses <= set(ledger.settings.ledger.statuses)
    )


def _load(ledger: Ledger, stats: FolderStats, cache: StateCache) -> LoadResult:
    names, sizes, mtimes, listing = stats
    # Unpickled before the cache is trusted: a damaged states blob empties
    # the cache's listing, and every file is then read again.
    cached_states = cache.states
    statuses = set(ledger.settings.ledger.statuses)
    rebuild = partial(requirement_from_state, owned=True)
    from pmledger.ledger import patching

    if not _unchanged(ledger, stats, cache) and (
        patched := patching.patched_cache(ledger, stats, cache)
    ):
        # A few files changed: their states beside the stored ones.
        fresh, now, source = patched
        cache.save(fresh, now)
        patch = fresh.patch
        stored = cast("list[State]", cached_states)
        current = [patch[i] if i in patch else stored[cast("int", j)] for i, j in enumerate(source)]
        return LoadResult(requirements_from_states(map(current.__getitem__, fresh.order)), [], now)
    if _unchanged(ledger, stats, cache):
        # No step per file but the model's. Frozen models never change their
        # dicts, so the cache's serve as the models' own (this cache is not
        # saved again). (No state is None here: those rows are stored UNTRUSTED.)
        cached = cast("list[State]", cache.states)
        return LoadResult(requirements_from_states(map(cached.__getitem__, cache.order)))
    # In ID order (the file names'); sorting positions by a C-level key
    # is the cheapest sort of 100k names with their stats.
    order = sorted(range(len(names)), key=names.__getitem__)
    fresh = StateCache(None)
    fresh.listing = listing
    fresh.sizes = array("q", sizes)
    fresh.mtimes = mtimes
    fresh.order = array("q", order)
    states: list[State | None] = [None] * len(names)
    fresh.states = states
    reqs: list[Requirement | None] = [None] * len(names)
    todo: list[int] = order  # nothing cached: every file is read
    if cache.listing:
        todo = []
        old_sizes, old_mtimes, old_states = cache.sizes, cache.mtimes, cache.states
        position = cache.position
        for i in order:
            j = position(names[i])
            if j is not None and old_sizes[j] == sizes[i] and old_mtimes[j] == mtimes[i]:
                state = old_states[j]
                # The workflow may have changed since the entry was stored.
                if state is not None and state_fields(state)["status"] in statuses:
                    states[i] = state
                    reqs[i] = rebuild(state)
                    continue
            todo.append(i)
    problems: list[FileProblem] = []
    racy = cache_module.trusted_before()
    read = _read_files(ledger, [names[i] for i in todo], [sizes[i] for i in todo], statuses)
    for i, got in zip(todo, read, strict=True):
        if isinstance(got, FileProblem):
            problems.append(got)
            fresh.sizes[i] = UNTRUSTED
            continue
        reqs[i] = got
        if mtimes[i] > racy:
            # Too recent to trust (a second same-size edit within one
            # tick could go unseen): read again next time.
            fresh.sizes[i] = UNTRUSTED
            continue
        states[i] = compact_state(requirement_state(got))
    # Every status read (a few more than stored, if any file was too
    # recent: a larger set only ever sends a load the slow way).
    fresh.statuses = frozenset(map(attrgetter("status"), filter(None, reqs)))
    columns = None
    if todo or cache.listing != listing or cache.sizes != fresh.sizes:
        columns = cache.save(fresh)
    return LoadResult([r for r in map(reqs.__getitem__, order) if r is not None], problems, columns)


def _read_files(
    ledger: Ledger, names: list[str], sizes: list[int], statuses: set[str]
) -> list[Requirement | FileProblem]:
    """The requirement (or the problem) of each file of ``names`` (``sizes``:
    their sizes when listed), in that order.

    A file in pmledger's canonical shape is read by one regular
    expression (:mod:`pmledger.ledger.fastreq`); any other goes the
    general way, which words every problem. Files are opened relative to
    the folder's descriptor: a ``Path`` per file cost more than the
    reading itself at 100k files.
    """
    folder = ledger.requirements_dir
    out: list[Requirement | FileProblem] = []
    append = out.append
    # The one-expression reader pays for compiling its expression (≈ 6 ms)
    # from a few hundred files on; fewer go the general way (≈ 35 µs each).
    # (Imported only then: `add` and `show` never need it.)
    requirement: Callable[[str, dict[str, str] | None], Requirement | None] | None = None
    if len(names) >= FAST_READ_AT:
        from pmledger.ledger import fastreq

        requirement = fastreq.requirement
    shared: dict[str, str] = {}
    fd = folder_descriptor(folder, os.open)
    try:
        for name, size in zip(names, sizes, strict=True):
            try:
                text = _read_bytes(name, fd, folder, size).decode("utf-8")
            except UnicodeDecodeError:
                append(FileProblem(folder / name, _("not UTF-8 text")))
                continue
            except OSError as exc:
                append(_unreadable(folder / name, exc))
                continue
            req = requirement(text, shared) if requirement is not None else None
            if req is not None and req.id == name[:-5] and req.status in statuses:
                append(req)
            else:
                append(_parsed(ledger, folder / name, text))
    finally:
        if fd is not None:
            os.close(fd)
    return out


def _parsed(ledger: Ledger, path: Path, text: str) -> Requirement | FileProblem:
    try:
        req = ledger.parse(path, text)
    except InvalidFileError as exc:
        # Every problem of the file, in one warning line.
        return merge_problems(exc.problems)
    # As fastreq does: what the cache stores shares its repeated strings.
    share_strings(requirement_state(req))
    return req


def summaries(ledger: Ledger, *, use_cache: bool = True) -> SummaryResult:
    """A summary of every requirement; much faster than :func:`load_all` when cached."""
    table, problems = summary_table(ledger, use_cache=use_cache)
    rows = table.rows()
    names = table.names()
    result = SummaryResult(problems=problems)
    append = result.summaries.append
    for i in sorted(range(len(rows)), key=names.__getitem__):
        row = rows[i]
        if row is not None:
            append(make_summary(row))
    return result


def summary_table(
    ledger: Ledger, *, use_cache: bool = True, keep: list[object] | None = None
) -> tuple[SummaryTable, list[FileProblem]]:
    """Every readable requirement's summary as columns, and every file that could not be read.

    Never stale: every file is checked by size and mtime (one ``stat``
    each), so a file edited in place by another program is seen. When
    the folder's listing and every key match the stored table (the usual
    case), the table is served without a Python step per file: the stats,
    their keys and the comparison all run in C. Rows are in the folder's
    listing order; the caller sorts what it shows.

    ``keep``: where to leave the scan (its names and stats)
    instead of freeing it on return (~40 ms at 100k files), for a
    process about to end.
    """
    folder, index = stat_folder(
        ledger.requirements_dir,
        partial(SummaryIndex.for_ledger, ledger.root) if use_cache else partial(SummaryIndex, None),
    )
    names, sizes, mtimes, listing = folder
    if keep is not None:
        keep.append(folder)
    old = index.table
    statuses = set(ledger.settings.ledger.statuses)
    if (
        old is not None
        and old.listing == listing
        and old.array("sizes") == sizes
        and old.array("mtimes") == mtimes
        and old.statuses <= statuses
    ):
        return old, []
    if old is not None and old.statuses <= statuses:
        from pmledger.ledger import patching

        spliced = patching.spliced_table(ledger, folder, old)
        if spliced is not None:
            index.save(spliced[0])
            return spliced
    old_rows = old.rows() if old is not None else []
    old_sizes = old.array("sizes") if old is not None else array("q")
    old_mtimes = old.array("mtimes") if old is not None else array("q")
    racy = cache_module.trusted_before()
    rows: list[tuple[str, int, int, SummaryRow | None]] = []
    problems: list[FileProblem] = []
    for name, size, mtime in zip(names, sizes, mtimes, strict=True):
        i = old.position(name) if old is not None else None
        if i is not None and old_sizes[i] == size and old_mtimes[i] == mtime:
            row = old_rows[i]
            if row is not None and row[2] in statuses:
                rows.append((name, size, mtime, row))
                continue
        read = _read_file(ledger, ledger.requirements_dir / name)
        if isinstance(read, FileProblem):
            problems.append(read)
            rows.append((name, UNTRUSTED, mtime, None))
            continue
        # Too recent to trust (a second same-size edit within one tick):
        # kept for this run, read again next time.
        trusted = size if mtime <= racy else UNTRUSTED
        rows.append((name, trusted, mtime, tuple(summarize(read))))  # type: ignore[arg-type]
    table = SummaryTable.pack(rows)
    if (
        old is None
        or old.listing != table.listing
        or old._data["sizes"] != table._data["sizes"]
        or old._data["mtimes"] != table._data["mtimes"]
    ):
        index.save(table)
    problems.sort(key=lambda p: p.path.name)
    return table, problems
