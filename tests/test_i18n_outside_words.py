"""Words from outside pmledger inside a Chinese sentence: the operating system's
reason for a file error and tomllib's reason for a syntax error (issue 12).

Chinese gets a translation of the common ones; English keeps the OS's and the
parser's own words exactly.
"""

from __future__ import annotations

import errno
import tomllib
from datetime import date
from pathlib import Path

import pytest

from pmledger import i18n
from pmledger.check.files import unreadable
from pmledger.errors import ConfigError, InvalidFileError, os_reason
from pmledger.ledger.atomic import write_atomic
from pmledger.ledger.fileformat import TOML_REASONS, parse_toml, toml_reason
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import load_settings
from tests.cli_helpers import AS_OF, assert_clean_error, copy_example, invoke, isolate_env


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_env(monkeypatch, tmp_path)


# --- the operating system's reason -------------------------------------------


@pytest.mark.parametrize(
    ("code", "own", "chinese"),
    [
        (errno.ENOENT, "No such file or directory", "没有那个文件或目录"),
        (errno.EACCES, "Permission denied", "权限不够"),
        (errno.EISDIR, "Is a directory", "这是一个目录，不是文件"),
        (errno.ENOSPC, "No space left on device", "磁盘空间已满"),
        (errno.EROFS, "Read-only file system", "文件系统是只读的"),
        (errno.EEXIST, "File exists", "文件已存在"),
        (errno.ENOTDIR, "Not a directory", "路径中有一项不是目录"),
    ],
)
def test_os_reason_in_chinese_and_the_os_words_in_english(
    code: int, own: str, chinese: str
) -> None:
    exc = OSError(code, own)
    with i18n.using("zh"):
        assert os_reason(exc) == chinese
    with i18n.using("en"):
        assert os_reason(exc) == own


def test_os_reason_falls_back_to_the_os_words() -> None:
    # An errno outside the table (and the OS's words in another locale) stay as said.
    exc = OSError(errno.ECONNRESET, "Connexion ré-initialisée")
    with i18n.using("zh"):
        assert os_reason(exc) == "Connexion ré-initialisée"


def test_check_keeps_the_os_words_in_english_and_translates_the_shown_message() -> None:
    with i18n.using("zh"):
        english, shown = unreadable(OSError(errno.EACCES, "Permission denied"))
    assert english == "cannot be read: Permission denied"
    assert shown == "无法读取：权限不够"


def test_a_file_error_names_the_file_asked_for_in_both_languages(tmp_path: Path) -> None:
    copy_example(tmp_path)
    target = tmp_path / "no-such-folder" / "report.md"
    zh = invoke(["--lang", "zh", "report", "--as-of", AS_OF, "-o", str(target)])
    assert_clean_error(zh, 1)
    assert zh.stderr == f"pmledger: {target}：没有那个文件或目录\n"
    en = invoke(["--lang", "en", "report", "--as-of", AS_OF, "-o", str(target)])
    assert_clean_error(en, 1)
    assert en.stderr == f"pmledger: {target}: No such file or directory\n"
    # A folder where the file should be: the reader sees the name they typed,
    # not the writer's temporary file.
    folder = invoke(["--lang", "zh", "report", "--as-of", AS_OF, "-o", "requirements"])
    assert_clean_error(folder, 1)
    assert folder.stderr == "pmledger: requirements：这是一个目录，不是文件\n"


def test_the_atomic_writer_names_the_target_not_its_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.toml"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomic(target, "x = 1\n")
    assert caught.value.filename == str(target)


# --- tomllib's reason ----------------------------------------------------------

BROKEN = [
    ('title = "x\n', "字符串中有非法字符 '\\n'", 1),
    ('title "x"\n', "键值对的键后面应有 '='", 1),
    ('title = "x"\ntitle = "y"\n', "不能覆盖已有的值（键重复）", 2),
    ("priority = high\n", "无效的值", 1),
    ("[x\n", "表头末尾应有 ']'", 1),
    ("a = {b = 1, b = 2}\n", "内联表中的键 'b' 重复", 1),
    ('tags = ["a",\n', "无效的值（在文件末尾）", None),
    ('d = """abc\n', "字符串没有结束（缺少引号）（在文件末尾）", None),
    ("[a]\n[a]\n", "不能两次声明 a", 2),
    ('title = "x" extra\n', "一条语句之后应换行（或文件结束）", 1),
]


def _parser_words(text: str) -> str:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return str(exc)
    raise AssertionError("the text parses")


@pytest.mark.parametrize(("text", "chinese", "line"), BROKEN)
def test_toml_reason_in_chinese_with_its_line(text: str, chinese: str, line: int | None) -> None:
    with i18n.using("zh"), pytest.raises(InvalidFileError) as caught:
        parse_toml(text, Path("r.toml"))
    problem = caught.value.problem
    assert problem.message == f"不是有效的 TOML：{chinese}"
    assert problem.line == line


@pytest.mark.parametrize(("text", "chinese", "line"), BROKEN)
def test_toml_reason_in_english_is_the_parser_s_words(
    text: str, chinese: str, line: int | None
) -> None:
    words = _parser_words(text)
    with i18n.using("en"), pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(text)
    reason, found_line, column = toml_reason(caught.value)
    # The parser's sentence, its position given apart (kept in the reason at the end).
    if found_line is None:
        assert reason == words
    else:
        assert words == f"{reason} (at line {found_line}, column {column})"


def test_every_translated_reason_is_one_the_parser_says() -> None:
    # Each case above hits a different entry; a Python whose tomllib words a
    # reason differently falls back to its words, and this fails to say so.
    for text, _chinese, _line in BROKEN:
        with i18n.using("zh"):
            shown, _, _ = toml_reason(_caught(text))
        with i18n.using("en"):
            english, _, _ = toml_reason(_caught(text))
        assert shown != english, english
    assert len(TOML_REASONS) == len(set(TOML_REASONS))


def _caught(text: str) -> tomllib.TOMLDecodeError:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return exc
    raise AssertionError("the text parses")


def test_an_unknown_reason_stays_as_the_parser_wrote_it() -> None:
    exc = tomllib.TOMLDecodeError("Something new (at line 2, column 3)")
    with i18n.using("zh"):
        assert toml_reason(exc) == ("Something new", 2, 3)


def test_check_and_list_say_the_toml_reason_in_chinese(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    path = sorted((root / "requirements").glob("*.toml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('priority = "', "priority = ", 1), encoding="utf-8")
    zh = invoke(["--lang", "zh", "check"])
    assert zh.exit_code == 1
    assert "不是有效的 TOML：无效的值" in zh.stdout + zh.stderr
    assert "Invalid value" not in zh.stdout + zh.stderr
    en = invoke(["--lang", "en", "check"])
    assert "not valid TOML: Invalid value" in en.stdout + en.stderr
    listed = invoke(["--lang", "zh", "list"])
    assert "不是有效的 TOML：无效的值" in listed.stderr
    as_json = invoke(["--lang", "zh", "check", "--format", "json"])
    assert '"message": "not valid TOML: Invalid value"' in as_json.stdout


def test_a_broken_settings_file_in_both_languages(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    settings = root / "pmledger.toml"
    settings.write_text("[ledger]\n[ledger]\n", encoding="utf-8")
    with i18n.using("zh"), pytest.raises(ConfigError) as zh:
        load_settings(root)
    assert str(zh.value).endswith("不是有效的 TOML：不能两次声明 ledger（第 2 行第 8 列）")
    with i18n.using("en"), pytest.raises(ConfigError) as en:
        load_settings(root)
    assert str(en.value).endswith(
        "not valid TOML: Cannot declare ('ledger',) twice (at line 2, column 8)"
    )


# --- the report in the report's language -----------------------------------------


def test_report_reasons_follow_the_report_language(tmp_path: Path) -> None:
    copy_example(tmp_path)
    zh = invoke(["--lang", "en", "report", "--as-of", AS_OF, "--lang", "zh"])
    assert zh.exit_code == 0, zh.stderr
    assert "截止日期：" in zh.stdout and "due:" not in zh.stdout
    assert "范围：全部需求" in zh.stdout
    en = invoke(["--lang", "en", "report", "--as-of", AS_OF])
    assert "| due: " in en.stdout and "Scope: all requirements" in en.stdout


def test_report_expected_sprint_in_chinese() -> None:
    from pmledger.report.data import expected

    req = Requirement(
        id="REQ-1",
        title="x",
        status="planned",
        priority="high",
        created=date(2026, 11, 1),
        sprint="2026-S24",
    )
    with i18n.using("zh"):
        assert expected(req) == "迭代 2026-S24"
    with i18n.using("en"):
        assert expected(req) == "sprint 2026-S24"


def test_report_refuses_an_unknown_language_in_chinese(tmp_path: Path) -> None:
    copy_example(tmp_path)
    result = invoke(["--lang", "zh", "report", "--lang", "fr"])
    assert_clean_error(result, 2)
    assert "报告不支持语言 'fr'" in result.stderr


def test_report_lang_is_not_the_run_s_lang(tmp_path: Path) -> None:
    # The run speaks its root --lang; the report's own --lang sets only the report.
    from pmledger.cli.language import root_args

    assert root_args(["--lang", "zh", "-L", "x", "--debug", "report", "--lang", "en"]) == [
        "--lang",
        "zh",
        "-L",
        "x",
        "--debug",
    ]
    copy_example(tmp_path)
    result = invoke(["--lang", "zh", "report", "--lang", "en", "-o", "requirements"])
    assert_clean_error(result, 1)
    assert result.stderr == "pmledger: requirements：这是一个目录，不是文件\n"


def test_an_unreadable_requirement_is_skipped_with_the_reason_in_both_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmledger.ledger.ledger import Ledger

    ledger = Ledger.init(tmp_path / "ledger")
    draft = Requirement(id="REQ-AAAAA", title="t", status="proposed", priority="low", created=AS_OF)
    kept, other = ledger.create(draft), ledger.create(draft)
    locked = ledger.path_for(other.id)
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    # load_all reads relative to the folder's descriptor, not through Path.
    import pmledger.ledger.scan as scan_module

    real_read = scan_module._read_bytes

    def refuse_read(name: str, fd: int | None, folder: Path, size: int) -> bytes:
        if folder / name == locked:
            raise PermissionError(errno.EACCES, "Permission denied", name)
        return real_read(name, fd, folder, size)

    monkeypatch.setattr(scan_module, "_read_bytes", refuse_read)
    for lang, reason in (("en", "cannot be read: Permission denied"), ("zh", "无法读取：权限不够")):
        with i18n.using(lang):
            loaded = ledger.load_all(use_cache=False)
        assert [r.id for r in loaded.requirements] == [kept.id]
        assert [p.message for p in loaded.problems] == [reason]
