"""The fast reader of pmledger's own TOML: tomllib's answer or none at all."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pmledger.ledger import fastread, fileformat
from pmledger.ledger.model import Requirement

from .test_fileformat import requirement_st

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types all the way down (1 == 1.0 == True in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime | time):
        return bool(a == b and a.utcoffset() == b.utcoffset() and a.isoformat() == b.isoformat())
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)


def check(text: str) -> Any:
    """What the fast reader says of ``text``, checked against tomllib."""
    fast = fastread.loads(text)
    try:
        slow = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert fast is None, f"accepted what tomllib refuses: {text!r}"
        return None
    assert fast is None or same(fast, slow), f"{fast!r} != {slow!r} for {text!r}"
    return fast


def plain(value: Any, *, in_array: bool = False) -> bool:
    """No string in ``value`` needs an escape or holds a quote, no float is
    inf or nan, no array holds a multi-line string."""
    if isinstance(value, str):
        breaks = "\t" if in_array else "\t\n"
        return not any(c in value for c in '"\\\x7f') and all(
            c in breaks or c >= " " for c in value
        )
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return all(plain(v) for v in value.values())
    if isinstance(value, list):
        return all(plain(v, in_array=True) for v in value)
    return True


@settings(max_examples=300, deadline=None)
@given(requirement_st)
def test_canonical_files_read_as_tomllib_reads_them(req: Requirement) -> None:
    text = fileformat.dumps(req)
    fast = check(text)
    if not req.model_extra and plain(req.model_dump()):
        # The schema's fields with ordinary text: the fast path must take
        # them, or it would be useless.
        assert fast is not None, text


_MUTATION_CHARS = st.sampled_from([*" \"\\[]=,.:-+#\nTZe01235\t'{}ab中", '"""'])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = fileformat.dumps(draw(requirement_st))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(_MUTATION_CHARS)
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + piece + text[at + 1 :]
    return text


@settings(max_examples=500, deadline=None)
@given(mutated())
def test_mutated_files_never_disagree_with_tomllib(text: str) -> None:
    check(text)


LINES = [
    'a = "x"',
    "a = 1",
    "a = -0",
    "a = 01",
    "a = 1.5",
    "a = 1e-05",
    "a = 1.5e+20",
    "a = 1.",
    "a = .5",
    "a = 1E5",
    "a = inf",
    "a = nan",
    "a = true",
    "a = True",
    "a = 2026-02-28",
    "a = 2026-02-30",
    "a = 2026-02-28 10:00:00",
    "a = 2026-02-28T10:00:00Z",
    "a = 2026-02-28t10:00:00z",
    "a = 2026-02-28 10:00:00.123456+08:00",
    "a = 2026-02-28 10:00:00.123+08:00",
    "a = 2026-02-28 10:00:00+24:00",
    "a = 2026-02-28 10:00:00-00:00",
    "a = 2026-02-28 24:00:00",
    "a = 10:00:00",
    'a = "x" # c',
    "a = []",
    "a = [1]",
    'a = """\nx\ny"""',
    'a = """\n"""',
    'a = """\nx\\\ny"""',
    'a = """x"""',
    "a = [\n    1,\n    2,\n]",
    "a = [\n    1,\n\n]",
    "a = [\n    [1],\n]",
    "a = [\n    1\n]",
    "[t]\na = 1\n[t]\nb = 2",
    "[[n]]\na = 1\n[[n]]\na = 2",
    "n = 1\n[[n]]\na = 1",
    "[t]\na = 1\n[[t]]\na = 2",
    "a = 1\na = 2",
    "[t.u]\na = 1",
    " a = 1",
    "a  = 1",
    "# c\na = 1",
    "a = 1\r\n",
    '"a" = 1',
    'a = "tab\there"',
    'a = "\x7f"',
]


def test_hand_picked_lines() -> None:
    taken = [line for line in LINES if check(line + "\n") is not None]
    # The shapes pmledger writes are read fast...
    for line in ('a = "x"', "a = 1.5", "a = 2026-02-28T10:00:00Z", "a = [\n    1,\n    2,\n]"):
        assert line in taken
    # ...and the unusual ones are left to tomllib.
    for line in ("a = 2026-02-30", 'a = "x" # c', "a = 1.", "a = 1\na = 2", "[t.u]\na = 1"):
        assert line not in taken


def test_every_example_file_takes_the_fast_path() -> None:
    files = sorted(EXAMPLES.rglob("requirements/*.toml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert check(text) is not None, path


def test_a_dated_value_reads_as_the_same_type() -> None:
    data = fastread.loads("a = 2026-01-02\nb = 2026-01-02 03:04:05+08:00\n")
    assert data is not None
    assert type(data["a"]) is date and type(data["b"]) is datetime
