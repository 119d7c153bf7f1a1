"""IDs: sayable, normalised, never a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmledger.errors import InvalidIdError
from pmledger.ledger.ids import ALPHABET, new_id, normalize_id


def test_new_ids_use_the_sayable_alphabet() -> None:
    for _ in range(200):
        value = new_id("REQ", 5)
        prefix, body = value.split("-")
        assert prefix == "REQ" and len(body) == 5
        assert set(body) <= set(ALPHABET)
        assert not set(body) & set("ILOU")
        assert normalize_id(value, "REQ") == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("REQ-4K7PM", "REQ-4K7PM"),
        ("req-4k7pm", "REQ-4K7PM"),
        ("4k7pm", "REQ-4K7PM"),
        (" REQ-4K7PM ", "REQ-4K7PM"),
        ("REQ-0ILO1", "REQ-01101"),  # heard as letters, meant as digits
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize_id(text, "REQ") == expected


@pytest.mark.parametrize(
    "text",
    [
        "../etc/passwd",
        "REQ-../x",
        "a/b",
        "REQ-4K7PM/../../x",
        "",
        "REQ-",
        "CRM-4K7PM",
        "REQ-4K 7P",
        "..",
        "/abs",
    ],
)
def test_anything_path_like_is_refused(text: str) -> None:
    with pytest.raises(InvalidIdError):
        normalize_id(text, "REQ")


@pytest.mark.parametrize(
    ("typed", "apart"),
    [
        ("REQ-4K7PX", True),  # one character changed
        ("REQ-4KP7M", True),  # two neighbours swapped
        ("REQ-4K7P", True),  # one left out (not a prefix match: the last one)
        ("REQ-47PM", True),
        ("REQ-4K7PMM", True),  # one added
        ("REQ-4K7PM", False),  # the same ID
        ("REQ-4KXXM", False),  # two typos
        ("REQ-P7K4M", False),  # swapped, but not neighbours
        ("REQ-ZZZZZ", False),
    ],
)
def test_one_typo_apart(typed: str, apart: bool) -> None:
    from pmledger.ledger.ids import one_typo_apart

    assert one_typo_apart("REQ-4K7PM", typed) is apart


def test_an_unknown_id_one_typo_from_a_known_one_names_it(tmp_path: Path) -> None:
    from .cli_helpers import add, assert_clean_error, invoke, make_ledger

    make_ledger(tmp_path)
    rid = add("客户列表导出 Excel")
    typo = rid[:-1] + ("X" if rid[-1] != "X" else "Y")
    for command in (["show", typo.lower()], ["set", typo, "owner=x"], ["status", typo, "done"]):
        result = invoke(command)
        assert_clean_error(result, 1)
        assert f"did you mean {rid}?" in result.stderr
    assert "did you mean" not in invoke(["show", "REQ-ZZZZZ"]).stderr
    result = invoke(["--lang", "zh", "show", typo])
    assert f"你是不是想用 {rid}" in result.stderr
