"""Which column is which field, and which cell value is which status or priority.

Columns are recognised by field name, by common English spellings and by the
Chinese headers business spreadsheets use (标题, 优先级, 提出人, 部门, 截止日期...);
``--map "Col=field"`` decides otherwise (``"Col="`` ignores a column). Values
are converted per field; a value that cannot be converted is a problem named
by row and column, never a silent default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from pmledger.dates import parse_date
from pmledger.errors import InvalidValueError
from pmledger.ledger.model import (
    DATE_FIELDS,
    KNOWN_FIELDS,
    LIST_FIELDS,
    NUMBER_FIELDS,
    PRIORITY_ALIASES,
    SCORING_TABLES,
    Priority,
)
from pmledger.ledger.settings import Settings

IMPORTABLE = tuple(f for f in KNOWN_FIELDS if f not in SCORING_TABLES)

# Normalised header (see _norm) -> field.
HEADER_ALIASES: dict[str, str] = {
    "summary": "title",
    "name": "title",
    "subject": "title",
    "标题": "title",
    "需求": "title",
    "需求名称": "title",
    "需求标题": "title",
    "名称": "title",
    "desc": "description",
    "body": "description",
    "details": "description",
    "描述": "description",
    "需求描述": "description",
    "详细描述": "description",
    "痛点": "description",
    "背景": "description",
    "state": "status",
    "状态": "status",
    "优先级": "priority",
    "reporter": "requester",
    "requestedby": "requester",
    "提出人": "requester",
    "需求方": "requester",
    "提出者": "requester",
    "需求人": "requester",
    "申请人": "requester",
    "dept": "department",
    "部门": "department",
    "所属部门": "department",
    "需求部门": "department",
    "assignee": "owner",
    "负责人": "owner",
    "处理人": "owner",
    "经办人": "owner",
    "tag": "tags",
    "label": "tags",
    "labels": "tags",
    "标签": "tags",
    "duedate": "due",
    "deadline": "due",
    "截止日期": "due",
    "截止时间": "due",
    "到期日": "due",
    "期望完成时间": "due",
    "期望完成日期": "due",
    "storypoints": "effort",
    "estimate": "effort",
    "工作量": "effort",
    "估算": "effort",
    "故事点": "effort",
    "价值": "value",
    "业务价值": "value",
    "目标": "goal",
    "迭代": "sprint",
    "冲刺": "sprint",
    "dependson": "depends_on",
    "依赖": "depends_on",
    "链接": "links",
    "acceptancecriteria": "acceptance",
    "验收标准": "acceptance",
    "createdat": "created",
    "创建时间": "created",
    "创建日期": "created",
    "提出日期": "created",
    "提出时间": "created",
}

# Spellings of the default workflow's statuses in trackers and in Chinese;
# used only when the target is in the ledger's workflow.
STATUS_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        [
            "todo",
            "to do",
            "open",
            "new",
            "backlog",
            "pending",
            "recurring",
            "待处理",
            "新建",
            "待评估",
            "提出",
        ],
        "<default>",
    ),
    **dict.fromkeys(["approved", "已接受", "接受", "已批准"], "accepted"),
    **dict.fromkeys(["scheduled", "已计划", "计划中", "已排期"], "planned"),
    **dict.fromkeys(
        ["in progress", "inprogress", "doing", "started", "active", "进行中", "处理中", "开发中"],
        "<in_progress>",
    ),
    **dict.fromkeys(
        ["closed", "completed", "resolved", "fixed", "已完成", "完成", "已关闭", "关闭"], "done"
    ),
    **dict.fromkeys(["deleted", "wontfix", "won't do", "已拒绝", "拒绝", "不做"], "rejected"),
    **dict.fromkeys(["waiting", "on hold", "暂缓", "延期", "搁置"], "deferred"),
}

PRIORITY_EXTRA: dict[str, Priority] = {
    "urgent": Priority.critical,
    "highest": Priority.critical,
    "blocker": Priority.critical,
    "major": Priority.medium,
    "normal": Priority.medium,
    "minor": Priority.low,
    "trivial": Priority.low,
    "lowest": Priority.low,
    "h": Priority.high,
    "m": Priority.medium,
    "l": Priority.low,
    "紧急": Priority.critical,
    "最高": Priority.critical,
    "高": Priority.high,
    "重要": Priority.high,
    "中": Priority.medium,
    "一般": Priority.medium,
    "普通": Priority.medium,
    "低": Priority.low,
    "最低": Priority.low,
}

_LIST_SPLIT = re.compile(r"[;；,，、\n]")
_LINKS_SPLIT = re.compile(r"[;；\s]+")


def norm(header: str) -> str:
    return re.sub(r"[\s_\-/()（）]+", "", header).casefold()


def _value_key(value: str) -> str:
    return " ".join(value.replace("_", " ").replace("-", " ").split()).casefold()


def parse_pairs(values: Iterable[str], option: str) -> dict[str, str]:
    """``"From=to"`` pairs of a repeatable option (split on the last ``=``)."""
    pairs: dict[str, str] = {}
    for raw in values:
        if "=" not in raw:
            raise InvalidValueError(f'{option} expects "FROM=TO", got {raw!r}')
        left, _, right = raw.rpartition("=")
        if not left.strip():
            raise InvalidValueError(f'{option} expects "FROM=TO", got {raw!r}')
        pairs[left.strip()] = right.strip()
    return pairs


@dataclass(frozen=True)
class Mapping:
    """The column and value mapping of one import."""

    settings: Settings
    columns: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    priorities: dict[str, str] = field(default_factory=dict)
    value_cache: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        columns: Iterable[str] = (),
        statuses: Iterable[str] = (),
        priorities: Iterable[str] = (),
    ) -> Mapping:
        """The mapping from the ``--map``, ``--map-status`` and ``--map-priority`` options."""
        cols = parse_pairs(columns, "--map")
        custom = settings.ledger.custom_fields
        for column, target in cols.items():
            table, dot, key = target.partition(".")
            scoring_input = bool(dot and table in SCORING_TABLES and key)
            if target and target not in IMPORTABLE and target not in custom and not scoring_input:
                raise InvalidValueError(
                    f"--map {column}={target}: unknown field {target!r}; choose from "
                    f"{', '.join(IMPORTABLE)}, rice.KEY / wsjf.KEY / ice.KEY or a custom "
                    "field (or nothing, to ignore the column)"
                )
        stats = parse_pairs(statuses, "--map-status")
        for value, status in stats.items():
            if status not in settings.ledger.statuses:
                raise InvalidValueError(
                    f"--map-status {value}={status}: {status!r} is not in the workflow "
                    f"({', '.join(settings.ledger.statuses)})"
                )
        prios = parse_pairs(priorities, "--map-priority")
        for value, prio in prios.items():
            if prio.lower() not in PRIORITY_ALIASES:
                raise InvalidValueError(
                    f"--map-priority {value}={prio}: {prio!r} is not a priority "
                    "(critical, high, medium, low)"
                )
        return cls(
            settings=settings,
            columns={norm(k): v for k, v in cols.items()},
            statuses={_value_key(k): v for k, v in stats.items()},
            priorities={_value_key(k): PRIORITY_ALIASES[v.lower()].value for k, v in prios.items()},
        )

    def field_for(self, header: str, tracker: dict[str, str] | None = None) -> str | None:
        """The field a column fills, or None when it is ignored.

        A tracker's own mapping replaces the recognition by name: its columns
        (Taskwarrior's ``id``, Jira's ``Description``) mean what the tracker means.
        """
        key = norm(header)
        if key in self.columns:
            return self.columns[key] or None
        if tracker is not None:
            return tracker.get(key)
        name = header.strip()
        table, dot, sub = name.partition(".")
        if name in IMPORTABLE or name in self.settings.ledger.custom_fields:
            return name
        if dot and table in SCORING_TABLES and sub:
            return name
        found = HEADER_ALIASES.get(key)
        if found is None:
            # "Due date", "due_date", "Depends on": the field name spelled loosely.
            found = next((f for f in IMPORTABLE if norm(f) == key), None)
        return found

    def status(self, value: str) -> str:
        """The workflow status a cell value names."""
        statuses = self.settings.ledger.statuses
        key = _value_key(value)
        if key in self.statuses:
            return self.statuses[key]
        for status in statuses:
            if _value_key(status) == key:
                return status
        alias = STATUS_ALIASES.get(key)
        if alias == "<default>":
            return self.settings.ledger.default_status
        if alias == "<in_progress>":
            return self.settings.ledger.in_progress_status
        if alias in statuses:
            return alias
        raise ValueError(
            f"unknown status {value!r}; the workflow is {', '.join(statuses)} "
            '(map it with --map-status "VALUE=STATUS")'
        )

    def priority(self, value: str) -> str:
        """The priority a cell value names."""
        key = _value_key(value)
        if key in self.priorities:
            return self.priorities[key]
        found = PRIORITY_ALIASES.get(key) or PRIORITY_EXTRA.get(key)
        if found is None:
            raise ValueError(
                f"unknown priority {value!r}; expected critical, high, medium, low, "
                '高/中/低/紧急 (or map it with --map-priority "VALUE=PRIORITY")'
            )
        return found.value


_CN_DATE = re.compile(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?$")
_JIRA_DATE = re.compile(
    r"^(\d{1,2})/([A-Za-z]{3})/(\d{2,4})(?:\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?)?$"
)
_TW_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


def parse_moment(value: Any, *, today: date) -> date | datetime:
    """A date or datetime from a cell: ISO 8601, 2026/11/20, 2026年11月20日, Jira and
    Taskwarrior spellings, a spreadsheet date, or an expression such as +2w."""
    if isinstance(value, datetime | date):
        return value
    text = str(value).strip()
    try:
        if "T" in text or " " in text.strip():
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment
        return date.fromisoformat(text)
    except ValueError:
        pass
    if match := _CN_DATE.match(text):
        y, m, d = (int(g) for g in match.groups())
        return _date(y, m, d, text)
    if match := _TW_DATE.match(text):
        y, mo, d, h, mi, sec = (int(g) for g in match.groups())
        return datetime(y, mo, d, h, mi, sec, tzinfo=UTC)
    if match := _JIRA_DATE.match(text):
        day, month, year, hour, minute, half = match.groups()
        number = _MONTHS.get(month.lower())
        if number is None:
            raise ValueError(f"{text!r} is not a date")
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        moment_date = _date(full_year, number, int(day), text)
        if hour is None:
            return moment_date
        h = int(hour) % 12 + (12 if half and half.lower() == "pm" else 0) if half else int(hour)
        return datetime.combine(moment_date, time(h, int(minute)))
    try:
        return parse_date(text, today=today)
    except InvalidValueError:
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def _date(y: int, m: int, d: int, text: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"{text!r} is not a date") from None


def as_day(value: date | datetime) -> date:
    """The calendar day of a moment; an aware datetime is read in local time."""
    if isinstance(value, datetime):
        return (value.astimezone() if value.tzinfo else value).date()
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    if isinstance(value, int | float):
        number: int | float = value
    else:
        text = str(value).strip().replace("，", ",")
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise ValueError(f"{text!r} is not a number") from None
    # "1.0" stays a float and "1" an int, so a CSV round trip keeps the file as it was.
    return number


def _list(name: str, value: Any) -> list[str]:
    if isinstance(value, list):
        items = [str(v).strip() for v in value]
    else:
        text = str(value)
        if name == "acceptance":
            items = [line.strip() for line in text.splitlines()]
        elif name == "links":
            items = _LINKS_SPLIT.split(text)
        else:
            items = [i.strip() for i in _LIST_SPLIT.split(text)]
    return list(dict.fromkeys(i for i in items if i))


def _custom(value: Any) -> Any:
    # A CSV cell is text: give back the number it spells when it spells one
    # exactly, so that an exported contract_value = 120000 returns as a number.
    if isinstance(value, str):
        stripped = value.strip()
        for kind in (int, float):
            try:
                number = kind(stripped)
            except ValueError:
                continue
            if str(number) == stripped:
                return number
        return stripped
    return value


def is_empty(value: Any) -> bool:
    """A blank cell (None, empty or whitespace, an empty list)."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def convert(mapping: Mapping, name: str, value: Any, *, today: date) -> Any:
    """A cell value as the field ``name`` stores it (raises ValueError with a reason)."""
    if is_empty(value):
        return [] if name in LIST_FIELDS else None
    table, dot, _ = name.partition(".")
    if dot and table in SCORING_TABLES:
        return _number(value)
    if name in LIST_FIELDS:
        return _list(name, value)
    if name in ("status", "priority"):
        # A column holds a handful of distinct values: look each up once.
        cache = mapping.value_cache
        text = str(value)
        hit = cache.get((name, text))
        if hit is None:
            hit = mapping.status(text) if name == "status" else mapping.priority(text)
            cache[(name, text)] = hit
        return hit
    if name in DATE_FIELDS:
        return as_day(parse_moment(value, today=today))
    if name == "created":
        moment = parse_moment(value, today=today)
        if isinstance(moment, datetime) and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment
    if name in NUMBER_FIELDS:
        return _number(value)
    if name == "notes":
        if isinstance(value, str):
            if value.strip().isdigit():
                return None  # the number of notes of a CSV export: nothing to import
            from pmledger.io.columns import notes_from_text

            return notes_from_text(value.strip("\n"))
        if isinstance(value, int | float):
            return None
        return value
    if name in SCORING_TABLES:
        return value
    if name in KNOWN_FIELDS:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
        # Multi-line text is kept as written; one-line fields lose stray spaces.
        return text if name == "description" else text.strip()
    return _custom(value)
