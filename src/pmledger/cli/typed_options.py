"""Options as people type them, before click parses them.

click knows an option only as ASCII (``--all``). A Chinese input method
types ``－－all`` or ``——all``, a word processor's smart dashes turn ``--``
into ``—``, full-width mode gives ``--ａｌｌ``, and a full-width space
(U+3000) is no separator to the shell, so ``list　--all`` and ``--all　``
arrive as one word. Left alone, ``pmledger list －－all`` searched for the
text "－－all", listed nothing and succeeded. Here such a word is read as the
option it spells, but only when, so read, it names an option of the command
being parsed (or, before a command, a command): a title or a value that
happens to start with a dash stays as typed.

Where click's error would not say what was meant, the line is refused
naming it: ``-help`` (click's cluster ``-h -e -l -p``: "No such option:
-e"), a command's option typed before the command (``pmledger --format json
list``), an option typed as a command (``pmledger help``), and a shell named
after ``--show-completion`` is the shell served.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from pmledger.i18n import _
from pmledger.text import ascii_forms

# Hyphen, non-breaking hyphen, figure/en/em dash, horizontal bar, minus sign,
# small and full-width hyphen-minus: each is typed where "-" was meant.
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
IDEOGRAPHIC_SPACE = "\u3000"
# Where a value is glued to an option: "=", its full-width form, a full-width space.
_GLUES = ("=", "\uff1d", IDEOGRAPHIC_SPACE)

Parse = Callable[[Any, list[str]], list[str]]


def _click_errors() -> Any:
    # click's exceptions module, reached through typer's public BadParameter
    # (typer >= 0.26 vendors click; older versions use click itself).
    return sys.modules[typer.BadParameter.__module__]


def _options(command: Any, ctx: Any) -> dict[str, Any]:
    """Every option name of ``command`` (``--all``, ``-a``, ``--no-pager``) and its parameter."""
    names: dict[str, Any] = {}
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") != "option":
            continue
        for name in (*param.opts, *param.secondary_opts):
            names[name] = param
    return names


def _takes_value(param: Any) -> bool:
    return not (getattr(param, "is_flag", False) or getattr(param, "count", False))


def _split(token: str) -> tuple[str, str | None]:
    """The option part of a word and the value glued to it (None: no value)."""
    cut = min((i for i in (token.find(g) for g in _GLUES) if i > 0), default=-1)
    if cut < 0:
        return token, None
    return token[:cut], token[cut + 1 :]


def _as_option(token: str, names: dict[str, Any]) -> tuple[list[str], Any] | None:
    """The words ``token`` stands for when it spells an option of ``names``
    in other characters, and that option's parameter; None otherwise."""
    word = token.strip(IDEOGRAPHIC_SPACE)
    if not word or word[0] not in DASHES or (word.isascii() and word == token):
        return None
    typed, value = _split(word)
    lead = len(typed) - len(typed.lstrip(DASHES))
    rest = ascii_forms(typed[lead:]).strip()
    if not rest or not rest.isascii():
        return None
    for name in (f"--{rest}", f"-{rest}"):
        param = names.get(name)
        if param is None:
            continue
        if value is None:
            return [name], param
        if not _takes_value(param):
            return None  # `--all　x`: not an option with a value; left to click
        if word[len(typed)] == IDEOGRAPHIC_SPACE:
            return [name, value], None
        return [f"{name}={value}"], None
    return None


def _single_dash_word(token: str) -> bool:
    return token.startswith("-") and not token.startswith("--") and len(token) > 2


def _check_single_dash(token: str, names: dict[str, Any], ctx: Any) -> None:
    """``-help`` when only ``--help`` exists: name both, instead of click's "-e"."""
    if not token.startswith("-") or token.startswith("--") or len(token) < 3:
        return
    word = token.partition("=")[0]
    if f"-{word}" not in names:
        return
    for letter in word[1:]:
        param = names.get(f"-{letter}")
        if param is None:
            break  # the cluster does not parse: the long option was meant
        if _takes_value(param):
            return  # `-tcrm` is `-t crm`, as click reads it
    else:
        return
    raise _click_errors().NoSuchOption(token, possibilities=[f"-{word}"], ctx=ctx)


def read_typed(command: Any, ctx: Any, args: list[str], *, group: bool) -> list[str]:
    """``args`` with each option typed in other characters as click spells it.

    A group's options end at its first other word (its command's name, read
    through full-width spaces too); a command's options run to ``--``.
    """
    if ctx.resilient_parsing:
        return args
    if not group and all(a.isascii() and not _single_dash_word(a) for a in args):
        return args  # what click reads as typed: nothing to look up
    names = _options(command, ctx)
    out: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        index += 1
        if token == "--":
            out.append(token)
            out.extend(args[index:])
            break
        found = _as_option(token, names)
        if found is not None:
            words, param = found
            out.extend(words)
            token = words[0]
        else:
            _check_single_dash(token, names, ctx)
            out.append(token)
            param = names.get(token)
        if param is not None and _takes_value(param) and index < len(args):
            out.append(args[index])  # the option's value, as typed
            index += 1
        elif param is None and not token.startswith("-") and group:
            out[-1:] = _command_word(command, ctx, token)
            out.extend(args[index:])
            break
        elif param is None and group:
            _check_misplaced(command, ctx, token, args[index : index + 2])
        if group and token in _COMPLETION and args[index : index + 1] in ([s] for s in _SHELLS):
            _complete_for(names[token], ctx, args[index])
    return out


# With shellingham installed, Typer's completion options are flags for the
# shell it detects: `pmledger --show-completion zsh` printed the script of
# the shell it ran in (bash) and `--install-completion zsh` edited ~/.bashrc.
_COMPLETION = ("--install-completion", "--show-completion")
_SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _complete_for(param: Any, ctx: Any, shell: str) -> None:
    """Run Typer's own completion option for the shell named (it exits)."""
    param.callback(ctx, param, shell)


def _check_misplaced(group: Any, ctx: Any, token: str, following: list[str]) -> None:
    """``pmledger --format json list``: an option of the command typed before it,
    where click said only "No such option: --format"."""
    name = token.partition("=")[0]
    for word in following:
        command = None if word.startswith("-") else group.get_command(ctx, word)
        if command is None:
            continue
        param = _options(command, ctx).get(name)
        if param is None:
            return
        words = [word, token]
        if "=" not in token and _takes_value(param) and following[0] != word:
            words.append(following[0])
        example = " ".join([ctx.command_path, *words])
        raise _click_errors().UsageError(
            _("{option} goes after the command: {example}").format(option=name, example=example),
            ctx=ctx,
        )


def _command_word(group: Any, ctx: Any, token: str) -> list[str]:
    """A command name with a full-width space stuck to it (``list　--all``): the name,
    then what followed the space; any other word as it is."""
    word = token.strip(IDEOGRAPHIC_SPACE)
    head, _space, tail = word.partition(IDEOGRAPHIC_SPACE)
    if word == token and not tail:
        _check_option_as_command(group, ctx, token)
        return [token]
    if group.get_command(ctx, head) is None:
        return [token]
    return [head, tail] if tail else [head]


def _check_option_as_command(group: Any, ctx: Any, word: str) -> None:
    """``pmledger help``, ``pmledger version``: the option meant, where typer
    found no command name close enough to suggest."""
    if not word.isalpha() or group.get_command(ctx, word) is not None:
        return
    if f"--{word}" in _options(group, ctx):
        # click's own sentence, so that it is translated with the others.
        raise _click_errors().UsageError(
            f"No such command {word!r}. Did you mean '--{word}'?", ctx=ctx
        )


def accept(command: Any) -> None:
    """Make ``command`` read options typed in other characters (once per command)."""
    if getattr(command, "_pmledger_typed_options", False) or not hasattr(command, "parse_args"):
        return
    command._pmledger_typed_options = True
    original: Parse = command.parse_args
    group = hasattr(command, "commands")

    def parse_args(ctx: Any, args: list[str]) -> list[str]:
        return original(ctx, read_typed(command, ctx, list(args), group=group))

    command.parse_args = parse_args
