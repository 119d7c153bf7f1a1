"""The title store: every requirement's title and status for `add`'s duplicate
hint, without one ``stat`` per file.

A snapshot (columns) plus an append-only journal beside it, in the cache
folder of :func:`pmledger.ledger.cache.cache_path`; see :class:`TitleStore`
for what it can and cannot see, and why listings never read it.
"""

from __future__ import annotations

import os
import pickle
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pmledger.ledger.cache import ENV_DISABLE, cache_path, format_key, store

# A title entry: (id, title, status, created ISO text, title_key, bigram count).
TitleRow = tuple[str, str, str, str, str, int]
# 2: the snapshot is stored as columns (one string per field), so reading it
# creates a handful of objects instead of 700k at 100k requirements.
# 3: offsets per column; titles, statuses and dates as UTF-8 bytes.
TITLES_FORMAT = 3
# Compact the journal into the snapshot past this many lines (or a tenth of the ledger).
JOURNAL_LIMIT = 512
# The folder's time when the store cannot vouch for it: never a real time,
# so the next reader reconciles the names.
UNKNOWN_TIME = -2
# Joins a column's values; a row with this character in a field is kept as a tuple.
_SEP = "\x00"
_TEXT_COLUMNS = ("ids", "titles", "statuses", "created", "keys")
# Read only row by row (the matches of a duplicate check): kept as UTF-8
# bytes, which load without decoding ~5 MB of text at 100k requirements.
_BYTES_COLUMNS = frozenset({"titles", "statuses", "created"})


class TitleColumns:
    """The snapshot's rows as parallel columns, each one stored string (or UTF-8
    bytes) with the offsets of its values: one row is a slice, and a whole
    column is split only when asked for."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._split: dict[str, list[str]] = {}
        self._arrays: dict[str, array[int]] = {}
        self._counts: array[int] | None = None
        self.size = int(data["size"])

    def column(self, name: str) -> list[str]:
        """The values of one field, in row order."""
        values = self._split.get(name)
        if values is None:
            text = self._data[name]
            if name in _BYTES_COLUMNS:
                text = text.decode("utf-8", "surrogatepass")
            values = self._split[name] = text.split(_SEP) if self.size else []
        return values

    def value(self, name: str, index: int) -> str:
        """One field of one row, without splitting its column."""
        values = self._split.get(name)
        if values is not None:
            return values[index]
        offsets = self._arrays.get(name)
        if offsets is None:
            offsets = self._arrays[name] = array(self._data["offsets_type"])
            offsets.frombytes(self._data[name + "@"])
        piece = self._data[name][offsets[index] : offsets[index + 1] - 1]
        if name in _BYTES_COLUMNS:
            return str(piece.decode("utf-8", "surrogatepass"))
        return str(piece)

    def joined(self, name: str) -> str:
        """One field of every row, as stored: joined by NUL."""
        text: str = self._data[name]
        return text

    def counts(self) -> array[int]:
        """The bigram count of each row."""
        if self._counts is None:
            self._counts = array("I")
            self._counts.frombytes(self._data["counts"])
        return self._counts

    def row(self, index: int) -> TitleRow:
        """One row, whole."""
        return (
            self.value("ids", index),
            self.value("titles", index),
            self.value("statuses", index),
            self.value("created", index),
            self.value("keys", index),
            self.counts()[index],
        )

    def rows(self) -> Iterator[TitleRow]:
        """Every row, whole (for a rewrite of the snapshot)."""
        columns = [self.column(name) for name in _TEXT_COLUMNS]
        return zip(*columns, self.counts(), strict=True)

    @staticmethod
    def pack(rows: Iterable[TitleRow]) -> tuple[dict[str, Any], list[TitleRow]]:
        """Columns of ``rows``, and the rows that cannot be joined (a field holds the separator)."""
        from itertools import accumulate

        plain: list[TitleRow] = []
        odd: list[TitleRow] = []
        for row in rows:
            texts = (row[0], row[1], row[2], row[3], row[4])
            (odd if any(_SEP in text for text in texts) else plain).append(row)
        data: dict[str, Any] = {"size": len(plain)}
        lengths: dict[str, list[int]] = {}
        for n, name in enumerate(_TEXT_COLUMNS):
            values: list[Any] = [str(row[n]) for row in plain]
            if name in _BYTES_COLUMNS:
                values = [v.encode("utf-8", "surrogatepass") for v in values]
            sep = _SEP.encode() if name in _BYTES_COLUMNS else _SEP
            data[name] = sep.join(values)
            lengths[name] = [len(v) + 1 for v in values]  # each value and its separator
        # Offsets fit 32 bits unless a column passes 4 GB.
        total = max((len(data[name]) for name in _TEXT_COLUMNS), default=0)
        kind = "I" if array("I").itemsize == 4 and total < 2**32 - 1 else "q"
        data["offsets_type"] = kind
        for name in _TEXT_COLUMNS:
            offsets = array(kind, [0])
            offsets.extend(accumulate(lengths[name]))
            data[name + "@"] = offsets.tobytes()
        data["counts"] = array("I", (row[5] for row in plain)).tobytes()
        return data, odd


class TitleStore:
    """Titles and statuses of every requirement for `add`'s duplicate hint.

    A snapshot plus an append-only journal beside it: each ``add`` (and each
    save through the ledger) appends one line instead of rewriting the
    snapshot, which is compacted once the journal is long. Nothing here
    stats every file; freshness comes from the requirements folder's
    modification time, recorded with each write: when it differs, the folder
    is listed and new or removed files are reconciled by name. What this
    cannot see is a file edited in place by another program (its name and
    the folder do not change) — acceptable for a hint, and why ``list``,
    ``rank``, ``show`` and ``check`` never read this store
    (docs/performance.md).

    The snapshot is read as columns (:class:`TitleColumns`); the journal's
    lines since then are ``changes`` (an ID to its row, or ``None`` when the
    file is gone). ``rows`` merges both into one dict, only when asked.
    """

    def __init__(self, path: Path | None, *, load: bool = True) -> None:
        self.path = path
        self.journal = path.with_suffix(".journal") if path is not None else None
        self.snapshot: TitleColumns | None = None
        self.changes: dict[str, TitleRow | None] = {}
        self._rows: dict[str, TitleRow] | None = {}
        self.bad: set[str] = set()
        self.dir_mtime_ns = -1
        self.journal_lines = 0
        self.loaded = False
        # The requirement file names (NUL-joined, in listing order) the
        # snapshot was written from, when known: a listing equal to it needs
        # only the journal's changes reconciled.
        self.listing: str | None = None
        if path is not None and load:
            self._load()

    @property
    def rows(self) -> dict[str, TitleRow]:
        """Every current row by ID (the snapshot with the journal applied)."""
        if self._rows is None:
            rows: dict[str, TitleRow] = {}
            if self.snapshot is not None:
                rows = {row[0]: row for row in self.snapshot.rows()}
            for req_id, row in self.changes.items():
                if row is None:
                    rows.pop(req_id, None)
                else:
                    rows[req_id] = row
            self._rows = rows
        return self._rows

    @rows.setter
    def rows(self, rows: dict[str, TitleRow]) -> None:
        self._rows = rows
        self.snapshot = None
        self.changes = {}

    def unmerged_snapshot(self) -> TitleColumns | None:
        """The snapshot's columns while the journal is still kept apart in
        ``changes`` (None once ``rows`` merged them): scan these, then ``changes``."""
        return self.snapshot if self._rows is None else None

    def ids(self) -> set[str]:
        """The IDs of every current row, without building the rows."""
        if self._rows is not None:
            return set(self._rows)
        ids = set(self.snapshot.column("ids")) if self.snapshot is not None else set()
        for req_id, row in self.changes.items():
            if row is None:
                ids.discard(req_id)
            else:
                ids.add(req_id)
        return ids

    def size(self) -> int:
        """About how many rows there are (for the compaction rule)."""
        if self._rows is not None:
            return len(self._rows)
        return (self.snapshot.size if self.snapshot is not None else 0) + len(self.changes)

    def _put(self, row: TitleRow) -> None:
        self.changes[row[0]] = row
        if self._rows is not None:
            self._rows[row[0]] = row

    def _delete(self, req_id: str) -> None:
        self.changes[req_id] = None
        if self._rows is not None:
            self._rows.pop(req_id, None)

    @classmethod
    def for_ledger(cls, root: Path, *, load: bool = True) -> TitleStore:
        """The store of a ledger (disabled when ``PMLEDGER_NO_CACHE`` is set).

        ``load=False`` only appends to the journal, and only when a snapshot
        exists (without one the next reader builds it from the files).
        """
        if os.environ.get(ENV_DISABLE):
            return cls(None)
        store = cls(cache_path(root, "titles"), load=load)
        if not load and store.path is not None:
            try:
                store.loaded = store.path.exists()
            except OSError:  # a cache folder it may not enter: no store, only slower
                store.loaded = False
        return store

    def _load(self) -> None:
        assert self.path is not None and self.journal is not None
        try:
            with self.path.open("rb") as handle:
                data = pickle.load(handle)
            if data.get("format") != (TITLES_FORMAT, *format_key()):
                return
            snapshot = TitleColumns(data["columns"])
            odd = data["odd"]
            self.bad = set(data["bad"])
            self.dir_mtime_ns = data["dir_mtime_ns"]
            listing = data.get("listing")
        except Exception:
            return  # no snapshot yet, or a foreign one: the caller rebuilds it
        self.snapshot = snapshot
        self.listing = listing if isinstance(listing, str) else None
        self._rows = None
        self.changes = {row[0]: row for row in odd}
        self.loaded = True
        try:
            lines = self.journal.read_bytes().decode("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        if not lines:
            return
        import json

        for line in lines:
            try:
                entry = json.loads(line)
                self._apply(entry)
            except (ValueError, TypeError, KeyError):
                continue  # a torn last line from a crash: the reconcile repairs it
            self.journal_lines += 1

    def _apply(self, entry: dict[str, Any]) -> None:
        if "put" in entry:
            req_id, title, status, created, key, count = entry["put"]
            row: TitleRow = (
                str(req_id),
                str(title),
                str(status),
                str(created),
                str(key),
                int(count),
            )
            self._put(row)
            self.bad.discard(row[0])
        if "del" in entry:
            self._delete(entry["del"])
            self.bad.discard(entry["del"])
        self._advance(int(entry["dir"]), entry.get("was"))

    def _advance(self, dir_mtime_ns: int, was: int | None) -> None:
        """Take the folder's time after a write; ``was``: its time before.

        A writer that only appends (``note_written``) does not know what
        else changed the folder before its write (a file removed by hand, a
        checkout): the store is in line with the folder only if it was in
        line at ``was``. Otherwise its time becomes unknown, and the next
        reader reconciles the names.
        """
        if was is None or self.dir_mtime_ns in (was, dir_mtime_ns):
            self.dir_mtime_ns = dir_mtime_ns
        else:
            self.dir_mtime_ns = UNKNOWN_TIME

    def append(
        self,
        puts: list[TitleRow],
        deletes: list[str],
        dir_mtime_ns: int,
        *,
        was: int | None = None,
    ) -> None:
        """Record changes in the journal (one write, appended); failures are ignored.

        ``was``: the folder's time before the writer changed it, when the
        writer did not reconcile the store first (see :meth:`_advance`).
        """
        if self.journal is None or not self.loaded:
            return
        import json

        times: dict[str, int] = {"dir": dir_mtime_ns}
        if was is not None:
            times["was"] = was
        lines = [json.dumps({"put": list(r), **times}, ensure_ascii=False) for r in puts]
        lines += [json.dumps({"del": d, **times}) for d in deletes]
        if not lines:
            if dir_mtime_ns == self.dir_mtime_ns:
                return
            # The folder changed but no name did (a file written in place by
            # rename, a stray file): record the time, or every run lists it again.
            lines = [json.dumps({"dir": dir_mtime_ns})]
        for row in puts:
            self._put(row)
        for gone in deletes:
            self._delete(gone)
        self._advance(dir_mtime_ns, was)
        try:
            # 0600 (as where it is emptied): it holds titles of a ledger that
            # may sit in a private folder, and ~/.cache is often readable by all.
            fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
            finally:
                os.close(fd)
        except OSError:
            return
        self.journal_lines += len(lines)

    def needs_compaction(self) -> bool:
        """Whether the journal has grown enough to fold it into the snapshot."""
        return self.journal_lines > max(JOURNAL_LIMIT, self.size() // 10)

    def save(self, dir_mtime_ns: int, listing: str | None = None) -> None:
        """Write the snapshot atomically and empty the journal; failures are ignored.

        ``listing``: the requirement file names the rows were read from
        (NUL-joined, in listing order), every one of them a row or ``bad``.
        """
        if self.path is None or self.journal is None:
            return
        self.dir_mtime_ns = dir_mtime_ns
        self.listing = listing
        columns, odd = TitleColumns.pack(self.rows.values())
        data = {
            "format": (TITLES_FORMAT, *format_key()),
            "columns": columns,
            "odd": odd,
            "bad": sorted(self.bad),
            "dir_mtime_ns": dir_mtime_ns,
            "listing": listing,
        }
        if not store(self.path, data):
            return
        try:
            # Lines appended since we read them describe files the snapshot's
            # listing already saw, or came after its folder time (reconciled then).
            os.close(os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        except OSError:
            return
        self.loaded = True
        self.journal_lines = 0
