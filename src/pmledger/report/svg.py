"""Charts as inline SVG: plain shapes and text, no script, no external reference.

Every piece of user text goes through :func:`html.escape`. Text widths are
estimated in display cells (:func:`pmledger.text.cell_len`: a CJK character
counts two), so labels are shortened, never overflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from pmledger.goals.model import Goal
from pmledger.report.text import clean, number
from pmledger.text import cell_len, truncate

STATUS_COLOURS = {
    "proposed": "#9aa5b1",
    "accepted": "#5b8def",
    "planned": "#3d5afe",
    "in-progress": "#f5a623",
    "done": "#2e9e5b",
    "rejected": "#d64545",
    "deferred": "#c3c9d0",
}
PALETTE = ("#5b8def", "#f5a623", "#2e9e5b", "#8e6bd6", "#d64545", "#17a2b8", "#9aa5b1")
QUADRANT_COLOURS = {
    "do": "#fde2e1",
    "schedule": "#e3edff",
    "delegate": "#fff1d6",
    "drop": "#eef0f2",
}
CHAR_PX = 7.0  # one cell at the charts' 12px font


def status_colour(status: str, statuses: Sequence[str]) -> str:
    """A stable colour per status: known names by meaning, others by position."""
    if status in STATUS_COLOURS:
        return STATUS_COLOURS[status]
    index = list(statuses).index(status) if status in statuses else 0
    return PALETTE[index % len(PALETTE)]


def fit(text: object, max_cells: int) -> str:
    """User text shortened to ``max_cells`` display cells (with an ellipsis)."""
    return truncate(clean(text), max_cells)


def _label_cells(labels: Sequence[str], most: int) -> int:
    """Cells the label column needs: the longest label, at most ``most``.

    A column sized for the longest possible label left short ones (statuses) far from their
    bars and wasted a quarter of the chart, which a phone then shrinks further."""
    # Three cells of slack: CHAR_PX is an average and capitals or '<' run wider.
    return min(most, max([cell_len(clean(label)) for label in labels] + [4]) + 3)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    t = escape(title)
    # A wide chart keeps a minimum width on a phone (see html.CSS) rather than shrink its text.
    cls = "chart wide" if width > 480 else "chart"
    return (
        f'<svg class="{cls}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{t}"><title>{t}</title>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}>{escape(text)}</text>'


def bar_chart(
    rows: Sequence[tuple[str, int, str]], *, title: str, width: int = 640, label_cells: int = 22
) -> str:
    """Horizontal bars: (label, value, colour) per row, the value written after the bar."""
    label_cells = _label_cells([label for label, _, _ in rows], label_cells)
    label_w = int(label_cells * CHAR_PX) + 10
    row_h = 24
    height = row_h * max(1, len(rows)) + 8
    top = max([v for _, v, _ in rows] + [1])
    span = width - label_w - 60
    body = []
    for i, (label, value, colour) in enumerate(rows):
        y = 4 + i * row_h
        w = span * value / top
        body.append(_text(label_w - 8, y + 16, fit(label, label_cells), anchor="end"))
        body.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'rx="3" fill="{colour}"/>'
        )
        body.append(_text(label_w + w + 6, y + 16, str(value), cls="num"))
    return _svg(width, height, title, body)


def stacked_bars(
    rows: Sequence[tuple[str, dict[str, int]]],
    statuses: Sequence[str],
    *,
    title: str,
    width: int = 640,
    label_cells: int = 22,
    names: dict[str, str] | None = None,
) -> str:
    """One bar per row (department), split by status, with a legend below.

    ``names`` maps a status to how the reader reads it (its label in Chinese).
    """
    shown = names or {}
    label_cells = _label_cells([label for label, _ in rows], label_cells)
    label_w = int(label_cells * CHAR_PX) + 10
    row_h = 24
    top = max([sum(c.values()) for _, c in rows] + [1])
    span = width - label_w - 60
    body = []
    for i, (label, counts) in enumerate(rows):
        y = 4 + i * row_h
        x = float(label_w)
        body.append(_text(label_w - 8, y + 16, fit(label, label_cells), anchor="end"))
        for status in statuses:
            n = counts.get(status, 0)
            if not n:
                continue
            w = span * n / top
            body.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                f'fill="{status_colour(status, statuses)}"><title>{escape(shown.get(status, status))}: {n}'
                "</title></rect>"
            )
            x += w
        body.append(_text(x + 6, y + 16, str(sum(counts.values())), cls="num"))
    legend_y = 4 + len(rows) * row_h + 10
    x = float(label_w)
    for status in statuses:
        name = shown.get(status, status)
        step = 24 + cell_len(name) * 6.5
        if x + step > width and x > label_w:
            # Wrap the legend rather than run off the chart.
            x, legend_y = float(label_w), legend_y + 16
        body.append(
            f'<rect x="{x:.1f}" y="{legend_y}" width="10" height="10" '
            f'fill="{status_colour(status, statuses)}"/>'
        )
        body.append(_text(x + 14, legend_y + 9, name, cls="small"))
        x += step
    return _svg(width, legend_y + 20, title, body)


def matrix_chart(
    counts: dict[str, int],
    names: dict[str, str],
    axes: tuple[str, str, str, str],
    *,
    title: str,
    width: int = 420,
) -> str:
    """The urgent x important 2x2: quadrant name and count in each cell.

    ``axes`` are the labels urgent, not urgent, important, not important.
    """
    left, top = 110, 28
    cw, ch = (width - left - 4) / 2, 86
    spots = {"do": (0, 0), "schedule": (1, 0), "delegate": (0, 1), "drop": (1, 1)}
    body = [
        _text(left + cw / 2, 18, axes[0], anchor="middle", cls="axis"),
        _text(left + cw * 1.5, 18, axes[1], anchor="middle", cls="axis"),
        _text(left - 8, top + ch / 2 + 4, axes[2], anchor="end", cls="axis"),
        _text(left - 8, top + ch * 1.5 + 4, axes[3], anchor="end", cls="axis"),
    ]
    for q, (cx, cy) in spots.items():
        x, y = left + cx * cw, top + cy * ch
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{cw - 4:.1f}" height="{ch - 4}" rx="6" '
            f'fill="{QUADRANT_COLOURS[q]}" stroke="#c9ced6"/>'
        )
        body.append(
            _text(x + (cw - 4) / 2, y + 34, str(counts.get(q, 0)), anchor="middle", cls="big")
        )
        body.append(_text(x + (cw - 4) / 2, y + 58, names[q], anchor="middle"))
    return _svg(width, top + 2 * ch + 4, title, body)


def progress_bars(
    rows: Sequence[tuple[str, float | None, str]],
    *,
    title: str,
    width: int = 640,
    label_cells: int = 30,
) -> str:
    """One 0-100% track per goal; (label, share or None, caption after the bar)."""
    label_cells = _label_cells([label for label, _, _ in rows], label_cells)
    label_w = int(label_cells * CHAR_PX) + 10
    row_h = 28
    span = width - label_w - 120
    body = []
    for i, (label, share, caption) in enumerate(rows):
        y = 4 + i * row_h
        body.append(_text(label_w - 8, y + 18, fit(label, label_cells), anchor="end"))
        body.append(
            f'<rect x="{label_w}" y="{y + 6}" width="{span}" height="{row_h - 12}" rx="8" '
            'fill="#e9ecef"/>'
        )
        if share is not None:
            shown = max(0.0, min(1.0, share))
            colour = "#2e9e5b" if shown >= 0.999 else "#5b8def" if shown >= 0.5 else "#f5a623"
            body.append(
                f'<rect x="{label_w}" y="{y + 6}" width="{span * shown:.1f}" '
                f'height="{row_h - 12}" rx="8" fill="{colour}"/>'
            )
        body.append(_text(label_w + span + 8, y + 18, caption, cls="num"))
    return _svg(width, row_h * max(1, len(rows)) + 8, title, body)


def trend_chart(goal: Goal, *, title: str, width: int = 300, height: int = 120) -> str:
    """A KPI's readings over time as a line, with the target as a dashed line."""
    history = goal.history()
    left, right, top, bottom = 44, 10, 12, 24
    values = [float(r.value) for r in history] + [float(goal.target)]
    if goal.baseline is not None:
        values.append(float(goal.baseline))
    lo, hi = min(values), max(values)
    if hi == lo:
        hi, lo = hi + 1, lo - 1
    pad = (hi - lo) * 0.1
    lo, hi = lo - pad, hi + pad
    days = [r.at for r in history] or [date.today()]
    first, last = min(days), max(days)
    span_days = max(1, (last - first).days)
    pw, ph = width - left - right, height - top - bottom

    def px(d: date) -> float:
        return left + pw * ((d - first).days / span_days if len(history) > 1 else 0.5)

    def py(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    body = [
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#c9ced6"/>',
        f'<line x1="{left}" y1="{py(goal.target):.1f}" x2="{left + pw}" '
        f'y2="{py(goal.target):.1f}" stroke="#2e9e5b" stroke-dasharray="5 4"/>',
        _text(left - 4, py(goal.target) + 4, number(goal.target), anchor="end", cls="small"),
    ]
    if history:
        points = " ".join(f"{px(r.at):.1f},{py(float(r.value)):.1f}" for r in history)
        body.append(f'<polyline points="{points}" fill="none" stroke="#3d5afe" stroke-width="2"/>')
        for r in history:
            body.append(
                f'<circle cx="{px(r.at):.1f}" cy="{py(float(r.value)):.1f}" r="3.5" '
                f'fill="#3d5afe"><title>{r.at}: {escape(number(r.value, goal.unit))}</title></circle>'
            )
        lastr = history[-1]
        body.append(
            _text(
                left - 4, py(float(lastr.value)) + 4, number(lastr.value), anchor="end", cls="small"
            )
        )
        body.append(_text(left, height - 6, first.isoformat(), cls="small"))
        if len(history) > 1:
            body.append(_text(left + pw, height - 6, last.isoformat(), anchor="end", cls="small"))
    return _svg(width, height, title, body)
