"""Choosing the language of one run, and showing --help in it.

Typer reads help texts when the app is built, before any option is parsed,
so they are kept in English (the msgids) in the click tree and translated in
place each time a command line is parsed: the root group looks at the
arguments for ``--lang`` (and ``--ledger``, whose ``pmledger.toml`` may set
the language) before click parses them, so that ``pmledger --lang zh --help``
is in Chinese too. Parsing stays click's: an unknown ``--lang`` value is
left for the option's own check (exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from typer.core import TyperGroup

from pmledger import i18n

# What each click object's help said before translation, so that a second
# run in another language (tests run many in one process) starts again from
# the English text.
_ORIGINAL = "_pmledger_msgid"


def option_value(args: Sequence[str], names: tuple[str, ...]) -> str | None:
    """The value of the last ``--name VALUE`` / ``--name=VALUE`` / ``-LVALUE`` before ``--``."""
    found = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        for name in names:
            if arg == name and index + 1 < len(args):
                found = args[index + 1]
            elif name.startswith("--") and arg.startswith(name + "="):
                found = arg[len(name) + 1 :]
            elif not name.startswith("--") and arg.startswith(name) and len(arg) > len(name):
                found = arg[len(name) :]
    return found


def choose_for_args(args: Sequence[str]) -> str:
    """The language of a run with these arguments (flag, environment, ledger, English)."""
    flag = option_value(args, ("--lang",))
    if flag is not None and i18n.normalize_language(flag) is None:
        flag = None  # not a language: the --lang option itself says so
    ledger = option_value(args, ("--ledger", "-L"))

    def from_ledger() -> str | None:
        return i18n.ledger_language(Path(ledger) if ledger else None, environ=os.environ)

    return i18n.choose_language(flag=flag, environ=os.environ, ledger_language=from_ledger)


def _help_holders(command: Any) -> Iterator[Any]:
    yield command
    yield from command.params
    for sub in getattr(command, "commands", {}).values():
        yield from _help_holders(sub)


def translate_help(command: Any) -> None:
    """Put the help of ``command`` and everything under it in the active language."""
    for holder in _help_holders(command):
        for attr in ("help", "short_help", "epilog"):
            if not hasattr(holder, attr):
                continue
            originals = holder.__dict__.setdefault(_ORIGINAL, {})
            if attr not in originals:
                originals[attr] = getattr(holder, attr)
            text = originals[attr]
            setattr(holder, attr, i18n.translate(text) if text else text)


class TranslatingGroup(TyperGroup):
    """The root group: chooses the language before parsing, then translates --help."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        i18n.activate(choose_for_args(args))
        translate_help(self)
        return super().make_context(info_name, args, parent, **extra)


def check_language(value: str | None) -> str | None:
    """The --lang callback: refuse what is not a language pmledger speaks (exit 2)."""
    import typer

    if value is not None and i18n.normalize_language(value) is None:
        raise typer.BadParameter(
            i18n._("{value!r} is not a language pmledger speaks; use en or zh").format(value=value)
        )
    return value
