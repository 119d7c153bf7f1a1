"""Statuses typed by their Chinese labels: ``status REQ-1 进行中`` means ``in-progress``.

The files keep the canonical (English) status names, so that a Chinese and an
English teammate share one ledger and every diff; labels exist only where a
person types or reads a status. A ledger can change the labels, and give
labels to its own statuses, in ``pmledger.toml``::

    [ledger.status_labels]
    review = "评审中"
    deferred = "搁置"
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from pmledger.errors import WorkflowError
from pmledger.i18n import N_, _, active_language

if TYPE_CHECKING:
    from pmledger.ledger.settings import Settings

DEFAULT_STATUS_LABELS: dict[str, str] = {
    "proposed": "提议",
    "accepted": "已接受",
    "planned": "已计划",
    "in-progress": "进行中",
    "done": "已完成",
    "rejected": "已拒绝",
    "deferred": "已推迟",
}

# A requirement's fields named for a reader (translated where shown): the
# Chinese `show` grid and the report's recent changes. English shows the
# file's keys, which a reader types in `set`.
FIELD_LABELS = {
    "title": N_("title"),
    "description": N_("description"),
    "acceptance": N_("acceptance"),
    "status": N_("status"),
    "priority": N_("priority"),
    "created": N_("created"),
    "due": N_("due date"),
    "requester": N_("requester"),
    "department": N_("department"),
    "owner": N_("owner"),
    "tags": N_("tags"),
    "effort": N_("effort"),
    "value": N_("value"),
    "goal": N_("goal"),
    "sprint": N_("sprint"),
    "links": N_("links"),
    "depends_on": N_("depends on"),
}

# 已 marks a completed change ("已完成" = "has been completed"); people also
# type the bare verb ("完成", "拒绝").
_PERFECTIVE = "已"


def status_labels(settings: Settings) -> dict[str, str]:
    """The Chinese label of each workflow status that has one, in workflow order."""
    configured = settings.ledger.status_labels
    labels = {}
    for status in settings.ledger.statuses:
        label = configured.get(status) or DEFAULT_STATUS_LABELS.get(status)
        if label:
            labels[status] = label
    return labels


def status_label(status: str, settings: Settings) -> str:
    """How to show ``status`` to a reader of the active language."""
    if active_language() == "zh":
        return status_labels(settings).get(status, status)
    return status


def resolve_status(text: str, settings: Settings) -> str:
    """The canonical workflow status that ``text`` names: itself, any case, or its label.

    Raises ``WorkflowError`` naming the workflow when ``text`` names no
    status, or more than one (two statuses given the same label).
    """
    value = unicodedata.normalize("NFKC", text).strip()
    statuses = settings.ledger.statuses
    if value in statuses:
        return value
    by_name = [s for s in statuses if s.lower() == value.lower()]
    labels = status_labels(settings)
    by_label = [s for s, label in labels.items() if label == value]
    if not by_label and value:
        bare = value.removeprefix(_PERFECTIVE)
        by_label = [s for s, label in labels.items() if label.removeprefix(_PERFECTIVE) == bare]
    found = by_name or by_label
    if len(found) == 1:
        return found[0]
    if found:
        raise WorkflowError(
            _("status {status!r} could mean {choices}; type the status name").format(
                status=text, choices=", ".join(found)
            )
        )
    from pmledger.text import closest

    suggestion = closest(text, [*settings.ledger.statuses, *labels.values()])
    if suggestion is not None:
        raise WorkflowError(
            _(
                "unknown status {status!r}; did you mean {suggestion!r}? The workflow is {statuses}"
            ).format(status=text, suggestion=suggestion, statuses=workflow_text(settings))
        )
    raise WorkflowError(
        _("unknown status {status!r}; the workflow is {statuses}").format(
            status=text, statuses=workflow_text(settings)
        )
    )


def workflow_text(settings: Settings) -> str:
    """The workflow as a reader of the active language types it: ``proposed, accepted...``."""
    if active_language() == "zh":
        labels = status_labels(settings)
        names = [f"{labels[s]} ({s})" if s in labels else s for s in settings.ledger.statuses]
        return "、".join(names)
    return ", ".join(settings.ledger.statuses)
