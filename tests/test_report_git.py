"""The git-based parts of report, sprint show and stats, on a real repository."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .cli_helpers import add, invoke, ok

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True, check=False).returncode != 0,
    reason="git is not installed",
)


def commit(root: Path, when: str, who: str, message: str) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME=who,
        GIT_AUTHOR_EMAIL="a@example.com",
        GIT_COMMITTER_NAME=who,
        GIT_COMMITTER_EMAIL="a@example.com",
        GIT_AUTHOR_DATE=f"{when}T10:00:00+00:00",
        GIT_COMMITTER_DATE=f"{when}T10:00:00+00:00",
    )
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=root, check=True, env=env)


@pytest.fixture
def history(root: Path) -> dict[str, str]:
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    a = add("Export customers", "--status", "accepted")
    b = add("导出报表")
    commit(root, "2026-11-01", "Alice", "capture")
    ok(["set", a, "sprint=S1", "status=planned"])
    ok(["set", b, "sprint=S1"])
    commit(root, "2026-11-02", "Bob", "plan S1")
    c = add("Late arrival")
    ok(["set", c, "sprint=S1"])
    commit(root, "2026-11-05", "Bob", "add to S1")
    ok(["status", a, "done"])
    ok(["set", b, "priority=high"])
    ok(["note", b, "财务部 needs it by Friday", "--by", "王芳"])
    commit(root, "2026-11-10", "李雷", "progress")
    return {"a": a, "b": b, "c": c}


def test_sprint_show_knows_start_and_late_additions(history: dict[str, str]) -> None:
    data = json.loads(ok(["sprint", "show", "S1", "-f", "json"]).stdout)
    assert data["started"].startswith("2026-11-02")
    assert data["added_after_start"] == [history["c"]]
    assert "added late" in ok(["sprint", "show", "S1"]).stdout
    assert "2026-11-02" in ok(["sprint", "show", "S1"]).stdout
    # A day as every Chinese view writes it, not in ISO.
    assert "11月2日 (周一)" in ok(["--lang", "zh", "sprint", "show", "S1"]).stdout


def test_sprint_show_typed_in_another_case_still_reads_git(history: dict[str, str]) -> None:
    # The name is looked up in git as the files spell it, as report --sprint does.
    data = json.loads(ok(["sprint", "show", "s1", "-f", "json"]).stdout)
    assert data["sprint"] == "S1"
    assert data["started"].startswith("2026-11-02")
    assert data["added_after_start"] == [history["c"]]


def test_report_lists_recent_changes(history: dict[str, str]) -> None:
    text = ok(["report", "--as-of", "2026-11-20", "--since", "2026-11-04"]).stdout
    changes = text.split("## Changes since 2026-11-04", 1)[1]
    assert "status: planned → done" in changes
    assert "priority: medium → high" in changes
    assert "note by 王芳: 财务部 needs it by Friday" in changes
    assert f"`{history['c']}`" in changes and "added (proposed" in changes
    assert "Alice" not in changes  # before --since
    assert "李雷" in changes
    # Newest first.
    assert changes.index("2026-11-10") < changes.index("2026-11-05")
    html = ok(["report", "--as-of", "2026-11-20", "-f", "html"]).stdout
    assert "status: planned → done" in html
    assert "Added after the sprint started" in text


def test_report_recent_changes_in_the_report_language(history: dict[str, str]) -> None:
    args = ["report", "--as-of", "2026-11-20", "--since", "2026-11-04"]
    text = ok([*args, "--lang", "zh"]).stdout
    assert "状态：已计划 → 已完成" in text
    assert "优先级：中 → 高" in text
    assert "王芳 的备注：财务部 needs it by Friday" in text
    assert "新增（提议，优先级 中）" in text
    assert "status:" not in text and "note by" not in text
    # The run's language does not leak into an English report.
    english = ok(["--lang", "zh", *args, "--lang", "en"]).stdout
    assert "status: planned → done" in english


def test_report_since_a_revision(history: dict[str, str], root: Path) -> None:
    text = ok(["report", "--as-of", "2026-11-20", "--since", "HEAD~1"]).stdout
    changes = text.split("## Changes since HEAD", 1)[1]
    assert "status: planned → done" in changes and "added (" not in changes
    bad = invoke(["report", "--since", "no-such-rev"])
    assert bad.exit_code == 2 and "neither a date nor a git revision" in bad.stderr


def test_stats_lead_time_from_git(history: dict[str, str]) -> None:
    data = json.loads(ok(["stats", "-f", "json", "--as-of", "2026-11-20"]).stdout)
    lead = data["lead_time"]
    # Accepted (captured as accepted) on 11-01, done on 11-10.
    assert lead["days"] == {history["a"]: 9.0}
    assert lead["median_days"] == 9.0
    assert "median 9.0 days" in ok(["stats", "--as-of", "2026-11-20"]).stdout


def test_outside_git_nothing_breaks(root: Path) -> None:
    add("x")
    data = json.loads(ok(["stats", "-f", "json"]).stdout)
    assert data["lead_time"] is None
    assert "No git history" in ok(["report"]).stdout


@pytest.mark.parametrize("name", ["迭代 12", 'Q4 "big"', "S\\2"])
def test_sprint_start_for_names_written_plain_or_escaped(root: Path, name: str) -> None:
    """Versions are looked for by the sprint's name as written; an escaped name still counts."""
    from pmledger.ledger import Ledger
    from pmledger.report.history import sprint_history

    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    a = add("Export customers")
    commit(root, "2026-11-01", "Alice", "capture")
    ok(["set", a, f"sprint={name}"])
    commit(root, "2026-11-02", "Bob", "plan")
    b = add("Late")
    ok(["set", b, f"sprint={name}"])
    commit(root, "2026-11-04", "Bob", "late")
    started, added, assigned = sprint_history(Ledger(root), name)
    assert started is not None and started.date().isoformat() == "2026-11-02"
    assert added == [b]
    assert assigned == sorted([a, b])


def test_a_sprint_review_is_the_same_after_its_unfinished_work_is_carried_over(
    root: Path,
) -> None:
    """`sprint carry` moves the unfinished to the next sprint: the finished
    sprint's review still counts them as committed and not finished there."""
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    done = add("Export customers", "-e", "3")
    open_ = add("Single sign-on", "-e", "5")
    commit(root, "2026-11-01", "Alice", "capture")
    for req_id in (done, open_):
        ok(["set", req_id, "sprint=2026-S45"])
    commit(root, "2026-11-02", "Bob", "plan")
    ok(["set", done, "status=done"])
    commit(root, "2026-11-10", "Bob", "done")
    before = json.loads(ok(["sprint", "show", "2026-S45", "-f", "json"]).stdout)
    ok(["sprint", "carry", "2026-S45", "--to", "2026-S46"])
    for moment in ("before commit", "after commit"):
        if moment == "after commit":
            commit(root, "2026-11-16", "Bob", "carry")
        after = json.loads(ok(["sprint", "show", "2026-S45", "-f", "json"]).stdout)
        for key in ("committed", "committed_effort", "done", "done_effort", "slipped", "items"):
            assert after[key] == before[key], (moment, key)
        assert after["carried_over"] == {open_: "2026-S46"}
        table = ok(["sprint", "show", "2026-S45"]).stdout
        assert "carried over to 2026-S46" in table and "sprint carry" not in table
    assert before["carried_over"] == {}
    nxt = json.loads(ok(["sprint", "show", "2026-S46", "-f", "json"]).stdout)
    assert nxt["items"] == [open_]


def test_recent_changes_put_the_newest_commit_first_and_count_what_they_leave_out(
    root: Path,
) -> None:
    # 120 additions and then a status move, both committed in one second: the
    # move comes first, and the 21 changes past the list's 100 rows are counted.
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    titles = "".join(f"Request number {i}\n" for i in range(120))
    first = ok(["add", "-", "--no-input"], input=titles).stdout.split()[0]
    commit(root, "2026-11-26", "Alice", "import")
    ok(["status", first, "accepted"])
    commit(root, "2026-11-26", "Bob", "triage")
    md = ok(["report", "--as-of", "2026-11-27"]).stdout
    changes = md.split("## Changes", 1)[1]
    rows = [line for line in changes.splitlines() if line.startswith("| 2026")]
    assert len(rows) == 100 and "Bob" in rows[0] and first in rows[0]
    assert "21 older changes not shown" in changes
    html = ok(["report", "--as-of", "2026-11-27", "-f", "html"]).stdout
    assert "21 older changes not shown" in html


def test_lead_time_counts_a_requirement_created_accepted_and_done_in_the_same_second(
    root: Path,
) -> None:
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    rid = add("Created accepted", "--status", "accepted")
    commit(root, "2026-11-26", "Alice", "add")
    ok(["status", rid, "done"])
    commit(root, "2026-11-26", "Alice", "done")
    straight = add("Straight to done", "--status", "done")
    commit(root, "2026-11-26", "Alice", "done at once")
    data = json.loads(ok(["stats", "--as-of", "2026-11-27", "-f", "json"]).stdout)
    lead = data["lead_time"]
    assert lead is not None and lead["count"] == 1, lead
    assert straight not in json.dumps(lead)


def test_report_changes_say_where_a_deadline_or_owner_moved(
    history: dict[str, str], root: Path
) -> None:
    ok(["set", history["b"], "due=2026-12-19", "owner=赵磊", "effort=8", "tags=finance"])
    commit(root, "2026-11-12", "Bob", "slip")
    args = ["report", "--as-of", "2026-11-20", "--since", "2026-11-11"]
    text = ok(args).stdout
    assert "due date: — → 2026-12-19" in text
    assert "owner: — → 赵磊" in text and "effort: — → 8" in text
    assert "changed: tags" in text
    zh = ok([*args, "--lang", "zh"]).stdout
    # A Chinese reader reads field names in Chinese, never the file's keys.
    assert "截止日期：— → 2026-12-19" in zh and "负责人：— → 赵磊" in zh
    assert "已修改：标签" in zh and "due" not in zh and "owner" not in zh


def test_report_sprint_named_as_sprint_show_accepts_it(history: dict[str, str]) -> None:
    # Typed in another case, the sprint is found in git as well as in the files.
    text = ok(["report", "--as-of", "2026-11-20", "--sprint", "s1"]).stdout
    assert "## Sprint review: S1" in text
    assert f"| `{history['c']}` |" in text and "unknown (no git history)" not in text
    # A sprint nobody has is refused with the ones there are, never silently left out.
    result = invoke(["report", "--as-of", "2026-11-20", "--sprint", "S9"])
    assert result.exit_code == 1 and "Sprint review" not in result.stdout
    assert "no requirement is assigned to sprint 'S9' (sprints: S1)" in result.stderr
