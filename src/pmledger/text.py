"""Splitting list values typed by people: the one rule for every list input.

A comma separates items, and so do the full-width comma ``，`` and the
enumeration comma ``、`` that Chinese input methods type, so that
``tags=销售、CRM，导出`` means three tags, as ``--tag a,b`` means two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SEPARATORS = ",，、"
_SPLIT = re.compile(f"[{SEPARATORS}]")


def split_list(values: Iterable[str]) -> list[str]:
    """Every item of the given values, split on the separators, stripped, blanks dropped."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in _SPLIT.split(value) if part.strip())
    return out
