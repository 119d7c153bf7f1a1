"""click's usage errors in the reader's words (``No such option``, ``Invalid
value for '--top'``): click writes them as English f-strings, and typer's
number check in pydantic's words."""

from __future__ import annotations

from typing import Any

from pmledger import i18n
from pmledger.i18n import N_

# Set on a refused number's error by NumberOption (pmledger.cli.language): the
# text as typed by its ASCII form, so that the message quotes what was typed.
TYPED = "_pmledger_typed"


# click's usage errors are English f-strings in typer's vendored click (no
# gettext). In Chinese they are rebuilt from what each exception carries
# (the option, the parameter, the value) or, for the few that carry only
# their text, matched against click's exact sentence; anything else (a new
# typer wording) stays as click wrote it. In English only pydantic's wording
# of a refused number is replaced.
_CLICK_SENTENCES: tuple[tuple[str, str], ...] = (
    (r"No such command (?P<name>.+)\. Did you mean (?P<choices>.+)\?", N_("No such command {name}. Did you mean {choices}?")),
    (r"No such command (?P<name>.+)\.", N_("No such command {name}.")),
    (r"Missing command\.", N_("Missing command.")),
    (r"Got unexpected extra argument\(s\) \((?P<arguments>.*)\)", N_("Got unexpected extra argument(s) ({arguments})")),
    (r"Option (?P<option>'.+') requires an argument\.", N_("Option {option} requires an argument.")),
    (r"Option (?P<option>'.+') requires (?P<count>\d+) arguments\.", N_("Option {option} requires {count} arguments.")),
    (r"Option (?P<option>'.+') does not take a value\.", N_("Option {option} does not take a value.")),
    (r"(?P<value>.+) is not one of (?P<choices>.+)\.", N_("{value} is not one of {choices}.")),
)  # fmt: skip

# pydantic checks typer's int/float options; its wording is not for people.
_PYDANTIC_REASONS: dict[str, str] = {
    "int_parsing": N_("{value!r} is not a whole number"),
    "int_from_float": N_("{value!r} is not a whole number"),
    "float_parsing": N_("{value!r} is not a number"),
    "greater_than_equal": N_("{value!r} is too small: the least is {limit}"),
    "greater_than": N_("{value!r} is too small: it must be more than {limit}"),
    "less_than_equal": N_("{value!r} is too large: the most is {limit}"),
    "less_than": N_("{value!r} is too large: it must be less than {limit}"),
}


def _sentence(text: str) -> str | None:
    import re

    for pattern, msgid in _CLICK_SENTENCES:
        found = re.fullmatch(pattern, text, flags=re.DOTALL)
        if found:
            return i18n.translate(msgid).format(**found.groupdict())
    return None


def _param_hint(error: Any) -> str | None:
    hint = getattr(error, "param_hint", None)
    if hint is None and getattr(error, "param", None) is not None:
        hint = error.param.get_error_hint()
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(x) for x in hint)
    if hint is not None:
        import re

        # typer appends the variable an option also reads.
        hint = re.sub(
            r" \(env var: (?P<name>'[^']*')\)",
            lambda m: i18n._(" (env var: {name})").format(name=m["name"]),
            hint,
        )
    return hint


def _pydantic_reason(error: Any) -> str | None:
    """Why pydantic refused an option's value, worded for people (None: not pydantic's)."""
    cause = error.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        first = (errors() or [{}])[0]
        msgid = _PYDANTIC_REASONS.get(first.get("type", ""))
        if msgid is not None:
            context = first.get("ctx") or {}
            limit = next((context[k] for k in ("ge", "gt", "le", "lt") if k in context), "")
            if isinstance(limit, float) and limit.is_integer():
                limit = int(limit)  # "the least is 0", not 0.0
            value = first.get("input")
            if isinstance(value, str):
                value = getattr(error, TYPED, {}).get(value, value)  # as typed: '－３', not '-3'
            return i18n.translate(msgid).format(value=value, limit=limit)
    return None


def _reason(error: Any) -> str:
    """Why a value was refused, in the active language when pmledger knows the wording."""
    reason = _pydantic_reason(error)
    if reason is not None:
        return reason
    text = str(error.message)
    return _sentence(text) or text


def _bad_value(error: Any, reason: str) -> str:
    hint = _param_hint(error)
    if hint is None:
        return i18n._("Invalid value: {reason}").format(reason=reason)
    return i18n._("Invalid value for {name}: {reason}").format(name=hint, reason=reason)


def _misplaced_lang(error: Any) -> str | None:
    """``pmledger rank --lang zh``: where --lang goes, instead of "did you mean --tag"."""
    if type(error).__name__ != "NoSuchOption" or error.option_name != "--lang":
        return None
    path = getattr(getattr(error, "ctx", None), "command_path", "") or "pmledger COMMAND"
    first, _sep, rest = path.partition(" ")
    example = f"{first} --lang zh {rest}".rstrip()
    return i18n._("--lang goes before the command: {example}").format(example=example)


def _misplaced_root_flag(error: Any) -> str | None:
    """``pmledger list --debug``: a flag of pmledger itself (--debug,
    --version) typed after the command, where click only said "No such option"."""
    ctx = getattr(error, "ctx", None)
    if type(error).__name__ != "NoSuchOption" or ctx is None or ctx.parent is None:
        return None
    root = ctx.find_root()
    flags = {
        name: param
        for param in root.command.params
        if getattr(param, "is_flag", False) and not getattr(param, "hidden", False)
        for name in param.opts
        if name not in ("-h", "--help") and "completion" not in name
    }
    param = flags.get(error.option_name)
    if param is None:
        return None
    first, _sep, rest = ctx.command_path.partition(" ")
    # `--version` answers alone: no command after it.
    example = f"{first} {error.option_name}" + ("" if param.is_eager else f" {rest}")
    return i18n._("{option} goes before the command: {example}").format(
        option=error.option_name, example=example
    )


def _english_message(error: Any) -> str | None:
    """Click's English, except pydantic's wording of a refused number (None: keep click's)."""
    if type(error).__name__ != "BadParameter":
        return None
    reason = _pydantic_reason(error)
    return None if reason is None else _bad_value(error, reason)


def _chinese_message(error: Any) -> str | None:
    """The text of a click usage error in the active language, or None to keep click's."""
    kind = type(error).__name__
    if kind == "NoSuchOption":
        if not str(error.message).startswith("No such option"):
            return None
        option = error.option_name
        if error.possibilities:
            return i18n._("No such option: {option}. Did you mean {choices}?").format(
                option=option, choices=", ".join(sorted(error.possibilities))
            )
        return i18n._("No such option: {option}").format(option=option)
    if kind == "MissingParameter":
        missing = _param_hint(error) or ""
        param_type = error.param_type or getattr(error.param, "param_type_name", "")
        if param_type == "argument":
            return i18n._("Missing argument {name}.").format(name=missing)
        if param_type == "option":
            return i18n._("Missing option {name}.").format(name=missing)
        return i18n._("Missing parameter {name}.").format(name=missing)
    if kind == "BadParameter":
        return _bad_value(error, _reason(error))
    if kind in ("UsageError", "BadOptionUsage", "BadArgumentUsage"):
        return _sentence(str(error.message))
    return None


def translate_click_error(error: Exception) -> None:
    """Put a click usage error in the reader's words, in place (the caller
    puts typer's words around it: the panel's title, "Try ... for help.")."""
    if not hasattr(error, "format_message"):
        return
    english = i18n.active_language() == "en"
    text = (
        _misplaced_lang(error)
        or _misplaced_root_flag(error)
        or (_english_message(error) if english else _chinese_message(error))
    )
    if text is not None:
        # format_message() is what typer prints in its error panel.
        error.format_message = lambda: text
