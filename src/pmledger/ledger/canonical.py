"""The canonical writer's rules over plain mappings, without the model.

:func:`pmledger.ledger.fileformat.dumps` turns a validated requirement into
an ordered mapping and writes it here; the merge driver's fast path
(:func:`pmledger.ledger.records.fast_requirement_text`) writes a merged TOML
mapping here too, without importing pydantic, so both produce the same bytes
by construction. Only the standard library and ``tomli_w``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import tomli_w


def is_table(value: Any) -> bool:
    """Whether TOML writes ``value`` as a table (or an array of tables)."""
    return isinstance(value, Mapping) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)
    )


def arrange(
    known: Mapping[str, Any],
    extra: Mapping[str, Any],
    tables: Mapping[str, Any],
    notes: list[dict[str, Any]],
) -> dict[str, Any]:
    """The key order of a file: ``known`` keys (already in schema order), unknown
    plain keys (sorted), the scoring ``tables``, unknown tables (sorted), notes."""
    doc = dict(known)
    for key in sorted(k for k, v in extra.items() if not is_table(v)):
        doc[key] = extra[key]
    doc.update(tables)
    for key in sorted(k for k, v in extra.items() if is_table(v)):
        doc[key] = extra[key]
    if notes:
        doc["notes"] = notes
    return doc


def note_document(
    at: Any, by: str, text: str, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One note's mapping: ``at``, ``by``, ``text``, then its unknown keys sorted."""
    doc: dict[str, Any] = {"at": at, "by": by, "text": text}
    for key in sorted(extra or {}):
        doc[key] = (extra or {})[key]
    return doc


def _notes_block(notes: list[dict[str, Any]]) -> str | None:
    # tomli-w writes short arrays of tables inline; notes are always [[notes]]
    # blocks so that adding one is a diff of new lines only.
    if any(is_table(v) for note in notes for v in note.values()):
        return None
    return "".join("\n[[notes]]\n" + tomli_w.dumps(note, multiline_strings=True) for note in notes)


def write(document: Mapping[str, Any], unknown: Iterable[str] = ()) -> str:
    """The canonical text of an arranged requirement mapping; ``unknown`` names its
    unknown keys (their carriage returns are kept exactly)."""
    doc = dict(document)
    keep_cr: dict[str, str] = {}
    for key in unknown:
        if key in doc:
            doc[key] = _protect_cr(doc[key], keep_cr)
    notes = doc.pop("notes", None)
    text: str = tomli_w.dumps(doc, multiline_strings=True)
    if notes:
        block = _notes_block(notes)
        if block is None:
            text = tomli_w.dumps({**doc, "notes": notes}, multiline_strings=True)
        else:
            text += block
    for token, literal in keep_cr.items():
        text = text.replace(f'"{token}"', literal)
    return text


def _protect_cr(value: Any, keep: dict[str, str]) -> Any:
    # tomli-w's multi-line strings turn "\r\n" into "\n". A string of an
    # unknown key with a carriage return is written as a one-line string with
    # the escape instead, so it survives exactly; known text keeps the
    # multi-line form.
    if isinstance(value, str) and "\r" in value:
        import uuid

        token = f"pmledger-cr-{len(keep)}-{uuid.uuid4().hex}"
        keep[token] = tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")
        return token
    if isinstance(value, Mapping):
        return {k: _protect_cr(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [_protect_cr(v, keep) for v in value]
    return value
