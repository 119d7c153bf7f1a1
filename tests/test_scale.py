"""Large-ledger behaviour a user sees (session 10, `scale`): long runs say how
far they have come instead of staying silent."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

import pmledger.check.ledger as check_module
from pmledger.check import check_ledger
from pmledger.cli import check as check_cli
from pmledger.ledger.ledger import Ledger

from .cli_helpers import add, isolate_env, make_ledger, ok
from .git_helpers import commit_all, new_repo


def test_check_reports_progress_in_steps_and_once_at_the_end(
    example: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_module, "PROGRESS_STEP", 10)
    calls: list[tuple[int, int]] = []
    report = check_ledger(example, git=False, progress=lambda d, t: calls.append((d, t)))
    total = report.files
    assert total > 20
    assert calls[-1] == (total, total)
    assert [d for d, _ in calls[:-1]] == list(range(10, total + 1, 10))
    assert {t for _, t in calls} == {total}


def test_check_without_a_progress_callback_finds_the_same(example: Ledger) -> None:
    with_progress = check_ledger(example, git=False, progress=lambda d, t: None)
    without = check_ledger(example, git=False)
    assert [p.code for p in with_progress.problems] == [p.code for p in without.problems]
    assert with_progress.files == without.files


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_check_bar_only_on_a_terminal_and_only_for_a_large_ledger(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with check_cli._progress() as step:
        assert step is None  # piped or in CI: nothing drawn, nothing to call
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with check_cli._progress() as step:
        assert step is not None
        step(500, check_cli.PROGRESS_FROM - 1)
        assert terminal.getvalue() == ""  # a small ledger is done before a bar helps
    big = check_cli.PROGRESS_FROM * 20
    with check_cli._progress() as step:
        assert step is not None
        step(500, big)
        step(big, big)
    assert f"{big}/{big}" in terminal.getvalue()


def test_report_lists_at_most_the_cap_of_a_large_sprints_unfinished_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_env(monkeypatch, tmp_path)
    make_ledger(tmp_path)
    rows = "".join(f"item {i},S1,planned\n" for i in range(60))
    (tmp_path / "sprint.csv").write_text("title,sprint,status\n" + rows, encoding="utf-8")
    ok(["import", str(tmp_path / "sprint.csv")])
    md = ok(["report", "--no-pager", "--sprint", "S1", "--as-of", "2026-11-20"]).stdout
    sprint = md.split("## Sprint review")[1].split("\n## ")[0]
    assert "| 60 (" in sprint  # the counts cover every item
    assert sum(line.startswith("| `") for line in sprint.splitlines()) == 50
    assert "10 more not shown" in sprint
    html = ok(["report", "-f", "html", "--sprint", "S1", "--as-of", "2026-11-20"]).stdout
    section = html.split('<section id="sprint">')[1].split("</section>")[0]
    assert section.count("item ") == 50
    assert "10 more not shown" in section


def test_stats_lead_times_read_each_version_from_git_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmledger.git.repo import Repo

    root = new_repo(tmp_path).root
    os.chdir(root)
    a = add("Export customers", "--status", "accepted")
    commit_all(root, "capture")
    ok(["status", a, "done"])
    commit_all(root, "done")
    read: list[str] = []
    original = Repo.read_blobs

    def counting(self: Repo, specs: Iterable[str]) -> dict[str, bytes | None]:
        wanted = list(specs)
        read.extend(wanted)
        return original(self, wanted)

    monkeypatch.setattr(Repo, "read_blobs", counting)
    first = json.loads(ok(["stats", "-f", "json"]).stdout)["lead_time"]
    assert list(first["days"]) == [a]
    assert len(read) == 2  # both versions of the file
    read.clear()
    assert json.loads(ok(["stats", "-f", "json"]).stdout)["lead_time"] == first
    assert read == []  # remembered: a blob's content never changes
    b = add("导出报表", "--status", "accepted")
    commit_all(root, "capture b")
    ok(["status", b, "done"])
    commit_all(root, "b done")
    again = json.loads(ok(["stats", "-f", "json"]).stdout)["lead_time"]
    assert sorted(again["days"]) == sorted([a, b])
    assert len(read) == 2  # only b's two new versions
    # Without the cache (PMLEDGER_NO_CACHE) every version is read, with the same result.
    read.clear()
    monkeypatch.setenv("PMLEDGER_NO_CACHE", "1")
    assert json.loads(ok(["stats", "-f", "json"]).stdout)["lead_time"] == again
    assert len(read) == 4
