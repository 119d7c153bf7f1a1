"""`pmledger add` on a terminal: answers checked as typed, duplicates first, Ctrl-C/Ctrl-D.

Driven through a real pseudo-terminal (the prompts only appear on one).
"""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import date
from pathlib import Path

import pytest

from pmledger.ledger import fileformat
from pmledger.ledger.model import Requirement

from .cli_helpers import (
    ID_LINE,
    add,
    read_req,
    req_files,
    run_module_on_a_terminal,
    spawn_on_a_terminal,
)

pytest.importorskip("termios")

EOF = "\x04"  # Ctrl-D at the start of a line


def _type(root: Path, answers: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_module_on_a_terminal(["add", *args], cwd=root, answers=answers + EOF)


def test_bad_answers_are_asked_again_with_the_reason(root: Path) -> None:
    result = _type(
        root,
        # title, priority (typo, then P1), requester, department, due (unreadable,
        # then +1w), effort (not a number, negative, then 2.5), owner, tags, context
        "发票批量开具\nurgent\nP1\n王芳\n财务部\nnext tuesday\n+1w\nabc\n-1\n2.5\n\n\n\n",
        "--as-of",
        "2026-11-20",
    )
    assert result.returncode == 0, result.stderr
    assert "'urgent'" in result.stderr
    assert "P0-P3" in result.stderr  # the accepted forms, with the reason
    assert "cannot read 'next tuesday' as a date" in result.stderr
    assert "+3d" in result.stderr
    assert "'abc' is not an effort" in result.stderr
    assert "'-1' is not an effort" in result.stderr
    data = read_req(root, result.stdout.split()[-1])
    assert data["title"] == "发票批量开具"
    assert data["priority"] == "high"
    assert data["due"] == date(2026, 11, 27)
    assert data["effort"] == 2.5
    assert data["requester"] == "王芳"


def test_blank_title_is_asked_again(root: Path) -> None:
    result = _type(root, "   \n\n会员积分同步\n\n\n\n\n\n\n\n\n")
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr
    assert "cannot be empty" in result.stderr
    assert read_req(root, result.stdout.split()[-1])["title"] == "会员积分同步"


def test_prompts_say_what_they_accept_and_hide_empty_defaults(root: Path) -> None:
    result = _type(root, "A title\n\n\n\n\n\n\n\n\n")
    assert result.returncode == 0, result.stderr
    assert "critical, high, medium, low" in result.stderr
    assert "Effort" in result.stderr
    assert "[]" not in result.stderr
    assert "[medium]" in result.stderr


def test_answering_no_to_the_duplicate_offer_goes_on_with_the_questions(root: Path) -> None:
    first = add("客户列表导出 Excel", "--requester", "王芳")
    result = _type(root, "客户列表导出Excel表格\nn\nhigh\n张三\n\n\n\n\n\n\n")
    assert result.returncode == 0, result.stderr
    assert first in result.stderr
    new_id = result.stdout.split()[-1]
    assert new_id != first
    data = read_req(root, new_id)
    assert data["priority"] == "high"
    assert data["requester"] == "张三"
    assert "notes" not in read_req(root, first)


def test_an_exact_duplicate_is_offered_first(root: Path) -> None:
    first = add("Export the customer list")
    result = _type(root, "export the customer list.\n\n李娜\n销售部\n")
    assert result.returncode == 0, result.stderr
    assert "same title" in result.stderr
    assert result.stdout.split()[-1] == first
    assert len(req_files(root)) == 1
    assert "李娜" in read_req(root, first)["notes"][0]["text"]


def _write(root: Path, req_id: str, created: str, requester: str) -> None:
    req = Requirement.model_validate(
        {
            "id": req_id,
            "title": f"Item {req_id}",
            "status": "proposed",
            "priority": "medium",
            "created": created,
            "requester": requester,
        }
    )
    (root / "requirements" / f"{req_id}.toml").write_text(fileformat.dumps(req), encoding="utf-8")


def test_defaults_come_from_the_newest_requirement_with_a_stable_tie_break(root: Path) -> None:
    # Later by the clock although earlier in UTC-less text order: instants compare.
    _write(root, "REQ-AAAAA", "2026-11-20T09:00:00+08:00", "早上的人")
    _write(root, "REQ-BBBBB", "2026-11-20T08:00:00+00:00", "Later person")
    _write(root, "REQ-ZZZZZ", "2026-11-20T08:00:00+00:00", "Tie winner")
    _write(root, "REQ-CCCCC", "2026-11-19", "Old person")
    result = _type(root, "Brand new thing\n\n\n\n\n\n\n\n\n")
    assert result.returncode == 0, result.stderr
    assert "[Tie winner]" in result.stderr
    assert read_req(root, result.stdout.split()[-1])["requester"] == "Tie winner"


def test_ctrl_d_at_a_prompt_is_interrupted_and_writes_nothing(root: Path) -> None:
    result = run_module_on_a_terminal(["add"], cwd=root, answers="A title\nhigh\n" + EOF)
    assert result.returncode == 130, result.stderr
    assert "interrupted" in result.stderr
    assert "Aborted" not in result.stderr
    assert req_files(root) == []


def test_ctrl_c_at_the_duplicate_question_is_interrupted(root: Path) -> None:
    first = add("客户列表导出 Excel")
    proc, master = spawn_on_a_terminal(["add"], cwd=root)
    try:
        os.write(master, "客户列表导出Excel表格\n".encode())
        _wait_for(proc, b"instead of")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    assert [p.stem for p in req_files(root)] == [first]
    assert "notes" not in read_req(root, first)


def test_batch_on_a_terminal_says_how_to_finish_once(root: Path) -> None:
    result = run_module_on_a_terminal(["add", "-"], cwd=root, answers="一\n二\n" + EOF)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Ctrl-D") == 1
    ids = result.stdout.split()
    assert len(ids) == 2 and all(ID_LINE.match(i) for i in ids)


def _wait_for(proc: subprocess.Popen[bytes], text: bytes) -> None:
    """Read stderr until ``text`` has been printed (the prompt is waiting)."""
    import select

    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    seen = b""
    while text not in seen:
        ready, _, _ = select.select([fd], [], [], 60)
        assert ready, seen
        chunk = os.read(fd, 4096)
        assert chunk, seen
        seen += chunk
