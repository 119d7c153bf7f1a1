"""Requirement IDs: short, sayable, merge-proof.

An ID is the ledger prefix, a dash and ``length`` random characters of
Crockford's base32 alphabet (digits and letters without I, L, O, U), e.g.
``REQ-4K7PM``. Random IDs need no counter, so two branches that both add
requirements never touch a shared file and never pick the same "next
number" (the failure of max+1 numbering). Collision odds and the reasoning
are in ``docs/ids.md``. Locally, a new ID is checked against every file and
claimed with an exclusive create, so concurrent processes cannot collide.
"""

from __future__ import annotations

import re
import secrets

from pmledger.errors import InvalidIdError
from pmledger.i18n import _
from pmledger.text import ascii_forms

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford's decoding of look-alikes, so that an ID heard as "oh" or "ell" still works.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_ID_SHAPE = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,9})-([0-9A-Za-z]{1,24})$")
_BODY_SHAPE = re.compile(r"^[0-9A-Za-z]{1,24}$")


def new_id(prefix: str, length: int) -> str:
    """A fresh random ID (the caller checks it is unused)."""
    body = "".join(secrets.choice(ALPHABET) for _position in range(length))
    return f"{prefix}-{body}"


def normalize_id(text: str, prefix: str) -> str:
    """The canonical spelling of an ID typed by a person.

    Case and width are ignored (``ｒｅｑ－４ｋ７ｐｍ``, typed with a Chinese
    input method, is ``REQ-4K7PM``), look-alike letters are read as digits, and
    the prefix may be left out (``4k7pm`` means ``REQ-4K7PM``). Anything else is
    refused, so that no string given as an ID can name a path outside the ledger.
    """
    raw = ascii_forms(text.strip())
    match = _ID_SHAPE.match(raw)
    if match:
        given_prefix, body = match.group(1).upper(), match.group(2)
        if given_prefix != prefix.upper():
            raise InvalidIdError(
                _("{text!r} is not an ID of this ledger (its IDs look like {example})").format(
                    text=text, example=f"{prefix}-4K7PM"
                )
            )
    elif _BODY_SHAPE.match(raw):
        body = raw
    else:
        raise InvalidIdError(
            _("{text!r} is not a requirement ID (IDs look like {example})").format(
                text=text, example=f"{prefix}-4K7PM"
            )
        )
    return f"{prefix}-{body.upper().translate(_LOOKALIKES)}"


def one_typo_apart(known: str, typed: str) -> bool:
    """Whether ``typed`` is ``known`` with one typo: a character changed, left
    out or added, or two neighbours swapped (``REQ-WMSCX``, ``REQ-WMCSW``)."""
    if known == typed or abs(len(known) - len(typed)) > 1:
        return False
    if len(known) == len(typed):
        diff = [i for i, (a, b) in enumerate(zip(known, typed, strict=True)) if a != b]
        if len(diff) == 1:
            return True
        first = diff[0]
        return (
            diff == [first, first + 1]
            and known[first] == typed[first + 1]
            and (known[first + 1] == typed[first])
        )
    longer, shorter = (known, typed) if len(known) > len(typed) else (typed, known)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
