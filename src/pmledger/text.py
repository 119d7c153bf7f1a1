"""Text rules shared by the core and the CLI.

Splitting list values typed by people, the one rule for every list input:
a comma separates items, and so do the full-width comma ``，`` and the
enumeration comma ``、`` that Chinese input methods type, so that
``tags=销售、CRM，导出`` means three tags, as ``--tag a,b`` means two.

Display width, the one measure for tables, charts and spreadsheet columns:
a wide East Asian character takes two cells.

Width folding, the one rule for comparing what people type: full-width
letters, digits and punctuation (``ＣＲＭ``, ``３``, ``－``), which Chinese
input methods type, read as their ASCII forms (Unicode's NFKC), so that
``ＥＸＣＥＬ`` finds "Excel" and ``-t ｃｒｍ`` is the tag ``crm``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SEPARATORS = ",，、"
_SPLIT = re.compile(f"[{SEPARATORS}]")


def split_list(values: Iterable[str]) -> list[str]:
    """Every item of the given values, split on the separators, stripped, blanks dropped."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in _SPLIT.split(value) if part.strip())
    return out


# The full-width punctuation of Chinese prose, each with its NFKC form: one
# character that never combines with its neighbours, so replacing it first
# changes nothing in the result. Most Chinese text holds no other
# compatibility character, and str.replace is several times faster than
# normalising (a search reads the whole ledger's text).
_PROSE = tuple((wide, unicodedata.normalize("NFKC", wide)) for wide in "，：；！？（）\u3000")


def ascii_forms(text: str) -> str:
    """``text`` with full-width (and other compatibility) forms read as their plain ones (NFKC).

    ``ＣＲＭ３－Ａ`` is ``CRM3-A``; Chinese characters, and text already
    plain, are unchanged.
    """
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    for wide, plain in _PROSE:
        if wide in text:
            text = text.replace(wide, plain)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """The form two texts are compared in: width and case ignored (``ＣＲＭ`` = ``crm``)."""
    return ascii_forms(text).casefold()


class _CellWidths(dict[str, int]):
    """The cells of each character, looked up once per character per process."""

    def __missing__(self, ch: str) -> int:
        if unicodedata.combining(ch) or ch == "\u200d":
            width = 0
        else:
            width = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        self[ch] = width
        return width


# A table of 10k Chinese titles asked unicodedata twice per character;
# summing cached widths with map() runs the loop in C (issue 9).
_WIDTHS = _CellWidths()


def cell_len(text: str) -> int:
    """Cells ``text`` takes on a terminal, in a chart or a spreadsheet column.

    Wide East Asian characters take two; combining marks and the zero-width
    joiner take none.
    """
    if text.isascii():
        return len(text)
    return sum(map(_WIDTHS.__getitem__, text))


def truncate(text: str, cells: int) -> str:
    """``text`` cut to at most ``cells`` display cells, ending in ``…`` when cut."""
    if cell_len(text) <= cells:
        return text
    if cells <= 1:
        return "…"[:cells]
    if text.isascii():
        return text[: cells - 1] + "…"
    used = 0
    out = []
    widths = _WIDTHS
    for ch in text:
        w = widths[ch]
        if used + w > cells - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def closest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice ``word`` is most likely a typo of (``tomorow``: ``tomorrow``), or None.

    The one "did you mean" rule for words typed by people, width and case
    ignored; as ``set``'s unknown field, difflib's ratio of at least ``cutoff``.
    """
    from difflib import get_close_matches

    by_fold = {fold(choice): choice for choice in choices}
    found = get_close_matches(fold(word).strip(), list(by_fold), n=1, cutoff=cutoff)
    return by_fold[found[0]] if found else None
