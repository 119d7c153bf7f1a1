"""The one-expression reader of canonical requirement files: the general path's model, or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from pmledger.errors import InvalidFileError
from pmledger.ledger import fastreq, fileformat
from pmledger.ledger.model import Requirement, evident_requirement

from .test_fastread import EXAMPLES, mutated, plain, same
from .test_fileformat import requirement_st

P = Path("REQ-AAAAA.toml")


def general(text: str) -> Requirement:
    """What the ledger read before this reader: TOML, then the evident path or the model."""
    data = fileformat.parse_toml(text, P)
    req = evident_requirement(data)
    return req if req is not None else Requirement.model_validate(data)


def _state(model: BaseModel) -> tuple[Any, ...]:
    return (
        type(model),
        list(model.__dict__),
        model.__pydantic_extra__,
        model.__pydantic_fields_set__,
        model.__pydantic_private__,
    )


def assert_same(fast: Requirement, full: Requirement) -> None:
    """Equal field for field, with the same types and offsets, notes included."""
    assert _state(fast) == _state(full)
    for name in full.__dict__:
        if name != "notes":
            assert same(fast.__dict__[name], full.__dict__[name]), name
    assert len(fast.notes) == len(full.notes)
    for a, b in zip(fast.notes, full.notes, strict=True):
        assert _state(a) == _state(b)
        assert same(a.__dict__, b.__dict__)


def check(text: str) -> Requirement | None:
    """What the reader says of ``text``, checked against the general path."""
    fast = fastreq.requirement(text)
    try:
        full = general(text)
    except (InvalidFileError, ValidationError):
        assert fast is None, f"accepted what the general path refuses: {text!r}"
        return None
    if fast is not None:
        assert_same(fast, full)
    return fast


@settings(max_examples=300, deadline=None)
@given(requirement_st)
def test_canonical_files_read_as_the_general_path_reads_them(req: Requirement) -> None:
    text = fileformat.dumps(req)
    fast = check(text)
    if not req.model_extra and plain(req.model_dump()):
        # The schema's plain fields, tables and notes: the reader must take them.
        assert fast is not None, text


@settings(max_examples=500, deadline=None)
@given(mutated())
def test_mutated_files_never_disagree_with_the_general_path(text: str) -> None:
    check(text)


BASE = (
    'id = "REQ-AAAAA"\n'
    'title = "导出发票"\n'
    'status = "proposed"\n'
    'priority = "high"\n'
    "created = 2026-11-20 09:30:00+08:00\n"
)


@given(st.sampled_from(["effort", "value"]), st.sampled_from(["2", "-2", "0.5", "-0.0", "1e999"]))
def test_numbers(name: str, raw: str) -> None:
    check(BASE + f"{name} = {raw}\n")


def test_hand_picked_texts() -> None:
    taken = {
        BASE,
        BASE + 'owner = "陈涛"\ntags = [\n    "crm",\n    "ux",\n]\ndue = 2026-12-01\n',
        BASE + 'description = """\n第一行\n\n  second line\t"""\n',
        BASE + "depends_on = [\n]\n",
        BASE + "effort = 2.5\nvalue = -3\n",
        BASE + "\n[rice]\nreach = 10\nconfidence = 0.5\n\n[ice]\n",
        BASE.replace("09:30:00+08:00", "09:30:00.123456Z"),
        BASE.replace("2026-11-20 09:30:00+08:00", "2026-11-20"),
        BASE + '\n[[notes]]\nat = 2026-11-21 10:00:00+00:00\nby = ""\ntext = """\nA\nB"""\n'
        '\n[[notes]]\nat = 2026-11-22T10:00:00-05:00\nby = "王芳"\ntext = "ok"\n',
    }
    for text in taken:
        assert check(text) is not None, text
    declined = [
        "\ufeff" + BASE,  # a byte-order mark: the general path strips it
        BASE.replace('"high"', '"P1"'),  # an alias the model rewrites
        BASE.replace('"导出发票"', '"  "'),  # blank: the model words the error
        BASE.replace("+08:00", ""),  # naive: the model makes it aware
        BASE.replace("2026-11-20 09", "2026-02-30 09"),
        BASE + 'owner = "a" # a comment\n',
        BASE + "effort = -1\n",
        BASE + "effort = 1e999\n",
        BASE + 'tags = [\n    " ",\n]\n',
        BASE + 'zz = "unknown key"\n',
        BASE + "\n[rice]\nreach = -1\n",
        BASE + "\n[rice]\nraech = 1\n",
        BASE + "\n[rice]\nreach = 1\nreach = 2\n",
        BASE + "\n[wsjf]\njob_size = 1\n\n[rice]\nreach = 1\n",
        BASE.replace("\n", "\r\n"),
        BASE + 'owner = "a"\nrequester = "out of order"\n',
        BASE + 'owner = "a\\tb"\n',
        BASE[:-1],  # no final line break
        BASE + "\n",
    ]
    for text in declined:
        assert fastreq.requirement(text) is None, text
        check(text)


def test_every_example_file_without_unknown_keys_takes_the_reader() -> None:
    files = sorted(EXAMPLES.rglob("requirements/*.toml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = check(text)
        assert fast is not None or general(text).model_extra, path


def test_equal_offsets_share_one_zone() -> None:
    a = fastreq.requirement(BASE)
    b = fastreq.requirement(BASE.replace("REQ-AAAAA", "REQ-BBBBB"))
    assert a is not None and b is not None
    assert a.created.tzinfo is b.created.tzinfo  # type: ignore[attr-defined]


def test_files_read_with_one_shared_dict_share_equal_strings() -> None:
    good = BASE + 'owner = "陈涛"\ntags = [\n    "crm",\n]\n'
    shared: dict[str, str] = {}
    a = fastreq.requirement(good, shared)
    assert fastreq.requirement(BASE + 'owner = " "\n', shared) is None
    c = fastreq.requirement(good.replace("REQ-AAAAA", "REQ-BBBBB"), shared)
    assert a is not None and c is not None
    assert a.owner is c.owner and a.tags[0] is c.tags[0] and a.status is c.status
    assert_same(c, general(good.replace("REQ-AAAAA", "REQ-BBBBB")))
