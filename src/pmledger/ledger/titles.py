"""The titles of a ledger, for `add`'s duplicate hint: fast at any size,
slightly stale by design.

Served from the title store (:mod:`pmledger.ledger.titlestore`: a snapshot
plus a journal) without one ``stat`` per file. Files added, removed or saved
through pmledger are always seen, and so are the files a git checkout, pull,
merge or reset changed (git's index and the folder both changed: the store
is read again, checked by size and mtime). A file another program (an
editor, ``sed -i``) rewrote may show its previous title or status until the
store is next compacted.
Listings never read this: they use :meth:`Ledger.load_all` or
:meth:`Ledger.summaries`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple

from pmledger.errors import InvalidFileError
from pmledger.ledger.cache import ENV_DISABLE, cache_path, git_dir_of
from pmledger.ledger.cache import store as store_cache
from pmledger.ledger.filestats import SUFFIX, requirement_names
from pmledger.ledger.scan import read_regular, summarize
from pmledger.ledger.titlestore import TitleRow, TitleStore

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement


class TitleEntry(NamedTuple):
    """A requirement's title and status, as `add`'s duplicate hint needs them."""

    id: str
    title: str
    status: str
    created: str
    title_key: str
    title_bigrams: int


def title_row(req: Requirement) -> TitleRow:
    """The title store's row of a requirement."""
    s = summarize(req)
    return (s.id, s.title, s.status, s.created, s.title_key, s.title_bigrams)


def titles(ledger: Ledger) -> list[TitleEntry]:
    """Every readable requirement's title and status, fast at any size.

    For duplicate hints only: served from a snapshot plus a journal
    (:class:`pmledger.ledger.titlestore.TitleStore`) without one ``stat`` per
    file, so a file another program (an editor) rewrote may show its previous
    title or status until the store is next compacted. Files added, removed
    or saved through pmledger, or changed by git, are always seen. Never use it for
    listings: they read :meth:`load_all` or :meth:`summaries`.
    """
    store = _title_store(ledger)
    if store is None:
        return [
            TitleEntry(s.id, s.title, s.status, s.created, s.title_key, s.title_bigrams)
            for s in ledger.summaries().summaries
        ]
    return [TitleEntry(*row) for row in store.rows.values()]


def titles_like(
    ledger: Ledger, title: str, *, exclude_statuses: Iterable[str] = ()
) -> list[TitleEntry]:
    """The entries of :meth:`titles` that :func:`~pmledger.query.similarity.similar`
    would accept for ``title``, and those with its ``title_key`` (exact duplicates).

    Same data, same staleness as :meth:`titles`, but scanned as columns:
    only the rows that match become objects (100k requirements: ~40 ms
    instead of ~300 ms).
    """
    from pmledger.query.similarity import likely_matches

    excluded = set(exclude_statuses)
    store = _title_store(ledger)
    if store is None:
        entries = [e for e in titles(ledger) if e.status not in excluded]
        hits = likely_matches(
            title, [e.title_key for e in entries], [e.title_bigrams for e in entries]
        )
        return [entries[i] for i in hits]
    rows: list[TitleRow] = []
    snapshot = store.unmerged_snapshot()
    if snapshot is None:
        rows = list(store.rows.values())
    else:
        keys = snapshot.column("keys")
        for i in likely_matches(title, keys, snapshot.counts(), joined=snapshot.joined("keys")):
            if snapshot.value("ids", i) not in store.changes:  # superseded by the journal
                rows.append(snapshot.row(i))
        rows += [row for row in store.changes.values() if row is not None]
    rows = [r for r in rows if r[2] not in excluded]
    hits = likely_matches(title, [r[4] for r in rows], [r[5] for r in rows])
    return [TitleEntry(*rows[i]) for i in hits]


def _store_lock(ledger: Ledger) -> AbstractContextManager[None]:
    """Held while the store is read and rebuilt, and while a writer notes a file.

    A rebuild reads every file, then replaces the snapshot and empties the
    journal: a save noted in between (another thread, another process) was
    dropped with the journal, and the file showed its previous title for
    good. Under this lock a writer's note lands before the rebuild reads
    (which then sees the file too) or after it saved.
    """
    if os.environ.get(ENV_DISABLE):
        return nullcontext()  # no store: nothing to keep in line
    from pmledger.ledger.locking import hold

    return hold(cache_path(ledger.root, "titles").with_suffix(".lock"))


def _title_store(ledger: Ledger) -> TitleStore | None:
    """The title store, brought in line with the folder (None when caching is off)."""
    with _store_lock(ledger):
        return _title_store_locked(ledger)


def _title_store_locked(ledger: Ledger) -> TitleStore | None:
    store = TitleStore.for_ledger(ledger.root)
    if store.path is None:
        return None
    now = folder_time(ledger)
    index_time = _git_index_time(ledger)
    seen_index = _load_index_time(ledger)
    if not store.loaded:
        _rebuild_titles(ledger, store, now)
    elif store.dir_mtime_ns != now and index_time != seen_index:
        # git changed the files (checkout, pull, merge, reset: its index and the
        # folder both changed). It replaces a file's content under its name, which
        # no listing shows: read what changed, checked by size and mtime.
        _rebuild_titles(ledger, store, now)
    elif store.dir_mtime_ns != now or store.needs_compaction():
        _reconcile_titles(ledger, store, now)
    if index_time != seen_index:
        # (A commit changes the index only: noted, nothing to read.)
        store_cache(cache_path(ledger.root, "gitindex"), index_time)
    return store


def _git_index_time(ledger: Ledger) -> int:
    """When git last wrote its index (every checkout, pull, merge, reset and
    commit does); -1 outside git."""
    git_dir = git_dir_of(ledger.root.resolve())
    if git_dir is None:
        return -1
    try:
        return os.stat(git_dir / "index").st_mtime_ns
    except OSError:
        return -1


def _load_index_time(ledger: Ledger) -> int | None:
    import pickle

    try:
        found = pickle.loads(cache_path(ledger.root, "gitindex").read_bytes())
    except Exception:
        return None  # none yet: the first look after this version rebuilds once
    return found if isinstance(found, int) else None


def folder_time(ledger: Ledger) -> int:
    """The requirements folder's mtime (ns); -1 without a folder. Taken before
    a write too, for :func:`note_written`."""
    try:
        return os.stat(ledger.requirements_dir).st_mtime_ns
    except OSError:
        return -1


def _listed_names(ledger: Ledger) -> list[str]:
    try:
        return os.listdir(ledger.requirements_dir)
    except FileNotFoundError:
        return []


def _rebuild_titles(ledger: Ledger, store: TitleStore, now: int) -> None:
    table, problems = ledger.summary_table()
    rows = table.rows()
    names = table.names()
    store.rows = {
        row[0]: (row[0], row[1], row[2], row[4], row[5], row[6])
        for row in (rows[i] for i in sorted(range(len(rows)), key=names.__getitem__))
        if row is not None
    }
    store.bad = {p.path.name[: -len(SUFFIX)] for p in problems}
    store.save(now, table.listing)


def _reconcile_titles(ledger: Ledger, store: TitleStore, now: int) -> None:
    """Bring the store in line with the folder's file names (no stat per file)."""
    from operator import add

    cut = len(SUFFIX)
    every = _listed_names(ledger)
    # The requirement files' names, filtered and joined in C (a Python
    # step per name costs ~40 ms at 100k).
    names, listing = requirement_names(every)
    if listing == store.listing:
        # The very names of the snapshot (a file was written in place, or
        # one was added and removed again): only what the journal changed
        # since can differ, so the snapshot's 100k names are not compared.
        asked = {i + SUFFIX for i in store.changes}
        present = {n[:-cut] for n in filter(asked.__contains__, names)}
        new = {i for i, row in store.changes.items() if row is None and i in present}
        gone = {i for i, row in store.changes.items() if row is not None and i not in present}
    else:
        # Compared as file names, with set operations in C: 100k names in a few ms.
        listed = set(every)
        known = set(map(add, store.ids() | store.bad, repeat(SUFFIX)))
        new = {n[:-cut] for n in listed - known if n.endswith(SUFFIX) and not n.startswith(".")}
        gone = {n[:-cut] for n in known - listed}
    if len(new) > 1000:
        _rebuild_titles(ledger, store, now)  # a pull or a clone: read it all once
        return
    puts: list[TitleRow] = []
    for req_id in sorted(new):
        path = ledger.requirements_dir / f"{req_id}{SUFFIX}"
        try:
            req = ledger.parse(path, read_regular(path).decode("utf-8"))
        except (InvalidFileError, UnicodeDecodeError, OSError):
            store.bad.add(req_id)
            continue
        puts.append(title_row(req))
    for req_id in gone:
        store.bad.discard(req_id)
    if store.needs_compaction() or len(puts) + len(gone) > 100:
        for row in puts:
            store.rows[row[0]] = row
        for req_id in gone:
            store.rows.pop(req_id, None)
        store.save(now, listing)
    else:
        store.append(puts, sorted(gone), now)
        if store.dir_mtime_ns != now:
            store.append([], [], now)


def note_written(ledger: Ledger, reqs: list[Requirement], was: int) -> None:
    """Tell the title store about files just written (one journal line each).

    ``was``: the folder's time before the write (:func:`folder_time`). The
    store moves on to the folder's new time only if it had seen the folder
    at ``was``: a file removed by hand just before is then still noticed.
    """
    rows = [title_row(r) for r in reqs]
    with _store_lock(ledger):
        store = TitleStore.for_ledger(ledger.root, load=False)
        store.append(rows, [], folder_time(ledger), was=was)
