"""Text helpers shared by the report renderers (the core cannot use the CLI's)."""

from __future__ import annotations

import re
import unicodedata

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def clean(text: object, limit: int | None = None) -> str:
    """User text on one line, control characters shown as escapes (never acted on)."""
    value = " ".join(("" if text is None else str(text)).split())
    if not value.isprintable():
        value = "".join(
            ch
            if unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\u200d"
            # The notation of the terminal's tables (pmledger.cli.output.sanitize).
            else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
            for ch in value
        )
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return value


def esc(text: object, limit: int | None = None) -> str:
    """User text as literal markdown, safe inside a table cell or a paragraph.

    The one escaping rule of every markdown pmledger writes (report, list,
    rank, diff...): markdown punctuation, ``|`` and HTML tags come out as
    typed on GitHub and GitLab, control characters as escapes.
    """
    value = _MARKDOWN_SPECIAL.sub(r"\\\1", clean(text, limit))
    # "&" would start an entity (&lt;).
    return value.replace("&", "&amp;")


def number(value: float | None, unit: str | None = None) -> str:
    """A number for people: no trailing .0, thousands separated, the unit after it."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{int(value):,}"
    if not unit:
        return text
    # 7%, as every share pmledger writes; 12 ms, 5 万元.
    return f"{text}{unit}" if unit in _SIGNS else f"{text} {unit}"


# Units written against the number.
_SIGNS = frozenset({"%", "‰", "％"})


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"
