"""Export: requirements to the bytes of a CSV, XLSX, JSON or JSON Lines file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from pmledger.io import columns as cols
from pmledger.ledger.model import Requirement

EXPORT_FORMATS = ("csv", "xlsx", "json", "jsonl")


def export_bytes(
    reqs: Sequence[Requirement],
    *,
    fmt: str,
    fields: Sequence[str] | None = None,
    notes_text: bool = False,
    excel: bool = False,
    custom_fields: Iterable[str] = (),
) -> bytes:
    """The file content of ``reqs`` in ``fmt`` (``fields`` chooses and orders the columns)."""
    custom = list(custom_fields)
    chosen = cols.check_columns(fields, reqs, custom) if fields else None
    if fmt in ("json", "jsonl"):
        from pmledger.io import jsonfile

        if chosen is None:
            return jsonfile.dumps(reqs, lines=fmt == "jsonl")
        items = []
        for req in reqs:
            doc = jsonfile.document(req)
            items.append({c: doc.get(c) if "." not in c else cols.cell(req, c) for c in chosen})
        lines = [json.dumps(i, ensure_ascii=False) for i in items]
        if fmt == "jsonl":
            return "".join(line + "\n" for line in lines).encode("utf-8")
        return ("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n").encode("utf-8")
    headers = chosen or cols.default_columns(reqs, custom)
    rows = cols.rows(reqs, headers, notes_text=notes_text)
    if fmt == "xlsx":
        from pmledger.io import xlsxfile

        return xlsxfile.dumps(headers, rows)
    from pmledger.io import csvfile

    return csvfile.dumps(headers, rows, excel=excel)


def write_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: a reader never sees half a file.

    Through pmledger's one atomic writer, whose errors name ``path``, never
    the temporary file beside it (`export -o requirements`: "Is a directory").
    """
    from pmledger.ledger.atomic import replace_bytes

    replace_bytes(path, data, mode=0o644)
