"""Caches patched when a few files changed, instead of written again whole.

At 100k requirements, reading the parse cache whole, rebuilding every
requirement and pickling it all again took ≈ 3 s after any one edit or
``add`` (and 400 MB); packing the summary index again ≈ 0.3 s. Here the
changed files alone are read: the parse cache keeps its stored states as
the bytes they were read as, with a patch beside them
(:class:`~pmledger.ledger.cache.StateCache` ``base_of`` and ``patch``),
and the ranking's columns are changed row by row; the summary index is
spliced (:meth:`~pmledger.ledger.summaryindex.SummaryTable.spliced`).
Past a limit, the caller reads the ledger the general way, which writes
each cache whole again (docs/performance.md, eleventh round).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from itertools import compress
from operator import ne
from typing import TYPE_CHECKING, cast

from pmledger.errors import FileProblem
from pmledger.ledger import cache as cache_module
from pmledger.ledger import scan
from pmledger.ledger.cache import UNTRUSTED, State, StateCache, compact_state, state_fields
from pmledger.ledger.columns import Columns, columns_of, reorder
from pmledger.ledger.filestats import FolderStats
from pmledger.ledger.model import Requirement, requirement_state
from pmledger.ledger.summaryindex import SummaryRow, SummaryTable

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger

# Changed files up to which the cache is patched (the stored states kept as
# they are, the changed ones beside them, the ranking's columns changed row
# by row) rather than written again whole (at 100k: ≈ 3 s to unpickle,
# rebuild and pickle every state): this many, or a fiftieth of the ledger.
PATCH_AT_MOST = 256
PATCH_SHARE = 50


def patch_limit(count: int) -> int:
    return max(PATCH_AT_MOST, count // PATCH_SHARE)


def changes(
    stats: FolderStats,
    old_listing: str,
    old_sizes: array[int],
    old_mtimes: array[int],
    position: Callable[[str], int | None],
) -> tuple[list[int | None], list[int]]:
    """Where each file of ``stats`` was in a stored listing (None: new), and
    the files that are new or changed since (in C when the listing is the same)."""
    names, sizes, mtimes, listing = stats
    count = len(names)
    if listing == old_listing:
        source: list[int | None] = list(range(count))
        changed = sorted(
            {*compress(range(count), map(ne, sizes, old_sizes))}
            | {*compress(range(count), map(ne, mtimes, old_mtimes))}
        )
        return source, changed
    source = [position(name) for name in names]
    changed = [
        i
        for i, j in enumerate(source)
        if j is None or old_sizes[j] != sizes[i] or old_mtimes[j] != mtimes[i]
    ]
    return source, changed


def patched_cache(
    ledger: Ledger, stats: FolderStats, cache: StateCache
) -> tuple[StateCache, Columns, list[int | None]] | None:
    """The cache with the few files that changed since it was written read
    again, the ranking's columns of every requirement, and where each file
    is in the cache's listing (None: a new one); None when more changed, a
    changed file cannot be read, or the cache holds no columns (the caller
    then reads the ledger the general way)."""
    names, sizes, mtimes, listing = stats
    old_columns = cache.columns
    base = cache.stored_states
    statuses = set(ledger.settings.ledger.statuses)
    if old_columns is None or base is None or not cache.listing:
        return None
    if not cache.statuses <= statuses:
        return None
    count = len(names)
    source, changed = changes(stats, cache.listing, cache.sizes, cache.mtimes, cache.position)
    if len(changed) + len(cache.patch) > patch_limit(count):
        return None
    read = scan._read_files(
        ledger, [names[i] for i in changed], [sizes[i] for i in changed], statuses
    )
    if any(isinstance(got, FileProblem) for got in read):
        return None
    reqs = cast("list[Requirement]", read)
    fresh = StateCache(None)
    fresh.listing = listing
    fresh.sizes = array("q", sizes)
    fresh.mtimes = mtimes
    fresh.order = (
        cache.order
        if listing == cache.listing
        else array("q", sorted(range(count), key=names.__getitem__))
    )
    # Where each file's state is in the stored states (-1: in the patch).
    old_base_of = cache.base_of
    base_of = array(
        "q",
        [-1 if j is None else (old_base_of[j] if old_base_of is not None else j) for j in source],
    )
    racy = cache_module.trusted_before()
    patch: dict[int, State] = {}
    if cache.patch:
        for i, j in enumerate(source):
            if j is not None and j in cache.patch:
                patch[i] = cache.patch[j]
    new_states: list[State] = []
    for i, req in zip(changed, reqs, strict=True):
        state = compact_state(requirement_state(req))
        new_states.append(state)
        patch[i] = state
        base_of[i] = -1
        if mtimes[i] > racy:
            # Too recent to trust (a second same-size edit within one tick
            # could go unseen): read again next time.
            fresh.sizes[i] = UNTRUSTED
    fresh.base_of = base_of
    fresh.patch = patch
    fresh._stored_states = base
    fresh._states = None
    fresh.statuses = cache.statuses | {req.status for req in reqs}
    columns = patched_columns(old_columns, cache.order, fresh.order, source, changed, new_states)
    return fresh, columns, source


def patched_columns(
    old: Columns,
    old_order: array[int],
    order: array[int],
    source: list[int | None],
    changed: list[int],
    states: list[State],
) -> Columns:
    """The ranking's columns (in ID order) of the files whose stored
    position is ``source`` (None: new), ``changed`` read again as ``states``."""
    count = len(source)
    old_row = [0] * len(old_order)
    for row, j in enumerate(old_order):
        old_row[j] = row
    gone = len(old_row)
    refreshed = set(changed)
    # Each new row's old row (``gone``: none; filled in below).
    rows = [gone if i in refreshed or (at := source[i]) is None else old_row[at] for i in order]
    columns = Columns._make(reorder([*column, None], rows) for column in old)
    new_row = [0] * count
    for row, i in enumerate(order):
        new_row[i] = row
    values = columns_of(map(state_fields, states))
    for column, new in zip(columns, values, strict=True):
        cells = cast("list[object]", column)
        fresh = cast("list[object]", new)
        for k, i in enumerate(changed):
            cells[new_row[i]] = fresh[k]
    return columns


def spliced_table(
    ledger: Ledger, stats: FolderStats, old: SummaryTable
) -> tuple[SummaryTable, list[FileProblem]] | None:
    """The stored table with the few files that changed read again (the
    rest copied as slices: :meth:`SummaryTable.spliced`), and the problems
    of those files; None when more changed."""
    names, sizes, mtimes, listing = stats
    source, changed = changes(
        stats, old.listing, old.array("sizes"), old.array("mtimes"), old.position
    )
    if len(changed) > patch_limit(len(names)):
        return None
    racy = cache_module.trusted_before()
    keys = array("q", sizes)
    fresh: dict[int, SummaryRow | None] = {}
    problems: list[FileProblem] = []
    for i in changed:
        read = scan._read_file(ledger, ledger.requirements_dir / names[i])
        if isinstance(read, FileProblem):
            problems.append(read)
            keys[i] = UNTRUSTED
            fresh[i] = None
            continue
        if mtimes[i] > racy:
            # Too recent to trust: kept for this run, read again next time.
            keys[i] = UNTRUSTED
        fresh[i] = cast("SummaryRow", tuple(scan.summarize(read)))
    problems.sort(key=lambda p: p.path.name)
    return old.spliced(listing, keys, mtimes, source, fresh), problems
