#!/usr/bin/env python3
"""Compile every ``src/pmledger/locale/*/LC_MESSAGES/pmledger.po`` into its ``.mo``.

The stdlib's ``Tools/i18n/msgfmt.py`` logic (not installed with Python, so
reimplemented here; no Babel dependency for ~150 lines): fuzzy and
untranslated entries are left out, so gettext falls back to the English
msgid for them. The output is deterministic (sorted keys, no timestamps), so
``tests/test_i18n.py`` can insist that the committed ``.mo`` matches its
``.po``.

    python scripts/compile_catalogs.py          # write the .mo files
    python scripts/compile_catalogs.py --check  # exit 1 if one is out of date
"""

from __future__ import annotations

import argparse
import ast
import struct
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCALE = REPO / "src" / "pmledger" / "locale"
DOMAIN = "pmledger"


@dataclass
class Entry:
    """One message of a .po file."""

    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    # One string, or one per plural form (msgstr[0], msgstr[1]...).
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False
    # "#." extracted comments and "#:" references, kept for the .pot/.po writer.
    comments: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def translated(self) -> bool:
        return not self.fuzzy and bool(self.msgstr) and all(self.msgstr)


class PoError(ValueError):
    """A .po file that cannot be read."""


def read_po(text: str, *, source: str = "<po>") -> list[Entry]:
    """The entries of a .po file (the header is the entry whose msgid is empty)."""
    entries: list[Entry] = []
    current: Entry | None = None
    section = ""
    flags: set[str] = set()
    comments: list[str] = []
    references: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue  # obsolete entries are not compiled
        if line.startswith("#"):
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#."):
                comments.append(line[2:].strip())
            elif line.startswith("#:"):
                references.extend(line[2:].split())
            continue
        if line.startswith('"'):
            keyword, rest = "", line
        else:
            keyword, _, rest = line.partition(" ")
            starts_entry = keyword == "msgctxt" or (
                keyword == "msgid" and (current is None or bool(current.msgstr))
            )
            if starts_entry:
                if current is not None:
                    entries.append(current)
                current = Entry(msgid="", fuzzy="fuzzy" in flags)
                current.comments, current.references = comments, references
                flags, comments, references = set(), [], []
            if current is None:
                raise PoError(f"{source}:{number}: {keyword} before any msgid")
            section = keyword
            if keyword == "msgstr" or keyword.startswith("msgstr["):
                wanted = 0 if keyword == "msgstr" else int(keyword[7:-1])
                if wanted != len(current.msgstr):
                    raise PoError(f"{source}:{number}: {keyword} out of order")
                current.msgstr.append("")
                section = "msgstr"
            elif keyword == "msgid_plural":
                current.msgid_plural = ""
            elif keyword == "msgctxt":
                current.msgctxt = ""
            elif keyword != "msgid":
                raise PoError(f"{source}:{number}: unknown keyword {keyword!r}")
        if current is None or not section:
            raise PoError(f"{source}:{number}: a string outside an entry")
        try:
            value = ast.literal_eval(rest.strip())
        except (SyntaxError, ValueError):
            value = None
        if not isinstance(value, str):
            raise PoError(f"{source}:{number}: not a quoted string: {rest!r}")
        if section == "msgid":
            current.msgid += value
        elif section == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + value
        elif section == "msgctxt":
            current.msgctxt = (current.msgctxt or "") + value
        else:
            current.msgstr[-1] += value
    if current is not None:
        entries.append(current)
    return entries


def header_fields(entries: list[Entry]) -> dict[str, str]:
    """The header's ``Name: value`` lines (Content-Type, Plural-Forms...)."""
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None and entry.msgstr:
            pairs = (line.partition(":") for line in entry.msgstr[0].splitlines())
            return {name.strip(): value.strip() for name, _, value in pairs if name.strip()}
    return {}


def mo_bytes(entries: list[Entry]) -> bytes:
    """A GNU .mo file holding the translated entries (and the header)."""
    messages: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.msgid and not entry.translated:
            continue
        key = entry.msgid.encode("utf-8")
        if entry.msgid_plural is not None:
            key += b"\0" + entry.msgid_plural.encode("utf-8")
        if entry.msgctxt is not None:
            key = entry.msgctxt.encode("utf-8") + b"\x04" + key
        messages[key] = b"\0".join(s.encode("utf-8") for s in entry.msgstr)
    keys = sorted(messages)
    ids = b""
    strs = b""
    offsets: list[tuple[int, int, int, int]] = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    # The layout of msgfmt.py: header, key table, value table, ids, strs.
    keystart = 7 * 4 + 16 * len(keys)
    valuestart = keystart + len(ids)
    koffsets: list[int] = []
    voffsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + keystart]
        voffsets += [l2, o2 + valuestart]
    header = struct.pack(
        "Iiiiiii",
        0x950412DE,  # magic
        0,  # version
        len(keys),
        7 * 4,  # start of the key table
        7 * 4 + len(keys) * 8,  # start of the value table
        0,  # size of the hash table (none)
        0,  # offset of the hash table
    )
    return header + array("i", koffsets + voffsets).tobytes() + ids + strs


def catalogs() -> list[Path]:
    """Every .po file of the package."""
    return sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_po(po: Path) -> bytes:
    return mo_bytes(read_po(po.read_text(encoding="utf-8"), source=str(po)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether a .mo is stale")
    args = parser.parse_args(argv)
    stale = 0
    for po in catalogs():
        mo = po.with_suffix(".mo")
        data = compile_po(po)
        if mo.exists() and mo.read_bytes() == data:
            continue
        if args.check:
            print(f"{mo.relative_to(REPO)} is out of date: run scripts/compile_catalogs.py")
            stale += 1
        else:
            mo.write_bytes(data)
            print(f"wrote {mo.relative_to(REPO)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
