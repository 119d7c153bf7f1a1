"""`pmledger show`: every field of one requirement, its notes and its dependencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    check_format,
    open_ledger,
)

if TYPE_CHECKING:
    from pmledger.cli.output import Block
    from pmledger.ledger.ledger import Summary
    from pmledger.ledger.model import Requirement


def show(
    ctx: typer.Context,
    req_id: Annotated[str, typer.Argument(metavar="ID", help="The requirement (prefix optional).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    as_of: AsOf = TODAY,
) -> None:
    """Show every field of a requirement, its notes, and its dependencies both ways."""
    from pmledger.cli.output import Doc, render
    from pmledger.errors import NotFoundError
    from pmledger.query.filters import is_overdue

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    try:
        req = ledger.load(req_id)
    except NotFoundError as exc:
        from pmledger.ledger.removal import explain_missing

        raise explain_missing(ledger, req_id, exc) from None
    summaries = {s.id: s for s in ledger.summaries().summaries}
    dependents = sorted(s.id for s in summaries.values() if req.id in s.depends_on)
    overdue = is_overdue(req, settings=ledger.settings, as_of=as_of)
    if fmt == "json":
        data = req.model_dump(mode="json")
        data["dependents"] = dependents
        data["overdue"] = overdue
        render(fmt, Doc(blocks=[], json=data))
        return
    render(fmt, Doc(blocks=_show_blocks(req, summaries, dependents, overdue=overdue)))


def _show_blocks(
    req: Requirement,
    by_id: dict[str, Summary],
    dependents: list[str],
    *,
    overdue: bool,
) -> list[Block]:
    from pmledger.cli.output import Column, Line, View, one_line
    from pmledger.ledger.model import SCORING_TABLES

    fields: list[tuple[str, Any]] = [
        ("status", req.status),
        ("priority", req.priority.value),
        ("created", req.created),
        ("due", req.due),
        ("requester", req.requester),
        ("department", req.department),
        ("owner", req.owner),
        ("tags", ", ".join(req.tags)),
        ("effort", None if req.effort is None else f"{req.effort:g}"),
        ("value", None if req.value is None else f"{req.value:g}"),
        ("goal", req.goal),
        ("sprint", req.sprint),
        ("links", ", ".join(req.links)),
    ]
    for key in SCORING_TABLES:
        table = getattr(req, key)
        if table:
            fields.append((key, ", ".join(f"{k}={v}" for k, v in table.items())))
    for key, value in sorted(req.extra.items()):
        fields.append((key, value))
    rows = [
        {"key": key, "value": value, "overdue": key == "due" and overdue}
        for key, value in fields
        if value not in (None, "")
    ]
    grid = View(
        columns=(
            Column("key", "Field"),
            Column("value", "Value", alert="overdue", alert_label="OVERDUE"),
        ),
        rows=rows,
        show_header=False,
    )
    blocks: list[Block] = [Line().add(req.id, "id").add("  ").add(req.title, "bold"), grid]

    def dep_line(other_id: str) -> Line:
        other = by_id.get(other_id)
        line = Line().add("  ").add(other_id, "id").add("  ")
        if other is None:
            return line.add("(not in the ledger)", "alert")
        return line.add(f"[{other.status}] ", "dim").add(one_line(other.title, 70))

    sections: list[tuple[str, list[Line]]] = []
    if req.description:
        sections.append(
            ("Description", [Line().add(text) for text in req.description.splitlines()])
        )
    if req.acceptance:
        sections.append(("Acceptance criteria", [Line().add("  - " + a) for a in req.acceptance]))
    if req.depends_on:
        sections.append(("Depends on", [dep_line(d) for d in req.depends_on]))
    if dependents:
        sections.append(("Needed by", [dep_line(d) for d in dependents]))
    if req.notes:
        notes = [
            Line()
            .add(f"  {n.at:%Y-%m-%d %H:%M} ", "dim")
            .add(one_line(n.by), "bold")
            .add(": " + n.text.replace("\n", "\n    "))
            for n in req.notes
        ]
        sections.append(("Notes", notes))
    for heading, lines in sections:
        blocks += [Line(), Line().add(heading, "heading"), *lines]
    return blocks
