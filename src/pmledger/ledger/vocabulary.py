"""What shell completion offers: the IDs of a ledger and the values people used.

Completion starts a process on every Tab press and must answer in well under
250 ms at 10k requirements, so it reads snapshots:

- each file's values (owners, departments, tags...) live in a small index of
  their own, checked against each file's size and mtime like the parse cache
  (``pmledger.ledger.cache``): only files that changed are read again;
- the result (and the list of IDs with their titles) is kept as a snapshot
  keyed by the requirements folder's mtime, which changes whenever a file is
  created, removed or replaced, as every pmledger write does (write, then
  rename). A value typed by hand into a file by an editor that writes in
  place shows up in completion after the next pmledger write: a hint may lag,
  data never does (no command reads these snapshots).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from pmledger.errors import InvalidFileError
from pmledger.ledger.cache import ParseCache
from pmledger.ledger.filestats import changed_ns
from pmledger.ledger.ledger import SUFFIX, Ledger
from pmledger.ledger.scan import read_regular

T = TypeVar("T")

# The fields whose values completion offers, in the order stored in the index.
VALUE_FIELDS = ("owner", "department", "requester", "goal", "sprint", "tags")


@dataclass
class Vocabulary:
    """How often each value of each field occurs in the ledger."""

    counts: dict[str, Counter[str]] = field(
        default_factory=lambda: {name: Counter() for name in VALUE_FIELDS}
    )

    def values(self, name: str) -> list[str]:
        """The values of a field, most used first, then alphabetically."""
        counter = self.counts[name]
        return sorted(counter, key=lambda v: (-counter[v], v))


def _file_values(ledger: Ledger, path: Path) -> tuple[tuple[str, ...], ...] | None:
    try:
        req = ledger.parse(path, read_regular(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, InvalidFileError):
        return None
    out: list[tuple[str, ...]] = []
    for name in VALUE_FIELDS:
        value = getattr(req, name)
        if isinstance(value, list):
            out.append(tuple(value))
        else:
            out.append((value,) if value else ())
    return tuple(out)


def _folder_key(ledger: Ledger) -> int | None:
    try:
        return os.stat(ledger.requirements_dir).st_mtime_ns
    except OSError:
        return None


def _snapshot(ledger: Ledger, kind: str, build: Callable[[], T]) -> T:
    key = _folder_key(ledger)
    cache = ParseCache.for_ledger(ledger.root, kind)
    if key is not None:
        found = cache.get(kind, 0, key)
        if found is not None:
            return cast(T, found)
    value = build()
    if key is not None:
        cache.put(kind, 0, key, value)
        cache.save()
    return value


def id_titles(ledger: Ledger) -> list[tuple[str, str, str]]:
    """(ID, title, status) of every readable requirement, in ID order."""

    def build() -> list[tuple[str, str, str]]:
        return sorted((s.id, s.title, s.status) for s in ledger.summaries().summaries)

    return _snapshot(ledger, "complete-ids", build)


def vocabulary(ledger: Ledger) -> Vocabulary:
    """The values of :data:`VALUE_FIELDS` over every readable requirement."""
    return _snapshot(ledger, "complete-values", lambda: _scan_values(ledger))


def _scan_values(ledger: Ledger, *, use_cache: bool = True) -> Vocabulary:
    cache = ParseCache.for_ledger(ledger.root, "values") if use_cache else ParseCache(None)
    result = Vocabulary()
    seen: set[str] = set()
    try:
        entries = list(os.scandir(ledger.requirements_dir))
    except FileNotFoundError:
        entries = []
    for entry in entries:
        name = entry.name
        if not name.endswith(SUFFIX) or name.startswith("."):
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue
        seen.add(name)
        values = cache.get(name, stat.st_size, changed_ns(stat))
        if values is None:
            values = _file_values(ledger, Path(entry.path))
            if values is None:
                continue
            cache.put(name, stat.st_size, changed_ns(stat), values)
        for field_name, found in zip(VALUE_FIELDS, values, strict=True):
            result.counts[field_name].update(found)
    cache.retain(seen)
    cache.save()
    return result
