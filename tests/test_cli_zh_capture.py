"""Chinese for the capture commands (issue 12, wave 2): add and its questions,
set/status/note, edit, remove, init, and the core messages they show.

What a program reads stays the same in both languages: the files written and
`-f json` are byte-identical whatever `--lang` says.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from pmledger import i18n
from pmledger.cli.add import also_requested
from pmledger.errors import InvalidIdError
from pmledger.ledger.ids import normalize_id

from .cli_helpers import (
    add,
    assert_clean_error,
    invoke,
    make_ledger,
    ok,
    read_req,
    req_path,
    run_module_on_a_terminal,
)

AS_OF = ["--as-of", "2026-11-20"]  # a Friday: 下周五 is 2026-11-27


def test_the_interview_asks_in_chinese_and_takes_chinese_answers(root: Path) -> None:
    pytest.importorskip("termios")
    first = add("客户列表导出", "--requester", "王芳", "--department", "销售部")
    # A new title: priority (a typo, then 高), requester, department, due, effort,
    # owner, tags, context.
    answers = "会员积分同步\n特高\n高\n李雷\n销售部\n下周五\n三\n3\n韩梅梅\ncrm\n\n"
    new = run_module_on_a_terminal(["--lang", "zh", "add", *AS_OF], cwd=root, answers=answers)
    assert new.returncode == 0, new.stderr
    # (click writes a prompt's last character with the input, to the terminal)
    for prompt in ("标题", "优先级（紧急/高/中/低", "[中]", "提出人", "部门", "截止日期"):
        assert prompt in new.stderr
    assert "'特高' 不是优先级" in new.stderr
    assert "'三' 不是工作量" in new.stderr
    assert "Priority" not in new.stderr and "Error" not in new.stderr
    data = read_req(root, new.stdout.split()[-1])
    assert (data["priority"], str(data["due"]), data["department"]) == (
        "high",
        "2026-11-27",
        "销售部",
    )
    # The same title again: offered the existing one, answered 是.
    again = run_module_on_a_terminal(
        ["--lang", "zh", "add"], cwd=root, answers="客户列表导出\n是\n赵敏\n财务部\n"
    )
    assert again.returncode == 0, again.stderr
    assert f"标题相同：{first}" in again.stderr
    assert "（提议）" in again.stderr  # the status by its label
    assert "[是/否，默认是]" in again.stderr
    assert again.stdout.split()[-1] == first
    notes = read_req(root, first)["notes"]
    assert notes[-1]["text"] == "财务部的赵敏也提出了这个需求。"


def test_the_request_note_is_a_whole_sentence_in_each_language() -> None:
    assert also_requested("Wang Fang", "Sales", "", "t") == "Also requested by Wang Fang (Sales)"
    assert also_requested(None, None, "t", "t") == "Also requested by someone"
    with i18n.using("zh"):
        assert also_requested("王芳", None, "导出 CSV", "导出") == "王芳也提出了这个需求：导出 CSV"
        assert also_requested(None, "销售部", "", "t") == "销售部也有人提出了这个需求。"


def test_add_set_status_note_speak_chinese_and_write_the_same_files(tmp_path: Path) -> None:
    files: dict[str, list[bytes]] = {}
    listings: dict[str, str] = {}
    for lang in ("en", "zh"):
        root = make_ledger(tmp_path, f"ledger-{lang}")
        rid = add("Customer list export")
        dup = invoke(["--lang", lang, "add", "Customer list export", "--no-input"])
        assert_clean_error(dup, 1)
        if lang == "zh":
            assert "已是需求" in dup.stderr and "（提议）" in dup.stderr
        ok(["--lang", lang, "set", rid, "priority=高", "due=下周五", "department=销售部", *AS_OF])
        unchanged = ok(["--lang", lang, "set", rid, "priority=high"])
        ok(["--lang", lang, "status", rid, "进行中"])
        bad = invoke(["--lang", lang, "set", rid, "colour=red"])
        assert_clean_error(bad, 2)
        if lang == "zh":
            assert unchanged.stdout.strip() == f"{rid}（未改动）"
            assert "未知字段 'colour'" in bad.stderr
        else:
            assert "unknown field 'colour'" in bad.stderr
        files[lang] = [req_path(root, rid).read_bytes()]
        # The only difference allowed: the ID and the creation time of each run.
        listing = ok(["--lang", lang, "list", "-f", "json"]).stdout.replace(rid, "ID")
        listings[lang] = re.sub(r'"created":"[^"]*"', '"created":""', listing)
        text = req_path(root, rid).read_text(encoding="utf-8")
        files[lang] = [text.replace(rid, "ID").encode()]
    assert listings["zh"] == listings["en"]
    strip = [
        b"\n".join(line for line in f[0].splitlines() if not line.startswith(b"created"))
        for f in files.values()
    ]
    assert strip[0] == strip[1]
    assert b'priority = "high"' in strip[0] and b'status = "in-progress"' in strip[0]


def test_note_and_remove_in_chinese(root: Path) -> None:
    rid = add("会员积分同步")
    other = add("积分报表", "--depends-on", rid)
    empty = invoke(["--lang", "zh", "note", rid, " "])
    assert_clean_error(empty, 2)
    assert "备注内容为空" in empty.stderr
    refused = invoke(["--lang", "zh", "remove", rid])
    assert_clean_error(refused, 1)
    done = ok(["--lang", "zh", "remove", rid, "--force"])
    assert done.stdout.startswith(f"已删除 {rid}")
    assert f"{other}：不再依赖 {rid}" in done.stderr
    missing = invoke(["--lang", "zh", "note", "REQ-ZZZZZ", "x"])
    assert_clean_error(missing, 1)
    assert "中没有需求 REQ-ZZZZZ" in missing.stderr


def test_edit_errors_in_chinese(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = add("会员积分同步")
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'raise SystemExit(4)'")
    result = invoke(["--lang", "zh", "edit", rid])
    assert_clean_error(result, 1)
    assert "编辑器以状态码 4 退出" in result.stderr


def test_init_in_chinese(tmp_path: Path) -> None:
    result = ok(["--lang", "zh", "init", str(tmp_path / "crm"), "--prefix", "CRM", "--no-git"])
    assert "创建需求台账" in result.stdout and "下一步" in result.stdout
    again = invoke(["--lang", "zh", "init", str(tmp_path / "crm"), "--no-git"])
    assert_clean_error(again, 1)
    assert "已经是需求台账" in again.stderr


def test_core_id_errors_in_chinese() -> None:
    with i18n.using("zh"), pytest.raises(InvalidIdError, match="不是需求 ID（ID 形如 REQ-4K7PM）"):
        normalize_id("!!", "REQ")


@pytest.mark.parametrize("command", ["add", "set", "status", "note", "edit", "remove", "init"])
def test_help_has_examples_and_no_type_placeholders_for_options(command: str) -> None:
    for lang, example in (("en", "Example"), ("zh", "示例")):
        text = ok(["--lang", lang, command, "--help"]).stdout
        assert example in text
        assert "<text>" not in text and "<float" not in text


def test_the_interview_edits_the_line_as_a_terminal_user_expects(root: Path) -> None:
    # Left arrow, then a character: inserted before the last one, no escape
    # sequence in the title; Backspace takes a whole Chinese character.
    # (Python edits lines only when stdin and stdout are both a terminal.)
    import pty
    import subprocess
    import sys

    pytest.importorskip("readline")
    for typed, title in (
        ("需求标题\x1b[D表", "需求标表题"),
        ("客户导出报告\x7f\x7f表格", "客户导出表格"),
    ):
        before = set(root.glob("requirements/*.toml"))
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "pmledger", "add"],
            cwd=root,
            stdin=slave,
            stdout=slave,
            stderr=slave,
        )
        os.close(slave)
        try:
            screen = _screen_until(master, b"Title")
            screen += _until_line_editing(master)  # typed once readline reads, as a person does
            os.write(master, (typed + "\n" + "\n" * 9).encode("utf-8"))
            screen += _screen_until(master, None)
            assert proc.wait(timeout=60) == 0, screen.decode("utf-8", "replace")
        finally:
            proc.kill()
            os.close(master)
        (made,) = set(root.glob("requirements/*.toml")) - before
        assert read_req(root, made.stem)["title"] == title


def _screen_until(master: int, wanted: bytes | None) -> bytes:
    """What the program writes to its terminal, until ``wanted`` shows (None:
    until it closes the terminal); at most 60 s of silence."""
    import select

    screen = b""
    while wanted is None or wanted not in screen:
        ready, _w, _x = select.select([master], [], [], 60)
        if not ready:
            raise AssertionError(f"no output for 60 s: {screen!r}")
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the program ended: its side of the terminal is closed
            break
        if not chunk:
            break
        screen += chunk
    return screen


def test_an_answer_with_half_a_character_is_asked_again(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer

    from pmledger.cli import interview

    answers = iter(["客户\udce5\udc88", "客户表"])
    monkeypatch.setattr(typer, "prompt", lambda *a, **k: next(answers))
    assert interview.ask("Title", required=True) == "客户表"
    assert "part of a character was erased" in capsys.readouterr().err


def _until_line_editing(master: int) -> bytes:
    """The screen until readline has the terminal (no longer in canonical
    mode): what is typed before goes through the kernel's line editing."""
    import select
    import termios

    screen = b""
    for _ in range(6000):  # 60 s at most
        if not termios.tcgetattr(master)[3] & termios.ICANON:
            return screen
        ready, _w, _x = select.select([master], [], [], 0.01)
        if ready:
            screen += os.read(master, 4096)
    raise AssertionError(f"the prompt never took the terminal: {screen!r}")


def test_an_offered_answer_is_cleared_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from pmledger.cli import interview

    asked: list[str] = []

    def prompt(label: str, **kwargs: object) -> str:
        asked.append(label)
        return "-"

    monkeypatch.setattr(typer, "prompt", prompt)
    assert interview.ask("Department", default="销售部", clearable=True) == ""
    assert asked == ["Department (- for none)"]
    # A field's own default (priority's medium) is no offer to clear.
    assert interview.ask("Priority", default="medium") == "-"
    assert asked[-1] == "Priority"
    assert interview.ask("Title", required=True, check=None) == "-"  # a title may be "-"
