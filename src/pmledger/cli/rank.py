"""`pmledger rank`: the ranking, its explanation, its formats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import (
    AllOpt,
    AsOf,
    DepartmentOpt,
    DueBeforeOpt,
    Format,
    GoalOpt,
    OverdueOpt,
    OwnerOpt,
    RequesterOpt,
    SearchArg,
    StatusOpt,
    TagOpt,
    build_filter,
    check_format,
    open_ledger,
    report_problems,
    resolve_as_of,
)

if TYPE_CHECKING:
    from datetime import date

    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings
    from pmledger.ranking.order import RankedItem, Ranking
    from pmledger.ranking.scoring import Score

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", help="default, rice, wsjf or ice (default: scoring.model).", show_default=False
    ),
]
SkipOpt = Annotated[
    bool,
    typer.Option(
        "--skip-incomplete", help="Leave out (and list) requirements lacking model inputs."
    ),
]
TERM_KEYS = ("name", "input", "measure", "weight", "contribution")
RANK_HEADERS = ("#", "ID", "Title", "Score", "Priority", "Due", "Owner", "Department")


def load_and_rank(
    ctx: typer.Context,
    *,
    as_of: str | None,
    model: str | None,
    skip_incomplete: bool,
    filters: dict[str, Any],
) -> tuple[Ranking, list[Requirement], Settings]:
    from pmledger.errors import InvalidValueError
    from pmledger.query.filters import matches
    from pmledger.ranking.order import rank as rank_core
    from pmledger.ranking.scoring import MODELS

    if model is not None and model not in MODELS:
        raise InvalidValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    ledger = open_ledger(ctx)
    settings = ledger.settings
    today = resolve_as_of(as_of)
    flt = build_filter(settings=settings, as_of=today, **filters)
    loaded = ledger.load_all()
    report_problems(list(loaded.problems))
    ranking = rank_core(
        loaded.requirements,
        settings=settings,
        as_of=today,
        model=model,
        include=lambda r: matches(r, flt, settings=settings, as_of=today),
        skip_incomplete=skip_incomplete,
    )
    _report_ranking_problems(ranking)
    return ranking, loaded.requirements, settings


def _report_ranking_problems(ranking: Ranking) -> None:
    from pmledger.cli.output import warn

    for cycle in ranking.cycles:
        warn("warning: dependency cycle " + " -> ".join([*cycle, cycle[0]]))
    for req_id, missing in sorted(ranking.unknown_dependencies.items()):
        warn(f"warning: {req_id} depends on {', '.join(missing)}, not in the ledger")
    for problem in ranking.incomplete:
        warn(f"left out: {problem.req_id}: {problem.message}")


def _item_json(
    item: RankedItem, settings: Settings, reason: str | None, as_of: date
) -> dict[str, Any]:
    from pmledger.query.filters import is_overdue

    req, sc = item.requirement, item.score
    return {
        "position": item.position,
        "id": req.id,
        "title": req.title,
        "score": sc.value,
        "status": req.status,
        "priority": req.priority.value,
        "due": req.due.isoformat() if req.due else None,
        "overdue": is_overdue(req, settings=settings, as_of=as_of),
        "days_to_due": sc.days_to_due,
        "owner": req.owner,
        "department": req.department,
        "effort": req.effort,
        "formula": sc.formula,
        "terms": [dict(zip(TERM_KEYS, t, strict=True)) for t in sc.terms],
        "above_next_because": reason,
    }


def rank(
    ctx: typer.Context,
    search: SearchArg = None,
    status: StatusOpt = None,
    owner: OwnerOpt = None,
    tag: TagOpt = None,
    department: DepartmentOpt = None,
    requester: RequesterOpt = None,
    goal: GoalOpt = None,
    overdue: OverdueOpt = False,
    due_before: DueBeforeOpt = None,
    all_: AllOpt = False,
    model: ModelOpt = None,
    top: Annotated[
        int | None, typer.Option("--top", "-n", help="Show only the first N.", min=1)
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", "-x", help="Show every term of each score.")
    ] = False,
    matrix: Annotated[
        bool, typer.Option("--matrix", help="Draw the urgent x important 2x2.")
    ] = False,
    skip_incomplete: SkipOpt = False,
    fmt: Format = "table",
    as_of: AsOf = None,
) -> None:
    """Rank active requirements by score (priority + deadline urgency by default)."""
    from pmledger.cli.matrix import render_matrix
    from pmledger.cli.output import FORMATS, emit_csv, emit_json
    from pmledger.ranking.order import explain_order

    fmt = check_format(fmt, FORMATS)
    filters = dict(
        status=status,
        owner=owner,
        tag=tag,
        department=department,
        requester=requester,
        goal=goal,
        overdue=overdue,
        due_before=due_before,
        search=search,
        include_inactive=all_,
    )
    ranking, _, settings = load_and_rank(
        ctx, as_of=as_of, model=model, skip_incomplete=skip_incomplete, filters=filters
    )
    items = ranking.items[:top] if top else ranking.items
    reasons = [
        explain_order(items[i], ranking.items[i + 1]) if i + 1 < len(ranking.items) else None
        for i in range(len(items))
    ]
    if matrix:
        render_matrix(ranking, items, settings, fmt)
        return
    if fmt == "json":
        emit_json(
            {
                "as_of": ranking.as_of.isoformat(),
                "model": ranking.model,
                "settings_hash": ranking.settings_hash,
                "items": [
                    _item_json(it, settings, r, ranking.as_of)
                    for it, r in zip(items, reasons, strict=True)
                ],
                "incomplete": [vars(p) for p in ranking.incomplete],
                "cycles": ranking.cycles,
                "unknown_dependencies": {
                    k: list(v) for k, v in ranking.unknown_dependencies.items()
                },
            }
        )
        return
    rows = [_rank_row(it, settings, ranking) for it in items]
    if fmt == "csv":
        emit_csv([h.lower().replace("#", "position") for h in RANK_HEADERS], rows)
        return
    if fmt == "markdown":
        _markdown_ranking(ranking, items, rows, reasons, explain)
        return
    _table_ranking(ranking, items, rows, reasons, explain)


def _rank_row(item: RankedItem, settings: Settings, ranking: Ranking) -> list[Any]:
    from pmledger.cli.output import due_text

    req = item.requirement
    return [
        item.position,
        req.id,
        req.title,
        f"{item.score.value:g}",
        req.priority.value,
        due_text(req, settings=settings, as_of=ranking.as_of),
        req.owner,
        req.department,
    ]


def _header(ranking: Ranking) -> str:
    return (
        f"Ranking as of {ranking.as_of} · model {ranking.model} · "
        f"settings {ranking.settings_hash} · {len(ranking.items)} requirements"
    )


def _fmt_num(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


TERM_HEADERS = ("term", "input", "measure", "weight", "contribution")


def _term_rows(sc: Score) -> list[list[str]]:
    """The rows of an --explain table: every term of one score."""
    return [
        [t.name, t.input, _fmt_num(t.measure), _fmt_num(t.weight), _fmt_num(t.contribution)]
        for t in sc.terms
    ]


def _markdown_ranking(
    ranking: Ranking,
    items: list[RankedItem],
    rows: list[list[Any]],
    reasons: list[str | None],
    explain: bool,
) -> None:
    from pmledger.cli.output import markdown_table, one_line, write

    parts = [f"**{_header(ranking)}**", "", markdown_table(RANK_HEADERS, rows)]
    if explain:
        for item, reason in zip(items, reasons, strict=True):
            sc = item.score
            parts += [
                "",
                f"#### {item.position}. {item.requirement.id} {one_line(item.requirement.title)}"
                f" — {sc.value:g}",
                "",
                markdown_table(
                    TERM_HEADERS,
                    _term_rows(sc),
                ),
            ]
            if reason:
                parts += ["", f"Above #{item.position + 1} because: {reason}"]
    write("\n".join(parts))


def _table_ranking(
    ranking: Ranking,
    items: list[RankedItem],
    rows: list[list[Any]],
    reasons: list[str | None],
    explain: bool,
) -> None:
    from rich.text import Text

    from pmledger.cli.output import console, one_line, rich_table, warn

    out = console()
    out.print(Text(_header(ranking), style="dim"))
    if not items:
        warn("nothing to rank")
        return
    styled = []
    for row in rows:
        due = str(row[5] or "")
        styled.append(
            [*row[:5], Text(due, style="bold red" if due.endswith("OVERDUE") else ""), *row[6:]]
        )
    out.print(
        rich_table(
            RANK_HEADERS,
            styled,
            styles=("dim", "cyan", None, "bold", None, None, None, None),
            width=out.width,
        )
    )
    if not explain:
        return
    for item, reason in zip(items, reasons, strict=True):
        sc = item.score
        out.print()
        head = Text(f"#{item.position} ", style="bold")
        head.append(item.requirement.id, style="cyan")
        head.append(f"  {one_line(item.requirement.title, 60)}  ")
        head.append(f"score {sc.value:g}", style="bold")
        head.append(f"  ({sc.formula})", style="dim")
        out.print(head)
        out.print(
            rich_table(
                TERM_HEADERS,
                _term_rows(sc),
            )
        )
        if reason:
            out.print(Text(f"  above #{item.position + 1} because: {reason}", style="italic"))
