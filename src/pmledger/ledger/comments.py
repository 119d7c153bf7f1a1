"""Comments a person wrote in a requirement file, kept across rewrites.

TOML parsers drop comments, so every rewrite (``set``, ``status``, ``note``,
``edit``, ``plan --apply``) would lose them. Instead the old text is scanned
for its statements (``key = value`` lines and ``[table]`` headers) and the
comments around them, and after canonical serialisation each comment is put
back beside the same key:

- comment lines above a key (or a table header) stay above it;
- a comment at the end of a key's line stays at the end of that line (when
  the value spans lines and the line cannot hold a comment, it moves above);
- comments inside a multi-line array move above its key;
- comments after the last key stay at the end of the file.

A comment whose key no longer exists cannot be kept; it is returned, so that
the command says so before writing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

Path_ = tuple[str | int, ...]

_NORMAL, _BASIC, _LITERAL, _ML_BASIC, _ML_LITERAL = range(5)
_MARKER = re.compile(r"(<{7,}|={7,}|>{7,})( |$)")
_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass
class Statement:
    """A key line or table header, with the comments around it."""

    line: int  # 1-based
    path: Path_
    header: bool
    leading: list[str] = field(default_factory=list)
    trailing: str | None = None
    inner: list[str] = field(default_factory=list)
    # Whether a comment can follow the statement's first line (not inside a string).
    first_line_open_string: bool = False


@dataclass
class _Scan:
    statements: list[Statement]
    tail: list[str]


def _parse_key(text: str, pos: int) -> tuple[list[str], int]:
    """The dotted key starting at ``pos`` and the position after it (before ``=`` or ``]``)."""
    parts: list[str] = []
    n = len(text)
    while pos < n:
        while pos < n and text[pos] in " \t":
            pos += 1
        if pos >= n:
            break
        ch = text[pos]
        if ch == '"':
            end = pos + 1
            buf = []
            while end < n and text[end] != '"':
                if text[end] == "\\" and end + 1 < n:
                    buf.append(_unescape(text[end : end + 2], text, end))
                    end += 2 if text[end + 1] not in "uU" else (6 if text[end + 1] == "u" else 10)
                    continue
                buf.append(text[end])
                end += 1
            parts.append("".join(buf))
            pos = end + 1
        elif ch == "'":
            end = text.find("'", pos + 1)
            end = n if end < 0 else end
            parts.append(text[pos + 1 : end])
            pos = end + 1
        else:
            end = pos
            while end < n and text[end] in _BARE:
                end += 1
            if end == pos:
                break
            parts.append(text[pos:end])
            pos = end
        while pos < n and text[pos] in " \t":
            pos += 1
        if pos < n and text[pos] == ".":
            pos += 1
            continue
        break
    return parts, pos


def _unescape(pair: str, text: str, at: int) -> str:
    simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "b": "\b", "f": "\f"}
    kind = pair[1]
    if kind in simple:
        return simple[kind]
    width = 4 if kind == "u" else 8
    try:
        return chr(int(text[at + 2 : at + 2 + width], 16))
    except ValueError:
        return pair


def _past_closing(line: str, at: int, quote: str) -> int:
    """Where the text resumes after the three quotes closing a multi-line string at ``at``.

    Up to two more quotes belong to the string: four quotes in a row end it
    with one quote as its last character.
    """
    end = at + 3
    while end < len(line) and line[end] == quote and end < at + 5:
        end += 1
    return end


class _State:
    def __init__(self) -> None:
        self.mode = _NORMAL
        self.depth = 0

    @property
    def top(self) -> bool:
        return self.mode == _NORMAL and self.depth == 0

    def scan(self, line: str, start: int) -> str | None:
        """Advance over ``line[start:]``; the comment found outside strings, if any."""
        i = start
        n = len(line)
        while i < n:
            ch = line[i]
            if self.mode == _NORMAL:
                if ch == "#":
                    return line[i:].rstrip("\r\n")
                if line.startswith('"""', i):
                    self.mode = _ML_BASIC
                    i += 3
                    continue
                if line.startswith("'''", i):
                    self.mode = _ML_LITERAL
                    i += 3
                    continue
                if ch == '"':
                    self.mode = _BASIC
                elif ch == "'":
                    self.mode = _LITERAL
                elif ch in "[{":
                    self.depth += 1
                elif ch in "]}":
                    self.depth = max(0, self.depth - 1)
            elif self.mode == _BASIC:
                if ch == "\\":
                    i += 1
                elif ch == '"':
                    self.mode = _NORMAL
            elif self.mode == _LITERAL:
                if ch == "'":
                    self.mode = _NORMAL
            elif self.mode == _ML_BASIC:
                if ch == "\\":
                    i += 1
                elif line.startswith('"""', i):
                    self.mode = _NORMAL
                    i = _past_closing(line, i, '"')
                    continue
            elif self.mode == _ML_LITERAL and line.startswith("'''", i):
                self.mode = _NORMAL
                i = _past_closing(line, i, "'")
                continue
            i += 1
        if self.mode in (_BASIC, _LITERAL):
            self.mode = _NORMAL  # a one-line string cannot span lines (invalid TOML)
        return None


def _scan(text: str) -> _Scan:
    statements: list[Statement] = []
    pending: list[str] = []
    table: Path_ = ()
    array_counts: dict[tuple[str, ...], int] = {}
    state = _State()
    current: Statement | None = None
    # TOML lines end at "\n" only (str.splitlines would also break at U+0085 etc.).
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not state.top:
            found = state.scan(line, 0)
            if found is not None and current is not None:
                current.inner.append(found)
            continue
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if not stripped:
            continue
        if stripped.startswith("#"):
            pending.append(stripped.rstrip())
            continue
        if _MARKER.match(line):
            # git's conflict markers (the merge driver's conflicted text): not
            # a statement, and no comment of theirs.
            continue
        if stripped.startswith("["):
            is_array = stripped.startswith("[[")
            keys, pos = _parse_key(line, indent + (2 if is_array else 1))
            pos = line.find("]]" if is_array else "]", pos)
            pos = len(line) if pos < 0 else pos + (2 if is_array else 1)
            name = tuple(keys)
            if is_array:
                index = array_counts.get(name, -1) + 1
                array_counts[name] = index
                # A sub-table of an earlier array starts its numbering afresh.
                for other in [k for k in array_counts if k[: len(name)] == name and k != name]:
                    del array_counts[other]
                table = (*name, index)
            else:
                table = _resolve_table(name, array_counts)
            current = Statement(number, table, header=True, leading=pending)
        else:
            keys, pos = _parse_key(line, indent)
            eq = line.find("=", pos)
            pos = len(line) if eq < 0 else eq + 1
            current = Statement(number, (*table, *keys), header=False, leading=pending)
        pending = []
        statements.append(current)
        current.trailing = state.scan(line, pos)
        current.first_line_open_string = state.mode in (_ML_BASIC, _ML_LITERAL)
    return _Scan(statements, pending)


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _resolve_table(name: tuple[str, ...], arrays: dict[tuple[str, ...], int]) -> Path_:
    # [notes.extra] under the latest [[notes]] belongs to that entry.
    for cut in range(len(name) - 1, 0, -1):
        prefix = name[:cut]
        if prefix in arrays:
            return (*prefix, arrays[prefix], *name[cut:])
    return name


def statements(text: str) -> Iterator[Statement]:
    """The key lines and table headers of a TOML text, in order, with their paths."""
    yield from _scan(text).statements


def reattach(canonical: str, original: str) -> tuple[str, list[str]]:
    """``canonical`` with the comments of ``original`` put back by key; and the lost ones."""
    if "#" not in original:
        return canonical, []
    return _put_back(canonical, _scan(original))


_Said = tuple[tuple[str, ...], str | None, tuple[str, ...]]


def _said(stmt: Statement | None) -> _Said:
    if stmt is None:
        return (), None, ()
    return tuple(stmt.leading), stmt.trailing, tuple(stmt.inner)


def _merge_said(base: _Said, ours: _Said, theirs: _Said) -> _Said:
    if ours == base:
        return theirs
    if theirs in (base, ours):
        return ours
    # Both sides commented the same key differently: both kept, ours first.
    leading = [*ours[0], *(c for c in theirs[0] if c not in ours[0])]
    trailing = ours[1] or theirs[1]
    if ours[1] and theirs[1] and theirs[1] != ours[1]:
        leading.append(theirs[1])
    inner = [*ours[2], *(c for c in theirs[2] if c not in ours[2])]
    return tuple(leading), trailing, tuple(inner)


def reattach_merged(canonical: str, base: str, ours: str, theirs: str) -> tuple[str, list[str]]:
    """``canonical`` (a merge of three versions) with the comments of the merge
    put back by key: each key's comments as the side that changed them left
    them (both sides' when both did), so that a comment written on either
    branch survives the merge; and the lost ones."""
    if "#" not in ours and "#" not in theirs:
        return canonical, []
    scans = [_scan(text) if "#" in text else _Scan([], []) for text in (base, ours, theirs)]
    by_path = [{st.path: st for st in scan.statements} for scan in scans]
    paths = list(dict.fromkeys(path for side in (1, 2) for path in by_path[side]))
    merged: list[Statement] = []
    for path in paths:
        leading, trailing, inner = _merge_said(*(_said(side.get(path)) for side in by_path))
        merged.append(
            Statement(0, path, False, leading=list(leading), trailing=trailing, inner=list(inner))
        )
    tails = [(tuple(scan.tail), None, ()) for scan in scans]
    tail = list(_merge_said(tails[0], tails[1], tails[2])[0])
    return _put_back(canonical, _Scan(merged, tail))


def _put_back(canonical: str, old: _Scan) -> tuple[str, list[str]]:
    """``canonical`` with the comments of a scanned text put back by key; and the lost ones."""
    if not old.tail and not any(s.leading or s.trailing or s.inner for s in old.statements):
        return canonical, []
    new = _scan(canonical).statements
    # First come: a key between conflict markers is on both sides, ours first.
    by_path: dict[Path_, Statement] = {}
    for stmt in new:
        by_path.setdefault(stmt.path, stmt)
    above: dict[int, list[str]] = {}
    after: dict[int, str] = {}
    lost: list[str] = []
    for stmt in old.statements:
        if not (stmt.leading or stmt.trailing or stmt.inner):
            continue
        target = by_path.get(stmt.path) or next(
            (s for s in new if s.path[: len(stmt.path)] == stmt.path), None
        )
        if target is None:
            lost.extend(stmt.leading + stmt.inner + ([stmt.trailing] if stmt.trailing else []))
            continue
        lines = above.setdefault(target.line, [])
        lines.extend(stmt.leading)
        lines.extend(stmt.inner)
        if stmt.trailing:
            if target.first_line_open_string or target.line in after:
                lines.append(stmt.trailing)
            else:
                after[target.line] = stmt.trailing
    out: list[str] = []
    for number, line in enumerate(_lines(canonical), start=1):
        out.extend(f"{c}\n" for c in above.get(number, ()))
        if number in after:
            body = line.rstrip("\n")
            out.append(f"{body}  {after[number]}\n")
        else:
            out.append(line)
    if old.tail:
        out.extend(f"{c}\n" for c in old.tail)
    return "".join(out), lost
