"""A cache of parsed requirements, kept out of git, that never serves stale data.

Each entry is keyed by file name and checked against the file's size and
modification time (nanoseconds) before use; anything that differs is parsed
again. Like git's index, an entry whose file changed within
``RACY_SECONDS`` of the cache being written is not stored: a second edit of
the same size within one timestamp tick could otherwise go unseen.
Deleting the cache changes nothing but speed.

Where: ``.git/pmledger/`` when the ledger is inside a git work tree (never
committed, dropped with the clone), else the user cache folder.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# 6: the scoring tables are validated on read; entries stored before may hold
# values that are now refused. 7: repeated short strings are stored once.
FORMAT = 7
RACY_SECONDS = 2.0
ENV_DISABLE = "PMLEDGER_NO_CACHE"

# (size, mtime_ns, parsed object)
Entry = tuple[int, int, Any]


def format_key() -> tuple[int, str, str]:
    """What a stored entry depends on: the cache format, pmledger's and pydantic's versions."""
    return _format_key()


def _format_key() -> tuple[int, str, str]:
    # Entries hold model state: a new pmledger or pydantic invalidates them.
    import pydantic

    from pmledger import __version__

    return (FORMAT, __version__, pydantic.VERSION)


def _git_dir(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.exists():
            # A worktree or submodule: .git is a file; use the user cache instead.
            return None
    return None


def cache_path(root: Path, kind: str = "cache") -> Path:
    """The cache file of the ledger at ``root`` (``kind``: "cache" or "index")."""
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    git_dir = _git_dir(root.resolve())
    if git_dir is not None:
        return git_dir / "pmledger" / f"{kind}-{key}.pickle"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pmledger" / f"{kind}-{key}.pickle"


# Values this short repeat across a ledger (statuses, people, departments,
# tags): interned, pickle stores each once and every requirement read back
# shares it (~40 MB less at 100k requirements).
_SHARED_LEN = 40


def _share_strings(value: Any) -> Any:
    """``value`` with its short strings interned (top level of a state's dicts, and their lists)."""
    cls = value.__class__
    if cls is tuple:
        return tuple([_share_strings(v) for v in value])
    if cls is dict:
        _share_dict(value)
    return value


def _share_dict(fields: dict[str, Any]) -> None:
    # Runs once per file parsed (100k on a cold start): one plain loop.
    intern = sys.intern
    for key, item in fields.items():
        cls = item.__class__
        # Exactly str: an enum member (Priority) is itself shared already.
        if cls is str:
            if len(item) <= _SHARED_LEN:
                fields[key] = intern(item)
        elif cls is list and item:
            for v in item:
                if v.__class__ is not str:
                    break
            else:
                item[:] = [intern(v) if len(v) <= _SHARED_LEN else v for v in item]


class ParseCache:
    """Parsed requirement files, valid while each file's size and mtime match."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, Entry] = {}
        self._dirty = False
        if path is not None:
            self._entries = self._read(path)

    @classmethod
    def for_ledger(cls, root: Path, kind: str = "cache") -> ParseCache:
        """The cache of a ledger, or a disabled one when ``PMLEDGER_NO_CACHE`` is set.

        ``kind`` "cache" holds whole requirements (list, rank); "index" holds
        small summaries (add's duplicate check, show's dependents), which load
        in a fraction of the time.
        """
        if os.environ.get(ENV_DISABLE):
            return cls(None)
        return cls(cache_path(root, kind))

    @staticmethod
    def _read(path: Path) -> dict[str, Entry]:
        try:
            with path.open("rb") as handle:
                data = pickle.load(handle)
        except Exception:
            # A missing, truncated or foreign cache is only a slower start.
            return {}
        if not isinstance(data, dict) or data.get("format") != _format_key():
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    @property
    def entries(self) -> dict[str, Entry]:
        """Every entry by file name: (size, mtime in ns, value); read only."""
        return self._entries

    def get(self, name: str, size: int, mtime_ns: int) -> Any | None:
        """The cached object for a file, if the file is unchanged."""
        entry = self._entries.get(name)
        if entry is not None and entry[0] == size and entry[1] == mtime_ns:
            return entry[2]
        return None

    def put(self, name: str, size: int, mtime_ns: int, value: Any) -> None:
        """Remember a freshly parsed file (unless its timestamp is too recent to trust)."""
        if mtime_ns > (time.time() - RACY_SECONDS) * 1e9:
            if name in self._entries:
                del self._entries[name]
                self._dirty = True
            return
        self._entries[name] = (size, mtime_ns, _share_strings(value))
        self._dirty = True

    def retain(self, names: set[str]) -> None:
        """Forget files that no longer exist."""
        gone = [n for n in self._entries if n not in names]
        for name in gone:
            del self._entries[name]
        if gone:
            self._dirty = True

    def save(self) -> None:
        """Write the cache atomically if it changed; failures are ignored (it is only a cache)."""
        if self.path is None or not self._dirty:
            return
        from pmledger.ledger.atomic import replace_bytes

        data = pickle.dumps(
            {"format": _format_key(), "entries": self._entries}, protocol=pickle.HIGHEST_PROTOCOL
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Not durable: a lost cache is only a slower start, but it is never torn.
            replace_bytes(self.path, data, durable=False)
        except OSError:
            return
        self._dirty = False


# -- the title store: what `add` needs, without one stat per file ---------------------

# A title entry: (id, title, status, created ISO text, title_key, bigram count).
TitleRow = tuple[str, str, str, str, str, int]
# 2: the snapshot is stored as columns (one string per field), so reading it
# creates a handful of objects instead of 700k at 100k requirements.
# 3: offsets per column; titles, statuses and dates as UTF-8 bytes.
TITLES_FORMAT = 3
# Compact the journal into the snapshot past this many lines (or a tenth of the ledger).
JOURNAL_LIMIT = 512
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
            store.loaded = store.path.exists()
        return store

    def _load(self) -> None:
        assert self.path is not None and self.journal is not None
        try:
            with self.path.open("rb") as handle:
                data = pickle.load(handle)
            if data.get("format") != (TITLES_FORMAT, *_format_key()):
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
        self.dir_mtime_ns = int(entry["dir"])

    def append(self, puts: list[TitleRow], deletes: list[str], dir_mtime_ns: int) -> None:
        """Record changes in the journal (one write, appended); failures are ignored."""
        if self.journal is None or not self.loaded:
            return
        import json

        lines = [
            json.dumps({"put": list(r), "dir": dir_mtime_ns}, ensure_ascii=False) for r in puts
        ]
        lines += [json.dumps({"del": d, "dir": dir_mtime_ns}) for d in deletes]
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
        self.dir_mtime_ns = dir_mtime_ns
        try:
            fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
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
            "format": (TITLES_FORMAT, *_format_key()),
            "columns": columns,
            "odd": odd,
            "bad": sorted(self.bad),
            "dir_mtime_ns": dir_mtime_ns,
            "listing": listing,
        }
        from pmledger.ledger.atomic import replace_bytes

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            replace_bytes(
                self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), durable=False
            )
            # Lines appended since we read them describe files the snapshot's
            # listing already saw, or came after its folder time (reconciled then).
            with self.journal.open("wb"):
                pass
        except OSError:
            return
        self.loaded = True
        self.journal_lines = 0


# -- the summary index: what `show`, `check` and completion read, as columns ------------

# A summary: (id, title, status, depends_on, created ISO text, title_key, bigram count),
# the fields of pmledger.ledger.ledger.Summary.
SummaryRow = tuple[str, str, str, tuple[str, ...], str, str, int]
# 8: columns with offsets (one string per field), keyed by the folder's listing;
# before, one pickled tuple per file (ParseCache "index" entries).
SUMMARY_FORMAT = 9
# A size no file has: the row is read again next time (a file too recent to
# trust, or one that could not be read).
UNTRUSTED = -1
_SUMMARY_TEXTS = ("ids", "titles", "statuses", "created", "keys")


def _sliced(text: str, offsets: array[int]) -> list[str]:
    """Every value of a column stored as one string and its offsets (in C)."""
    from itertools import islice, repeat
    from operator import getitem

    return list(map(getitem, repeat(text), map(slice, offsets, islice(offsets, 1, None))))


def _joined(values: list[str]) -> tuple[str, array[int]]:
    from itertools import accumulate

    offsets = array("q", [0])
    offsets.extend(accumulate(map(len, values)))
    return "".join(values), offsets


class SummaryTable:
    """Summaries of the requirement files of one listing of the folder, as columns.

    Row ``i`` describes file ``names[i]``, checked against ``sizes[i]`` and
    ``mtimes[i]`` (its freshness key; ``UNTRUSTED`` when the row must be read
    again next time). Rows in ``absent`` hold no summary (the file could not
    be read). Each text field is one string with an offsets array, so loading
    the table creates a handful of objects at any size and one row is a slice.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.listing: str = data["listing"]  # the file names, NUL-joined
        self.size: int = data["size"]
        self.absent: frozenset[int] = frozenset(data["absent"])
        self.statuses: frozenset[str] = frozenset(data["distinct_statuses"])
        self._arrays: dict[str, array[int]] = {}
        self._names: list[str] | None = None
        self._position: dict[str, int] | None = None

    def array(self, name: str) -> array[int]:
        """A number column ("sizes", "mtimes", "counts") or a column's offsets ("ids@")."""
        values = self._arrays.get(name)
        if values is None:
            values = self._arrays[name] = array("q")
            values.frombytes(self._data[name])
        return values

    def names(self) -> list[str]:
        """The file names, in row order."""
        if self._names is None:
            self._names = self.listing.split("\x00") if self.size else []
        return self._names

    def position(self, name: str) -> int | None:
        """The row of a file name."""
        if self._position is None:
            self._position = {n: i for i, n in enumerate(self.names())}
        return self._position.get(name)

    def find(self, name: str) -> int | None:
        """The row of a file name, found in the listing itself (no list, no dict)."""
        listing = self.listing
        size = len(name)
        start = listing.find(name) if name and "\x00" not in name else -1
        while start >= 0:
            end = start + size
            if (start == 0 or listing[start - 1] == "\x00") and (
                end == len(listing) or listing[end] == "\x00"
            ):
                return listing.count("\x00", 0, start)
            start = listing.find(name, start + 1)
        return None

    def text(self, column: str, row: int) -> str:
        """One text field of one row."""
        offsets = self.array(column + "@")
        value: str = self._data[column][offsets[row] : offsets[row + 1]]
        return value

    def depends_on(self, row: int) -> tuple[str, ...]:
        """The dependencies of one row."""
        odd = self._data["odd_deps"].get(row)
        if odd is not None:
            return tuple(odd)
        text = self.text("deps", row)
        return tuple(text.split("\x00")) if text else ()

    def row(self, row: int) -> SummaryRow:
        """One row's summary, whole."""
        return (
            self.text("ids", row),
            self.text("titles", row),
            self.text("statuses", row),
            self.depends_on(row),
            self.text("created", row),
            self.text("keys", row),
            self.array("counts")[row],
        )

    def rows(self) -> list[SummaryRow | None]:
        """Every row's summary (None where absent), in row order."""
        texts = [_sliced(self._data[c], self.array(c + "@")) for c in _SUMMARY_TEXTS]
        deps = [
            tuple(text.split("\x00")) if text else ()
            for text in _sliced(self._data["deps"], self.array("deps@"))
        ]
        for row, value in self._data["odd_deps"].items():
            deps[row] = tuple(value)
        ids, titles, statuses, created, keys = texts
        out: list[SummaryRow | None] = list(
            zip(ids, titles, statuses, deps, created, keys, self.array("counts"), strict=True)
        )
        for row in self.absent:
            out[row] = None
        return out

    def dependents(self, req_id: str) -> list[int]:
        """The rows whose dependencies name ``req_id``, without reading the others."""
        from bisect import bisect_right

        text: str = self._data["deps"]
        offsets = self.array("deps@")
        found: set[int] = set()
        size = len(req_id)
        # An ID holding the separator can only be in a row kept aside.
        start = text.find(req_id) if req_id and "\x00" not in req_id else -1
        while start >= 0:
            end = start + size
            row = bisect_right(offsets, start) - 1
            if (start == offsets[row] or text[start - 1] == "\x00") and (
                end == offsets[row + 1] or text[end] == "\x00"
            ):
                found.add(row)
            start = text.find(req_id, start + 1)
        found.update(r for r, deps in self._data["odd_deps"].items() if req_id in deps)
        return sorted(found - self.absent)

    @staticmethod
    def pack(rows: list[tuple[str, int, int, SummaryRow | None]]) -> SummaryTable:
        """A table of ``(file name, size, mtime_ns, summary or None)`` rows."""
        blank: SummaryRow = ("", "", "", (), "", "", 0)
        summaries = [r[3] or blank for r in rows]
        data: dict[str, Any] = {
            "listing": "\x00".join(r[0] for r in rows),
            "size": len(rows),
            "absent": [i for i, r in enumerate(rows) if r[3] is None],
            "sizes": array("q", [r[1] for r in rows]).tobytes(),
            "mtimes": array("q", [r[2] for r in rows]).tobytes(),
            "counts": array("q", [s[6] for s in summaries]).tobytes(),
            "distinct_statuses": sorted({r[3][2] for r in rows if r[3] is not None}),
        }
        for n, name in enumerate(("ids", "titles", "statuses")):
            data[name], offsets = _joined([str(s[n]) for s in summaries])
            data[name + "@"] = offsets.tobytes()
        for n, name in ((4, "created"), (5, "keys")):
            data[name], offsets = _joined([str(s[n]) for s in summaries])
            data[name + "@"] = offsets.tobytes()
        # Dependencies are NUL-joined within a row; a dependency holding NUL
        # (TOML allows "\u0000") is kept aside whole.
        odd_deps = {i: list(s[3]) for i, s in enumerate(summaries) if "\x00" in "".join(s[3])}
        data["odd_deps"] = odd_deps
        data["deps"], offsets = _joined(
            ["" if i in odd_deps else "\x00".join(s[3]) for i, s in enumerate(summaries)]
        )
        data["deps@"] = offsets.tobytes()
        return SummaryTable(data)


class SummaryIndex:
    """The stored :class:`SummaryTable` of a ledger (disabled: ``path`` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.table: SummaryTable | None = None
        if path is not None:
            try:
                with path.open("rb") as handle:
                    data = pickle.load(handle)
                if data.get("format") == (SUMMARY_FORMAT, *_format_key()):
                    self.table = SummaryTable(data["table"])
            except Exception:
                self.table = None  # missing, torn or foreign: rebuilt by the reader

    @classmethod
    def for_ledger(cls, root: Path) -> SummaryIndex:
        """The index of a ledger, or a disabled one when ``PMLEDGER_NO_CACHE`` is set."""
        if os.environ.get(ENV_DISABLE):
            return cls(None)
        return cls(cache_path(root, "index"))

    def save(self, table: SummaryTable) -> None:
        """Write the table atomically; failures are ignored (it is only a cache)."""
        if self.path is None:
            return
        from pmledger.ledger.atomic import replace_bytes

        data = {"format": (SUMMARY_FORMAT, *_format_key()), "table": table._data}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            replace_bytes(
                self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), durable=False
            )
        except OSError:
            return
        self.table = table
