"""`pmledger rank --matrix`: the Eisenhower 2x2, as data for the renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmledger.cli.output import Doc
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import RankedItem, Ranking

CELL_TITLE_CELLS = 34


def matrix_doc(ranking: Ranking, items: list[RankedItem], settings: Settings) -> Doc:
    """The matrix as a grid (table), sections (markdown), one row per requirement (CSV)."""
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

    def cell(q: str) -> list[str]:
        lines = [
            f"{it.requirement.id} {one_line(it.requirement.title, CELL_TITLE_CELLS)}"
            for it in by_quadrant[q]
        ]
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
    )
