"""A list field (tags, depends_on, links, acceptance) in one spreadsheet cell, both ways.

A person types a list the way docs/import-export.md says: ``crm, export``
(tags and depends_on split on ``;`` ``,`` ``，`` ``；`` ``、`` or line breaks),
links on ``;`` or spaces, acceptance criteria one per line. An export writes
that same plain form whenever reading it back gives exactly the list it
came from, and otherwise a JSON array of strings
(``["第一条, 含逗号", "second\\nline"]``): an item that holds a separator or a
line break, starts or ends with a space, is repeated, or holds a control
character would be split, trimmed, merged or changed by the plain form.
Reading takes a cell that is a JSON array of strings as exactly those items.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from pmledger.i18n import _

SEPARATOR = ";"
# Acceptance criteria are sentences that may hold a ";": one per line.
LINE_FIELDS = ("acceptance",)

_SPLIT = re.compile(r"[;；,，、\n]")
_LINKS_SPLIT = re.compile(r"[;；\s]+")
# What a plain cell cannot carry unchanged through CSV and XLSX: control
# characters (a worksheet cannot hold most of them, and a carriage return
# becomes a line break in both) and the two non-characters XML refuses. A
# tab and a line break survive both formats.
_CONTROL = "\x00-\x08\x0b-\x1f\x7f\ufffe\uffff"
_NOT_PLAIN = re.compile(f"[{_CONTROL}]")
_XML_REFUSED = {0xFFFE: "\\ufffe", 0xFFFF: "\\uffff"}
# In a plain cell, besides its joiner: what would split an item on reading
# (the other separators of its kind of list; the line breaks are those
# str.splitlines() knows) or what no cell carries.
_SPLITS = {
    "links": re.compile(f"[；\\s{_CONTROL}]"),
    **dict.fromkeys(LINE_FIELDS, re.compile(f"[\r\x85\u2028\u2029{_CONTROL}]")),
}
_SPLITS_LIST = re.compile(f"[；,，、\n{_CONTROL}]")


def to_cell(name: str, items: Sequence[str]) -> str | None:
    """The cell of list field ``name``: plain when that reads back exactly, else JSON."""
    if not items:
        return None
    joiner = "\n" if name in LINE_FIELDS else SEPARATOR
    plain = joiner.join(items)
    # The common case, decided without reading the cell back (half the cost
    # of a list cell in a 10k-row export): no item holds the joiner or another
    # separator, none would be trimmed or dropped as blank or repeated, and
    # the cell does not start like a JSON array.
    if (
        plain[:1] != "["
        and plain.count(joiner) == len(items) - 1
        and not _SPLITS.get(name, _SPLITS_LIST).search(plain)
        and not [i for i in items if not i or i.strip() != i]
        and (len(items) == 1 or len(set(items)) == len(items))
    ):
        return plain
    if not _NOT_PLAIN.search(plain):
        try:
            if from_cell(name, plain) == list(items):
                return plain
        except ValueError:
            pass  # a plain form that starts like a JSON array: not plain then
    # JSON escapes every control character; the non-characters are escaped
    # too, so that an XLSX cell can hold the text.
    return json.dumps(list(items), ensure_ascii=False).translate(_XML_REFUSED)


def from_cell(name: str, text: str) -> list[str]:
    """The items of a list cell (raises ValueError for a broken JSON array)."""
    stripped = text.strip()
    if stripped.startswith("["):
        items = _json_items(stripped)
        if items is not None:
            return items
        if stripped.startswith('["'):
            # Only an export (or a person copying its form) starts a cell so:
            # splitting a broken array on commas would import garbage.
            raise ValueError(
                _(
                    'starts like a list written as JSON (["one", "two"]) but is not one; '
                    "check its quotes and commas"
                )
            )
    if name in LINE_FIELDS:
        split = [line.strip() for line in text.splitlines()]
    elif name == "links":
        split = _LINKS_SPLIT.split(text)
    else:
        split = [i.strip() for i in _SPLIT.split(text)]
    return list(dict.fromkeys(i for i in split if i))


def from_json(values: Sequence[object]) -> list[str]:
    """A list as a JSON file or array cell holds it: every item as written, blank ones dropped."""
    return [v if isinstance(v, str) else str(v) for v in values if str(v).strip()]


def _json_items(text: str) -> list[str] | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if not isinstance(parsed, list) or not parsed or not all(isinstance(v, str) for v in parsed):
        return None
    return from_json(parsed)
