"""The questions `pmledger add` asks on a terminal when no title is given.

Each answer is checked as it is typed, by the same core parsers the options
use (``parse_priority``, ``parse_date``), and a bad one is asked again with
the reason and the accepted forms: one typo never throws the entry away.
The duplicate check comes right after the title, before anything else is
asked. Ctrl-C or Ctrl-D at any question ends with `interrupted` (exit 130)
and nothing written.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import typer

from pmledger.i18n import _, pgettext

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.titles import TitleEntry


@dataclass
class Answers:
    """What was typed: the title and the fields, or the requirement to record it on."""

    title: str
    fields: dict[str, Any] = field(default_factory=dict)
    same_as: str | None = None


def interview(
    ledger: Ledger,
    given: dict[str, Any],
    *,
    as_of: date,
    open_summaries: list[TitleEntry],
) -> Answers:
    """Ask for every field not ``given`` on the command line.

    Raises KeyboardInterrupt on Ctrl-C or Ctrl-D (the error table turns it
    into `interrupted`, exit 130).
    """
    line_editing()
    return _interview(ledger, dict(given), as_of=as_of, open_summaries=open_summaries)


def _prompt(text: str, **options: Any) -> str:
    """click's prompt, where Ctrl-C or Ctrl-D raise KeyboardInterrupt.

    click turns both into Abort ("Aborted.", exit 1); every question of
    pmledger (add's, init's git question, remove's confirmation) ends the
    prompt's line and reports the interruption it is (exit 130).
    """
    try:
        answer: str = typer.prompt(text, **options)
    except typer.Abort:
        sys.stderr.write("\n")
        raise KeyboardInterrupt from None
    return answer


def line_editing() -> None:
    """Arrow keys, Home/End and Backspace over Chinese characters at the prompts.

    Python's ``input()`` (which click's prompts call) edits the line only
    once ``readline`` is loaded. Without it the terminal's own line editing
    stores an arrow key's escape sequence in the answer, and Backspace
    erases half of a double-width character on the screen but all of it in
    the answer.
    """
    import contextlib

    # (A Python built without readline, as on Windows: the terminal's editing.)
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


def _interview(
    ledger: Ledger, fields: dict[str, Any], *, as_of: date, open_summaries: list[TitleEntry]
) -> Answers:
    from pmledger.dates import parse_date

    title = ask(_("Title"), required=True)
    last = newest_requirement(ledger)
    target = _offer_existing(ledger, title, open_summaries)
    if target is not None:
        _ask_who(fields, last)
        return Answers(title, fields, same_as=target)
    if not fields.get("priority"):
        fields["priority"] = ask(
            _("Priority (critical, high, medium, low; or P0-P3, must/should/could/wont)"),
            default=pgettext("priority", "medium"),
            check=check_priority,
        )
    _ask_who(fields, last)
    if not fields.get("due"):
        fields["due"] = ask(
            _("Due date (e.g. 2026-12-24, +2w, friday, eom, 下周五; Enter for none)"),
            check=lambda text: parse_date(text, as_of=as_of),
        )
    if fields.get("effort") is None:
        answer = ask(_("Effort in points (Enter for none)"), check=parse_effort)
        fields["effort"] = parse_effort(answer) if answer else None
    if not fields.get("owner"):
        fields["owner"] = ask(_("Owner (Enter for none)"))
    if not fields.get("tags"):
        tags = ask(_("Tags, comma-separated (Enter for none)"))
        fields["tags"] = [tags] if tags else ()
    if not fields.get("description"):
        fields["description"] = ask(_("Pain point / context (Enter for none)"))
    return Answers(title, {k: (v if v != "" else None) for k, v in fields.items()})


def _ask_who(fields: dict[str, Any], last: Requirement | None) -> None:
    if not fields.get("requester"):
        fields["requester"] = ask(
            _("Requester"), default=(last.requester or "") if last else "", clearable=True
        )
    if not fields.get("department"):
        fields["department"] = ask(
            _("Department"), default=(last.department or "") if last else "", clearable=True
        )


def ask(
    label: str,
    *,
    default: str = "",
    required: bool = False,
    clearable: bool = False,
    check: Callable[[str], object] | None = None,
) -> str:
    """One answer, asked again until ``check`` accepts it (an empty answer is
    accepted unless ``required``). An empty default is not shown.
    ``clearable``: the default is an offer ("-" answers none), not the
    field's own default (priority's medium)."""
    from pmledger.cli.output import sanitize
    from pmledger.errors import PmledgerError

    if default and clearable:
        # The offered answer (last time's requester) would otherwise need a lone space to clear.
        label = _("{label} (- for none)").format(label=label)
    while True:
        answer = _prompt(
            label,
            default=default,
            show_default=bool(default),
            err=True,
            prompt_suffix=_prompt_suffix(),
        )
        answer = answer.strip()
        if default and clearable and answer in ("-", "－"):
            return ""
        if _torn(answer):
            sys.stderr.write(_("Error: part of a character was erased; type it again") + "\n")
            continue
        if not answer:
            if required:
                sys.stderr.write(
                    _("Error: this cannot be empty; type it, or Ctrl-C to stop") + "\n"
                )
                continue
            return answer
        if check is not None:
            try:
                check(answer)
            except (PmledgerError, ValueError) as exc:
                sys.stderr.write(_("Error: {message}").format(message=sanitize(str(exc))) + "\n")
                continue
        return answer


def _torn(answer: str) -> bool:
    """Whether ``answer`` holds bytes that are not UTF-8 (Python gives them as
    lone surrogates): a terminal without line editing erases one byte of a
    Chinese character on Backspace; writing them would fail."""
    return any("\udc80" <= c <= "\udcff" for c in answer)


def check_priority(text: str) -> object:
    """A priority typed at the prompt (高, P1, high...), refused in the reader's language."""
    from pmledger.errors import InvalidValueError
    from pmledger.ledger.model import parse_priority

    try:
        return parse_priority(text)
    except ValueError:
        from pmledger.ledger.model import PRIORITY_ALIASES
        from pmledger.text import closest

        suggestion = closest(text, PRIORITY_ALIASES)
        if suggestion is not None:
            raise InvalidValueError(
                _("{text!r} is not a priority; did you mean {suggestion!r}?").format(
                    text=text, suggestion=suggestion
                )
            ) from None
        raise InvalidValueError(
            _(
                "{text!r} is not a priority; type critical, high, medium or low "
                "(or P0-P3, must/should/could/wont)"
            ).format(text=text)
        ) from None


def _prompt_suffix() -> str:
    # TRANSLATORS: what ends a question before the answer (Chinese: a full-width colon).
    return pgettext("prompt", ": ")


def parse_effort(text: str) -> float:
    """An effort typed at the prompt: what ``--effort`` accepts (a number ≥ 0)."""
    from pmledger.errors import InvalidValueError
    from pmledger.text import ascii_forms

    try:
        value = float(ascii_forms(text))  # float() reads `３` but not the `．` of `２．５`
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InvalidValueError(
            _(
                "{text!r} is not an effort; expected a number of points of 0 or more, e.g. 3 or 0.5"
            ).format(text=text)
        )
    return value


def _offer_existing(ledger: Ledger, title: str, open_summaries: list[TitleEntry]) -> str | None:
    """Name the open requirement the title resembles; its ID if the person records there."""
    from pmledger.cli.output import one_line, warn
    from pmledger.i18n.labels import status_label
    from pmledger.query.similarity import exact_key, shown_percent, similar

    matches = similar(title, open_summaries)
    if not matches:
        return None
    best = matches[0].requirement
    shown = one_line(best.title, 60)
    status = status_label(best.status, ledger.settings)
    if exact_key(best.title) == exact_key(title):
        warn(
            _("same title: {id} “{title}” ({status})").format(
                id=best.id, title=shown, status=status
            )
        )
        question = _("Record this request on {id} instead of adding a duplicate?").format(
            id=best.id
        )
        default = True
    else:
        warn(
            _("similar: {id} “{title}” ({percent}% alike, {status})").format(
                id=best.id,
                title=shown,
                percent=shown_percent(matches[0].similarity, title, best.title),
                status=status,
            )
        )
        question = _("Record this request on {id} instead of creating a new one?").format(
            id=best.id
        )
        default = False
    if confirm(question, default=default):
        return best.id
    return None


# Yes and no as people type them, in either language (click's confirm knows y/n only).
_YES = frozenset({"y", "yes", "是", "是的", "好", "对", "要", "嗯"})
_NO = frozenset({"n", "no", "否", "不", "不是", "不要", "不用"})


def confirm(question: str, *, default: bool) -> bool:
    """A yes/no question answered with y/n or 是/否; Enter takes the default."""
    import unicodedata

    hint = _("[Y/n]") if default else _("[y/N]")
    line_editing()
    while True:
        answer = _prompt(
            f"{question} {hint}",
            default="",
            show_default=False,
            err=True,
            prompt_suffix=_prompt_suffix(),
        )
        word = unicodedata.normalize("NFKC", answer).strip().lower()
        if not word:
            return default
        if word in _YES:
            return True
        if word in _NO:
            return False
        sys.stderr.write(_("Error: answer y or n") + "\n")


def newest_requirement(ledger: Ledger) -> Requirement | None:
    """The most recently created requirement (ties: the greater ID), for defaults."""
    from pmledger.errors import PmledgerError

    # From the fast title store: a default may lag an in-place edit; a listing may not.
    entries = ledger.titles()
    newest = max(entries, key=lambda s: (_created_at(s.created), s.id), default=None)
    if newest is None:
        return None
    try:
        return ledger.load(newest.id)
    except PmledgerError:
        return None  # a broken newest file only costs the defaults


def _created_at(text: str) -> datetime:
    # `created` is a date or an offset date-time: compare them as instants.
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
