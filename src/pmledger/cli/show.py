"""`pmledger show`: every field of one requirement, its notes and its dependencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    check_format,
    keep_until_exit,
    open_ledger,
)
from pmledger.cli.completion import IdArg
from pmledger.i18n.labels import FIELD_LABELS

if TYPE_CHECKING:
    from datetime import date

    from pmledger.cli.output import Block
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.scan import Summary
    from pmledger.ledger.settings import Settings


def show(
    ctx: typer.Context,
    req_id: IdArg,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help="Output: table or json."),
    ] = "table",
    as_of: AsOf = TODAY,
) -> None:
    """Show every field of a requirement, its notes, and its dependencies both ways.

    Examples:

        pmledger show ACME-9RT3V

        pmledger show 9RT3V --format json
    """
    from pmledger.cli.output import Doc, render
    from pmledger.errors import NotFoundError
    from pmledger.ledger.filestats import SUFFIX
    from pmledger.ledger.scan import make_summary
    from pmledger.query.filters import is_overdue

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    try:
        req = ledger.load(req_id)
    except NotFoundError as exc:
        from pmledger.ledger.removal import explain_missing

        raise explain_missing(ledger, req_id, exc) from None
    # Checked fresh file by file, but read as columns: only the rows shown
    # become objects (docs/performance.md).
    # The scan's stat results (100k at 100k files) are left for the process's
    # end instead of freed one by one on return (~40 ms).
    table, _problems = ledger.summary_table(keep=keep_until_exit())
    req_id = req.id
    dependents = sorted(table.text("ids", row) for row in table.dependents(req_id))
    summaries = {}
    for other in {*req.depends_on, *dependents}:
        row = table.find(other + SUFFIX)
        if row is not None and row not in table.absent:
            summaries[other] = make_summary(table.row(row))
    overdue = is_overdue(req, settings=ledger.settings, as_of=as_of)
    if fmt == "json":
        data = req.model_dump(mode="json")
        data["dependents"] = dependents
        data["overdue"] = overdue
        render(fmt, Doc(blocks=[], json=data))
        return
    blocks = _show_blocks(
        req, summaries, dependents, overdue=overdue, settings=ledger.settings, as_of=as_of
    )
    render(fmt, Doc(blocks=blocks))


def _show_blocks(
    req: Requirement,
    by_id: dict[str, Summary],
    dependents: list[str],
    *,
    overdue: bool,
    settings: Settings,
    as_of: date,
) -> list[Block]:
    from pmledger.cli.output import Column, Line, View, one_line
    from pmledger.i18n import _, active_language, translate
    from pmledger.ledger.model import SCORING_TABLES
    from pmledger.ranking.scoring import priority_text, relative_due, show_date, status_text

    chinese = active_language() == "zh"
    due: str | None = None
    if req.due is not None:
        due = show_date(req.due, as_of)
        if chinese:
            # TRANSLATORS: a due date and how far it is: "11月25日 (周三)，5 天后到期".
            due = _("{date}, {relative}").format(
                date=due, relative=relative_due((req.due - as_of).days)
            )
    created: Any = req.created
    if chinese:
        created = show_date(req.created_date, as_of)
    fields: list[tuple[str, Any]] = [
        ("status", status_text(req.status, settings)),
        ("priority", priority_text(req.priority.value)),
        ("created", created),
        ("due", due),
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
        fields.append((key, _extra_text(value)))
    rows = [
        {
            "key": translate(FIELD_LABELS[key]) if chinese and key in FIELD_LABELS else key,
            "value": value,
            "overdue": key == "due" and overdue,
        }
        for key, value in fields
        if value not in (None, "")
    ]
    grid = View(
        columns=(
            Column("key", _("Field")),
            # In Chinese the due line says how late it is already.
            Column("value", _("Value"), alert="overdue", alert_label="" if chinese else "OVERDUE"),
        ),
        rows=rows,
        show_header=False,
    )
    blocks: list[Block] = [Line().add(req.id, "id").add("  ").add(req.title, "bold"), grid]

    def dep_line(other_id: str) -> Line:
        other = by_id.get(other_id)
        line = Line().add("  ").add(other_id, "id").add("  ")
        if other is None:
            return line.add(_("(not in the ledger)"), "alert")
        status = status_text(other.status, settings)
        return line.add(f"[{status}] ", "dim").add(one_line(other.title, 70))

    sections: list[tuple[str, list[Line]]] = []
    if req.description:
        sections.append(
            (_("Description"), [Line().add(text) for text in req.description.splitlines()])
        )
    if req.acceptance:
        sections.append(
            (_("Acceptance criteria"), [Line().add("  - " + a) for a in req.acceptance])
        )
    if req.depends_on:
        sections.append((_("Depends on"), [dep_line(d) for d in req.depends_on]))
    if dependents:
        sections.append((_("Needed by"), [dep_line(d) for d in dependents]))
    if req.notes:
        notes = [
            Line()
            .add(f"  {n.at:%Y-%m-%d %H:%M} ", "dim")
            .add(one_line(n.by), "bold")
            .add(": " + n.text.replace("\n", "\n    "))
            for n in req.notes
        ]
        sections.append((_("Notes"), notes))
    for heading, lines in sections:
        blocks += [Line(), Line().add(heading, "heading"), *lines]
    return blocks


def _extra_text(value: Any) -> Any:
    """A custom field as a reader writes it, not as Python prints it: a
    table as ``k=v, k=v`` (like the scoring tables above it), a list joined
    by commas, each nested value the same way."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={_extra_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(_extra_text(v)) for v in value)
    return value
