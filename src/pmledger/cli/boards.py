"""Drawing a :class:`~pmledger.cli.output.Grid` (the urgent x important matrix)
and a :class:`~pmledger.cli.output.Board` (the status board) as terminal lines:
cells and lanes of fixed width, text folded at CJK-aware break points.
:func:`pmledger.cli.output.doc_lines` draws the other blocks and calls here.
"""

from __future__ import annotations

from pmledger.cli.output import (
    PIPE_WIDTH,
    Board,
    Grid,
    Lane,
    Line,
    Segment,
    Style,
    _paint,
    one_line,
)
from pmledger.text import cell_len, truncate


def grid_lines(grid: Grid, *, width: int | None, color: bool) -> list[str]:
    label_w = max(cell_len(label) for label, _ in grid.rows)
    n = len(grid.columns)
    total = width or 120
    longest = max(
        cell_len(one_line(text))
        for _, cells in grid.rows
        for heading, _, body in cells
        for text in [heading, *body]
    )
    # The label and each cell take their width plus two spaces, and a rule between them.
    cell_w = min(longest, max(20, (total - label_w - 2 - 3 * n) // n))
    rule = "┼".join(["─" * (label_w + 2)] + ["─" * (cell_w + 2)] * n)
    lines = [_paint(grid.title, "bold", color), rule.replace("┼", "┬")]
    head = " " * (label_w + 2) + "│" + "│".join(" " + _pad(c, cell_w) + " " for c in grid.columns)
    lines.append(head.rstrip())
    for label, cells in grid.rows:
        lines.append(rule)
        height = max(1 + len(body) for _, _, body in cells)
        for k in range(height):
            first = _paint(_pad(label if k == 0 else "", label_w), "bold", color)
            row = [" " + first + " "]
            for heading, style, body in cells:
                text = heading if k == 0 else (body[k - 1] if k - 1 < len(body) else "")
                text = truncate(one_line(text), cell_w)
                row.append(
                    " "
                    + _paint(text, style if k == 0 else "", color)
                    + " " * (cell_w - cell_len(text))
                    + " "
                )
            lines.append("│".join(row).rstrip())
    return lines


# CJK punctuation that never starts a line (a closing bracket stays with its text).
_NO_LINE_START = frozenset("）」』】〕》〉，。、；：！？…・ー")


def _fold(line: Line, width: int, max_lines: int) -> list[list[Segment]]:
    """A line of segments wrapped to ``width`` cells (at spaces when it can).

    At most ``max_lines`` lines; the last one ends in ``…`` when text is left.
    """
    chars = [(ch, style) for text, style in line.segments for ch in one_line(text)]
    rows: list[list[tuple[str, Style]]] = []
    while chars:
        used = 0
        cut = 0
        brk = 0  # where the next line may start: after a space, before a wide character
        while cut < len(chars) and used + cell_len(chars[cut][0]) <= width:
            ch = chars[cut][0]
            if ch == " ":
                brk = cut + 1
            elif cut and cell_len(ch) == 2 and ch not in _NO_LINE_START:
                brk = cut
            used += cell_len(ch)
            cut += 1
        if cut < len(chars):
            if chars[cut][0] == " ":
                cut += 1  # the space at the break is dropped
            elif cell_len(chars[cut][0]) == 2 and chars[cut][0] not in _NO_LINE_START:
                pass  # a wide character may start the next line
            elif brk:
                cut = brk
        cut = max(cut, 1)  # a character wider than the lane still moves on
        row, chars = chars[:cut], chars[cut:]
        if len(rows) + 1 == max_lines and chars:
            while row and sum(cell_len(c) for c, _ in row) > width - 1:
                row.pop()
            row.append(("…", row[-1][1] if row else ""))
            chars = []
        rows.append(row)
    out: list[list[Segment]] = []
    for row in rows:
        segments: list[Segment] = []
        for ch, style in row:
            if segments and segments[-1][1] == style:
                segments[-1] = (segments[-1][0] + ch, style)
            else:
                segments.append((ch, style))
        if segments and segments[-1][0].endswith(" "):
            segments[-1] = (segments[-1][0].rstrip(" "), segments[-1][1])
        out.append(segments)
    return out or [[]]


def _lane_lines(lane: Lane, width: int, empty: str) -> list[list[Segment]]:
    rows: list[list[Segment]] = []
    for n, card in enumerate(lane.cards):
        if n:
            rows.append([])
        for line in card:
            rows.extend(_fold(line, width, 3))
    if lane.more:
        rows += [[], [(lane.more, "dim")]]
    if not lane.cards and not lane.more:
        rows.append([(empty, "dim")])
    return rows


def _segments_text(segments: list[Segment], color: bool) -> str:
    return "".join(_paint(t, s, color) for t, s in segments)


def board_lines(board: Board, *, width: int | None, color: bool) -> list[str]:
    """Lanes side by side (``│`` between them), or one after the other when narrow."""
    total = width or PIPE_WIDTH
    n = max(1, len(board.lanes))
    lane_w = (total - 3 * (n - 1)) // n
    lines: list[str] = []
    if lane_w < board.min_width:
        for lane in board.lanes:
            lines.append(_paint(one_line(lane.title), "bold", color))
            for segments in _lane_lines(lane, total, board.empty):
                lines.append(_segments_text(segments, color).rstrip())
            lines.append("")
        return lines[:-1]
    heads = [truncate(one_line(lane.title), lane_w) for lane in board.lanes]
    bodies = [_lane_lines(lane, lane_w, board.empty) for lane in board.lanes]
    sep = _paint(" │ ", "dim", color)
    lines.append(sep.join(_paint(_pad(h, lane_w), "bold", color) for h in heads).rstrip())
    lines.append(_paint("─┼─".join("─" * lane_w for _ in heads), "dim", color))
    for k in range(max(len(b) for b in bodies)):
        cells = []
        for body in bodies:
            segments = body[k] if k < len(body) else []
            used = sum(cell_len(t) for t, _ in segments)
            cells.append(_segments_text(segments, color) + " " * (lane_w - used))
        lines.append(sep.join(cells).rstrip())
    return lines


def _pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - cell_len(text))
