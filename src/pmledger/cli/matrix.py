"""`pmledger rank --matrix`: the Eisenhower 2x2, as data for the renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmledger.cli.output import Doc
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import RankedItem, Ranking

CELL_TITLE_CELLS = 34
# The grid's lines besides its title and the quadrants' items: the top rule,
# the column headings, and each row's rule and quadrant heading; then the
# "N more" line and the shell prompt.
GRID_CHROME = 2 + 2 * 2 + 2
# Items a quadrant row keeps at least, however small the terminal.
MIN_ROW_LINES = 2
ROWS = (("do", "schedule"), ("delegate", "drop"))


def screen_caps(
    counts: dict[str, int], title_cells: int, screen: tuple[int | None, int | None]
) -> dict[str, int] | None:
    """The lines each quadrant may use so that the grid fits one screen
    (None: everything fits). ``screen`` is (columns, lines) of the terminal.

    The two rows of the grid share the lines left; a row that needs fewer
    leaves the rest to the other.
    """
    width, height = screen
    # (A wide character that does not fit at the end of a line moves to the
    # next one: a line of a wrapped Chinese title may hold one cell less.)
    title_lines = -(-title_cells // max(1, width - 1)) if width else 1
    budget = (height or 24) - title_lines - GRID_CHROME
    need = [max(1, counts[a], counts[b]) for a, b in ROWS]
    if sum(need) <= budget:
        return None
    budget = max(budget, 2 * MIN_ROW_LINES)
    first = min(need[0], max(budget // 2, budget - need[1]))
    return {
        q: lines
        for (a, b), lines in zip(ROWS, (first, budget - first), strict=True)
        for q in (a, b)
    }


def matrix_doc(
    ranking: Ranking,
    items: list[RankedItem],
    settings: Settings,
    *,
    screen: tuple[int | None, int | None] | None = None,
) -> Doc:
    """The matrix as a grid (table), sections (markdown), one row per requirement (CSV).

    ``screen``: the terminal's (columns, lines) when the grid must fit one
    screen, as `rank` does: each quadrant then shows its highest ranked
    items and ``+K more``, its heading still counts them all.
    """
    from pmledger.cli.output import Column, Doc, Grid, Line, View, one_line
    from pmledger.i18n import _, translate
    from pmledger.query.filters import is_overdue
    from pmledger.ranking.matrix import QUADRANT_NAMES, QUADRANT_TITLES, QUADRANTS, quadrant
    from pmledger.ranking.scoring import priority_text

    as_of = ranking.as_of
    m = settings.scoring.matrix
    by_quadrant: dict[str, list[RankedItem]] = {q: [] for q in QUADRANTS}
    rows: list[dict[str, Any]] = []
    for item in items:
        req = item.requirement
        q = quadrant(req, settings=settings, as_of=as_of)
        by_quadrant[q].append(item)
        rows.append(
            {
                "position": item.position,
                "id": req.id,
                "title": req.title,
                "quadrant": q,
                "priority": req.priority.value,
                "due": req.due,
                "overdue": is_overdue(req, settings=settings, as_of=as_of),
            }
        )

    caps: dict[str, int] | None = None
    hidden = 0

    def cell(q: str) -> list[str]:
        shown = by_quadrant[q]
        more = 0
        if caps is not None and len(shown) > caps[q]:
            # The last line the quadrant may use says what it leaves out.
            more = len(shown) - (caps[q] - 1)
            shown = shown[: caps[q] - 1]
        lines = [
            f"{it.requirement.id} {one_line(it.requirement.title, CELL_TITLE_CELLS)}"
            for it in shown
        ]
        if more:
            lines.append(_("+{count} more").format(count=more))
        return lines or ["—"]

    styles = {"do": "good", "schedule": "info", "delegate": "warn", "drop": "alert"}
    from pmledger.i18n import ngettext
    from pmledger.ranking.scoring import show_date

    title = ngettext(
        "Eisenhower matrix as of {date} (urgent: due within {days} day or overdue; "
        "important: {priorities})",
        "Eisenhower matrix as of {date} (urgent: due within {days} days or overdue; "
        "important: {priorities})",
        m.urgent_days,
    ).format(
        date=show_date(as_of, as_of),
        days=m.urgent_days,
        priorities=_(", ").join(priority_text(p.value) for p in m.important_priorities),
    )

    if screen is not None:
        from pmledger.text import cell_len

        counts = {q: len(by_quadrant[q]) for q in QUADRANTS}
        caps = screen_caps(counts, cell_len(title), screen)
        if caps is not None:
            hidden = sum(
                max(0, counts[q] - (caps[q] - 1)) for q in QUADRANTS if counts[q] > caps[q]
            )

    def heading(q: str) -> tuple[str, Any, list[str]]:
        count = len(by_quadrant[q])
        return (
            _("{quadrant} ({count})").format(quadrant=translate(QUADRANT_NAMES[q]), count=count),
            styles[q],
            cell(q),
        )

    grid = Grid(
        title=title,
        columns=(_("Urgent"), _("Not urgent")),
        rows=(
            (_("Important"), (heading("do"), heading("schedule"))),
            (_("Not important"), (heading("delegate"), heading("drop"))),
        ),
    )
    from pmledger.report.text import esc

    # Markdown lines: the user text in them escaped here (output.Doc.markdown).
    markdown: list[Any] = [Line().add(f"**{esc(title)}**")]
    for q in QUADRANTS:
        markdown += [Line(), Line().add(f"### {esc(translate(QUADRANT_TITLES[q]))}"), Line()]
        markdown += [
            Line().add(f"- {esc(it.requirement.id)} {esc(it.requirement.title)}")
            for it in by_quadrant[q]
        ] or [Line().add("- —")]
    return Doc(
        blocks=[grid],
        json={
            "as_of": as_of.isoformat(),
            "urgent_days": m.urgent_days,
            "important_priorities": list(m.important_priorities),
            "quadrants": {q: [it.requirement.id for it in by_quadrant[q]] for q in QUADRANTS},
        },
        csv=View(
            columns=(
                Column("position", "#", "int"),
                Column("id", "ID", "id"),
                Column("title", "Title"),
                Column("quadrant", "Quadrant"),
                Column("priority", "Priority"),
                Column("due", "Due", "date"),
                Column("overdue", "Overdue", "bool"),
            ),
            rows=rows,
        ),
        markdown=markdown,
        notes=[
            ngettext(
                "{count} more — `--no-limit` or `--top N`",
                "{count} more — `--no-limit` or `--top N`",
                hidden,
            ).format(count=hidden)
        ]
        if hidden
        else [],
    )
