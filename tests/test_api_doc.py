"""docs/api.md and the README's Python example run as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_api_page_runs_as_one_script(tmp_path: Path) -> None:
    blocks = BLOCK.findall((REPO / "docs" / "api.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    done = _run("\n".join(blocks), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    # Each example of an error printed its sentence.
    printed = done.stdout.splitlines()[-4:]
    assert printed[0].startswith("no requirement REQ-ZZZZZ in ")
    assert printed[1] == "effort must be a number, got 'lots'"
    assert re.fullmatch(r"REQ-\w+: effort must be at least 0, got -1", printed[2])
    # A PmledgerError since session 10 (the page said ValueError).
    assert printed[3] == "unknown scoring model 'rce'; choose one of default, rice, wsjf, ice"


def test_the_readme_python_example_runs(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using the core from Python", 1)[1]
    [code] = BLOCK.findall(section.split("\n## ", 1)[0])
    shutil.copytree(REPO / "examples" / "acme", tmp_path / "examples" / "acme")
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
