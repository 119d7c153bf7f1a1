"""Messages in the user's language: English (the msgids) or Simplified Chinese.

Standard gettext: the ``pmledger`` domain, a catalog per language under
``pmledger/locale/<lang>/LC_MESSAGES/pmledger.mo`` (compiled from the ``.po``
beside it by ``scripts/compile_catalogs.py``). Strings are marked where they
are written::

    from pmledger.i18n import _, ngettext

    raise InvalidValueError(_("cannot read {text!r} as a date").format(text=text))
    ngettext("{count} requirement", "{count} requirements", n).format(count=n)

The language is chosen once per process (``choose_language``: --lang, then
``PMLEDGER_LANG``, then the locale variables as gettext reads them, then the
ledger's ``language`` setting) and activated with ``activate``. Until then the
first message looks at the environment alone. Nothing here imports more than
the standard library, and the catalog is read only when a message needs it.
"""

from __future__ import annotations

import _thread
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import threading
    from gettext import NullTranslations

DOMAIN = "pmledger"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENV_LANG = "PMLEDGER_LANG"
# The languages pmledger speaks, and the catalog folder of each (English is
# the msgids themselves: it has no catalog).
LANGUAGES: tuple[str, ...] = ("en", "zh")
_CATALOG = {"zh": "zh_CN"}
# The order in which gettext reads the locale variables.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_active: str | None = None
_translations: NullTranslations | None = None


def normalize_language(text: str) -> str | None:
    """``en``/``zh`` for a language tag such as ``zh_CN.UTF-8``, ``zh-Hans`` or ``EN``.

    ``None`` for what pmledger does not speak, and for ``C``/``POSIX`` (no
    language at all). Traditional Chinese (``zh_TW``, ``zh_HK``, ``zh_Hant``)
    is not Simplified Chinese: ``None``, as gettext would find no catalog.
    """
    tag = text.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if tag in ("en", "zh") or tag.startswith("en_"):
        return tag[:2]
    if tag.startswith("zh_"):
        region = tag[3:]
        return "zh" if region in ("cn", "sg", "hans", "hans_cn", "hans_sg", "my") else None
    return None


def language_from_environment(environ: Mapping[str, str]) -> str | None:
    """The language the locale variables ask for, read in gettext's order.

    As in gettext, the first variable that is set decides, and ``LANGUAGE``
    may list several languages (``fr:zh_CN:en``): the first one pmledger
    speaks wins. ``None`` when the locale names no language pmledger speaks
    (``C``, ``POSIX``, ``fr_FR``): the ledger's setting then decides.
    """
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if not value:
            continue
        for part in value.split(":"):
            found = normalize_language(part) if part else None
            if found:
                return found
        return None
    return None


def choose_language(
    *,
    flag: str | None = None,
    environ: Mapping[str, str] | None = None,
    ledger_language: Callable[[], str | None] | None = None,
) -> str:
    """The language of this run: ``flag``, ``$PMLEDGER_LANG``, the locale, the ledger, English.

    ``ledger_language`` is called only when nothing before it decides (reading
    ``pmledger.toml`` costs a file read).
    """
    env = os.environ if environ is None else environ
    for candidate in (flag, env.get(ENV_LANG)):
        found = normalize_language(candidate) if candidate else None
        if found:
            return found
    found = language_from_environment(env)
    if found:
        return found
    if ledger_language is not None:
        found = normalize_language(ledger_language() or "")
        if found:
            return found
    return "en"


def activate(language: str) -> None:
    """Speak ``language`` (``en`` or ``zh``) from now on; its catalog is read on first use."""
    global _active, _translations
    found = normalize_language(language)
    if found is None:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    if found != _active:
        _active, _translations = found, None


def reset() -> None:
    """Forget the chosen language: the next message chooses again from the environment."""
    global _active, _translations
    _active, _translations = None, None


def active_language() -> str:
    """The language messages are in (chosen from the environment if nobody chose)."""
    if _overrides:
        language: str | None = getattr(_local, "language", None)
        if language is not None:
            return language
    if _active is None:
        activate(choose_language())
    assert _active is not None
    return _active


@contextmanager
def using(language: str) -> Iterator[None]:
    """Speak ``language`` inside a ``with`` block, in this thread only, then as before.

    Per thread: the core words a ``check`` in English this way while a
    library caller's other threads go on in their language (a process-wide
    switch let them speak English meanwhile, and two overlapping blocks
    could restore the wrong language for good).
    """
    global _overrides
    found = normalize_language(language)
    if found is None:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    local = _thread_state()
    saved = (getattr(local, "language", None), getattr(local, "translations", None))
    local.language, local.translations = found, None
    with _GUARD:
        _overrides += 1
    try:
        yield
    finally:
        local.language, local.translations = saved
        with _GUARD:
            _overrides -= 1


# How many `using` blocks are open in any thread: while none is, a message
# looks at the process's language alone (no per-thread lookup).
_overrides = 0
_GUARD = _thread.allocate_lock()
_local: threading.local | None = None


def _thread_state() -> threading.local:
    global _local
    if _local is None:
        import threading  # not at start-up: --help and the merge driver need no thread

        with _GUARD:
            if _local is None:
                _local = threading.local()
    return _local


def _load(language: str) -> NullTranslations:
    import gettext

    folder = _CATALOG.get(language)
    if folder is None:
        return gettext.NullTranslations()
    # A missing catalog is a broken install, but English is still
    # better than a crash in the middle of an error message.
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder], fallback=True)


def _catalog() -> NullTranslations:
    global _translations
    if _overrides and getattr(_local, "language", None) is not None:
        translations: NullTranslations | None = _local.translations  # type: ignore[union-attr]
        if translations is None:
            translations = _local.translations = _load(_local.language)  # type: ignore[union-attr]
        return translations
    if _translations is None:
        _translations = _load(active_language())
    return _translations


def _(message: str) -> str:
    """``message`` in the active language (the English text when it has no translation)."""
    return _catalog().gettext(message)


def translate(message: str) -> str:
    """``_`` for text marked elsewhere (``N_`` constants, help texts): not a marker itself.

    ``_(variable)`` is refused by the extraction script, which could not know
    the text; this says "the text is in the catalog already".
    """
    return _catalog().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the active language's plural rule."""
    return _catalog().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` translated in ``context`` (for a short word that means two things)."""
    return _catalog().pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now.

    For text translated later, where it is shown (help texts, labels in a
    table of constants): ``_(value)`` at that point finds it in the catalog.
    """
    return message


__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "activate",
    "active_language",
    "choose_language",
    "language_from_environment",
    "ledger_language",
    "ngettext",
    "normalize_language",
    "pgettext",
    "reset",
    "translate",
    "using",
]


# The same names as pmledger.ledger.settings (CONFIG_NAME, ENV_LEDGER), which
# imports pydantic: too slow to load only to choose the language of --help.
_CONFIG_NAME = "pmledger.toml"
_ENV_LEDGER = "PMLEDGER_DIR"


def ledger_language(
    explicit: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> str | None:
    """The ``ledger.language`` setting of the ledger this run would open, if any.

    Found as the ledger is (``--ledger``, ``$PMLEDGER_DIR``, the nearest
    ``pmledger.toml`` upward) but forgiving: a missing or broken file is the
    ledger loader's to report, so here it only means "no setting".
    """
    env = os.environ if environ is None else environ
    if explicit is None and env.get(_ENV_LEDGER):
        explicit = Path(env[_ENV_LEDGER])
    if explicit is not None:
        candidates = [explicit.expanduser() / _CONFIG_NAME]
    else:
        start = cwd or Path.cwd()
        candidates = [folder / _CONFIG_NAME for folder in (start, *start.parents)]
    for path in candidates:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        if "language" not in text and "\\u" not in text and "\\U" not in text:
            # No key can name it (not even escaped): no TOML parser on most
            # start-ups (~3 ms).
            return None
        import tomllib

        try:
            section = tomllib.loads(text).get("ledger", {})
        except tomllib.TOMLDecodeError:
            return None
        value = section.get("language") if isinstance(section, dict) else None
        return value if isinstance(value, str) else None
    return None
