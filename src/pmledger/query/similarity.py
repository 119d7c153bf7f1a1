"""Near-duplicate titles, so that `add` can say "this looks like REQ-4K7PM".

Character bigrams of the case-folded title with punctuation and spaces
removed, compared with the Dice coefficient. Bigrams work for Chinese (no
spaces between words) as well as for English, and cost microseconds per
title, so a 10k ledger is checked in a few milliseconds. :class:`DuplicateIndex`
gives the same answers for a whole batch without comparing every pair.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


class Titled(Protocol):
    """Anything with an ID, a title and a status (a requirement or its summary)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def status(self) -> str: ...


DEFAULT_THRESHOLD = 0.6


def title_key(title: str) -> str:
    """The title case-folded, NFKC-normalised, without spaces or punctuation."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def bigrams(title: str) -> frozenset[str]:
    """The character bigrams of a title (the title itself if it is one character)."""
    return _grams(title_key(title))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of two titles' bigrams: 1.0 same, 0.0 nothing shared."""
    return _dice(bigrams(a), bigrams(b))


def _dice(x: frozenset[str], y: frozenset[str]) -> float:
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True)
class Match:
    """An existing requirement whose title resembles a new one."""

    requirement: Titled
    similarity: float


def _grams(key: str) -> frozenset[str]:
    if len(key) < 2:
        return frozenset({key}) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def similar(
    title: str,
    candidates: Iterable[Titled],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 3,
) -> list[Match]:
    """The candidates most like ``title``, best first, at or above ``threshold``.

    A candidate that carries ``title_key`` and ``title_bigrams`` (the
    ledger's summary index does) is compared without rebuilding its bigram
    set: a bigram is in a title exactly when it is a substring of its key.
    """
    wanted = _grams(title_key(title))
    size = len(wanted)
    if not size:
        return []
    # A one-character title is its own "bigram": a substring test would be wrong.
    exact = any(len(gram) < 2 for gram in wanted)
    found = []
    for cand in candidates:
        key = getattr(cand, "title_key", None)
        if key is None:
            key = title_key(cand.title)
            count = len(_grams(key))
        else:
            count = cand.title_bigrams  # type: ignore[attr-defined]
        # Even a full overlap cannot reach the threshold: skip the work.
        if not count or 2 * min(size, count) < threshold * (size + count):
            continue
        shared = len(wanted & _grams(key)) if exact else sum(1 for gram in wanted if gram in key)
        score = 2 * shared / (size + count)
        if score >= threshold:
            found.append(Match(cand, round(score, 3)))
    found.sort(key=lambda m: (-m.similarity, m.requirement.id))
    return found[:limit]


def likely_matches(
    title: str,
    keys: Sequence[str],
    counts: Sequence[int],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    joined: str | None = None,
) -> list[int]:
    """Indices of the rows :func:`similar` would accept for ``title``, and of
    rows whose ``title_key`` equals the title's (the exact-duplicate check's
    candidates), without an object per row.

    ``keys`` and ``counts`` are parallel columns of ``title_key`` and
    ``title_bigrams`` (the title store's snapshot); ``joined`` is ``keys``
    joined by NUL, if the caller has it. A match shares at least ``m``
    bigrams with the title (the prefix filter of :class:`DuplicateIndex`), so
    it contains one of the title's ``size - m + 1`` rarest bigrams: those are
    found with ``str.find`` over the joined keys, and only those rows are
    checked, with the same arithmetic as :func:`similar`.
    """
    from bisect import bisect_right
    from itertools import accumulate
    from itertools import count as numbers
    from operator import add

    key = title_key(title)
    found: set[int] = set()
    index = -1
    while True:  # list.index runs in C: equal keys without a Python loop over every row
        try:
            index = keys.index(key, index + 1)
        except ValueError:
            break
        found.add(index)
    wanted = _grams(key)
    size = len(wanted)
    if not size or not keys:
        return sorted(found)
    blob = joined if joined is not None else "\x00".join(keys)
    # Where each row starts in the blob (a bigram never spans the NUL between rows).
    starts = [0, *map(add, accumulate(map(len, keys)), numbers(1))]
    # Any size - m + 1 of the title's bigrams catch every match (it shares m);
    # the rarest catch the fewest rows. Rarity is judged on a sample of the
    # keys: counting over all of them cost more than it saved at 100k.
    sample = blob[:_RARITY_SAMPLE]
    rarest = sorted(wanted, key=lambda gram: (sample.count(gram), gram))
    probe = rarest[: size - _min_overlap(size, threshold) + 1]
    rows: set[int] = set()
    for gram in probe:
        pos = blob.find(gram)
        while pos >= 0:
            row = bisect_right(starts, pos) - 1
            rows.add(row)
            pos = blob.find(gram, starts[row + 1])  # the next row: one hit per row is enough
    exact = any(len(gram) < 2 for gram in wanted)
    grams = list(wanted)
    for i in rows:
        count = counts[i]
        if not count or 2 * min(size, count) < threshold * (size + count):
            continue
        cand = keys[i]
        # (map with the bound method: the membership tests run in C.)
        shared = len(wanted & _grams(cand)) if exact else sum(map(cand.__contains__, grams))
        if 2 * shared / (size + count) >= threshold:
            found.add(i)
    return sorted(found)


def shown_percent(similarity: float, title: str, other: str) -> int:
    """A similarity as a person reads it: 100% only for titles that are the
    same (:func:`exact_key`); "C++ y" and "C# y" share every bigram that
    counts, but are not the same title: 99%."""
    percent = round(similarity * 100)
    if percent >= 100 and exact_key(title) != exact_key(other):
        return 99
    return percent


def exact_key(title: str) -> str:
    """The title as compared for exact duplicates: case, width (NFKC) and
    spaces ignored, and punctuation around it; "客户列表导出 Excel。" and
    "客户列表导出excel" are the same, "C++ support" and "C# support" are not."""
    text = "".join(unicodedata.normalize("NFKC", title).casefold().split())
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(text[end - 1]).startswith("P"):
        end -= 1
    return text[start:end]


# Characters of the joined keys whose bigram counts stand for the whole (≈ 20k titles).
_RARITY_SAMPLE = 1 << 18

# Slack for float rounding in the filters: they may only ever let more through.
_EPS = 1e-9


def _min_overlap(size: int, threshold: float) -> int:
    # Dice(X, Y) >= t needs |X & Y| >= t(|X| + |Y|) / 2, and |Y| >= |X| t / (2 - t),
    # so any match of a title with `size` bigrams shares at least this many.
    return max(1, math.ceil(size * threshold / (2 - threshold) - _EPS))


def _rank_key(match: Match) -> tuple[float, str]:
    return (-match.similarity, match.requirement.id)


class DuplicateIndex:
    """Finds the near-duplicates of a title without comparing it with every title.

    The same answers as :func:`similar` over the same items and threshold (a
    property test holds that), in time that grows with the number of real
    candidates rather than with the ledger: a "prefix filter" inverted index
    (Chaudhuri et al. 2006; Bayardo et al., *Scaling up all pairs similarity
    search*, 2007). A title's bigrams are put in one fixed global order,
    rarest first; if two titles reach the threshold they share at least
    ``_min_overlap`` bigrams, so they share one among the first
    ``size - _min_overlap + 1`` of the new title's. Only the postings of
    that prefix are read; each candidate found is then bounded by what it
    shares there and by its size and, if it can still qualify, checked
    exactly.

    Each posting is a bit set over the indexed titles (one Python int per
    bigram; titles are numbered in the order they were added), and so is
    each size class. Counting how many prefix bigrams every title shares is
    then a few bitwise operations per bigram, run in C over the whole index
    at once (a binary counter kept in bit planes), instead of one dictionary
    update per posting; the candidates are taken from the counter one count
    at a time, most shared first, already restricted to the sizes that can
    still reach the bar.

    Titles with the same normalised key share one slot, so a ledger full of
    repeated titles costs no more than its distinct titles.

    ``expected`` titles (e.g. the rest of a batch) only tune the order, for
    speed; any fixed order gives the same answers.
    """

    def __init__(
        self,
        items: Iterable[Titled] = (),
        *,
        threshold: float = DEFAULT_THRESHOLD,
        expected: Iterable[str] = (),
    ) -> None:
        if not 0 < threshold <= 1:
            raise ValueError("the similarity threshold must be in (0, 1]")
        self.threshold = threshold
        items = list(items)
        frequency: Counter[str] = Counter()
        for title in [*(i.title for i in items), *expected]:
            frequency.update(bigrams(title))
        self._frequency = frequency
        self._slots: dict[str, int] = {}  # title_key -> slot
        self._slot_grams: list[tuple[str, ...]] = []
        self._slot_items: list[list[Titled]] = []
        self._postings: dict[str, int] = {}  # bigram -> bit set of the slots holding it
        self._sizes: dict[int, int] = {}  # bigram count -> bit set of the slots that size
        self._count = 0
        self._memo: tuple[str, str, list[str]] | None = None
        # The first items are gathered as lists and turned into bit sets once:
        # setting one bit of an int copies it.
        self._gathering: dict[str, list[int]] | None = {}
        for item in items:
            self.add(item)
        gathered, self._gathering = self._gathering, None
        self._postings = {gram: _bit_set(slots) for gram, slots in gathered.items()}
        by_size: dict[int, list[int]] = {}
        for slot, grams in enumerate(self._slot_grams):
            by_size.setdefault(len(grams), []).append(slot)
        self._sizes = {size: _bit_set(slots) for size, slots in by_size.items()}

    def __len__(self) -> int:
        return self._count

    def _ordered(self, key: str) -> list[str]:
        grams = _grams(key)
        freq = self._frequency
        return sorted(grams, key=lambda g: (freq.get(g, 0), g))

    def _prepared(self, title: str) -> tuple[str, list[str]]:
        # A batch asks exact(), similar() and add() of the same title in turn:
        # normalise and order it once.
        memo = self._memo
        if memo is not None and memo[0] == title:
            return memo[1], memo[2]
        key = title_key(title)
        ordered = self._ordered(key)
        self._memo = (title, key, ordered)
        return key, ordered

    def add(self, item: Titled) -> None:
        """Index one more requirement (or summary)."""
        memo = self._memo
        known = memo is not None and memo[0] == item.title
        key = memo[1] if memo is not None and known else title_key(item.title)
        self._count += 1
        slot = self._slots.get(key)
        if slot is not None:
            self._slot_items[slot].append(item)
            return
        ordered = memo[2] if memo is not None and known else self._ordered(key)
        if not ordered:
            return  # a title of punctuation only resembles nothing
        slot = len(self._slot_grams)
        self._slots[key] = slot
        self._slot_grams.append(tuple(ordered))
        self._slot_items.append([item])
        gathering = self._gathering
        if gathering is not None:
            for gram in ordered:
                gathering.setdefault(gram, []).append(slot)
            return
        bit = 1 << slot
        postings = self._postings
        for gram in ordered:
            postings[gram] = postings.get(gram, 0) | bit
        sizes = self._sizes
        sizes[len(ordered)] = sizes.get(len(ordered), 0) | bit

    def similar(self, title: str, *, limit: int = 3) -> list[Match]:
        """The indexed items most like ``title``, best first (as :func:`similar`).

        Every title's share of the prefix bigrams is counted at once; titles
        are then checked by that count, most first, among the sizes that can
        reach the bar. A title can share at most its count plus every bigram
        not read; once ``limit`` matches are in hand the bar rises to the
        ``limit``-th best score, so most titles are ruled out unchecked.
        """
        key, ordered = self._prepared(title)
        size = len(ordered)
        if not size or limit < 1:
            return []
        threshold = bar = self.threshold
        slot_grams, slot_items = self._slot_grams, self._slot_items
        found: list[Match] = []
        same = self._slots.get(key)
        if same is not None:
            # The same key: a perfect score, found without a search; it sets the bar.
            found = sorted((Match(i, 1.0) for i in slot_items[same]), key=_rank_key)[:limit]
            if len(found) >= limit:
                bar = max(bar, found[-1].similarity - 0.0005)
        scanned = size - _min_overlap(size, bar) + 1
        # Bit j of planes[k] is bit k of how many prefix bigrams slot j holds:
        # adding a posting is a ripple-carry addition over the planes.
        planes = [0] * scanned.bit_length()
        postings = self._postings
        for gram in ordered[:scanned]:
            carry = postings.get(gram, 0)
            for k, plane in enumerate(planes):
                if not carry:
                    break
                planes[k] = plane ^ carry
                carry &= plane
        unread = size - scanned
        least = _min_overlap(size, bar)  # what any match must share
        wanted = set(ordered)
        done = 0  # the slots that share more than `shared`, already looked at
        windows: dict[int, int] = {}  # largest size -> the slots of the sizes that can qualify
        sized_for = bar
        # No title shares more than the highest plane in use allows.
        used = [k for k, plane in enumerate(planes) if plane]
        shared = min(scanned, (2 << used[-1]) - 1) if used else 0
        while shared > 0 and shared + unread >= least:
            sharing = _at_least(planes, shared)
            fresh, done = sharing ^ done, sharing
            most = shared + unread  # what a title of this count can share at most
            shared -= 1
            if not fresh:
                continue
            if fresh.bit_count() > _FEW:
                # A title of c bigrams sharing at most m reaches the bar only
                # if c >= size·bar/(2 − bar) and c <= 2m/bar − size.
                if sized_for != bar:
                    sized_for, windows = bar, {}
                largest = math.floor(2 * most / bar - size + _SIZE_SLACK)
                window = windows.get(largest)
                if window is None:
                    smallest = math.ceil(size * bar / (2 - bar) - _SIZE_SLACK)
                    window = windows[largest] = self._sized(smallest, largest)
                fresh &= window
            for slot in _members(fresh):
                if slot == same:
                    continue
                grams = slot_grams[slot]
                count = len(grams)
                if 2 * min(count, most) < bar * (size + count) - _EPS:
                    continue
                score = 2 * len(wanted.intersection(grams)) / (size + count)
                if score < threshold or score < bar - _EPS:
                    continue
                found.extend(Match(item, round(score, 3)) for item in slot_items[slot])
                if len(found) >= limit:
                    found.sort(key=_rank_key)
                    del found[limit:]
                    # Anything that rounds to the last kept score may still win on ID.
                    if found[-1].similarity - 0.0005 > bar:
                        bar = found[-1].similarity - 0.0005
                        least = _min_overlap(size, bar)
        found.sort(key=_rank_key)
        return found[:limit]

    def _sized(self, smallest: int, largest: int) -> int:
        """The slots of ``smallest`` to ``largest`` bigrams."""
        sizes = self._sizes
        window = 0
        for count in range(smallest, largest + 1):
            window |= sizes.get(count, 0)
        return window

    def exact(self, title: str) -> list[Titled]:
        """The indexed items whose title is the same text (see :func:`exact_key`)."""
        slot = self._slots.get(self._prepared(title)[0])
        if slot is None:
            return []
        wanted = exact_key(title)
        return [i for i in self._slot_items[slot] if exact_key(i.title) == wanted]


# Slack for float rounding in the size bounds: they may only ever let more through.
_SIZE_SLACK = 1e-6

# Fewer candidates than this at one count are sized one by one, not masked.
_FEW = 24


def _bit_set(members: list[int]) -> int:
    flags = bytearray(max(members) // 8 + 1)
    for member in members:
        flags[member >> 3] |= 1 << (member & 7)
    return int.from_bytes(flags, "little")


def _at_least(planes: list[int], count: int) -> int:
    """The members whose number, written in binary across ``planes``, is >= ``count``."""
    greater = 0
    equal = -1  # every member (an int with every bit set)
    for k in range(len(planes) - 1, -1, -1):
        plane = planes[k]
        if count >> k & 1:
            equal &= plane
        else:
            greater |= equal & plane
            equal &= ~plane
    return greater | equal


def _members(bits: int) -> list[int]:
    """The positions of the set bits (``bin`` and ``str.find`` run in C)."""
    digits = bin(bits)
    last = len(digits) - 1
    found = []
    at = digits.find("1", 2)
    while at >= 0:
        found.append(last - at)
        at = digits.find("1", at + 1)
    return found
