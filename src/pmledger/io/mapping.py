"""Which column is which field, and which cell value is which status or priority.

Columns are recognised by field name, by common English spellings and by the
Chinese headers business spreadsheets use (标题, 优先级, 提出人, 部门, 截止日期...);
``--map "Col=field"`` decides otherwise (``"Col="`` ignores a column). Values
are converted per field by :mod:`pmledger.io.values`; a value that cannot be
converted is a problem named by row and column, never a silent default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pmledger.errors import InvalidValueError
from pmledger.i18n import _, pgettext
from pmledger.ledger.model import (
    KNOWN_FIELDS,
    PRIORITY_ALIASES,
    SCORING_TABLES,
    Priority,
)
from pmledger.ledger.settings import Settings
from pmledger.text import closest

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


def norm(header: str) -> str:
    return re.sub(r"[\s_\-/()（）]+", "", header).casefold()


def _value_key(value: str) -> str:
    return " ".join(value.replace("_", " ").replace("-", " ").split()).casefold()


def parse_pairs(values: Iterable[str], option: str) -> dict[str, str]:
    """``"From=to"`` pairs of a repeatable option (split on the last ``=``)."""
    pairs: dict[str, str] = {}
    for raw in values:
        left, _eq, right = raw.rpartition("=")
        if "=" not in raw or not left.strip():
            raise InvalidValueError(
                _('{option} expects "FROM=TO", got {value!r}').format(option=option, value=raw)
            )
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
                    _(
                        "--map {column}={field}: unknown field {field!r}; choose from "
                        "{fields}, rice.KEY / wsjf.KEY / ice.KEY or a custom "
                        "field (or nothing, to ignore the column)"
                    ).format(
                        column=column,
                        field=target,
                        fields=pgettext("list separator", ", ").join(IMPORTABLE),
                    )
                )
        stats = parse_pairs(statuses, "--map-status")
        for value, status in stats.items():
            if status not in settings.ledger.statuses:
                raise InvalidValueError(
                    _(
                        "--map-status {value}={status}: {status!r} is not in the workflow "
                        "({statuses})"
                    ).format(
                        value=value,
                        status=status,
                        statuses=pgettext("list separator", ", ").join(settings.ledger.statuses),
                    )
                )
        prios = parse_pairs(priorities, "--map-priority")
        for value, prio in prios.items():
            if prio.lower() not in PRIORITY_ALIASES:
                raise InvalidValueError(
                    _(
                        "--map-priority {value}={priority}: {priority!r} is not a priority "
                        "(critical, high, medium, low)"
                    ).format(value=value, priority=prio)
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
        # The ledger's own Chinese labels (提议, 已推迟, or configured ones) are
        # what a Chinese sheet exported from pmledger's tables holds.
        from pmledger.i18n.labels import status_labels

        labels = status_labels(self.settings)
        by_label = [s for s, label in labels.items() if _value_key(label) == key]
        if not by_label:
            bare = key.removeprefix("已")
            by_label = [s for s, label in labels.items() if label.removeprefix("已") == bare]
        if len(by_label) == 1:
            return by_label[0]
        from pmledger.i18n.labels import workflow_text

        message = _(
            "unknown status {value!r}; the workflow is {statuses} "
            '(map it with --map-status "VALUE=STATUS")'
        ).format(value=value, statuses=workflow_text(self.settings))
        close = closest(value, self.settings.ledger.statuses)
        if close is not None:
            message += _("; did you mean {suggestion!r}?").format(suggestion=close)
        raise ValueError(message)

    def priority(self, value: str) -> str:
        """The priority a cell value names."""
        key = _value_key(value)
        if key in self.priorities:
            return self.priorities[key]
        found = PRIORITY_ALIASES.get(key) or PRIORITY_EXTRA.get(key)
        if found is None:
            message = _(
                "unknown priority {value!r}; expected critical, high, medium, low, "
                '高/中/低/紧急 (or map it with --map-priority "VALUE=PRIORITY")'
            ).format(value=value)
            close = closest(value, [p.value for p in Priority])
            if close is not None:
                message += _("; did you mean {suggestion!r}?").format(suggestion=close)
            raise ValueError(message)
        return found.value
