"""`pmledger show`: every field of one requirement, its notes and its dependencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import (
    AsOf,
    check_format,
    open_ledger,
    resolve_as_of,
)

if TYPE_CHECKING:
    from datetime import date

    from pmledger.ledger.ledger import Summary
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings


def show(
    ctx: typer.Context,
    req_id: Annotated[str, typer.Argument(metavar="ID", help="The requirement (prefix optional).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    as_of: AsOf = None,
) -> None:
    """Show every field of a requirement, its notes, and its dependencies both ways."""
    from pmledger.cli.output import emit_json
    from pmledger.errors import NotFoundError
    from pmledger.query.filters import is_overdue

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    try:
        req = ledger.load(req_id)
    except NotFoundError as exc:
        from pmledger.ledger.removal import explain_missing

        raise explain_missing(ledger, req_id, exc) from None
    today = resolve_as_of(as_of)
    summaries = {s.id: s for s in ledger.summaries().summaries}
    dependents = sorted(s.id for s in summaries.values() if req.id in s.depends_on)
    if fmt == "json":
        data = req.model_dump(mode="json")
        data["dependents"] = dependents
        data["overdue"] = is_overdue(req, settings=ledger.settings, as_of=today)
        emit_json(data)
        return
    _render_show(req, summaries, dependents, settings=ledger.settings, as_of=today)


def _render_show(
    req: Requirement,
    by_id: dict[str, Summary],
    dependents: list[str],
    *,
    settings: Settings,
    as_of: date,
) -> None:
    from rich.table import Table
    from rich.text import Text

    from pmledger.cli.output import console, due_text, one_line, sanitize
    from pmledger.ledger.model import SCORING_TABLES

    out = console()
    head = Text()
    head.append(req.id, style="bold cyan")
    head.append("  ")
    head.append(one_line(req.title), style="bold")
    out.print(head)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    due = due_text(req, settings=settings, as_of=as_of)
    fields: list[tuple[str, str]] = [
        ("status", req.status),
        ("priority", req.priority.value),
        ("created", str(req.created)),
        ("due", due),
        ("requester", req.requester or ""),
        ("department", req.department or ""),
        ("owner", req.owner or ""),
        ("tags", ", ".join(req.tags)),
        ("effort", "" if req.effort is None else f"{req.effort:g}"),
        ("value", "" if req.value is None else f"{req.value:g}"),
        ("goal", req.goal or ""),
        ("sprint", req.sprint or ""),
        ("links", "\n".join(req.links)),
    ]
    for key in SCORING_TABLES:
        table = getattr(req, key)
        if table:
            fields.append((key, ", ".join(f"{k}={v}" for k, v in table.items())))
    for key, value in sorted(req.extra.items()):
        fields.append((key, str(value)))
    for key, value in fields:
        if value:
            style = "bold red" if key == "due" and value.endswith("OVERDUE") else None
            grid.add_row(key, Text(sanitize(value), style=style or ""))
    out.print(grid)

    def dep_line(other_id: str) -> Text:
        other = by_id.get(other_id)
        line = Text(f"  {other_id}  ", style="cyan")
        if other is None:
            line.append("(not in the ledger)", style="red")
        else:
            line.append(f"[{other.status}] ", style="dim")
            line.append(one_line(other.title, 70))
        return line

    sections: list[tuple[str, list[Text]]] = []
    if req.description:
        sections.append(("Description", [Text(sanitize(req.description))]))
    if req.acceptance:
        sections.append(
            ("Acceptance criteria", [Text("  - " + sanitize(a)) for a in req.acceptance])
        )
    if req.depends_on:
        sections.append(("Depends on", [dep_line(d) for d in req.depends_on]))
    if dependents:
        sections.append(("Needed by", [dep_line(d) for d in dependents]))
    if req.notes:
        lines = []
        for n in req.notes:
            line = Text(f"  {n.at:%Y-%m-%d %H:%M} ", style="dim")
            line.append(one_line(n.by), style="bold")
            line.append(": " + sanitize(n.text))
            lines.append(line)
        sections.append(("Notes", lines))
    for heading, lines in sections:
        out.print()
        out.print(Text(heading, style="bold underline"))
        for line in lines:
            out.print(line)
