"""Which reader a file needs, guessed from its name and content when not given."""

from __future__ import annotations

import json
from pathlib import Path

from pmledger.errors import ImportFileError, InvalidValueError
from pmledger.i18n import _, pgettext
from pmledger.io.records import Table
from pmledger.io.trackers import TRACKER_FORMATS

IMPORT_FORMATS = ("csv", "xlsx", "json", "jsonl", *TRACKER_FORMATS)


def guess_format(path: Path, data: bytes) -> str:
    """The format of a file: XLSX by its zip signature, trackers by their telltale keys."""
    suffix = path.suffix.lower()
    if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if suffix == ".json" or head in (b"[", b"{"):
        try:
            parsed = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            # RecursionError: [[[[…]]]]; the JSON reader says so in words.
            return "jsonl" if head == b"{" else "json"
        first = parsed[0] if isinstance(parsed, list) and parsed else parsed
        if isinstance(first, dict):
            if {"uuid", "description", "entry"} <= first.keys():
                return "taskwarrior-json"
            if {"number", "title"} <= first.keys() and (
                {"state", "createdAt", "author", "labels"} & first.keys()
            ):
                return "github-json"
        return "json"
    first_line = data.split(b"\n", 1)[0]
    if b"Issue key" in first_line and b"Summary" in first_line:
        return "jira-csv"
    return "csv"


def read_table(
    data: bytes,
    *,
    name: str,
    fmt: str,
    sheet: str | None = None,
    encoding: str | None = None,
    by: str = "taskwarrior",
) -> Table:
    """The rows of a file in a known format."""
    if fmt not in IMPORT_FORMATS:
        raise InvalidValueError(
            _("unknown format {format!r}; choose one of {formats}").format(
                format=fmt, formats=pgettext("list separator", ", ").join(IMPORT_FORMATS)
            )
        )
    if fmt == "csv":
        from pmledger.io import csvfile

        return csvfile.loads(data, name=name, encoding=encoding)
    if fmt == "xlsx":
        from pmledger.io import xlsxfile

        return xlsxfile.loads(data, name=name, sheet=sheet)
    if fmt in ("json", "jsonl"):
        from pmledger.io import jsonfile

        return jsonfile.loads(data, name=name, lines=fmt == "jsonl")
    from pmledger.io import trackers

    if fmt == "jira-csv":
        return trackers.read_jira(data, name=name, encoding=encoding)
    if fmt == "github-json":
        return trackers.read_github(data, name=name)
    if fmt == "taskwarrior-json":
        return trackers.read_taskwarrior(data, name=name, by=by)
    raise ImportFileError(
        _("no reader for {format}").format(format=fmt)
    )  # pragma: no cover - IMPORT_FORMATS is exhaustive
