"""Shell completion: requirement IDs, statuses, priorities and the ledger's own values.

Typer answers the shell (bash, zsh, fish; ``pmledger --install-completion``)
and calls the functions below for the parameters that name them through
``autocompletion=``. They must answer fast (every Tab press starts a
process) and must never fail: any problem, such as no ledger here, yields
no candidates rather than an error on the user's prompt.

Command modules use the annotated types (``IdArg``, ``OwnerOpt``...) so each
parameter completes the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pmledger.i18n import _
from pmledger.text import fold

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger

Candidates = list[tuple[str, str]]

# Above this many matching IDs, offer them without their titles.
DESCRIBED_MAX = 100


def _ledger(ctx: typer.Context) -> Ledger | None:
    """The ledger the command line names (--ledger is parsed, the callback is not run)."""
    from pmledger.ledger.ledger import Ledger

    try:
        explicit = ctx.find_root().params.get("ledger")
        return Ledger.discover(explicit)
    except Exception:
        return None


class _Candidate(str):
    """A value offered for a prefix typed in another case or width.

    Typer keeps only the candidates that start with the typed text, as typed
    (``str.startswith``), which dropped "Dev Team A" for ``dev``: a candidate
    answers that test as :func:`_matching` does.
    """

    def startswith(self, prefix: Any, *args: Any) -> bool:
        if isinstance(prefix, str) and not args:
            return fold(self).startswith(fold(prefix))
        return super().startswith(prefix, *args)


def _matching(values: list[str], incomplete: str) -> list[str]:
    # A prefix in any case and width: "wang" finds nothing, "王" finds 王芳,
    # "dev" and "ｄｅｖ" find "Dev Team A".
    wanted = fold(incomplete)
    return [_Candidate(v) for v in values if fold(v).startswith(wanted)]


def complete_id(ctx: typer.Context, incomplete: str) -> Candidates:
    """Requirement IDs with their titles; the ID's prefix may be left out, as on input."""
    from pmledger.cli.output import one_line
    from pmledger.ledger.vocabulary import id_titles

    ledger = _ledger(ctx)
    if ledger is None:
        return []
    try:
        known = id_titles(ledger)
    except Exception:
        return []
    # As on input, case and width are ignored: `req-0p` and `ＲＥＱ－０Ｐ` find REQ-0P4CW.
    wanted = fold(incomplete)
    found = [row for row in known if fold(row[0]).startswith(wanted)]
    if len(found) > DESCRIBED_MAX:
        # Nobody reads hundreds of titles, and Typer renders each through rich.
        return [(_Candidate(row[0]), "") for row in found]
    from rich.markup import escape

    from pmledger.i18n.labels import status_label

    # Titles are literal text: Typer would read "[b]" in a title as markup.
    return [
        (
            _Candidate(req_id),
            escape(
                _("{title} ({status})").format(
                    title=one_line(title, 60), status=status_label(status, ledger.settings)
                )
            ),
        )
        for req_id, title, status in found
    ]


def complete_status(ctx: typer.Context, incomplete: str) -> list[str]:
    """The statuses of the ledger's workflow (the default workflow outside a ledger)."""
    from pmledger.ledger.settings import DEFAULT_STATUSES

    ledger = _ledger(ctx)
    statuses = list(ledger.settings.ledger.statuses) if ledger else list(DEFAULT_STATUSES)
    # `--status a,b`: complete the last item of a comma-separated list.
    head, _comma, last = incomplete.rpartition(",")
    lead = f"{head}," if head else ""
    return [_Candidate(lead + s) for s in _matching(statuses, last)]


def complete_priority(incomplete: str) -> Candidates:
    """The four priorities, with their aliases as the description."""
    from pmledger.ledger.model import PRIORITY_ALIASES, Priority

    aliases: dict[str, list[str]] = {p.value: [] for p in Priority}
    for alias, target in PRIORITY_ALIASES.items():
        if alias != target.value:
            aliases[target.value].append(alias)
    return [
        (p, _("also {aliases}").format(aliases=", ".join(aliases[p])) if aliases[p] else "")
        for p in _matching([p.value for p in Priority], incomplete)
    ]


def _values_of(name: str) -> Callable[[typer.Context, str], list[str]]:
    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        from pmledger.ledger.vocabulary import vocabulary

        ledger = _ledger(ctx)
        if ledger is None:
            return []
        try:
            values = vocabulary(ledger).values(name)
        except Exception:
            return []
        return _matching(values, incomplete)

    complete.__doc__ = f"The {name} values used in the ledger, most used first."
    complete.__name__ = f"complete_{name}"
    return complete


complete_owner = _values_of("owner")
complete_department = _values_of("department")
complete_requester = _values_of("requester")
complete_tag = _values_of("tags")
complete_goal = _values_of("goal")


# -- annotated parameter types, for command modules ------------------------------------

IdArg = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="The requirement (prefix optional).", autocompletion=complete_id
    ),
]
StatusArg = Annotated[
    str,
    typer.Argument(
        metavar="STATUS",
        help="A status of the ledger's workflow (default: proposed, accepted, planned, "
        "in-progress, done, rejected, deferred), or its Chinese label (进行中).",
        autocompletion=complete_status,
    ),
]
