"""Help, usage errors, the error table (no tracebacks) and the real `python -m pmledger`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pmledger import __version__
from pmledger.cli import COMMANDS

from .cli_helpers import (
    AS_OF,
    ID_LINE,
    add,
    assert_clean_error,
    copy_example,
    invoke,
    make_ledger,
    ok,
    read_req,
    run_module,
)

COMMAND_NAMES = [name for name, _ in COMMANDS]


def test_every_registered_command_is_covered_here() -> None:
    assert set(COMMAND_NAMES) >= {
        "init",
        "add",
        "list",
        "show",
        "set",
        "status",
        "note",
        "edit",
        "rank",
        "plan",
    }


def test_root_help_lists_every_command() -> None:
    result = ok(["--help"])
    for name in COMMAND_NAMES:
        assert re.search(rf"\b{name}\b", result.stdout), name


def test_no_arguments_shows_help() -> None:
    result = invoke([])
    assert "Usage" in result.output
    assert result.exit_code in (0, 2)


def test_version() -> None:
    assert ok(["--version"]).stdout.strip() == f"pmledger {__version__}"


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_command_help(name: str) -> None:
    for flag in ("--help", "-h"):
        result = ok([name, flag])
        assert "Usage" in result.stdout
        assert name in result.stdout
        assert len(result.stdout.strip().splitlines()) > 3


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_command_help_works_outside_a_ledger(name: str) -> None:
    # --help must never need a ledger (we are in an empty folder).
    assert ok([name, "--help"]).stdout


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_bad_option_is_a_usage_error(name: str, tmp_path: Path) -> None:
    make_ledger(tmp_path)
    result = invoke([name, "--no-such-option"])
    assert result.exit_code == 2
    assert "no-such-option" in result.output
    assert "Traceback" not in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = invoke(["frobnicate"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


FAILING = [
    (["show", "REQ-ZZZZZ"], 1),
    (["show", "../../etc/passwd"], 2),
    (["set", "REQ-ZZZZZ", "owner=x"], 1),
    (["add", "x", "--no-input", "--status", "flying"], 2),
    (["add", "--no-input"], 2),
    (["list", "--status", "flying"], 2),
    (["list", "--format", "xml"], 2),
    (["rank", "--model", "bogus"], 2),
    (["plan", "--capacity", "5", "--apply"], 2),
    (["init"], 1),
]


@pytest.mark.parametrize(("args", "code"), FAILING)
def test_errors_never_print_a_traceback(tmp_path: Path, args: list[str], code: int) -> None:
    make_ledger(tmp_path)
    result = invoke(args)
    assert_clean_error(result, code)
    assert result.stderr.startswith("pmledger: ")


@pytest.mark.parametrize(("args", "code"), FAILING[:4])
def test_debug_shows_the_traceback(tmp_path: Path, args: list[str], code: int) -> None:
    make_ledger(tmp_path)
    result = invoke(["--debug", *args])
    assert result.exit_code == code
    assert "Traceback" in result.stderr


def test_internal_error_exits_3_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmledger.ledger.ledger import Ledger

    make_ledger(tmp_path)

    def boom(self: Ledger, *, use_cache: bool = True) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Ledger, "load_all", boom)
    result = invoke(["list"])
    assert_clean_error(result, 3)
    assert "simulated bug" in result.stderr
    assert "--debug" in result.stderr
    debug = invoke(["--debug", "list"])
    assert debug.exit_code == 3
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize("command", ["list", "rank"])
def test_table_is_readable_at_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    root = copy_example(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    out = ok([command, "--as-of", AS_OF]).stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    data = json.loads(ok(["list", "--format", "json"]).stdout)
    assert data
    assert root.is_dir()
    for req in data:
        first_word = str(req["title"]).split()[0]
        if first_word.isascii() and len(first_word) <= 10:
            assert first_word in out, (req["id"], first_word)


# -- the real program --------------------------------------------------------------------------


def test_module_end_to_end(tmp_path: Path) -> None:
    root = tmp_path / "ledger"
    init = run_module(["init", str(root)], cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    added = run_module(
        [
            "add",
            "客户列表导出 Excel",
            "-p",
            "high",
            "--requester",
            "王芳",
            "--department",
            "销售部",
            "--due",
            "+2w",
            "-t",
            "crm",
        ],
        cwd=root,
    )
    assert added.returncode == 0, added.stderr
    req_id = added.stdout.strip()
    assert ID_LINE.match(req_id), added.stdout
    assert read_req(root, req_id)["requester"] == "王芳"
    listed = run_module(["list", "--format", "json"], cwd=root / "requirements")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["title"] == "客户列表导出 Excel"
    shown = run_module(["show", req_id.lower()], cwd=root)
    assert shown.returncode == 0
    assert "销售部" in shown.stdout
    assert "\x1b" not in shown.stdout


def test_module_stdin_titles(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    result = run_module(["add", "-"], cwd=root, input="one\n\ntwo\n第三\n")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 3


def test_module_errors_and_exit_codes(tmp_path: Path) -> None:
    outside = run_module(["list"], cwd=tmp_path)
    assert outside.returncode == 1
    assert "pmledger init" in outside.stderr
    assert "Traceback" not in outside.stderr
    assert len(outside.stderr.strip().splitlines()) == 1
    root = make_ledger(tmp_path)
    bad_id = run_module(["show", "../../etc/passwd"], cwd=root)
    assert bad_id.returncode == 2
    assert "Traceback" not in bad_id.stderr
    bad_opt = run_module(["list", "--bogus"], cwd=root)
    assert bad_opt.returncode == 2
    debug = run_module(["--debug", "show", "REQ-ZZZZZ"], cwd=root)
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr


def test_module_json_has_no_ansi_with_forced_colour(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    add("[red]x[/red] \x1b[31mEVIL")
    result = run_module(
        ["list", "--format", "json"], cwd=root, env={"FORCE_COLOR": "1", "NO_COLOR": ""}
    )
    assert result.returncode == 0
    assert "\x1b" not in result.stdout
    assert json.loads(result.stdout)[0]["title"] == "[red]x[/red] \x1b[31mEVIL"
    table = run_module(["list"], cwd=root, env={"COLUMNS": "200"})
    assert "[red]x[/red]" in table.stdout
    assert "\x1b" not in table.stdout


def test_module_rank_on_the_example(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    result = run_module(["rank", "--as-of", AS_OF, "--format", "json", "--top", "3"], cwd=root)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["items"]) == 3


def _big_ledger(tmp_path: Path, count: int = 600) -> Path:
    """A ledger whose listings are far larger than a pipe buffer (64 KiB)."""
    root = make_ledger(tmp_path)
    for i in range(count):
        req_id = f"REQ-{i:05d}"
        (root / "requirements" / f"{req_id}.toml").write_text(
            f'id = "{req_id}"\ntitle = "Requirement number {i} with a reasonably long title"\n'
            'status = "proposed"\npriority = "high"\ncreated = 2026-01-01T09:00:00+00:00\n'
            f"due = 2026-12-{i % 28 + 1:02d}\n",
            encoding="utf-8",
        )
    return root


def _read_one_line_and_close(args: list[str], cwd: Path) -> tuple[int, str]:
    """`pmledger ARGS | head -1`: the reader leaves after the first line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pmledger", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    return proc.wait(timeout=60), err


@pytest.mark.parametrize("args", [["list", "--format", "json"], ["list"]])
def test_reader_leaving_early_is_not_an_error(tmp_path: Path, args: list[str]) -> None:
    root = _big_ledger(tmp_path)
    code, err = _read_one_line_and_close([*args, "--as-of", AS_OF], root)
    assert code == 0, err
    assert "Traceback" not in err
    assert "Exception ignored" not in err


@pytest.mark.parametrize("args", [["rank"], ["rank", "--explain"]])
def test_reader_leaving_early_is_not_an_error_for_rank(tmp_path: Path, args: list[str]) -> None:
    root = _big_ledger(tmp_path)
    code, err = _read_one_line_and_close([*args, "--as-of", AS_OF], root)
    assert code == 0, err
    assert "Traceback" not in err
