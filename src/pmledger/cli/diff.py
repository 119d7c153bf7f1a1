"""`pmledger diff`: what changed in the ledger between two revisions, in business terms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import check_format, open_ledger

if TYPE_CHECKING:
    from pmledger.git.diff import LedgerDiff, RankMove

FORMATS = ("text", "markdown", "json")
# Sections longer than this are collapsed in markdown (<details>).
COLLAPSE = 10
TEXT_MOVES = 50
# A pull-request comment holds at most 65,536 characters.
MARKDOWN_MOVES = 100


def _move_text(m: RankMove) -> str:
    before = f"#{m.before}" if m.before else "unranked"
    after = f"#{m.after}" if m.after else "unranked"
    if m.term is not None and m.term_change is not None:
        why = f"{m.term} {m.term_change:+g}"
    elif m.before is not None and m.after is not None:
        why = "score unchanged; others moved"
    else:
        why = "entered the ranking" if m.before is None else "left the ranking"
    return f"{before} → {after} ({why})"


def render_text(diff: LedgerDiff) -> str:
    from pmledger.cli.output import one_line
    from pmledger.git.fields import format_value

    out = [f"Ledger diff {diff.old} → {diff.new} (both ranked as of {diff.as_of})"]
    if diff.empty:
        out.append("No changes to requirements.")
    if diff.added:
        out.append(f"\nAdded ({len(diff.added)})")
        out += [
            f"  + {r.id}  {one_line(r.title, 70)}  [{r.status}, {r.priority.value}]"
            for r in diff.added
        ]
    if diff.removed:
        out.append(f"\nRemoved ({len(diff.removed)})")
        out += [f"  - {r.id}  {one_line(r.title, 70)}" for r in diff.removed]
    if diff.changed:
        out.append(f"\nChanged ({len(diff.changed)})")
        for c in diff.changed:
            out.append(f"  ~ {c.id}  {one_line(c.title, 70)}")
            for f in c.fields:
                out.append(
                    f"      {f.field}: {one_line(format_value(f.old))} → {one_line(format_value(f.new))}"
                )
            for n in c.notes_added:
                out.append(
                    f"      note by {one_line(str(n.get('by', '?')))} ({n.get('at', '')}): "
                    f"{one_line(str(n.get('text', '')), 100)}"
                )
    if diff.moves:
        out.append(f"\nRank moves ({len(diff.moves)})")
        for m in diff.moves[:TEXT_MOVES]:
            out.append(f"  {m.id}  {one_line(m.title, 50)}  {_move_text(m)}")
        if len(diff.moves) > TEXT_MOVES:
            out.append(f"  … and {len(diff.moves) - TEXT_MOVES} more (--format json lists all)")
    if diff.problems:
        out.append(f"\nUnreadable files ({len(diff.problems)})")
        for p in diff.problems:
            line = f":{p.line}" if p.line else ""
            out.append(f"  {p.revision}: {p.path}{line}: {one_line(p.message)}")
    return "\n".join(out)


def _section(title: str, count: int, body: str) -> list[str]:
    if count > COLLAPSE:
        return [
            f"#### {title} ({count})",
            "",
            f"<details><summary>{count} items</summary>",
            "",
            body,
            "",
            "</details>",
            "",
        ]
    return [f"#### {title} ({count})", "", body, ""]


def _md_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-flavoured markdown table of literal, one-line cells."""
    from pmledger.cli.output import one_line

    def cell(value: Any) -> str:
        text = one_line("" if value is None else str(value))
        return text.replace("\\", "\\\\").replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(diff: LedgerDiff) -> str:
    from pmledger.git.fields import format_value

    markdown_table = _md_table

    summary = (
        f"**{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed, "
        f"{len(diff.moves)} moved in the ranking** (both sides ranked as of {diff.as_of})"
    )
    out = [f"### Ledger changes: `{diff.old}` → `{diff.new}`", "", summary, ""]
    if diff.added:
        rows: list[list[Any]] = [[r.id, r.title, r.status, r.priority.value] for r in diff.added]
        out += _section(
            "Added", len(rows), markdown_table(["ID", "Title", "Status", "Priority"], rows)
        )
    if diff.removed:
        rows = [[r.id, r.title, r.status] for r in diff.removed]
        out += _section("Removed", len(rows), markdown_table(["ID", "Title", "Status"], rows))
    if diff.changed:
        rows = [
            [c.id, c.title, f.field, format_value(f.old), format_value(f.new)]
            for c in diff.changed
            for f in c.fields
        ]
        rows += [
            [c.id, c.title, f"note by {n.get('by', '?')}", "", format_value(n.get("text"), 200)]
            for c in diff.changed
            for n in c.notes_added
        ]
        out += _section(
            "Changed",
            len(diff.changed),
            markdown_table(["ID", "Title", "Field", "Before", "After"], rows),
        )
    if diff.moves:
        rows = [
            [
                m.id,
                m.title,
                m.before or "–",
                m.after or "–",
                _move_text(m).split(" (", 1)[1].rstrip(")"),
            ]
            for m in diff.moves[:MARKDOWN_MOVES]
        ]
        table = markdown_table(["ID", "Title", "Before", "After", "Why"], rows)
        if len(diff.moves) > MARKDOWN_MOVES:
            table += (
                f"\n\n… and {len(diff.moves) - MARKDOWN_MOVES} more pushed by the moves above "
                "(`pmledger diff --format json` lists all)"
            )
        out += _section("Rank moves", len(diff.moves), table)
    if diff.problems:
        rows = [[p.revision, p.path, p.line or "", p.message] for p in diff.problems]
        out += _section(
            "Unreadable files",
            len(rows),
            markdown_table(["Revision", "File", "Line", "Problem"], rows),
        )
    return "\n".join(out).rstrip() + "\n"


def diff(
    ctx: typer.Context,
    rev_range: Annotated[
        str | None,
        typer.Argument(
            metavar="[REV_RANGE]",
            help="A..B, A...B (from their merge base) or A (against the work tree); "
            "default: HEAD against the work tree.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Start from the last commit before this date (e.g. 2026-11-01, '2 weeks ago').",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output: text, markdown (a PR comment) or json.")
    ] = "text",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Rank both sides as of this date instead of today (YYYY-MM-DD, +3d, ...).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show requirements added, removed and changed, and how the ranking moved.

    Example: pmledger diff main...HEAD --format markdown
    """
    from pmledger.cli.output import emit_json, write
    from pmledger.git.diff import ledger_diff, resolve_range
    from pmledger.git.repo import Repo

    chosen = check_format(fmt, FORMATS)
    from datetime import date

    from pmledger.dates import parse_date

    today = date.today()
    day = parse_date(as_of, today=today) if as_of else today
    ledger = open_ledger(ctx)
    repo = Repo.find(ledger.root)
    revisions = resolve_range(repo, rev_range, since=since)
    result = ledger_diff(ledger, revisions, as_of=day, repo=repo)
    if chosen == "json":
        emit_json(result.as_json())
    elif chosen == "markdown":
        write(render_markdown(result))
    else:
        write(render_text(result))
