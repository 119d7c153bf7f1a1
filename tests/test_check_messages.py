"""`check`'s messages: JSON in English whatever the language, fixes that can be run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .cli_helpers import EXAMPLE, invoke, isolate_env


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_env(monkeypatch, tmp_path)


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    root = tmp_path / "acme"
    shutil.copytree(EXAMPLE, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _check(root: Path, lang: str, *args: str) -> str:
    result = invoke(["--lang", lang, "-L", str(root), "check", *args])
    assert result.exit_code == 1, result.output
    return result.stdout


def test_check_json_is_english_under_chinese_for_every_message(acme: Path) -> None:
    reqs, goals = acme / "requirements", acme / "goals"
    survey = reqs / "ACME-0K3S9.toml"
    _edit(survey, 'priority = "medium"', 'priority = "hgh"')
    _edit(survey, "effort = 3", "effort = -3")
    # Other sentences our validators write as they refuse a value.
    other = reqs / "ACME-1M6T2.toml"
    _edit(other, "title = ", 'value = true\ntitle = "  "\nold_title = ')
    _edit(goals / "Q4-margin.toml", "target = ", 'target = "lots"\nold_target = ')
    _edit(goals / "2027-H1-field-sales.toml", 'title = "外勤销售移动化"', 'title = ""')

    english = _check(acme, "en", "-f", "json")
    chinese = _check(acme, "zh", "-f", "json")
    assert chinese == english
    found = {(p["path"].rpartition("/")[2], p["field"]): p for p in json.loads(english)}
    priority = found["ACME-0K3S9.toml", "priority"]
    assert priority["code"] == "unknown-priority"
    assert priority["message"].startswith("priority must be one of critical, high")
    assert found["ACME-0K3S9.toml", "effort"]["message"] == "effort must be at least 0, got -3"
    assert found["ACME-1M6T2.toml", "title"]["message"] == "title must not be empty"
    assert found["ACME-1M6T2.toml", "value"]["message"] == "value must be a number, got true"
    assert found["2027-H1-field-sales.toml", "title"]["message"] == "title must not be empty"
    assert found["Q4-margin.toml", "target"]["message"].startswith("target must be a number")
    # People still read their language.
    text = _check(acme, "zh")
    assert "[priority]：priority：必须是 紧急/高/中/低" in text
    assert "effort 不能小于 0" in text
    assert "priority must be one of" not in text


def _conflict(path: Path, key: str, theirs: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
    lines[at : at + 1] = ["<<<<<<< HEAD\n", lines[at], "=======\n", theirs, ">>>>>>> feature\n"]
    path.write_text("".join(lines), encoding="utf-8")


def test_the_fixes_of_a_cycle_and_a_conflict_can_be_run_as_they_say(acme: Path) -> None:
    reqs = acme / "requirements"
    for path, other in (("ACME-0K3S9", "ACME-1M6T2"), ("ACME-1M6T2", "ACME-0K3S9")):
        _edit(reqs / f"{path}.toml", "goal = ", f'depends_on = ["{other}"]\ngoal = ')
    _conflict(reqs / "ACME-2N9V5.toml", "status", 'status = "done"\n')
    _conflict(acme / "goals" / "Q4-margin.toml", "target", "target = 99\n")
    found = {
        p["code"] + ":" + Path(p["path"]).stem: p
        for p in json.loads(_check(acme, "en", "-f", "json"))
    }
    command = "pmledger set ACME-0K3S9 depends_on-=ACME-1M6T2"
    assert found["dependency-cycle:ACME-0K3S9"]["fix"] == (
        f"break the cycle with `{command}`, or remove another of its links"
    )
    assert found["merge-conflict:ACME-2N9V5"]["fix"] == (
        "pmledger edit ACME-2N9V5: keep one value and delete the marker lines"
    )
    # `edit` does not open a goal: its file is fixed in an editor.
    assert found["merge-conflict:Q4-margin"]["fix"] == (
        "open Q4-margin.toml in an editor: keep one value and delete the marker lines"
    )
    assert invoke(["-L", str(acme), "edit", "Q4-margin"]).exit_code != 0
    text = _check(acme, "zh")
    assert f"修复：用 `{command}` 打破循环，或删除循环中的另一条依赖" in text
    assert "修复：在编辑器中打开 Q4-margin.toml：保留其中一个值，并删除冲突标记行" in text
    # The command does what the fix says.
    ok_run = invoke(["-L", str(acme), *command.split()[1:]])
    assert ok_run.exit_code == 0, ok_run.output
    assert "dependency-cycle" not in _check(acme, "en", "-f", "json")


def test_a_mistyped_status_in_a_file_names_the_status_meant(acme: Path) -> None:
    path = acme / "requirements" / "ACME-0K3S9.toml"
    text = path.read_text(encoding="utf-8")
    status_line = next(line for line in text.splitlines() if line.startswith("status = "))
    _edit(path, status_line, 'status = "don"')
    assert "status 'don' is not in the workflow" in _check(acme, "en")
    assert "did you mean 'done'?" in _check(acme, "en")
    assert "你是不是想用 'done'" in _check(acme, "zh")
    rows = json.loads(_check(acme, "en", "--format", "json"))
    assert any("did you mean 'done'?" in str(row) for row in rows)
    _edit(path, 'status = "don"', 'status = "xyzzy"')
    assert "did you mean" not in _check(acme, "en")
