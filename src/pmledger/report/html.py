"""The report as one self-contained HTML page for people who never open a terminal.

Inline CSS, charts as inline SVG, no script, no font or image from anywhere:
the file works offline, attached to an e-mail, and prints on A4. Every piece
of user text passes through :func:`html.escape`.
"""

from __future__ import annotations

from html import escape

from pmledger.goals.progress import GoalProgress
from pmledger.ledger.model import Requirement
from pmledger.ranking.matrix import QUADRANTS
from pmledger.report import svg
from pmledger.report.data import Change, DepartmentBlock, ReportData, expected
from pmledger.report.labels import (
    COLUMN_LABELS,
    GOAL_HEADINGS,
    HTML_LANG,
    group_text,
    in_language,
    priority_text,
    status_text,
)
from pmledger.report.text import clean, number, percent

# Details open by themselves when the page is small enough to print whole.
OPEN_DETAILS_MAX_ITEMS = 120
CHART_DEPARTMENTS = 12

CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#d9dee4; --soft:#f5f7fa; --accent:#3d5afe;
  --late:#c62828; }
* { box-sizing:border-box; }
body { margin:0; color:var(--ink); background:#fff; line-height:1.45; font-size:14px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
  "Source Han Sans SC", "WenQuanYi Micro Hei", "Noto Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 40px; overflow-wrap: anywhere; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 18px; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(118px, 1fr)); gap:12px;
  margin: 8px 0 6px; }
.card { border:1px solid var(--line); border-radius:10px; padding:12px 14px;
  background: var(--soft); }
.card .n { font-size: 28px; font-weight: 700; line-height: 1.1; }
.card .l { color: var(--muted); font-size: 13px; }
.card.warn .n { color: var(--late); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; overflow-wrap: break-word; }
/* A long URL or an unspaced run may break anywhere in a title or a text, which keep a
   readable minimum width; other cells break between words only, so a table that needs more
   room scrolls in its box instead of squeezing words apart. */
td.title, td.text { overflow-wrap: anywhere; }
td.title { min-width: 13em; }
td.text { min-width: 10em; }
td.name { word-break: keep-all; }
.scroll { overflow-x: auto; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.id, td.num, td.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num { text-align: right; }
.late { color: var(--late); font-weight: 600; }
.pill { display:inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px;
  color:#fff; white-space: nowrap; }
.muted, .note { color: var(--muted); }
.note { font-size: 13px; margin: 4px 0; }
.grid2 { display:flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.grid2 > * { flex: 1 1 380px; }
.trends { display:flex; flex-wrap: wrap; gap: 14px; }
.trend { flex: 0 1 322px; min-width: 0; border:1px solid var(--line); border-radius: 8px;
  padding: 8px 10px; }
.trend h4 { margin: 0 0 4px; font-size: 13px; }
svg.chart { max-width: 100%; height: auto; display:block; }
svg text { font-size: 12px; fill: var(--ink); }
svg text.num { fill: var(--muted); }
svg text.small { font-size: 10px; fill: var(--muted); }
svg text.big { font-size: 26px; font-weight: 700; }
svg text.axis { font-weight: 600; fill: var(--muted); }
details { border:1px solid var(--line); border-radius: 8px; margin: 8px 0; padding: 0 12px; }
summary { cursor: pointer; padding: 9px 0; font-weight: 600; }
summary .muted { font-weight: 400; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media (max-width: 600px) {
  main { padding: 16px 12px 32px; }
  .scroll > svg.chart.wide { max-width: none; width: 480px; }
}
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  h2 { margin-top: 20px; }
  /* A heading, its note and a department's summary stay with what they introduce. */
  h2, h3, h4, p.note, summary { break-after: avoid; }
  table, svg, .card, .trend, tr { break-inside: avoid; }
  details { border: none; padding: 0; }
  .scroll { overflow: visible; }
  .print-hint { display: none; }
}
"""


def e(text: object, limit: int | None = None) -> str:
    """User text, escaped for HTML (quotes included, so it is safe in attributes too)."""
    return escape(clean(text, limit), quote=True)


def _scroll(block: str) -> str:
    """A table or chart that scrolls sideways in its own box on a narrow screen, so the page
    itself never does and a wide chart keeps legible text instead of shrinking."""
    return f'<div class="scroll">{block}</div>'


def _pill(status: str, statuses: list[str], t: dict[str, str]) -> str:
    colour = svg.status_colour(status, statuses)
    return f'<span class="pill" style="background:{colour}">{e(status_text(t, status))}</span>'


def _table(headers: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        tds = []
        for i, cell in enumerate(row):
            cls = classes[i] if classes and classes[i] else ""
            tds.append(f'<td class="{cls}">{cell}</td>' if cls else f"<td>{cell}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return _scroll(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _req_table(
    reqs: list[Requirement], cols: list[str], t: dict[str, str], data: ReportData
) -> str:
    classes = {
        "id": "id",
        "title": "title",
        "due": "date",
        "expected": "date",
        "late": "num",
        "left": "num",
        **dict.fromkeys(("priority", "owner", "department", "requester"), "name"),
    }
    rows = []
    for r in reqs:
        row = []
        for c in cols:
            if c == "title":
                row.append(e(r.title, 140))
            elif c == "status":
                row.append(_pill(r.status, data.statuses, t))
            elif c == "priority":
                row.append(e(priority_text(t, r.priority.value)))
            elif c == "due":
                row.append(str(r.due or ""))
            elif c == "expected":
                row.append(e(expected(r)))
            elif c == "late":
                days = (data.as_of - r.due).days if r.due else 0
                row.append(f'<span class="late">{days}</span>')
            elif c == "left":
                row.append(str((r.due - data.as_of).days) if r.due else "")
            else:
                row.append(e(getattr(r, c) or ""))
        rows.append(row)
    heads = [t[COLUMN_LABELS[c]] for c in cols]
    return _table(heads, rows, [classes.get(c, "") for c in cols])


def _cards(data: ReportData, t: dict[str, str]) -> str:
    s = data.stats
    cards = [
        (s.total, t["total"], ""),
        (s.active, t["active"], ""),
        (s.by_status.get(data.done_status, 0), t["done"], ""),
        (data.overdue_total, t["overdue_count"], "warn" if data.overdue_total else ""),
        (data.due_soon_total, t["due_soon_count"], ""),
    ]
    items = "".join(
        f'<div class="card {cls}"><div class="n">{n}</div><div class="l">{escape(label)}</div></div>'
        for n, label, cls in cards
    )
    return f'<section class="cards">{items}</section>'


def _goals(goals: list[GoalProgress], t: dict[str, str]) -> str:
    out = [
        f'<section id="goals"><h2>{escape(t["goals"])}</h2>'
        f'<p class="note">{escape(t["goals_note"])}</p>'
    ]
    if not goals:
        return "".join([*out, f'<p class="muted">{escape(t["nothing"])}</p></section>'])
    bars = [
        (
            p.goal.title,
            p.goal.progress,
            percent(p.goal.progress) if p.goal.progress is not None else t["no_reading"],
        )
        for p in goals
    ]
    out.append(_scroll(svg.progress_bars(bars, title=t["chart_goals"])))
    rows = []
    for p in goals:
        g = p.goal
        rows.append(
            [
                f'<strong>{e(g.title)}</strong><br><span class="muted">{e(g.id)}</span>',
                e(g.kpi),
                e(number(g.baseline, g.unit)),
                f"<strong>{e(number(g.latest, g.unit))}</strong>",
                e(number(g.target, g.unit)),
                escape(percent(g.progress)),
                f'{p.done}/{p.count}<br><span class="muted">{e(number(p.done_effort))}/'
                f"{e(number(p.total_effort))} {escape(t['points'])}</span>",
                e(g.owner or ""),
                str(g.due or ""),
            ]
        )
    out.append(
        _table(
            [t[key] for key in (*GOAL_HEADINGS, "owner", "due")],
            rows,
            ["title", "name", "num", "num", "num", "num", "", "name", "date"],
        )
    )
    trends = [p for p in goals if p.goal.readings]
    if trends:
        out.append(
            f'<h3>{escape(t["kpi_trend"])}</h3><p class="note">{escape(t["trend_legend"])}</p>'
            '<div class="trends">'
        )
        for p in trends:
            g = p.goal
            caption = f"{clean(g.kpi)} ({clean(g.unit)})" if g.unit else clean(g.kpi)
            out.append(
                f'<div class="trend"><h4>{e(g.title, 60)}</h4>'
                f'<div class="note">{escape(caption)}</div>'
                + svg.trend_chart(g, title=f"{t['kpi_trend']}{t['colon']}{clean(g.title)}")
                + "</div>"
            )
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


def _deadlines(data: ReportData, t: dict[str, str]) -> str:
    out = ['<section id="deadlines">']
    for key, items, total, extra in (
        ("overdue", data.overdue, data.overdue_total, "late"),
        ("due_soon", data.due_soon, data.due_soon_total, "left"),
    ):
        out.append(f"<h2>{escape(t[key])} ({total})</h2>")
        if not items:
            out.append(f'<p class="muted">{escape(t["nothing"])}</p>')
            continue
        cols = ["id", "title", "due", extra, "status", "owner", "department", "requester"]
        out.append(_req_table(items, cols, t, data))
        if total > len(items):
            out.append(
                f'<p class="note">{escape(t["more_items"].format(n=total - len(items)))}</p>'
            )
    out.append("</section>")
    return "".join(out)


def _next(data: ReportData, t: dict[str, str]) -> str:
    out = [
        f'<section id="next"><h2>{escape(t["ranking"])}</h2>'
        f'<p class="note">{escape(t["ranking_note"])}</p>'
    ]
    if data.top:
        rows = [
            [
                str(i.position),
                e(i.requirement.id),
                e(i.requirement.title, 120),
                f"{i.score:.1f}",
                e(i.reason),
                e(i.requirement.owner or ""),
                str(i.requirement.due or ""),
            ]
            for i in data.top
        ]
        out.append(
            _table(
                [t["rank"], t["id"], t["item"], t["score"], t["decided_by"], t["owner"], t["due"]],
                rows,
                ["num", "id", "title", "num", "text", "name", "date"],
            )
        )
    else:
        out.append(f'<p class="muted">{escape(t["nothing"])}</p>')
    names = dict(zip(QUADRANTS, ("q_do", "q_schedule", "q_delegate", "q_drop"), strict=True))
    quadrant_names = {q: t[names[q]] for q in QUADRANTS}
    chart = svg.matrix_chart(
        data.matrix_counts,
        quadrant_names,
        (t["urgent"], t["not_urgent"], t["important"], t["not_important"]),
        title=t["matrix"],
    )
    lists = []
    for q in QUADRANTS:
        if data.matrix[q]:
            items = "".join(
                f'<li><span class="muted">{e(r.id)}</span> {e(r.title, 70)}</li>'
                for r in data.matrix[q]
            )
            more = data.matrix_counts[q] - len(data.matrix[q])
            tail = (
                f'<li class="muted">{escape(t["more_items"].format(n=more))}</li>' if more else ""
            )
            lists.append(f"<h4>{escape(quadrant_names[q])}</h4><ul>{items}{tail}</ul>")
    note = t["matrix_note"].format(
        days=data.urgent_days, prio=t["list_sep"].join(priority_text(t, p) for p in data.important)
    )
    out.append(
        f'<h3>{escape(t["matrix"])}</h3><p class="note">{escape(note)}</p>'
        f'<div class="grid2"><div>{chart}</div><div>{"".join(lists)}</div></div></section>'
    )
    return "".join(out)


def _sprint(data: ReportData, t: dict[str, str]) -> str:
    sp = data.sprint
    if sp is None:
        return ""
    pts = t["points"]
    added = (
        escape(t["unknown_git"])
        if sp.added_after_start is None
        else (", ".join(e(i) for i in sp.added_after_start) or escape(t["none"]))
    )
    share = sp.done_effort / sp.committed_effort if sp.committed_effort else None
    bar = svg.progress_bars(
        [
            (
                t["completed"],
                share,
                f"{number(sp.done_effort)} / {number(sp.committed_effort)} {pts}",
            )
        ],
        title=f"{t['sprint']}{t['colon']}{clean(sp.name)}",
        label_cells=14,
    )
    rows = [
        [
            f'{len(sp.items)} <span class="muted">({e(number(sp.committed_effort))} {escape(pts)})</span>',
            f'{len(sp.done)} <span class="muted">({e(number(sp.done_effort))} {escape(pts)})</span>',
            f'{len(sp.slipped)} <span class="muted">({e(number(sp.slipped_effort))} {escape(pts)})</span>',
            added,
        ]
    ]
    out = [
        f'<section id="sprint"><h2>{escape(t["sprint"])}{escape(t["colon"])}{e(sp.name)}</h2>'
        f'<p class="note">{escape(t["sprint_note"])}</p>',
        _scroll(bar),
        _table([t["committed"], t["completed"], t["slipped"], t["added_after_start"]], rows),
    ]
    if sp.slipped:
        out.append(f"<h3>{escape(t['slipped'])}</h3>")
        shown = sp.slipped[: data.sprint_cap]
        out.append(_req_table(shown, ["id", "title", "status", "owner", "expected"], t, data))
        if len(sp.slipped) > len(shown):
            more = t["more_items"].format(n=len(sp.slipped) - len(shown))
            out.append(f'<p class="note">{escape(more)}</p>')
    out.append("</section>")
    return "".join(out)


def _department(block: DepartmentBlock, t: dict[str, str], data: ReportData, opened: bool) -> str:
    counts = t["list_sep"].join(f"{e(status_text(t, k))} {v}" for k, v in block.by_status.items())
    parts = [
        f"<details{' open' if opened else ''}><summary>{e(group_text(t, block.name))} "
        f'<span class="muted">({block.total}{escape(t["colon"])}{counts})</span></summary>'
    ]
    if block.requesters:
        shown = ", ".join(e(r) for r in block.requesters[:30])
        more = f" … (+{len(block.requesters) - 30})" if len(block.requesters) > 30 else ""
        parts.append(
            f'<p class="note">{escape(t["requesters"])}{escape(t["colon"])}{shown}{more}</p>'
        )
    cols = ["id", "title", "status", "priority", "requester", "owner", "expected"]
    parts.append(_req_table(block.items, cols, t, data))
    if block.hidden:
        parts.append(f'<p class="note">{escape(t["more_items"].format(n=block.hidden))}</p>')
    parts.append("</details>")
    return "".join(parts)


def _departments(data: ReportData, t: dict[str, str]) -> str:
    blocks = data.departments
    if not blocks:
        return (
            f'<section id="departments"><h2>{escape(t["departments"])}</h2>'
            f'<p class="muted">{escape(t["nothing"])}</p></section>'
        )
    rows = [(group_text(t, b.name), b.by_status) for b in blocks[:CHART_DEPARTMENTS]]
    rest = blocks[CHART_DEPARTMENTS:]
    if rest:
        merged: dict[str, int] = {}
        for b in rest:
            for k, v in b.by_status.items():
                merged[k] = merged.get(k, 0) + v
        rows.append((f"+{len(rest)}", merged))
    used = [s for s in data.statuses if any(c.get(s) for _, c in rows)]
    chart = svg.stacked_bars(
        rows, used, title=t["chart_departments"], names={u: status_text(t, u) for u in used}
    )
    opened = sum(len(b.items) for b in blocks) <= OPEN_DETAILS_MAX_ITEMS
    inner = "".join(_department(b, t, data, opened) for b in blocks)
    return (
        f'<section id="departments"><h2>{escape(t["departments"])}</h2>{_scroll(chart)}'
        f"<h3>{escape(t['asked'])}</h3>{inner}</section>"
    )


def _waiting(data: ReportData, t: dict[str, str]) -> str:
    out = [
        f'<section id="waiting"><h2>{escape(t["waiting"])} ({data.waiting_total})</h2>',
        f'<p class="note">{escape(t["waiting_note"].format(days=data.waiting_days))}</p>',
    ]
    if data.waiting:
        rows = [
            [e(r.id), e(r.title, 120), str(days), e(r.requester or ""), e(r.department or "")]
            for r, days in data.waiting
        ]
        out.append(
            _table(
                [t["id"], t["item"], t["waiting_days"], t["requester"], t["department"]],
                rows,
                ["id", "title", "num", "name", "name"],
            )
        )
    else:
        out.append(f'<p class="muted">{escape(t["nothing"])}</p>')
    out.append("</section>")
    return "".join(out)


def _changes(
    changes: list[Change] | None, since: str | None, t: dict[str, str], total: int = 0
) -> str:
    head = t["changes_since"].format(since=clean(since)) if since else t["changes"]
    out = [f'<section id="changes"><h2>{escape(head)}</h2>']
    if changes is None:
        out.append(f'<p class="muted">{escape(t["no_git"])}</p>')
    elif not changes:
        out.append(f'<p class="muted">{escape(t["nothing"])}</p>')
    else:
        rows = [
            [c.at.date().isoformat(), e(c.who), e(c.req_id), e(c.title, 80), e(c.detail, 120)]
            for c in changes
        ]
        out.append(
            _table(
                [t["change_when"], t["change_who"], t["id"], t["item"], t["change_what"]],
                rows,
                ["date", "name", "id", "title", "text"],
            )
        )
        if total > len(changes):
            hidden = t["more_changes"].format(n=total - len(changes))
            out.append(f'<p class="note">{escape(hidden)}</p>')
    out.append("</section>")
    return "".join(out)


def render_html(data: ReportData, *, lang: str | None = None) -> str:
    """The whole report as one self-contained HTML document, in ``lang`` (default: the
    language its data was worded in, :attr:`ReportData.lang`)."""
    return in_language(data, lang, _render_html)


def _render_html(data: ReportData, lang: str, t: dict[str, str]) -> str:
    s = data.stats
    scope = e(data.scope) if data.scope else escape(t["scope_all"])
    status_rows = [
        (status_text(t, name), n, svg.status_colour(name, data.statuses))
        for name, n in s.by_status.items()
    ]
    title = f"{t['title']} · {data.as_of}" + (f" · {clean(data.scope)}" if data.scope else "")
    body = [
        f"<header><h1>{escape(t['title'])}</h1>",
        f'<p class="meta">{escape(t["as_of"])} <strong>{data.as_of}</strong> · '
        f"{escape(t['scope'])}{escape(t['colon'])}{scope}"
        f' <span class="print-hint">· {escape(t["print_hint"])}</span></p></header>',
        _cards(data, t),
        f'<section id="status"><h2>{escape(t["by_status"])}</h2>',
        _scroll(svg.bar_chart(status_rows, title=t["chart_status"])),
        "</section>",
        _goals(data.goals, t),
        _deadlines(data, t),
        _next(data, t),
        _sprint(data, t),
        _departments(data, t),
        _waiting(data, t),
        _changes(data.changes, data.changes_since, t, data.changes_total),
        f"<footer>{escape(t['generated_by'])} · {data.as_of}</footer>",
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(HTML_LANG.get(lang, lang))}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{''.join(body)}\n</main>\n</body>\n</html>\n"
    )
