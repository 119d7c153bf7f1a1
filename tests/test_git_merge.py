"""Two people, two branches, one ledger: merges without conflicts or shared IDs."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pmledger.changes import with_note, with_status
from pmledger.ledger.ledger import Ledger

from .conftest import make

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Ledger:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    ledger = Ledger.init(root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return ledger


def test_branches_adding_requirements_merge_cleanly(repo: Ledger) -> None:
    root = repo.root
    git(root, "checkout", "-qb", "alice")
    alice = [repo.create(make(title=f"Alice {i}")).id for i in range(8)]
    git(root, "add", "-A")
    git(root, "commit", "-qm", "alice adds")
    git(root, "checkout", "-q", "main")
    git(root, "checkout", "-qb", "bob")
    bob = [repo.create(make(title=f"Bob {i}")).id for i in range(8)]
    git(root, "add", "-A")
    git(root, "commit", "-qm", "bob adds")
    git(root, "checkout", "-q", "alice")
    git(root, "merge", "-q", "--no-edit", "bob")

    result = Ledger(root).load_all(use_cache=False)
    assert result.problems == []
    merged = sorted(r.id for r in result.requirements)
    assert merged == sorted(alice + bob)
    assert len(set(merged)) == 16


def test_concurrent_edits_of_different_fields_merge(repo: Ledger) -> None:
    root = repo.root
    req = repo.create(make(title="Shared requirement", owner="Ann", tags=["crm"]))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "add")
    git(root, "checkout", "-qb", "status-move")
    repo.save(with_status(repo.load(req.id), "accepted", settings=repo.settings))
    git(root, "commit", "-qam", "accept")
    git(root, "checkout", "-q", "main")
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    repo.save(with_note(repo.load(req.id), "Finance agrees", by="Li", at=at))
    git(root, "commit", "-qam", "note")
    git(root, "merge", "-q", "--no-edit", "status-move")

    merged = Ledger(root).load(req.id)
    assert merged.status == "accepted"
    assert [n.text for n in merged.notes] == ["Finance agrees"]


def test_caches_live_in_the_user_cache_and_are_never_committed(
    repo: Ledger, tmp_path: Path, trusted: None
) -> None:
    req = repo.create(make())
    repo.load_all()
    status = git(repo.root, "status", "--porcelain", "--untracked-files=all")
    assert f"{req.id}.toml" in status
    assert "cache" not in status
    assert list((tmp_path / "cache" / "pmledger").glob("cache-*.pickle"))
    # Unpickling runs code: nothing is ever read from the ledger's .git,
    # which a repository received as an archive brings along.
    assert not (repo.root / ".git" / "pmledger").exists()


def test_a_pickle_planted_in_the_git_folder_is_never_read(repo: Ledger, trusted: None) -> None:
    import pickle

    from pmledger.ledger.cache import cache_path

    req = repo.create(make())
    repo.load_all()  # cached where pmledger keeps caches
    planted = repo.root / ".git" / "pmledger"
    planted.mkdir(parents=True)
    marker = repo.root / "owned"

    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (marker.write_text, ("pickle ran",))

    for kind in ("cache", "index", "titles", "settings", "gitindex", "check"):
        name = cache_path(repo.root, kind).name
        (planted / name).write_bytes(pickle.dumps(Exploit()))
    assert [r.id for r in repo.load_all().requirements] == [req.id]
    assert [s.id for s in repo.summaries().summaries] == [req.id]
    assert not marker.exists()


def test_caches_are_the_users_alone(repo: Ledger, tmp_path: Path, trusted: None) -> None:
    import stat

    repo.create(make())
    repo.load_all()
    folder = tmp_path / "cache" / "pmledger"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    pickles = list(folder.glob("*.pickle"))
    assert pickles
    assert {stat.S_IMODE(p.stat().st_mode) for p in pickles} == {0o600}


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a folder away"
)
def test_another_users_git_folder_is_not_used_for_the_lock(tmp_path: Path) -> None:
    from pmledger.ledger.cache import git_dir_of, lock_file

    shared = tmp_path / "shared"
    (shared / ".git").mkdir(parents=True)
    os.chown(shared / ".git", 12345, 12345)  # someone else's, above the ledger
    ledger = Ledger.init(shared / "ledger")
    assert git_dir_of(ledger.root) is None
    assert (shared / ".git") not in lock_file(ledger.root, "write").parents
