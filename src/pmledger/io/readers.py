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
        except (UnicodeDecodeError, json.JSONDecodeError):
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


# An OLE2 compound file: Excel 97-2003's .xls, and also an .xlsx saved with a
# password (Excel encrypts the workbook inside such a file).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An OpenDocument file starts with a stored "mimetype" entry naming its kind.
_ODS = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"


def _refuse_other_workbooks(data: bytes, name: str) -> None:
    """A workbook pmledger cannot read, refused with what to save it as.

    Read as CSV or XLSX it would be refused as text that is not UTF-8 (with
    advice about encodings) or as a broken XLSX.
    """
    if data.startswith(_OLE2):
        raise ImportFileError(
            _(
                "{name} is an Excel 97-2003 workbook (.xls) or a password-protected one, "
                "which pmledger cannot read; save it as an Excel Workbook (.xlsx) "
                'without a password, or as "CSV UTF-8"'
            ).format(name=name)
        )
    if data.startswith(b"PK\x03\x04") and data[30 : 30 + len(_ODS)] == _ODS:
        raise ImportFileError(
            _(
                "{name} is an OpenDocument spreadsheet (.ods), which pmledger cannot read; "
                'save it as an Excel Workbook (.xlsx) or as "CSV UTF-8"'
            ).format(name=name)
        )


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
    _refuse_other_workbooks(data, name)
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
