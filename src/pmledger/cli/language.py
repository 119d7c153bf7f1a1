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

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from pmledger import i18n
from pmledger.cli import typed_options
from pmledger.cli.usage_errors import TYPED, translate_click_error
from pmledger.i18n import N_

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


# The root options that take a value (the rest are flags).
_ROOT_VALUED = ("--lang", "--ledger", "-L")


def root_args(args: Sequence[str]) -> Sequence[str]:
    """The arguments before the command's name: the root options.

    ``report --lang`` (the report's language) is not the run's ``--lang``.
    """
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--" or not arg.startswith("-"):
            break
        index += 2 if arg in _ROOT_VALUED else 1
    return args[:index]


def choose_for_args(args: Sequence[str]) -> str:
    """The language of a run with these arguments (flag, environment, ledger, English)."""
    args = root_args(args)
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


class PlainOption(TyperOption):
    """An option whose --help shows its metavar (``DATE``), or nothing for a flag.

    Typer shows Python types (``<bool>``, ``<list[str]>``, ``<float range>
    [x>=0]``) that mean nothing to a product manager; a bound belongs in the
    option's help sentence.
    """

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar or placeholder(self)

    def _get_number_range_help_str(self) -> str | None:
        return None


# (A refused number's original text goes on its error as usage_errors.TYPED.)


class NumberOption(PlainOption):
    """An int or float option that reads full-width digits as ASCII ones (``-e ３`` is 3).

    docs/i18n.md promises full-width forms read as ASCII everywhere; typer's
    pydantic check takes ASCII digits only, so the value is read that way first.
    """

    def process_value(self, ctx: Any, value: Any) -> Any:
        from pmledger.text import ascii_forms

        typed = value
        if isinstance(value, str):
            value = ascii_forms(value)
        elif isinstance(value, (list, tuple)):
            value = type(value)(ascii_forms(v) if isinstance(v, str) else v for v in value)
        try:
            return super().process_value(ctx, value)
        except typer.BadParameter as error:
            if value != typed:
                pairs = (
                    zip(value, typed, strict=True)
                    if isinstance(value, (list, tuple))
                    else [(value, typed)]
                )
                setattr(error, TYPED, dict(pairs))
            raise


def _reads_number(param: Any) -> bool:
    from typing import get_args, get_origin

    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if get_origin(annotation) in (list, tuple):
        return bool(get_args(annotation)) and all(a in (int, float) for a in get_args(annotation))
    return annotation in (int, float)


class PlainArgument(TyperArgument):
    """An argument shown by its metavar alone: ``ID`` (required), ``[TEXT]...`` (optional)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + "..." if self.nargs != 1 else name

    def _get_number_range_help_str(self) -> str | None:
        return None


def placeholder(param: Any) -> str:
    """An uppercase placeholder for a value-taking parameter that names none."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None and descriptor.is_path:
        return "PATH"
    longest = max(param.opts, key=len, default="") if param.param_type_name == "option" else ""
    name = longest.lstrip("-") if longest.startswith("--") else (param.name or "value")
    return name.upper().replace("_", "-")


# click builds the -h/--help option lazily, outside ``params``; its help is
# translated (and its type hidden) when it is built.
HELP_OPTION_HELP = N_("Show this message and exit.")


def _plain_help_option(original: Callable[[Any], Any], ctx: Any) -> Any:
    option = original(ctx)
    if isinstance(option, TyperOption) and not isinstance(option, PlainOption):
        option.__class__ = PlainOption
    if option is not None:
        option.help = i18n.translate(HELP_OPTION_HELP)
        if not isinstance(option.callback, functools.partial):
            option.callback = functools.partial(_help_reader_left, option.callback)
    return option


def _help_reader_left(show: Callable[..., Any], ctx: Any, param: Any, value: Any) -> Any:
    """Show --help; when the reader has left (`pmledger --help | head -3`),
    succeed, as a command does when its output is cut short."""
    try:
        return show(ctx, param, value)
    except BrokenPipeError:
        from pmledger.cli.errors import quiet_stdout

        quiet_stdout()
    except SystemExit as exc:
        # rich's Console.on_broken_pipe: stdout already sent to /dev/null,
        # then SystemExit(1), the one way showing help exits by itself.
        if exc.code != 1:
            raise
    ctx.exit(0)


def _ledger_after_command(ctx: Any, param: Any, value: Any) -> None:
    # `pmledger list -L examples/acme` means `pmledger -L examples/acme list`.
    from pmledger.cli.common import State

    if value is None:
        return
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    root.obj.ledger_dir = value


def plain_placeholders(group: Any) -> None:
    """Make every parameter of the tree show user placeholders, and take --ledger anywhere.

    Typer builds a new click tree for each run, so this runs once per tree.
    """
    if getattr(group, "_pmledger_plain", False):
        return
    group._pmledger_plain = True
    ledger = next((p for p in group.params if p.name == "ledger"), None)
    for command in _commands(group):
        typed_options.accept(command)
        command.context_class = TranslatingContext
        command.get_help_option = functools.partial(_plain_help_option, command.get_help_option)
        for param in command.params:
            if isinstance(param, TyperOption) and not isinstance(param, PlainOption):
                param.__class__ = NumberOption if _reads_number(param) else PlainOption
            elif isinstance(param, TyperArgument) and not isinstance(param, PlainArgument):
                param.__class__ = PlainArgument
                if param.metavar is None:
                    param.metavar = placeholder(param)
        if command is group or ledger is None or hasattr(command, "commands"):
            continue
        if any(p.name == "ledger" for p in command.params):
            continue
        # The same option (type, conversion) as the root's, under the command.
        copy = _copy_param(ledger)
        copy.callback = _ledger_after_command
        copy.expose_value = False
        copy.hidden = True
        command.params.append(copy)


# click writes "Usage: " before the command line of --help and of a usage
# error, through the formatter of the command's context: the two documented
# hooks (Command.context_class, Context.formatter_class) put it in the
# reader's language.
USAGE_PREFIX = N_("Usage: ")


_HelpFormatter: Any = typer.Context.formatter_class


class TranslatingFormatter(_HelpFormatter):  # type: ignore[misc]
    """click's help formatter, with "Usage: " in the active language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, i18n.translate(USAGE_PREFIX) if prefix is None else prefix)


class TranslatingContext(typer.Context):
    """A context whose help (formatter and typer's words) speaks the active language."""

    formatter_class = TranslatingFormatter

    def get_help(self) -> str:
        # --help, and a group called alone, come through here: the moment
        # typer's help module is needed at all.
        translate_typer_words()
        return str(super().get_help())


def _copy_param(param: Any) -> Any:
    import copy

    return copy.copy(param)


def _commands(command: Any) -> Iterator[Any]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _commands(sub)


# The words typer's help formatter adds around ours (module constants of
# typer.rich_utils, read when help or an error panel is printed). "Usage:" is
# translated by TranslatingFormatter, click's error sentences by
# pmledger.cli.usage_errors.
TYPER_WORDS: dict[str, str] = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    # TRANSLATORS: {} is the default value, as typer fills it in.
    "DEFAULT_STRING": N_("[default: {}]"),
    # TRANSLATORS: {} is the name of an environment variable.
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    # TRANSLATORS: keep the rich markup [blue]...[/] around the command.
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}


def translate_typer_words() -> None:
    """Put typer's own help words in the active language (English costs no import).

    Called only when help or an error is about to be printed: importing
    typer's help module costs ~90 ms, which a command that succeeds never pays.
    """
    import sys

    if i18n.active_language() == "en" and "typer.rich_utils" not in sys.modules:
        return
    from typer import rich_utils

    for name, text in TYPER_WORDS.items():
        setattr(rich_utils, name, i18n.translate(text))
    _fold_help_text(rich_utils)


def _fold_help_text(rich_utils: Any) -> None:
    # rich wraps at spaces and cuts a longer run with "…"; Chinese has no
    # spaces, so a sentence lost its middle. Folding breaks such a run at the
    # column edge instead (English words still wrap at spaces).
    from rich.text import Text

    from pmledger.cli import linebreak

    linebreak.install()  # and never "。" at a line's start, nor "（Y" / "YYY-MM-DD"
    for name in ("_make_rich_text", "_get_parameter_help"):
        original = getattr(rich_utils, name)
        if getattr(original, "_pmledger_folds", False):
            continue

        def folded(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            rendered = _original(*args, **kwargs)
            if isinstance(rendered, Text):
                rendered.overflow = "fold"
            return rendered

        folded._pmledger_folds = True  # type: ignore[attr-defined]
        setattr(rich_utils, name, folded)


# click's base exception, reached through typer's public BadParameter
# (typer >= 0.26 vendors click; older versions use click itself).
_CLICK_EXCEPTION: type[Exception] = typer.BadParameter.__mro__[2]


class HelpGroup(TyperGroup):
    """A command group that, called alone, shows its commands and succeeds."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # `pmledger goal` alone asks what it can do: the command list, and success.
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            typer.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(0)
        return super().parse_args(ctx, args)


@contextlib.contextmanager
def _errors_in_language() -> Iterator[None]:
    # Click raises its usage errors (and typer its Abort) while parsing; they
    # are worded here, in the chosen language, before they are shown.
    try:
        yield
    except _CLICK_EXCEPTION as error:
        translate_typer_words()  # the panel's words, then the error's own
        translate_click_error(error)
        raise
    except typer.Abort:
        translate_typer_words()
        raise


class TranslatingGroup(HelpGroup):
    """The root group: chooses the language before parsing, then translates --help and errors."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        i18n.activate(choose_for_args(args))
        plain_placeholders(self)
        translate_help(self)
        with _errors_in_language():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        # A subcommand's arguments are parsed here, inside the root's invoke.
        with _errors_in_language():
            return super().invoke(ctx)


def check_language(value: str | None) -> str | None:
    """The --lang callback: refuse what is not a language pmledger speaks (exit 2)."""
    import typer

    if value is not None and i18n.normalize_language(value) is None:
        raise typer.BadParameter(
            i18n._("{value!r} is not a language pmledger speaks; use en or zh").format(value=value)
        )
    return value
