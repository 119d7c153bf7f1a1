"""Where rich may break a line of Chinese help text.

rich breaks lines at spaces and folds a longer run at the column edge,
which Chinese needs (it has no spaces), but it folds anywhere: a help line
then began with "。" or "，", and "（YYYY-MM-DD" was cut as "（Y" / "YYY-MM-DD".
This moves such a break back, by the common rules of Chinese typesetting:
no closing punctuation at the start of a line, no opening punctuation at
its end, and no break inside a run of ASCII letters and digits (a date, an
option, a word of English). When moving back would empty the line, rich's
break stands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Never at the start of a line (closing punctuation, full and half width).
NO_START = frozenset("。，、；：！？）」』】》〉’”.,;:!?)]}%")
# Never at the end of a line (opening punctuation).
NO_END = frozenset("（「『【《〈‘“([{")


def _joined(a: str, b: str) -> bool:
    """Whether a break between ``a`` and ``b`` would cut a run of ASCII letters
    or digits (a date such as 2026-12-24, or $PMLEDGER_DIR, counts as one run)."""

    def word(c: str) -> bool:
        return c.isascii() and (c.isalnum() or c in "-_/.+$")

    return word(a) and word(b)


def _moved_back(text: str, at: int, start: int) -> int:
    """The break ``at`` moved back to where the rules allow, not before ``start``.

    A run of ASCII longer than the line cannot stay whole: then only the
    punctuation rules hold; if even they would empty the line, rich's break stands.
    """
    for keep_words in (True, False):
        found = at
        while found - 1 > start and (
            text[found] in NO_START
            or text[found - 1] in NO_END
            or (keep_words and _joined(text[found - 1], text[found]))
        ):
            found -= 1
        if found - 1 > start:
            return found
    return at


def breaking(divide_line: Callable[..., list[int]]) -> Callable[..., list[int]]:
    """``divide_line`` (rich's) with each break moved back as the rules say;
    what follows a moved break is divided again, so no line grows past the width."""

    def divide(text: str, width: int, fold: bool = True) -> list[int]:
        breaks: list[int] = []
        start = 0
        while True:
            rest = divide_line(text[start:], width, fold)
            if not rest:
                return breaks
            at = _moved_back(text, start + rest[0], start)
            breaks.append(at)
            start = at

    divide._pmledger_breaks = True  # type: ignore[attr-defined]
    return divide


def install() -> None:
    """Use these rules wherever rich wraps text (help and error panels)."""
    import rich.text

    # (rich.text's own name for it: Text.wrap reads it from there.)
    original: Any = getattr(rich.text, "divide_line")  # noqa: B009
    if not getattr(original, "_pmledger_breaks", False):
        setattr(rich.text, "divide_line", breaking(original))  # noqa: B010
