"""`pmledger rank --matrix`: the Eisenhower 2x2 in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import RankedItem, Ranking


def render_matrix(ranking: Ranking, items: list[RankedItem], settings: Settings, fmt: str) -> None:
    from pmledger.cli.output import console, emit_json, one_line, write
    from pmledger.ranking.matrix import QUADRANT_TITLES, QUADRANTS, build_matrix

    matrix = build_matrix([i.requirement for i in items], settings=settings, as_of=ranking.as_of)
    if fmt == "json":
        emit_json(
            {
                "as_of": ranking.as_of.isoformat(),
                "urgent_days": settings.scoring.matrix.urgent_days,
                "important_priorities": settings.scoring.matrix.important_priorities,
                "quadrants": {q: [r.id for r in matrix.quadrants[q]] for q in QUADRANTS},
            }
        )
        return

    def cell(q: str) -> str:
        reqs = matrix.quadrants[q]
        lines = [f"{r.id} {one_line(r.title, 34)}" for r in reqs]
        return "\n".join(lines) if lines else "—"

    if fmt in ("markdown", "csv"):
        parts = []
        for q in QUADRANTS:
            parts.append(f"### {QUADRANT_TITLES[q]}\n")
            parts += [f"- {r.id} {one_line(r.title)}" for r in matrix.quadrants[q]] or ["- —"]
            parts.append("")
        write("\n".join(parts))
        return
    from rich.table import Table
    from rich.text import Text

    m = settings.scoring.matrix
    grid = Table(
        title=(
            f"Eisenhower matrix as of {ranking.as_of} (urgent: due within {m.urgent_days} days "
            f"or overdue; important: {', '.join(m.important_priorities)})"
        ),
        title_justify="left",
        show_lines=True,
    )
    grid.add_column("", style="bold", no_wrap=True)
    grid.add_column("Urgent", ratio=1)
    grid.add_column("Not urgent", ratio=1)
    grid.add_row(
        "Important",
        Text(f"DO ({len(matrix.quadrants['do'])})\n", style="bold green") + Text(cell("do")),
        Text(f"SCHEDULE ({len(matrix.quadrants['schedule'])})\n", style="bold blue")
        + Text(cell("schedule")),
    )
    grid.add_row(
        "Not important",
        Text(f"DELEGATE ({len(matrix.quadrants['delegate'])})\n", style="bold yellow")
        + Text(cell("delegate")),
        Text(f"DROP ({len(matrix.quadrants['drop'])})\n", style="bold red") + Text(cell("drop")),
    )
    console().print(grid)
