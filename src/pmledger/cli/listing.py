"""`pmledger list`: requirements filtered, searched and sorted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    ExcelOpt,
    FilterOptions,
    Format,
    check_format,
    excel_format,
    filter_options,
    load_everything,
    open_ledger,
    report_problems,
    warn_unknown_values,
)

if TYPE_CHECKING:
    from pmledger.cli.output import Column, Doc, RawJson
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings


def list_columns() -> tuple[Column, ...]:
    """The table: the least useful columns are dropped first on a narrow terminal.

    Status and priority are essential: the title is cut (down to
    output.MIN_SHRINK cells) before they go, priority first.
    """
    from pmledger.cli.output import Column
    from pmledger.i18n import _

    return (
        Column("id", "ID", "id"),
        Column("title", _("Title"), shrink=True),
        Column("status", _("Status"), drop=1, essential=True),
        Column("priority", _("Priority"), drop=2, essential=True),
        Column("due", _("Due"), "date", alert="overdue", alert_label=_("OVERDUE")),
        Column("owner", _("Owner"), drop=4),
        Column("department", _("Department"), drop=5),
        Column("requester", _("Requester"), drop=6),
        Column("tags", _("Tags"), "list", drop=7),
    )


def detail_columns() -> tuple[Column, ...]:
    """Every listed field, for markdown (headed in the reader's language) and CSV.

    CSV heads its columns with the field names (pmledger.cli.formats.csv_bytes),
    the same in every language.
    """
    from pmledger.cli.output import Column
    from pmledger.i18n import _

    return (
        Column("id", "ID", "id"),
        Column("title", _("Title")),
        Column("status", _("Status")),
        Column("priority", _("Priority")),
        Column("due", _("Due"), "date"),
        Column("overdue", _("Overdue"), "bool"),
        Column("owner", _("Owner")),
        Column("department", _("Department")),
        Column("requester", _("Requester")),
        Column("tags", _("Tags"), "list"),
        Column("effort", _("Effort"), "number"),
        Column("goal", _("Goal")),
        Column("sprint", _("Sprint")),
        Column("created", _("Created"), "date"),
    )


@filter_options()
def list_(
    ctx: typer.Context,
    where: FilterOptions = FilterOptions(),
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            metavar="FIELD",
            help="Sort by one of: id, title, status, priority, due, created, owner, department, "
            "requester, effort; prefix - to reverse.",
        ),
    ] = "priority",
    fmt: Format = "table",
    excel: ExcelOpt = False,
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="Never page a long table through $PAGER.")
    ] = False,
    as_of: AsOf = TODAY,
) -> None:
    """List requirements (active ones unless --all or --status), filtered and sorted.

    Examples:

        pmledger list --owner 陈涛 --sort due

        pmledger list --overdue --excel > overdue.csv
    """
    from pmledger.cli.display import language_for
    from pmledger.cli.output import FORMATS, render
    from pmledger.query.filters import select, sort_requirements

    fmt = excel_format(check_format(fmt, FORMATS), excel)
    ledger = open_ledger(ctx)
    settings = ledger.settings
    flt = where.filter(settings, as_of, root=ledger.root)
    loaded = load_everything(ledger)
    report_problems(list(loaded.problems))
    warn_unknown_values(flt, loaded.requirements)
    reqs = sort_requirements(
        select(loaded.requirements, flt, settings=settings, as_of=as_of), sort, settings=settings
    )
    # JSON and CSV are the same in every language (pmledger.cli.display); the
    # warnings above are for the reader, in the reader's language.
    with language_for(fmt):
        doc = _list_doc(reqs, fmt=fmt, settings=settings, as_of=as_of)
    render(fmt, doc, pager=not no_pager, excel=excel)


def _list_doc(reqs: list[Requirement], *, fmt: str, settings: Settings, as_of: date) -> Doc:
    from pmledger.cli.display import shown_rows
    from pmledger.cli.output import Doc, View
    from pmledger.i18n import _, ngettext
    from pmledger.ranking.scoring import show_date

    rows: list[dict[str, Any]] = []
    if fmt != "json":
        rows = shown_rows(reqs, settings, as_of)
        # Creation days repeat (a batch import, a busy day): each is worded once.
        created: dict[Any, str] = {}
        for row, r in zip(rows, reqs, strict=True):
            row["requester"] = r.requester
            row["tags"] = r.tags
            row["effort"] = r.effort
            row["goal"] = r.goal
            row["sprint"] = r.sprint
            if fmt == "csv":
                row["created"] = r.created
            else:
                day = r.created_date
                shown = created.get(day)
                if shown is None:
                    shown = created[day] = show_date(day, as_of)
                row["created"] = shown
    title = ngettext("{count} requirement", "{count} requirements", len(reqs)).format(
        count=len(reqs)
    )
    detail = View(columns=detail_columns(), rows=rows)
    return Doc(
        blocks=[View(columns=list_columns(), rows=rows, title=title)],
        json=_json_items(reqs),
        csv=detail,
        markdown=[detail],
        notes=[] if reqs else [_("no requirements match")],
    )


def _json_items(reqs: list[Requirement]) -> Iterator[RawJson]:
    """The requirements as JSON list items: pydantic-core writes each model's
    JSON itself (the same values as ``model_dump(mode="json")``, in half the time).

    Piped (compact JSON), a run of items comes as one text, already joined by
    the comma the list writer puts between items (output.json_runs), written
    by one call into pydantic-core (≈ 40 % less than a call per requirement
    at 10k). On a terminal the list is indented item by item.
    """
    from pmledger.cli.output import JSON_RUN, RawJson, json_safe, stdout_is_terminal

    if stdout_is_terminal():
        for r in reqs:
            yield RawJson(json_safe(r.model_dump_json()))
        return
    from pydantic import TypeAdapter

    from pmledger.ledger.model import Requirement

    adapter = TypeAdapter(list[Requirement])
    for start in range(0, len(reqs), JSON_RUN):
        text = adapter.dump_json(reqs[start : start + JSON_RUN]).decode("utf-8")
        # The items, without the list's brackets, made safe for a terminal.
        yield RawJson(json_safe(text[1:-1]))
