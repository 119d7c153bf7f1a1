"""`pmledger diff`: what changed in the ledger between two revisions, in business terms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.cli.common import TODAY, as_of_option, check_format, open_ledger
from pmledger.i18n import _, ngettext, pgettext

if TYPE_CHECKING:
    from pmledger.git.diff import LedgerDiff, RankMove
    from pmledger.git.fields import FieldChange
    from pmledger.ledger.settings import Settings

FORMATS = ("text", "markdown", "json")
# Sections longer than this are collapsed in markdown (<details>).
COLLAPSE = 10
TEXT_MOVES = 50
# A pull-request comment holds at most 65,536 characters: each of the five
# markdown sections shows at most this many rows, and only as many as fit in
# its share of characters (a title may be of any length), so that a diff of
# any size stays near 50,000 characters; `--format json` lists everything.
MARKDOWN_ROWS = 100
MARKDOWN_SECTION_CHARS = 10_000


DiffAsOf = Annotated[
    date,
    as_of_option("Rank both sides as of this date instead of today (YYYY-MM-DD, +3d, ...)."),
]


def _priority(value: str) -> str:
    """A priority for a reader of the active language (紧急/高/中/低 in Chinese)."""
    words = {
        "critical": pgettext("priority", "critical"),
        "high": pgettext("priority", "high"),
        "medium": pgettext("priority", "medium"),
        "low": pgettext("priority", "low"),
    }
    return words.get(value, value)


def _status(value: str, settings: Settings | None) -> str:
    if settings is None:
        return value
    from pmledger.i18n.labels import status_label

    return status_label(value, settings)


def field_value(change: FieldChange, side: Any, settings: Settings | None, limit: int = 60) -> str:
    """One side of a field change for people: statuses and priorities in their words."""
    from pmledger.git.fields import format_value

    if isinstance(side, str) and change.field == "status":
        return _status(side, settings)
    if isinstance(side, str) and change.field == "priority":
        return _priority(side)
    return format_value(side, limit)


def _why(m: RankMove) -> str:
    if m.term is not None and m.term_change is not None:
        return f"{m.term} {m.term_change:+g}"
    if m.before is not None and m.after is not None:
        return _("score unchanged; others moved")
    return _("entered the ranking") if m.before is None else _("left the ranking")


def _move_text(m: RankMove) -> str:
    unranked = _("unranked")
    before = f"#{m.before}" if m.before else unranked
    after = f"#{m.after}" if m.after else unranked
    return _("{before} → {after} ({why})").format(before=before, after=after, why=_why(m))


def _sides(diff: LedgerDiff) -> tuple[str, str]:
    return diff.old_shown or diff.old, diff.new_shown or diff.new


def _revision(diff: LedgerDiff, label: str) -> str:
    """A problem's revision label as the reader's language says it."""
    return dict(zip((diff.old, diff.new), _sides(diff), strict=True)).get(label, label)


def render_text(diff: LedgerDiff, settings: Settings | None = None) -> str:
    from pmledger.cli.output import one_line

    old, new = _sides(diff)
    out = [
        _("Ledger diff {old} → {new} (both ranked as of {date})").format(
            old=old, new=new, date=diff.as_of
        )
    ]
    if diff.empty:
        out.append(_("No changes to requirements."))
    if diff.added:
        out.append("\n" + _("Added ({count})").format(count=len(diff.added)))
        out += [
            f"  + {r.id}  {one_line(r.title, 70)}  "
            f"[{_status(r.status, settings)}, {_priority(r.priority.value)}]"
            for r in diff.added
        ]
    if diff.removed:
        out.append("\n" + _("Removed ({count})").format(count=len(diff.removed)))
        out += [f"  - {r.id}  {one_line(r.title, 70)}" for r in diff.removed]
    if diff.changed:
        out.append("\n" + _("Changed ({count})").format(count=len(diff.changed)))
        for c in diff.changed:
            out.append(f"  ~ {c.id}  {one_line(c.title, 70)}")
            for f in c.fields:
                out.append(
                    f"      {f.field}: {one_line(field_value(f, f.old, settings))} → "
                    f"{one_line(field_value(f, f.new, settings))}"
                )
            for n in c.notes_added:
                out.append(
                    "      "
                    + _("note by {author} ({at}): {text}").format(
                        author=one_line(str(n.get("by", "?"))),
                        at=n.get("at", ""),
                        text=one_line(str(n.get("text", "")), 100),
                    )
                )
    if diff.moves:
        out.append("\n" + _("Rank moves ({count})").format(count=len(diff.moves)))
        for m in diff.moves[:TEXT_MOVES]:
            out.append(f"  {m.id}  {one_line(m.title, 50)}  {_move_text(m)}")
        if len(diff.moves) > TEXT_MOVES:
            rest = len(diff.moves) - TEXT_MOVES
            out.append(
                "  "
                + ngettext(
                    "… and {count} more (--format json lists all)",
                    "… and {count} more (--format json lists all)",
                    rest,
                ).format(count=rest)
            )
    if diff.problems:
        out.append("\n" + _("Unreadable files ({count})").format(count=len(diff.problems)))
        for p in diff.problems:
            line = f":{p.line}" if p.line else ""
            out.append(f"  {_revision(diff, p.revision)}: {p.path}{line}: {one_line(p.text)}")
    return "\n".join(out)


def _section(title: str, count: int, body: str) -> list[str]:
    heading = _("#### {title} ({count})").format(title=title, count=count)
    if count > COLLAPSE:
        summary = ngettext("{count} item", "{count} items", count).format(count=count)
        return [
            heading,
            "",
            f"<details><summary>{summary}</summary>",
            "",
            body,
            "",
            "</details>",
            "",
        ]
    return [heading, "", body, ""]


def _md_cells(values: list[Any]) -> str:
    """One row of a GitHub-flavoured markdown table, of literal, one-line cells."""
    # The one markdown escaping rule (report, list, rank): HTML and markdown as typed.
    from pmledger.report.text import esc

    return "| " + " | ".join(esc("" if v is None else v) for v in values) + " |"


def _md_table(headers: list[str], rows: list[list[Any]], more: Callable[[int], str]) -> str:
    """A markdown table of the first rows that fit (:data:`MARKDOWN_ROWS`, in
    :data:`MARKDOWN_SECTION_CHARS`), then ``more(count)`` for those left out."""
    lines = [_md_cells(headers), "|" + "|".join("---" for _h in headers) + "|"]
    room = MARKDOWN_SECTION_CHARS
    shown = 0
    for row in rows[:MARKDOWN_ROWS]:
        line = _md_cells(row)
        room -= len(line) + 1
        if room < 0:
            break
        lines.append(line)
        shown += 1
    table = "\n".join(lines)
    if shown < len(rows):
        table += "\n\n" + more(len(rows) - shown)
    return table


def _more(count: int) -> str:
    return ngettext(
        "… and {count} more (`pmledger diff --format json` lists all)",
        "… and {count} more (`pmledger diff --format json` lists all)",
        count,
    ).format(count=count)


def _more_changes(count: int) -> str:
    return ngettext(
        "… and {count} more change (`pmledger diff --format json` lists all)",
        "… and {count} more changes (`pmledger diff --format json` lists all)",
        count,
    ).format(count=count)


def render_markdown(diff: LedgerDiff, settings: Settings | None = None) -> str:
    from pmledger.git.fields import format_value

    # Column headings (ID stays ID: it is the field's name in every language).
    title_h, status_h, priority_h = _("Title"), _("Status"), _("Priority")
    before_h, after_h = _("Before"), _("After")

    # TRANSLATORS: the four counts, then the as-of date both sides were ranked on.
    summary = _(
        "**{added} added, {removed} removed, {changed} changed, {moved} moved in the ranking** "
        "(both sides ranked as of {date})"
    ).format(
        added=len(diff.added),
        removed=len(diff.removed),
        changed=len(diff.changed),
        moved=len(diff.moves),
        date=diff.as_of,
    )
    old, new = _sides(diff)
    out = [_("### Ledger changes: `{old}` → `{new}`").format(old=old, new=new), "", summary, ""]
    if diff.added:
        rows: list[list[Any]] = [
            [r.id, r.title, _status(r.status, settings), _priority(r.priority.value)]
            for r in diff.added
        ]
        out += _section(
            _("Added"),
            len(rows),
            _md_table(["ID", title_h, status_h, priority_h], rows, _more),
        )
    if diff.removed:
        rows = [[r.id, r.title, _status(r.status, settings)] for r in diff.removed]
        out += _section(_("Removed"), len(rows), _md_table(["ID", title_h, status_h], rows, _more))
    if diff.changed:
        # Each requirement's rows together, its notes after its fields (as
        # the text output has them): a reviewer reads one requirement at a time.
        rows = []
        for c in diff.changed:
            rows += [
                [
                    c.id,
                    c.title,
                    f.field,
                    field_value(f, f.old, settings),
                    field_value(f, f.new, settings),
                ]
                for f in c.fields
            ]
            rows += [
                [
                    c.id,
                    c.title,
                    _("note by {author}").format(author=n.get("by", "?")),
                    "",
                    format_value(n.get("text"), 200),
                ]
                for n in c.notes_added
            ]
        out += _section(
            _("Changed"),
            len(diff.changed),
            _md_table(["ID", title_h, _("Field"), before_h, after_h], rows, _more_changes),
        )
    if diff.moves:
        rows = [[m.id, m.title, m.before or "–", m.after or "–", _why(m)] for m in diff.moves]

        def more_moves(count: int) -> str:
            # Moves explained by their own data come first: when only moves
            # caused by others are left out, say so.
            if all(_pushed(m) for m in diff.moves[-count:]):
                return ngettext(
                    "… and {count} more pushed by the moves above "
                    "(`pmledger diff --format json` lists all)",
                    "… and {count} more pushed by the moves above "
                    "(`pmledger diff --format json` lists all)",
                    count,
                ).format(count=count)
            return _more(count)

        table = _md_table(["ID", title_h, before_h, after_h, _("Why")], rows, more_moves)
        out += _section(_("Rank moves"), len(diff.moves), table)
    if diff.problems:
        rows = [[_revision(diff, p.revision), p.path, p.line or "", p.text] for p in diff.problems]
        out += _section(
            _("Unreadable files"),
            len(rows),
            _md_table([_("Revision"), _("File"), _("Line"), _("Problem")], rows, _more),
        )
    return "\n".join(out).rstrip() + "\n"


def _pushed(m: RankMove) -> bool:
    """A move not explained by the requirement's own data: others moved around it."""
    return m.before is not None and m.after is not None and m.term is None


def diff(
    ctx: typer.Context,
    rev_range: Annotated[
        str | None,
        typer.Argument(
            metavar="RANGE",
            help="A..B, A...B (from their merge base) or A (against the work tree); "
            "default: HEAD against the work tree.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Start from the last commit before this date (e.g. 2026-11-01, '2 weeks ago').",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output: text, markdown (a PR comment) or json.",
        ),
    ] = "text",
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="Never page a long diff through $PAGER.")
    ] = False,
    as_of: DiffAsOf = TODAY,
) -> None:
    """Show requirements added, removed and changed, and how the ranking moved.

    Text and markdown follow the language (--lang); json does not.

    Examples: pmledger diff; pmledger diff v1.2..HEAD; pmledger diff main...HEAD --format markdown
    """
    from pmledger.cli.output import emit_json, write_paged
    from pmledger.git.diff import ledger_diff, resolve_range
    from pmledger.git.repo import Repo

    chosen = check_format(fmt, FORMATS)
    ledger = open_ledger(ctx)
    repo = Repo.find(ledger.root)
    revisions = resolve_range(repo, rev_range, since=since, as_of=as_of)
    result = ledger_diff(ledger, revisions, as_of=as_of, repo=repo)
    if chosen == "json":
        emit_json(result.as_json())
    elif chosen == "markdown":
        # On a terminal, a long diff goes through the pager, as git's does.
        write_paged(render_markdown(result, ledger.settings), pager=not no_pager)
    else:
        write_paged(render_text(result, ledger.settings), pager=not no_pager)
