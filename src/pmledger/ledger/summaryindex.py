"""The summary index: what `show`, `check` and completion read of every file,
stored as columns and checked against each file's size and mtime.

Kept in the cache folder of :func:`pmledger.ledger.cache.cache_path` (kind
"index"); deleting it changes nothing but speed.
"""

from __future__ import annotations

import os
import pickle
from array import array
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any

from pmledger.ledger.cache import ENV_DISABLE, cache_path, format_key, store
from pmledger.ledger.cache import UNTRUSTED as UNTRUSTED

# A summary: (id, title, status, depends_on, created ISO text, title_key, bigram count),
# the fields of pmledger.ledger.ledger.Summary.
SummaryRow = tuple[str, str, str, tuple[str, ...], str, str, int]
# 8: columns with offsets (one string per field), keyed by the folder's listing;
# before, one pickled tuple per file (ParseCache "index" entries).
SUMMARY_FORMAT = 9
_SUMMARY_TEXTS = ("ids", "titles", "statuses", "created", "keys")
# (Named apart: SummaryTable.array would hide the type in its methods.)
Numbers = array


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

    def spliced(
        self,
        listing: str,
        sizes: Numbers[int],
        mtimes: Numbers[int],
        source: list[int | None],
        fresh: dict[int, SummaryRow | None],
    ) -> SummaryTable:
        """This table for a new listing of the folder: row ``i`` is this
        table's row ``source[i]``, or ``fresh[i]`` (None: absent) for the rows
        read again; ``sizes`` and ``mtimes`` are the new rows' keys.

        Equal to :meth:`pack` of every row, at the cost of the rows that
        changed: unchanged runs of rows are copied as slices of each column.
        """
        count = len(source)
        # Segments: (old start, old end, new start) runs, or (-1, new row, new row).
        segments: list[tuple[int, int, int]] = []
        for i, j in enumerate(source):
            if i in fresh or j is None:
                segments.append((-1, i, i))
            elif segments and segments[-1][0] >= 0 and segments[-1][1] == j:
                start, _end, new_start = segments[-1]
                segments[-1] = (start, j + 1, new_start)
            else:
                segments.append((j, j + 1, i))
        blank: SummaryRow = ("", "", "", (), "", "", 0)
        rows = {i: row or blank for i, row in fresh.items()}
        odd_deps: dict[int, list[str]] = {}
        absent = [i for i, row in fresh.items() if row is None]
        old_odd = self._data["odd_deps"]
        for start, end, new_start in segments:
            if start < 0:
                continue
            absent.extend(new_start + r - start for r in self.absent if start <= r < end)
            odd_deps.update(
                (new_start + r - start, deps) for r, deps in old_odd.items() if start <= r < end
            )
        for i, row in rows.items():
            if "\x00" in "".join(row[3]):
                odd_deps[i] = list(row[3])
        data: dict[str, Any] = {
            "listing": listing,
            "size": count,
            "absent": sorted(absent),
            "sizes": sizes.tobytes(),
            "mtimes": mtimes.tobytes(),
            "distinct_statuses": sorted(
                self.statuses | {row[2] for row in fresh.values() if row is not None}
            ),
        }
        counts = array("q")
        old_counts = self.array("counts")
        for start, end, _new_start in segments:
            if start < 0:
                counts.append(rows[end][6])
            else:
                counts.extend(old_counts[start:end])
        data["counts"] = counts.tobytes()
        fields = {"ids": 0, "titles": 1, "statuses": 2, "created": 4, "keys": 5, "deps": 3}
        for name, field in fields.items():
            text: str = self._data[name]
            offsets = self.array(name + "@")
            pieces: list[str] = []
            new_offsets = array("q", [0])
            at = 0
            for start, end, _new_start in segments:
                if start < 0:
                    row = rows[end]
                    if field == 3:
                        value = "" if end in odd_deps else "\x00".join(row[3])
                    else:
                        value = str(row[field])
                    pieces.append(value)
                    at += len(value)
                    new_offsets.append(at)
                    continue
                base = offsets[start]
                pieces.append(text[base : offsets[end]])
                new_offsets.extend(map(add, offsets[start + 1 : end + 1], repeat(at - base)))
                at += offsets[end] - base
            data[name] = "".join(pieces)
            data[name + "@"] = new_offsets.tobytes()
        data["odd_deps"] = odd_deps
        return SummaryTable(data)

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
                if data.get("format") == (SUMMARY_FORMAT, *format_key()):
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
        if store(self.path, {"format": (SUMMARY_FORMAT, *format_key()), "table": table._data}):
            self.table = table
