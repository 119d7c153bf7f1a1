"""`pmledger report`: a progress report for the business, as markdown or one HTML page."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmledger.cli.common import (
    TODAY,
    AsOf,
    FilterOptions,
    check_format,
    filter_options,
    load_everything,
    open_ledger,
    report_problems,
    warn_unknown_values,
)

if TYPE_CHECKING:
    from datetime import date

    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement
    from pmledger.report.data import Change
    from pmledger.sprints import SprintReview


# No --all: a report covers done and closed work too. The scope options
# (the department or requester it is sent to) come first in --help.
@filter_options(
    "search", "department", "requester", "status", "owner", "tag", "goal", "overdue", "due_before"
)
def report(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="markdown or html (default: from the --output suffix, else markdown).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (default: stdout).", show_default=False
        ),
    ] = None,
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="Never page a long report through $PAGER.")
    ] = False,
    as_of: AsOf = TODAY,
    where: FilterOptions = FilterOptions(),
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Recent changes since this date or git revision (default: 14 days before --as-of).",
            show_default=False,
        ),
    ] = None,
    sprint: Annotated[
        str | None,
        typer.Option(
            "--sprint", help="The sprint to review (default: the latest).", show_default=False
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="How many ranked items to show.")] = 10,
    waiting_days: Annotated[
        int,
        typer.Option(
            "--waiting-days", min=0, help="Proposals older than this many days are 'waiting'."
        ),
    ] = 14,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="LANG",
            help="Language of the labels: en or zh (default: the language of this run).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Render a progress report: status, departments, deadlines, ranking, goals, sprint, changes.

    Examples:

      pmledger report --format html --output report.html

      pmledger report -d 销售部 --lang zh -f html -o 销售部.html
    """
    from pmledger import i18n
    from pmledger.goals.store import GoalBook
    from pmledger.ledger.ledger import write_atomic
    from pmledger.query.filters import select
    from pmledger.report.data import ReportOptions, build_report
    from pmledger.report.labels import labels

    if fmt is None:
        # `-o report.html` is a page to open in a browser, not markdown in disguise
        # (as `export -o x.xlsx` is a workbook).
        suffix = output.suffix.lower() if output else ""
        fmt = "html" if suffix in (".html", ".htm") else "markdown"
    fmt = check_format(fmt, ("markdown", "md", "html"))
    if lang is None:
        lang = i18n.active_language()
    labels(lang)  # an unknown language is refused before any work
    ledger = open_ledger(ctx)
    flt = replace(where, include_inactive=True).filter(ledger.settings, as_of, root=ledger.root)
    loaded = load_everything(ledger)
    goals = GoalBook(ledger.root).load_all()
    report_problems([*loaded.problems, *goals.problems])
    warn_unknown_values(flt, loaded.requirements)
    chosen = select(loaded.requirements, flt, settings=ledger.settings, as_of=as_of)
    scope_parts = [*flt.departments, *flt.requesters]
    review = _sprint_review(ledger, chosen, sprint, loaded.requirements)
    # The words the core writes into the report (ranking reasons, dates, the
    # recent changes) are in the report's language, which --lang may make
    # differ from the run's.
    with i18n.using(lang):
        changes, since_text = _changes(ledger, chosen, since, as_of)
        data = build_report(
            chosen,
            goals.goals,
            settings=ledger.settings,
            as_of=as_of,
            everything=loaded.requirements,
            options=ReportOptions(
                top=top,
                waiting_days=waiting_days,
                scope=", ".join(scope_parts) if scope_parts else None,
            ),
            sprint=review,
            changes=changes,
            changes_since=since_text,
        )
        if fmt == "html":
            from pmledger.report.html import render_html

            text = render_html(data, lang=lang)
        else:
            from pmledger.report.markdown import render_markdown

            text = render_markdown(data, lang=lang)
    if output is None:
        from pmledger.cli.output import Doc, render

        render(fmt, Doc(blocks=[], document=text), pager=not no_pager)
        return
    write_atomic(output, text)


def _sprint_review(
    ledger: Ledger, reqs: list[Requirement], name: str | None, everything: list[Requirement]
) -> SprintReview | None:
    from pmledger.errors import NotFoundError
    from pmledger.sprints import find_sprint, review, sprint_names

    names = sprint_names(reqs)
    if name is None:
        if not names:
            return None
        name = names[-1]
    else:
        # The name as the ledger spells it (2026-s48, a prefix), so git finds when it
        # started; a sprint no requirement has is refused as `sprint show` refuses it,
        # not left out of the report without a word.
        name = find_sprint(name, everything)
    from pmledger.report.history import sprint_history

    history = sprint_history(ledger, name)
    try:
        return review(
            name,
            reqs,
            settings=ledger.settings,
            started=history.started,
            added_after_start=history.added_after_start,
            assigned=history.assigned,
        )
    except NotFoundError:
        return None


def _changes(
    ledger: Ledger, reqs: list[Requirement], since: str | None, as_of: date
) -> tuple[list[Change] | None, str]:
    from pmledger.report.history import recent_changes

    return recent_changes(ledger, since=since, as_of=as_of, only={r.id for r in reqs})
