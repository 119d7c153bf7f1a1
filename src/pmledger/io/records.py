"""What every reader produces: rows of (column, value) cells, and problems.

Columns stay a list rather than a mapping because tracker exports repeat
them (Jira writes one ``Labels`` column per label).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pmledger.i18n import _


def untitled(index: int) -> str:
    """The name of a column without a header: its letter as a spreadsheet shows it, ``(C)``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"({letters})"


def is_untitled(name: str) -> bool:
    """Whether ``name`` is one :func:`untitled` gives."""
    return name[:1] == "(" and name[-1:] == ")" and name[1:-1].isascii() and name[1:-1].isupper()


class SheetError(str):
    """A cell that shows a spreadsheet's error (``#N/A``): a problem wherever it is imported."""


@dataclass(frozen=True)
class Problem:
    """Why one row (or one of its cells) cannot be imported."""

    row: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        if self.row and self.column:
            text = _("row {row}, column '{column}': {message}")
        elif self.row:
            text = _("row {row}: {message}")
        elif self.column:
            text = _("file, column '{column}': {message}")
        else:
            text = _("file: {message}")
        return text.format(row=self.row, column=self.column, message=self.message)


@dataclass
class Record:
    """One input row: its number as the user sees it, and its cells in file order.

    ``key`` is the row's own identity in its source (a Jira issue key, a
    GitHub issue number, a Taskwarrior UUID) when the reader knows it.
    """

    row: int
    cells: list[tuple[str, Any]] = field(default_factory=list)
    key: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # The rows this one depends on, by their keys in the same source (a Jira
    # issue's "is blocked by" keys, a Taskwarrior task's ``depends`` UUIDs),
    # with the column they came from; the planner turns them into IDs.
    depends: tuple[str, list[str]] | None = None


@dataclass
class Table:
    """A file as read: its rows, and notices about the file as a whole."""

    records: list[Record] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # A tracker names its source ("jira") and maps its own columns (normalised
    # header -> field); a plain file's columns are recognised by name instead.
    tracker: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    # Columns a tracker always writes and pmledger has no use for: not worth a notice.
    bookkeeping: frozenset[str] | None = None
    # Cells of a spreadsheet (CSV, XLSX) spell a custom field's true/false and
    # dates as text, where a JSON file types them.
    spreadsheet: bool = False
    # A ;-separated CSV, as Excel saves where "," is the decimal mark.
    decimal_comma: bool = False
    # The sheets of a workbook read without --sheet, when it has several: the
    # first one was read, which may be a cover or an instructions sheet.
    sheets: tuple[str, ...] = ()
    # The row of the header: the first one with a cell that is not empty.
    header_row: int = 1
