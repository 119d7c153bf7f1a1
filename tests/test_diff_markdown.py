"""`diff --format markdown` fits in a pull-request comment whatever the diff's size."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pmledger import i18n
from pmledger.cli.diff import render_markdown, render_text
from pmledger.git.diff import LedgerDiff, RankMove, RequirementChange, RevisionProblem
from pmledger.git.fields import FieldChange
from pmledger.ledger import fileformat

from .cli_helpers import invoke, isolate_env, ok
from .conftest import make
from .git_helpers import commit_all, new_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

AS_OF = date(2026, 11, 20)
# GitHub refuses a comment longer than this.
COMMENT_LIMIT = 65_536
# The rows each section of the markdown shows at most.
ROWS = 100


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_env(monkeypatch, tmp_path)


def _huge(count: int, title: str) -> LedgerDiff:
    """Every section of a diff ``count`` rows long (Changed: twice, with a note each)."""
    diff = LedgerDiff("main", "HEAD", AS_OF)
    diff.added = [make(f"REQ-A{i:04d}", title=f"{title} {i}") for i in range(count)]
    diff.removed = [make(f"REQ-R{i:04d}", title=f"{title} {i}") for i in range(count)]
    diff.changed = [
        RequirementChange(
            f"REQ-C{i:04d}",
            f"{title} {i}",
            [FieldChange("owner", "赵磊", "刘洋"), FieldChange("status", "proposed", "done")],
            [{"at": "2026-11-02", "by": "王芳", "text": "imported " * 40}],
        )
        for i in range(count)
    ]
    diff.moves = [
        RankMove(f"REQ-M{i:04d}", f"{title} {i}", i + 1, i + 2, "value", 1.0) for i in range(count)
    ]
    diff.problems = [
        RevisionProblem("HEAD", f"requirements/REQ-P{i:04d}.toml", "not valid TOML " * 30, 1)
        for i in range(count)
    ]
    return diff


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "title",
    ["Imported requirement from the CRM backlog", "导入的需求 | 标题 " * 20, "x" * 20_000],
)
def test_a_diff_of_any_size_fits_in_a_pull_request_comment(lang: str, title: str) -> None:
    diff = _huge(2000, title)
    with i18n.using(lang):
        text = render_markdown(diff)
    assert len(text) < COMMENT_LIMIT - 10_000
    # Every section says how much it left out, and nothing is lost silently.
    more = re.findall(r"^(?:… and|……还有) (\d+) ", text, re.M)
    assert len(more) == 5
    changes, others = 2 * 2000 + 2000, 2000
    shown = text.count("\n| REQ-") + text.count("\n| main |") + text.count("\n| HEAD |")
    assert shown + sum(int(n) for n in more) == 4 * others + changes
    assert shown <= 5 * ROWS


def test_the_owner_of_1000_requirements_changed_by_an_import(tmp_path: Path) -> None:
    """The case that was 76,147 characters: every row of "Changed" listed."""
    repo = new_repo(tmp_path)
    ids = []
    for i in range(1000):
        req = make(f"REQ-{i:05d}", title=f"Imported requirement {i} from the CRM", owner="赵磊")
        repo.requirements_dir.joinpath(f"{req.id}.toml").write_text(
            fileformat.dumps(req), encoding="utf-8"
        )
        ids.append(req.id)
    commit_all(repo.root, "import")
    for req_id in ids:
        path = repo.path_for(req_id)
        path.write_text(path.read_text(encoding="utf-8").replace("赵磊", "刘洋"), encoding="utf-8")
    base = ["-L", str(repo.root), "diff", "--as-of", AS_OF.isoformat()]
    english = ok(["--lang", "en", *base, "-f", "markdown"]).stdout
    assert len(english) < 20_000
    assert "#### Changed (1000)" in english
    assert english.count("\n| REQ-") == ROWS
    assert "… and 900 more changes (`pmledger diff --format json` lists all)" in english
    chinese = ok(["--lang", "zh", *base, "-f", "markdown"]).stdout
    assert len(chinese) < 20_000
    assert "……还有 900 处修改（`pmledger diff --format json` 列出全部）" in chinese
    # Text and JSON list everything, as before.
    assert ok([*base]).stdout.count("\n  ~ REQ-") == 1000
    data = json.loads(ok([*base, "-f", "json"]).stdout)
    assert len(data["changed"]) == 1000


def test_a_short_diff_is_listed_whole_and_moves_say_why_the_rest_is_left_out() -> None:
    diff = _huge(3, "Small")
    text = render_markdown(diff)
    assert "more" not in text
    assert text.count("\n| REQ-") == 3 + 3 + 6 + 3 + 3
    # Moves cut among those with a reason of their own are not "pushed by the moves above".
    diff.moves = [RankMove(f"REQ-M{i:04d}", "t", i + 1, i + 2, "value", 1.0) for i in range(150)]
    assert "… and 50 more (`pmledger diff" in render_markdown(diff)
    diff.moves = [RankMove(f"REQ-M{i:04d}", "t", i + 1, i + 2) for i in range(150)]
    assert "… and 50 more pushed by the moves above" in render_markdown(diff)
    # The text output is not capped (but for its own cap of rank moves).
    assert render_text(_huge(300, "t")).count("\n  + REQ-") == 300


def test_diff_json_is_english_under_chinese_for_an_unreadable_file(tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    req = repo.create(make(title="One", created=datetime(2026, 1, 1, tzinfo=UTC)))
    commit_all(repo.root, "one")
    path = repo.path_for(req.id)
    path.write_text(
        path.read_text(encoding="utf-8").replace('priority = "medium"', 'priority = "hgh"'),
        encoding="utf-8",
    )
    base = ["-L", str(repo.root), "diff", "--as-of", AS_OF.isoformat()]
    english = ok(["--lang", "en", *base, "-f", "json"]).stdout
    assert ok(["--lang", "zh", *base, "-f", "json"]).stdout == english
    assert "priority must be one of critical" in json.loads(english)["problems"][0]["message"]
    assert "priority：必须是 紧急/高/中/低" in invoke(["--lang", "zh", *base]).stdout
