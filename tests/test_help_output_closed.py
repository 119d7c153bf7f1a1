"""--help and --version whose output cannot be written: a pipe the reader left
(`pmledger --help | head -3`), a full disk. The real process, as a shell runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_into(args: list[str], stdout: int, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pmledger", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("args", [["--help"], ["list", "--help"], ["goal", "add", "-h"]])
def test_help_into_a_pipe_the_reader_left_succeeds_quietly(tmp_path: Path, args: list[str]) -> None:
    # The reader is gone before anything is written: every write fails (EPIPE),
    # as after `head -3` has read its lines. A command succeeds then; so does help
    # (rich's broken-pipe exit made it 1, which fails `set -o pipefail` scripts).
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = run_into(args, write_end, tmp_path)
    finally:
        os.close(write_end)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_help_onto_a_full_disk_is_a_sentence_not_a_traceback(
    tmp_path: Path, args: list[str]
) -> None:
    with open("/dev/full", "wb") as full:
        done = run_into(args, full.fileno(), tmp_path)
    assert done.returncode == 1
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr
    assert stderr.startswith("pmledger: ") and "space" in stderr
