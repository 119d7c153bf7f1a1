"""Messages in English and Chinese: the catalogs, the language choice, --lang."""

from __future__ import annotations

import gettext
import importlib.util
import io
import re
import string
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer
from typer.core import TyperCommand
from typer.testing import CliRunner

from pmledger import i18n
from pmledger.cli.language import TranslatingGroup, option_value, translate_help

from .cli_helpers import assert_clean_error, invoke, make_ledger
from .conftest import REPO


def _script(name: str) -> ModuleType:
    # The scripts are not a package: load each from its file (it finds its
    # sibling through its own sys.path entry).
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


compile_catalogs = _script("compile_catalogs")
extract_messages = _script("extract_messages")

PO: Path = compile_catalogs.LOCALE / "zh_CN" / "LC_MESSAGES" / "pmledger.po"


def _po() -> list[Any]:
    return [e for e in compile_catalogs.read_po(PO.read_text(encoding="utf-8")) if e.msgid]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# --- the catalog ---------------------------------------------------------


def test_every_message_in_the_source_is_translated() -> None:
    translated = {e.key for e in _po() if e.translated}
    missing = [e.msgid for e in extract_messages.collect() if e.key not in translated]
    assert not missing, (
        "messages without a Chinese translation (run scripts/extract_messages.py, "
        f"translate the empty msgstr in {PO.name}, run scripts/compile_catalogs.py): {missing}"
    )


def test_no_translation_is_unused() -> None:
    used = {e.key for e in extract_messages.collect()}
    unused = [e.msgid for e in _po() if e.key not in used]
    assert not unused, f"translations no source uses (run scripts/extract_messages.py): {unused}"


def test_placeholders_are_the_same_in_both_languages() -> None:
    for entry in _po():
        expected = _fields(entry.msgid_plural or entry.msgid)
        for text in entry.msgstr:
            assert _fields(text) == expected, (entry.msgid, text)


def test_plural_forms_are_declared_and_present() -> None:
    entries = compile_catalogs.read_po(PO.read_text(encoding="utf-8"))
    header = compile_catalogs.header_fields(entries)
    assert header["Plural-Forms"] == "nplurals=1; plural=0;"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    for entry in entries:
        if entry.msgid_plural is not None:
            assert len(entry.msgstr) == extract_messages.nplurals(header), entry.msgid


def test_the_shipped_mo_matches_its_po() -> None:
    mo = PO.with_suffix(".mo")
    assert mo.read_bytes() == compile_catalogs.compile_po(PO), "run scripts/compile_catalogs.py"


def test_the_pot_and_po_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert extract_messages.main(["--check"]) == 0, capsys.readouterr().out


def test_the_mo_is_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["pmledger"]
    package = REPO / "src" / "pmledger"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    assert PO.with_suffix(".mo") in shipped


def test_the_help_of_a_marked_module_is_extracted_from_the_click_tree() -> None:
    entries = list(extract_messages.help_messages(frozenset({"pmledger.cli.init"})))
    assert entries, "init has help texts"
    assert {r for e in entries for r in e.references} == {"src/pmledger/cli/init.py"}
    assert any(e.comments == ["help of pmledger init"] for e in entries)  # the docstring
    assert any(c.startswith("help of pmledger init --") for e in entries for c in e.comments)
    assert not list(extract_messages.help_messages(frozenset()))


def test_the_extractor_refuses_a_message_it_cannot_know(tmp_path: Path) -> None:
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "m.py").write_text('name = "x"\nprint(_(f"hello {name}"))\n', encoding="utf-8")
    with pytest.raises(extract_messages.ExtractError, match=r"m\.py:2"):
        list(extract_messages.source_messages(package))


def test_the_extractor_reads_every_marker(tmp_path: Path) -> None:
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "m.py").write_text(
        "# TRANSLATORS: a greeting\n"
        'a = _("hello")\n'
        'b = ngettext("{n} item", "{n} items", 2)\n'
        'c = pgettext("priority", "high")\n'
        'd = N_("later")\n'
        'e = i18n._("qualified")\n'
        "f = _catalog().gettext(name)\n",
        encoding="utf-8",
    )
    found = list(extract_messages.source_messages(package))
    assert [e.key for e in found] == [
        (None, "hello", None),
        (None, "{n} item", "{n} items"),
        ("priority", "high", None),
        (None, "later", None),
        (None, "qualified", None),
    ]
    assert found[0].comments == ["TRANSLATORS: a greeting"]


def test_written_po_reads_back_and_compiles_for_gettext() -> None:
    entries = [
        compile_catalogs.Entry(msgid='say "hi"\\now', msgstr=['说"嗨"\\现在']),
        compile_catalogs.Entry(msgid="line one\nline two\n", msgstr=["第一行\n第二行\n"]),
        compile_catalogs.Entry(
            msgid="{count} requirement",
            msgid_plural="{count} requirements",
            msgstr=["{count} 个需求"],
        ),
        compile_catalogs.Entry(msgid="high", msgctxt="priority", msgstr=["高"]),
        compile_catalogs.Entry(msgid="fuzzy one", msgstr=["模糊"], fuzzy=True),
        compile_catalogs.Entry(msgid="untranslated", msgstr=[""]),
    ]
    text = extract_messages.write_entries(extract_messages.po_header("zh_CN"), entries)
    back = [e for e in compile_catalogs.read_po(text) if e.msgid]
    assert [(e.key, e.msgstr, e.fuzzy) for e in back] == [
        (e.key, e.msgstr, e.fuzzy) for e in entries
    ]
    mo = compile_catalogs.mo_bytes(compile_catalogs.read_po(text))
    catalog = gettext.GNUTranslations(io.BytesIO(mo))
    assert catalog.gettext('say "hi"\\now') == '说"嗨"\\现在'
    assert catalog.gettext("line one\nline two\n") == "第一行\n第二行\n"
    assert catalog.ngettext("{count} requirement", "{count} requirements", 1) == "{count} 个需求"
    assert catalog.ngettext("{count} requirement", "{count} requirements", 5) == "{count} 个需求"
    assert catalog.pgettext("priority", "high") == "高"
    assert catalog.gettext("fuzzy one") == "fuzzy one"  # fuzzy: not trusted
    assert catalog.gettext("untranslated") == "untranslated"


def test_merge_keeps_translations_adds_new_and_drops_unused() -> None:
    old = extract_messages.write_entries(
        extract_messages.po_header("zh_CN"),
        [
            compile_catalogs.Entry(msgid="kept", msgstr=["保留"]),
            compile_catalogs.Entry(msgid="gone", msgstr=["删除"]),
        ],
    )
    new = [
        compile_catalogs.Entry(msgid="kept"),
        compile_catalogs.Entry(msgid="{n} new", msgid_plural="{n} news"),
    ]
    text, dropped = extract_messages.merge(new, old, "zh_CN")
    entries = {e.msgid: e for e in compile_catalogs.read_po(text) if e.msgid}
    assert entries["kept"].msgstr == ["保留"]
    assert entries["{n} new"].msgstr == [""]  # one plural form in Chinese
    assert [e.msgid for e in dropped] == ["gone"]


# --- choosing the language ---------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh", "zh"),
        ("zh_CN.UTF-8", "zh"),
        ("zh-CN", "zh"),
        ("zh_Hans", "zh"),
        ("zh_SG", "zh"),
        ("ZH", "zh"),
        ("en", "en"),
        ("en_US.UTF-8", "en"),
        ("en_GB@euro", "en"),
        ("zh_TW.UTF-8", None),  # Traditional Chinese: no catalog
        ("fr_FR.UTF-8", None),
        ("C", None),
        ("C.UTF-8", None),
        ("POSIX", None),
        ("", None),
    ],
)
def test_normalize_language(tag: str, expected: str | None) -> None:
    assert i18n.normalize_language(tag) == expected


@pytest.mark.parametrize(
    ("flag", "env", "ledger", "expected"),
    [
        ("zh", {"PMLEDGER_LANG": "en", "LANG": "en_US.UTF-8"}, "en", "zh"),
        (None, {"PMLEDGER_LANG": "zh", "LANG": "en_US.UTF-8"}, "en", "zh"),
        (None, {"PMLEDGER_LANG": "zh_CN.UTF-8"}, None, "zh"),
        (None, {"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, None, "zh"),
        (None, {"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}, None, "zh"),
        (None, {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, None, "zh"),
        (None, {"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "zh", "en"),
        (None, {"LANG": "zh_CN.UTF-8"}, "en", "zh"),
        (None, {"LANG": "en_US.UTF-8"}, "zh", "en"),  # an English teammate
        (None, {"LANG": "C.UTF-8"}, "zh", "zh"),  # no locale: the ledger decides
        (None, {"LANG": "fr_FR.UTF-8"}, "zh", "zh"),
        (None, {}, "zh", "zh"),
        (None, {}, None, "en"),
        (None, {}, "klingon", "en"),
        ("xx", {"PMLEDGER_LANG": "yy"}, None, "en"),
    ],
)
def test_choose_language_order(
    flag: str | None, env: dict[str, str], ledger: str | None, expected: str
) -> None:
    assert i18n.choose_language(flag=flag, environ=env, ledger_language=lambda: ledger) == expected


def test_the_ledger_is_read_only_when_needed() -> None:
    def boom() -> str:
        raise AssertionError("pmledger.toml read although the locale decided")

    assert i18n.choose_language(environ={"LANG": "zh_CN.UTF-8"}, ledger_language=boom) == "zh"


def test_ledger_language_reads_the_nearest_setting(tmp_path: Path) -> None:
    (tmp_path / "pmledger.toml").write_text('[ledger]\nlanguage = "zh"\n', encoding="utf-8")
    inner = tmp_path / "requirements"
    inner.mkdir()
    assert i18n.ledger_language(cwd=inner, environ={}) == "zh"
    assert i18n.ledger_language(tmp_path, environ={}, cwd=Path("/")) == "zh"
    assert i18n.ledger_language(environ={"PMLEDGER_DIR": str(tmp_path)}, cwd=Path("/")) == "zh"
    (tmp_path / "pmledger.toml").write_text("not = [toml", encoding="utf-8")
    assert i18n.ledger_language(cwd=inner, environ={}) is None


def test_ledger_language_uses_the_settings_names() -> None:
    from pmledger.ledger import settings

    assert (i18n._CONFIG_NAME, i18n._ENV_LEDGER) == (settings.CONFIG_NAME, settings.ENV_LEDGER)


def test_messages_follow_the_active_language() -> None:
    msgid = "empty date; expected {forms}"
    assert i18n._(msgid) == msgid  # the tests run in English
    with i18n.using("zh"):
        assert i18n.active_language() == "zh"
        assert i18n._(msgid).startswith("日期为空")
    assert i18n._(msgid) == msgid
    assert i18n.ngettext("{n} item", "{n} items", 1) == "{n} item"
    assert i18n.ngettext("{n} item", "{n} items", 2) == "{n} items"
    with pytest.raises(ValueError, match="unsupported"):
        i18n.activate("fr")


def test_using_speaks_in_its_own_thread_only() -> None:
    # The core words `check` in English with `using("en")`; a library caller's
    # other threads must not change language meanwhile, and overlapping blocks
    # must leave the process's language as it was.
    import threading

    msgid = "empty date; expected {forms}"
    inside, leave = threading.Event(), threading.Event()
    seen: list[str] = []

    def speak_chinese() -> None:
        with i18n.using("zh"):
            seen.append(i18n._(msgid))
            inside.set()
            leave.wait(60)

    thread = threading.Thread(target=speak_chinese)
    thread.start()
    assert inside.wait(60)
    try:
        assert i18n.active_language() == "en"
        assert i18n._(msgid) == msgid
        with i18n.using("en"):  # overlapping, and closed first
            assert i18n._(msgid) == msgid
    finally:
        leave.set()
        thread.join(60)
    assert seen[0].startswith("日期为空")
    assert i18n.active_language() == "en"
    assert i18n._(msgid) == msgid


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lang", "zh", "list"], "zh"),
        (["--lang=zh", "list"], "zh"),
        (["--lang", "en", "--lang", "zh"], "zh"),
        (["add", "--", "--lang", "zh"], None),
        (["--lang"], None),
    ],
)
def test_option_value(args: list[str], expected: str | None) -> None:
    assert option_value(args, ("--lang",)) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["-L", "x"], "x"), (["-Lx"], "x"), (["--ledger=x"], "x"), (["--ledger", "x"], "x")],
)
def test_option_value_of_the_ledger(args: list[str], expected: str) -> None:
    assert option_value(args, ("--ledger", "-L")) == expected


def test_core_i18n_stays_light() -> None:
    code = (
        "import sys, pmledger.i18n, pmledger.i18n.labels, pmledger.dates;"
        "heavy = {'typer', 'rich', 'click', 'pydantic', 'gettext', 'tomllib'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    # gettext and tomllib too: loaded only when a message or the ledger setting is needed.
    assert out.strip() == "[]"


# --- the CLI -------------------------------------------------------------

BAD_DUE = ["add", "t", "--no-input", "--due", "乱写"]


def test_lang_flag_speaks_chinese(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    result = invoke(["--lang", "zh", *BAD_DUE])
    assert_clean_error(result, 2)
    assert "无法把 '乱写' 识别为日期" in result.stderr
    # The next command, without the flag, is English again.
    result = invoke(BAD_DUE)
    assert "cannot read '乱写' as a date" in result.stderr


def test_pmledger_lang_variable(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    result = invoke(BAD_DUE, env={"PMLEDGER_LANG": "zh_CN.UTF-8"})
    assert "无法把" in result.stderr


def test_locale_then_ledger_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_ledger(tmp_path)
    config = root / "pmledger.toml"
    # Whether or not init's template writes a language key, the ledger says zh.
    text = re.sub(r"(?m)^language = .*\n", "", config.read_text(encoding="utf-8"))
    config.write_text(text.replace("[ledger]\n", '[ledger]\nlanguage = "zh"\n'), encoding="utf-8")
    monkeypatch.delenv("PMLEDGER_LANG")
    for name in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "无法把" in invoke(BAD_DUE).stderr
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert "cannot read" in invoke(BAD_DUE).stderr
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    (root / "pmledger.toml").write_text('[ledger]\nlanguage = "en"\n', encoding="utf-8")
    assert "无法把" in invoke(BAD_DUE).stderr


def test_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    result = invoke(["--lang", "fr", "list"])
    assert_clean_error(result, 2)
    assert "--lang" in result.stderr
    result = invoke(["list"], env={"PMLEDGER_LANG": "klingon"})
    assert_clean_error(result, 2)


def test_help_is_translated_where_it_is_shown() -> None:
    # A help text that is in the catalog, on a throwaway app built like pmledger's.
    msgid = "empty date; expected {forms}"
    app = typer.Typer(cls=TranslatingGroup, add_completion=False)

    @app.callback()
    def root(lang: str = typer.Option(None, "--lang", help=msgid)) -> None:
        """Root."""

    @app.command()
    def sub() -> None:
        """Sub."""

    runner = CliRunner()
    assert "日期为空" in runner.invoke(app, ["--lang", "zh", "--help"]).stdout
    english = runner.invoke(app, ["--lang", "en", "--help"]).stdout
    assert "empty date" in english
    assert "日期为空" not in english


def test_translate_help_keeps_the_english_original() -> None:
    command = TyperCommand(name="x", help="empty date; expected {forms}")
    with i18n.using("zh"):
        translate_help(command)
        assert (command.help or "").startswith("日期为空")
        translate_help(command)  # twice: still from the English text
        assert (command.help or "").startswith("日期为空")
    translate_help(command)
    assert command.help == "empty date; expected {forms}"
