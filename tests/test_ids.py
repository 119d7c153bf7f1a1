"""IDs: sayable, normalised, never a path."""

from __future__ import annotations

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
