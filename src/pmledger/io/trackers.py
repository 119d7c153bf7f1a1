"""The exports of other trackers, read with their own column meanings.

- Jira: the CSV of "Export > CSV (all fields)": one row per issue, a column
  repeated once per value (``Labels``, ``Sprint``), dates like ``17/Nov/25 3:45 PM``.
- GitHub: ``gh issue list --json number,title,body,labels,state,author,createdAt``
  (``url``, ``assignees``, ``milestone``, ``comments`` and ``stateReason`` are
  used when present).
- Taskwarrior: ``task export`` (a JSON array; dates like ``20261120T101500Z``).

Each row keeps the tracker's own key (issue key, issue number, UUID), which
``import`` records as ``import_source`` so that a re-import updates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse

from pmledger.i18n import _, ngettext
from pmledger.io import csvfile, jsonfile
from pmledger.io.mapping import norm
from pmledger.io.records import Problem, Record, Table
from pmledger.io.values import parse_moment

TRACKER_FORMATS = ("jira-csv", "github-json", "taskwarrior-json")

JIRA_COLUMNS = {
    "Summary": "title",
    "Description": "description",
    "Status": "status",
    "Priority": "priority",
    "Assignee": "owner",
    "Reporter": "requester",
    "Due Date": "due",
    "Due date": "due",
    "Labels": "tags",
    "Created": "created",
    "Sprint": "sprint",
    "Custom field (Story Points)": "effort",
    "Custom field (Story point estimate)": "effort",
    "Comment": "notes",
}
JIRA_KEY = "Issue key"
# Jira writes each link on both issues: "Inward issue link (Blocks)" on the
# blocked issue names its blockers (what it depends on); the outward column
# on the blocker says the same thing the other way round.
JIRA_BLOCKED_BY = "Inward issue link (Blocks)"
JIRA_BLOCKS = "Outward issue link (Blocks)"

GITHUB_KEYS = {
    "title": "title",
    "body": "description",
    "labels": "tags",
    "state": "status",
    "author": "requester",
    "createdAt": "created",
    "assignees": "owner",
    "milestone": "sprint",
    "url": "links",
    "comments": "notes",
}
# Closed as "not planned" (or as a duplicate) is a refusal, not work done.
GITHUB_REFUSED = frozenset({"NOT_PLANNED", "DUPLICATE"})

TASKWARRIOR_KEYS = {
    "description": "title",
    "status": "status",
    "priority": "priority",
    "tags": "tags",
    "due": "due",
    "entry": "created",
    # A project groups tasks; a goal is a KPI with a target. A project becomes a
    # tag (added to the task's tags) that `list --tag` finds; --map
    # "project=goal" makes it the goal, checked like any goal cell.
    "project": "tags",
    "annotations": "notes",
}
TASKWARRIOR_DEPENDS = "depends"
# Keys a task carries only while they have a value (priority is left alone:
# an empty priority cell changes nothing, as in every file).
TASKWARRIOR_CLEARED = ("tags", "project", "due")


def _aliases(columns: dict[str, str]) -> dict[str, str]:
    return {norm(k): v for k, v in columns.items()}


def read_jira(data: bytes, *, name: str, encoding: str | None = None) -> Table:
    """A Jira CSV export."""
    table = csvfile.loads(data, name=name, encoding=encoding)
    table.tracker = "jira"
    table.aliases = _aliases(JIRA_COLUMNS)
    # The key column is read here, not mapped: it is no ignored column. Every
    # other unused one is named (capped at a dozen by `import`), as for CSV.
    table.bookkeeping = frozenset({JIRA_KEY, JIRA_BLOCKS})
    for record in table.records:
        _jira_comments(record)
        blockers = [str(v).strip() for c, v in record.cells if c == JIRA_BLOCKED_BY]
        record.cells = [(c, v) for c, v in record.cells if c != JIRA_BLOCKED_BY]
        if blockers:
            # Empty cells too: a link removed in Jira clears the dependency, as
            # an empty Labels cell clears the tags.
            record.depends = (JIRA_BLOCKED_BY, list(dict.fromkeys(k for k in blockers if k)))
        keys = [v for c, v in record.cells if c == JIRA_KEY and str(v).strip()]
        if not keys:
            record.problems.append(Problem(record.row, _("no issue key"), JIRA_KEY))
        else:
            record.key = str(keys[0]).strip()
    return table


JIRA_COMMENT = "Comment"


def _jira_comments(record: Record) -> None:
    """Jira's ``Comment`` columns (``17/Nov/25 3:45 PM;author;text``) as one list of notes."""
    notes: list[dict[str, Any]] = []
    cells: list[tuple[str, Any]] = []
    for column, value in record.cells:
        if column != JIRA_COMMENT:
            cells.append((column, value))
            continue
        if not str(value).strip():
            continue
        parts = str(value).split(";", 2)
        try:
            if len(parts) != 3:
                raise ValueError(value)
            at = parse_moment(parts[0], as_of=date.today())
        except ValueError:
            record.problems.append(
                Problem(record.row, _("expected DATE;AUTHOR;TEXT in a Jira comment"), column)
            )
            continue
        if isinstance(at, datetime) and at.tzinfo is None:
            # Jira writes the exporting user's local time, without a zone: read
            # as this machine's local time, as `created` is (never as UTC).
            at = at.astimezone()
        notes.append({"at": at, "by": parts[1].strip() or "jira", "text": parts[2]})
    if notes:
        cells.append((JIRA_COMMENT, notes))
    record.cells = cells


def _login(person: Any) -> Any:
    if isinstance(person, dict):
        return person.get("login") or person.get("name")
    return person


def read_github(data: bytes, *, name: str) -> Table:
    """The JSON of ``gh issue list --json ...``."""
    table = Table(
        tracker="github",
        aliases=_aliases(GITHUB_KEYS),
        bookkeeping=frozenset({"number", "id", "updatedAt", "closedAt", "closed", "stateReason"}),
    )
    for number, item in jsonfile.load_data(data, name=name, lines=False):
        record = Record(row=number)
        table.records.append(record)
        if not isinstance(item, dict) or "number" not in item:
            record.problems.append(Problem(number, _("not a GitHub issue (no number)")))
            continue
        key = f"#{item['number']}"
        url = item.get("url")
        if isinstance(url, str) and url:
            # https://github.com/OWNER/REPO/issues/12 -> OWNER/REPO#12: unique across repositories.
            parts = urlparse(url).path.strip("/").split("/")
            if len(parts) >= 2:
                key = f"{parts[0]}/{parts[1]}{key}"
        record.key = key
        for k, v in item.items():
            if k == "labels" and isinstance(v, list):
                v = [x.get("name") if isinstance(x, dict) else x for x in v]
            elif k == "author":
                v = _login(v)
            elif k == "assignees" and isinstance(v, list):
                v = _login(v[0]) if v else None
            elif k == "milestone" and isinstance(v, dict):
                v = v.get("title")
            elif k == "state" and str(v).upper() == "CLOSED":
                if str(item.get("stateReason") or "").upper() in GITHUB_REFUSED:
                    v = "won't do"
            elif k == "comments" and isinstance(v, list):
                v = [
                    {
                        "at": _tw_moment(c.get("createdAt")),
                        "by": _login(c.get("author")) or "github",
                        "text": str(c.get("body") or "").replace("\r\n", "\n"),
                    }
                    for c in v
                    if isinstance(c, dict)
                ]
            record.cells.append((k, v))
    return table


def read_taskwarrior(data: bytes, *, name: str, by: str = "taskwarrior") -> Table:
    """The JSON of ``task export``."""
    table = Table(
        tracker="taskwarrior",
        aliases=_aliases(TASKWARRIOR_KEYS),
        bookkeeping=frozenset(
            {"id", "uuid", "modified", "urgency", "end", "start", "mask", "imask", "parent"}
        ),
    )
    templates = 0
    for number, item in jsonfile.load_data(data, name=name, lines=False):
        if isinstance(item, dict) and item.get("status") == "recurring":
            # A recurrence's template: each instance is a task of its own
            # (pending, with the template as its parent); both would be one
            # requirement twice.
            templates += 1
            continue
        record = Record(row=number)
        table.records.append(record)
        if not isinstance(item, dict) or not item.get("uuid"):
            record.problems.append(Problem(number, _("not a Taskwarrior task (no uuid)")))
            continue
        record.key = str(item["uuid"])
        for k, v in item.items():
            if k == "annotations" and isinstance(v, list):
                v = [
                    {"at": _tw_moment(a.get("entry")), "by": by, "text": a.get("description", "")}
                    for a in v
                    if isinstance(a, dict)
                ]
            elif k == TASKWARRIOR_DEPENDS:
                # "uuid,uuid" before Taskwarrior 2.6, a JSON array since.
                items = v.split(",") if isinstance(v, str) else v if isinstance(v, list) else []
                uuids = [str(u).strip() for u in items if str(u).strip()]
                record.depends = (k, list(dict.fromkeys(uuids)))
                continue
            record.cells.append((k, v))
        # Taskwarrior drops a key when its value is removed (the last tag, the
        # due date): absent is empty, so a re-import clears what was removed.
        record.cells += [(k, None) for k in TASKWARRIOR_CLEARED if k not in item]
        if record.depends is None:
            record.depends = (TASKWARRIOR_DEPENDS, [])
    if templates:
        table.notices.append(
            ngettext(
                "{name}: left out {count} recurring task template (its instances are imported)",
                "{name}: left out {count} recurring task templates (their instances are imported)",
                templates,
            ).format(name=name, count=templates)
        )
    return table


def _tw_moment(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_moment(value, as_of=date.today())
    except ValueError:
        return value
