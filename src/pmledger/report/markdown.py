"""The report as markdown that renders cleanly on GitHub and GitLab.

User text is escaped so that it is shown, never interpreted: markdown
punctuation, ``|`` in tables and HTML tags all come out as typed.
"""

from __future__ import annotations

from pmledger.goals.progress import GoalProgress
from pmledger.ledger.model import Requirement
from pmledger.ranking.matrix import QUADRANTS
from pmledger.report.data import Change, ReportData, expected
from pmledger.report.labels import (
    COLUMN_LABELS,
    GOAL_HEADINGS,
    group_text,
    in_language,
    priority_text,
    status_text,
)
from pmledger.report.text import esc, number, percent


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A GFM table; cells are expected escaped already."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def bar(share: float, width: int = 10) -> str:
    """A text progress bar (GitHub and GitLab show the block characters)."""
    filled = max(0, min(width, round(share * width)))
    return "█" * filled + "░" * (width - filled)


def _req_table(reqs: list[Requirement], cols: list[str], t: dict[str, str]) -> str:
    rows = []
    for r in reqs:
        row = []
        for c in cols:
            if c == "id":
                row.append(f"`{r.id}`")
            elif c == "title":
                row.append(esc(r.title, 90))
            elif c == "expected":
                row.append(esc(expected(r)))
            elif c == "priority":
                row.append(priority_text(t, r.priority.value))
            elif c == "status":
                row.append(esc(status_text(t, r.status)))
            elif c in ("due",):
                row.append(str(r.due or ""))
            else:
                row.append(esc(getattr(r, c) or ""))
        rows.append(row)
    return table([t[COLUMN_LABELS[c]] for c in cols], rows)


def _goal_section(goals: list[GoalProgress], t: dict[str, str]) -> list[str]:
    out = [f"## {t['goals']}", "", t["goals_note"], ""]
    if not goals:
        return [*out, t["nothing"], ""]
    rows = []
    for p in goals:
        g = p.goal
        prog = g.progress
        shown = f"{bar(max(0.0, min(1.0, prog)))} {percent(prog)}" if prog is not None else "—"
        rows.append(
            [
                f"**{esc(g.title)}** (`{esc(g.id)}`)",
                esc(g.kpi),
                esc(number(g.baseline, g.unit)),
                esc(number(g.latest, g.unit)),
                esc(number(g.target, g.unit)),
                shown,
                f"{p.done}/{p.count} · {number(p.done_effort)}/{number(p.total_effort)} "
                f"{t['points']}",
            ]
        )
    out.append(table([t[key] for key in GOAL_HEADINGS], rows))
    out.append("")
    trend = [
        f"- `{esc(p.goal.id)}`: "
        + " → ".join(f"{esc(number(r.value, p.goal.unit))} ({r.at})" for r in p.goal.history())
        for p in goals
        if p.goal.readings
    ]
    if trend:
        out += [f"**{t['readings']}**", "", *trend, ""]
    return out


def _changes(
    changes: list[Change] | None, since: str | None, t: dict[str, str], total: int = 0
) -> list[str]:
    head = t["changes_since"].format(since=since) if since else t["changes"]
    out = [f"## {esc(head)}", ""]
    if changes is None:
        return [*out, t["no_git"], ""]
    if not changes:
        return [*out, t["nothing"], ""]
    rows = [
        [
            c.at.date().isoformat(),
            esc(c.who),
            f"`{c.req_id}`",
            esc(c.title, 60),
            esc(c.detail, 80),
        ]
        for c in changes
    ]
    out.append(
        table([t["change_when"], t["change_who"], t["id"], t["item"], t["change_what"]], rows)
    )
    if total > len(changes):
        out += ["", esc(t["more_changes"].format(n=total - len(changes)))]
    return [*out, ""]


def render_markdown(data: ReportData, *, lang: str | None = None) -> str:
    """The whole report as one markdown document, in ``lang`` (default: the
    language its data was worded in, :attr:`ReportData.lang`)."""
    return in_language(data, lang, _render_markdown)


def _render_markdown(data: ReportData, lang: str, t: dict[str, str]) -> str:
    s = data.stats
    scope = esc(data.scope) if data.scope else t["scope_all"]
    out = [
        f"# {t['title']}",
        "",
        f"{t['as_of']} **{data.as_of}** · {t['scope']}{t['colon']}{scope}",
        "",
    ]

    out += [f"## {t['summary']}", ""]
    done = s.by_status.get(data.done_status, 0)
    out.append(
        table(
            [t["total"], t["active"], t["done"], t["overdue_count"], t["due_soon_count"]],
            [
                [
                    str(s.total),
                    str(s.active),
                    str(done),
                    str(data.overdue_total),
                    str(data.due_soon_total),
                ]
            ],
        )
    )
    out += ["", f"## {t['by_status']}", ""]
    total = max(1, s.total)
    out.append(
        table(
            [t["status"], t["count"], t["share"]],
            [
                [esc(status_text(t, name)), str(n), f"{bar(n / total)} {round(100 * n / total)}%"]
                for name, n in s.by_status.items()
            ],
        )
    )
    out.append("")
    out += _goal_section(data.goals, t)

    for key, items, total_n in (
        ("overdue", data.overdue, data.overdue_total),
        ("due_soon", data.due_soon, data.due_soon_total),
    ):
        out += [f"## {t[key]} ({total_n})", ""]
        if not items:
            out += [t["nothing"], ""]
            continue
        cols = ["id", "title", "due", "status", "owner", "department", "requester"]
        out += [_req_table(items, cols, t), ""]
        if total_n > len(items):
            out += [f"_{t['more_items'].format(n=total_n - len(items))}_", ""]

    out += [f"## {t['ranking']}", "", t["ranking_note"], ""]
    if data.top:
        out.append(
            table(
                [t["rank"], t["id"], t["item"], t["score"], t["decided_by"], t["owner"], t["due"]],
                [
                    [
                        str(i.position),
                        f"`{i.requirement.id}`",
                        esc(i.requirement.title, 80),
                        f"{i.score:.1f}",
                        esc(i.reason),
                        esc(i.requirement.owner or ""),
                        str(i.requirement.due or ""),
                    ]
                    for i in data.top
                ],
            )
        )
    else:
        out.append(t["nothing"])
    out += ["", f"## {t['matrix']}", ""]
    out.append(
        t["matrix_note"].format(
            days=data.urgent_days,
            prio=t["list_sep"].join(priority_text(t, p) for p in data.important),
        )
    )
    out.append("")
    names = dict(zip(QUADRANTS, ("q_do", "q_schedule", "q_delegate", "q_drop"), strict=True))

    def cell(q: str) -> str:
        head = f"**{t[names[q]]}** ({data.matrix_counts[q]})"
        ids = ", ".join(f"`{r.id}`" for r in data.matrix[q])
        return f"{head}<br>{ids}" if ids else head

    out.append(
        table(
            ["", t["urgent"], t["not_urgent"]],
            [
                [f"**{t['important']}**", cell("do"), cell("schedule")],
                [f"**{t['not_important']}**", cell("delegate"), cell("drop")],
            ],
        )
    )
    out.append("")

    if data.sprint is not None:
        sp = data.sprint
        out += [f"## {t['sprint']}{t['colon']}{esc(sp.name)}", "", t["sprint_note"], ""]
        added = (
            t["unknown_git"]
            if sp.added_after_start is None
            else (", ".join(f"`{i}`" for i in sp.added_after_start) or t["none"])
        )
        out.append(
            table(
                [t["committed"], t["completed"], t["slipped"], t["added_after_start"]],
                [
                    [
                        f"{len(sp.items)} ({number(sp.committed_effort)} {t['points']})",
                        f"{len(sp.done)} ({number(sp.done_effort)} {t['points']})",
                        f"{len(sp.slipped)} ({number(sp.slipped_effort)} {t['points']})",
                        added,
                    ]
                ],
            )
        )
        out.append("")
        if sp.slipped:
            cols = ["id", "title", "status", "owner", "expected"]
            unfinished = sp.slipped[: data.sprint_cap]
            out += [f"**{t['slipped']}**", "", _req_table(unfinished, cols, t), ""]
            if len(sp.slipped) > len(unfinished):
                out += [f"_{t['more_items'].format(n=len(sp.slipped) - len(unfinished))}_", ""]

    out += [f"## {t['departments']}", ""]
    if not data.departments:
        out += [t["nothing"], ""]
    for block in data.departments:
        counts = t["list_sep"].join(
            f"{esc(status_text(t, k))} {v}" for k, v in block.by_status.items()
        )
        out += [f"### {esc(group_text(t, block.name))} ({block.total})", "", counts, ""]
        if block.requesters:
            shown = ", ".join(esc(r) for r in block.requesters[:20])
            out += [f"{t['requesters']}{t['colon']}{shown}", ""]
        cols = ["id", "title", "status", "priority", "requester", "owner", "expected"]
        out += [_req_table(block.items, cols, t), ""]
        if block.hidden:
            out += [f"_{t['more_items'].format(n=block.hidden)}_", ""]

    out += [f"## {t['waiting']} ({data.waiting_total})", ""]
    out += [t["waiting_note"].format(days=data.waiting_days), ""]
    if data.waiting:
        rows = [
            [
                f"`{r.id}`",
                esc(r.title, 80),
                str(days),
                esc(r.requester or ""),
                esc(r.department or ""),
            ]
            for r, days in data.waiting
        ]
        out += [
            table([t["id"], t["item"], t["waiting_days"], t["requester"], t["department"]], rows),
            "",
        ]
    else:
        out += [t["nothing"], ""]
    out += _changes(data.changes, data.changes_since, t, data.changes_total)
    out += ["---", "", f"_{t['generated_by']}_"]
    return "\n".join(out) + "\n"
