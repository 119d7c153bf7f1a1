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
    from pmledger.query.filters import is_overdue
    from pmledger.ranking.matrix import QUADRANT_TITLES, QUADRANTS, quadrant

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
    title = (
        f"Eisenhower matrix as of {as_of} (urgent: due within {m.urgent_days} days "
        f"or overdue; important: {', '.join(m.important_priorities)})"
    )

    def heading(q: str) -> tuple[str, Any, list[str]]:
        return (f"{q.upper()} ({len(by_quadrant[q])})", styles[q], cell(q))

    grid = Grid(
        title=title,
        columns=("Urgent", "Not urgent"),
        rows=(
            ("Important", (heading("do"), heading("schedule"))),
            ("Not important", (heading("delegate"), heading("drop"))),
        ),
    )
    markdown: list[Any] = [Line().add(f"**{title}**")]
    for q in QUADRANTS:
        markdown += [Line(), Line().add(f"### {QUADRANT_TITLES[q]}"), Line()]
        markdown += [
            Line().add(f"- {it.requirement.id} {one_line(it.requirement.title)}")
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
