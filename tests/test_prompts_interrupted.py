"""Ctrl-D (and Ctrl-C) at any yes/no question of pmledger is the interruption
it is: `pmledger: interrupted`, exit 130, as at add's questions; click's
"Aborted." and exit 1 said a domain error happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_helpers import add, make_ledger, req_path, run_module_on_a_terminal

pytest.importorskip("termios")

EOF_KEY = "\x04"  # Ctrl-D at the start of a line


def test_ctrl_d_at_init_s_git_question(tmp_path: Path) -> None:
    result = run_module_on_a_terminal(["init", "ledger"], cwd=tmp_path, answers=EOF_KEY)
    assert "git repository" in result.stderr  # the question was asked
    assert result.returncode == 130, result.stderr
    assert "interrupted" in result.stderr
    assert "Aborted" not in result.stderr


def test_ctrl_d_at_remove_s_confirmation_keeps_the_file(tmp_path: Path) -> None:
    # Outside git a removal cannot be undone, so `remove` asks first.
    root = make_ledger(tmp_path)
    rid = add("客户列表导出 Excel")
    result = run_module_on_a_terminal(["remove", rid], cwd=root, answers=EOF_KEY)
    assert "anyway" in result.stderr
    assert result.returncode == 130, result.stderr
    assert "interrupted" in result.stderr and "Aborted" not in result.stderr
    assert req_path(root, rid).is_file()
