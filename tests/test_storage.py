"""The ledger on disk: discovery, atomic writes, exclusive creation, the cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from pmledger.errors import (
    ConfigError,
    InvalidIdError,
    LedgerExistsError,
    LedgerNotFoundError,
    NotFoundError,
    WorkflowError,
)
from pmledger.ledger import fileformat, ids
from pmledger.ledger.cache import ParseCache, cache_path
from pmledger.ledger.ledger import Ledger, create_exclusive, write_atomic
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import find_ledger_root

from .conftest import make


def _age(path: Path, seconds: float = 3600) -> None:
    """Backdate a file so the cache trusts its timestamp."""
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_init_writes_documented_settings(tmp_path: Path) -> None:
    ledger = Ledger.init(tmp_path / "x", prefix="CRM")
    text = (ledger.root / "pmledger.toml").read_text()
    assert 'id_prefix = "CRM"' in text and "# " in text
    assert ledger.requirements_dir.is_dir()
    with pytest.raises(LedgerExistsError):
        Ledger.init(tmp_path / "x")
    with pytest.raises(ConfigError):
        Ledger.init(tmp_path / "y", prefix="no way")


def test_discovery_order(tmp_path: Path, ledger: Ledger) -> None:
    sub = ledger.root / "a" / "b"
    sub.mkdir(parents=True)
    assert find_ledger_root(cwd=sub, env={}) == ledger.root
    other = Ledger.init(tmp_path / "other")
    assert find_ledger_root(cwd=sub, env={"PMLEDGER_DIR": str(other.root)}) == other.root
    assert (
        find_ledger_root(ledger.root, cwd=sub, env={"PMLEDGER_DIR": str(other.root)}) == ledger.root
    )
    with pytest.raises(LedgerNotFoundError) as err:
        find_ledger_root(cwd=tmp_path, env={})
    assert "pmledger init" in str(err.value)
    with pytest.raises(ConfigError):
        find_ledger_root(tmp_path, env={})


def test_create_save_load(ledger: Ledger) -> None:
    req = ledger.create(make(title="客户列表导出 Excel", due=date(2026, 12, 1)))
    assert ids.is_valid_id(req.id, "REQ")
    path = ledger.path_for(req.id)
    assert path.name == f"{req.id}.toml"
    assert ledger.load(req.id) == req
    assert ledger.load(req.id.split("-")[1].lower()) == req


def test_saving_unchanged_requirement_does_not_touch_the_file(ledger: Ledger) -> None:
    req = ledger.create(make())
    path = ledger.path_for(req.id)
    _age(path)
    before = path.stat().st_mtime_ns
    ledger.save(ledger.load(req.id))
    assert path.stat().st_mtime_ns == before


def test_renaming_the_title_keeps_the_file(ledger: Ledger) -> None:
    req = ledger.create(make())
    ledger.save(req.model_copy(update={"title": "A new title"}))
    assert [p.name for p in ledger.requirements_dir.glob("*.toml")] == [f"{req.id}.toml"]


def test_save_refuses_unknown_status(ledger: Ledger) -> None:
    with pytest.raises(WorkflowError):
        ledger.save(make(status="bogus"))


def test_create_retries_on_collision(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ledger.create(make())
    sequence = iter([first.id, first.id, "REQ-22222"])
    monkeypatch.setattr(ids, "new_id", lambda prefix, length: next(sequence))
    second = ledger.create(make(title="other"))
    assert second.id == "REQ-22222"
    assert ledger.load(first.id).title == "A requirement"


def test_create_exclusive_never_overwrites(tmp_path: Path) -> None:
    tmp_path = tmp_path / "d"
    tmp_path.mkdir()
    target = tmp_path / "f.toml"
    assert create_exclusive(target, "one")
    assert not create_exclusive(target, "two")
    assert target.read_text() == "one"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_atomic_write_leaves_original_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "d"
    tmp_path.mkdir()
    target = tmp_path / "f.toml"
    target.write_text("original")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new content")
    assert target.read_text() == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["f.toml"]


@pytest.mark.parametrize("bad", ["../pmledger", "../../etc/passwd", "REQ-../x", "a/b", "REQ-A/B"])
def test_ids_never_reach_outside(ledger: Ledger, bad: str) -> None:
    with pytest.raises((InvalidIdError, NotFoundError)):
        ledger.load(bad)


def test_unknown_and_ambiguous_ids(ledger: Ledger) -> None:
    with pytest.raises(NotFoundError):
        ledger.load("REQ-ZZZZZ")


def test_load_all_reports_broken_files_and_keeps_the_rest(ledger: Ledger) -> None:
    good = ledger.create(make())
    (ledger.requirements_dir / "REQ-BAD00.toml").write_text('id = "REQ-BAD00"\ntitle = "x\n')
    (ledger.requirements_dir / "REQ-BAD01.toml").write_text(
        fileformat.dumps(make("REQ-BAD01", status="bogus"))
    )
    (ledger.requirements_dir / "REQ-BAD02.toml").write_text(fileformat.dumps(make("REQ-OTHER")))
    (ledger.requirements_dir / "REQ-BAD03.toml").write_bytes(b"\xff\xfe")
    result = ledger.load_all()
    assert [r.id for r in result.requirements] == [good.id]
    messages = {p.path.name: str(p) for p in result.problems}
    assert set(messages) == {"REQ-BAD00.toml", "REQ-BAD01.toml", "REQ-BAD02.toml", "REQ-BAD03.toml"}
    assert ":2:" in messages["REQ-BAD00.toml"]
    assert "status" in messages["REQ-BAD01.toml"]
    assert "file name" in messages["REQ-BAD02.toml"]


def test_cache_serves_unchanged_files_and_never_stale(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    req = ledger.create(make())
    path = ledger.path_for(req.id)
    _age(path)
    assert ledger.load_all().requirements == [req]
    assert cache_path(ledger.root).exists()

    # Served from the cache: parsing is not called again.
    calls: list[Path] = []
    real = fileformat.loads

    def counting(text: str, p: Path) -> Requirement:
        calls.append(p)
        return real(text, p)

    monkeypatch.setattr(fileformat, "loads", counting)
    assert ledger.load_all().requirements == [req]
    assert calls == []

    # A change (new size and mtime) is seen at once.
    ledger.save(req.model_copy(update={"title": "Changed title"}))
    assert [r.title for r in ledger.load_all().requirements] == ["Changed title"]
    assert len(calls) == 1

    # Deleting the file or the cache changes nothing but speed.
    cache_path(ledger.root).unlink()
    assert [r.title for r in ledger.load_all().requirements] == ["Changed title"]
    path.unlink()
    assert ledger.load_all().requirements == []


def test_recent_files_are_not_cached(ledger: Ledger) -> None:
    req = ledger.create(make())
    ledger.load_all()
    cache = ParseCache(cache_path(ledger.root))
    stat = ledger.path_for(req.id).stat()
    assert cache.get(f"{req.id}.toml", stat.st_size, stat.st_mtime_ns) is None


def test_corrupt_cache_is_ignored(ledger: Ledger) -> None:
    req = ledger.create(make())
    _age(ledger.path_for(req.id))
    ledger.load_all()
    cache_path(ledger.root).write_bytes(b"garbage")
    assert ledger.load_all().requirements == [req]


def test_disabled_cache(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMLEDGER_NO_CACHE", "1")
    req = ledger.create(make())
    _age(ledger.path_for(req.id))
    assert ledger.load_all().requirements == [req]
    assert not cache_path(ledger.root).exists()


def test_a_dozen_parallel_adds_get_distinct_ids(ledger: Ledger) -> None:
    env = {**os.environ, "PMLEDGER_DIR": str(ledger.root)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pmledger",
                "add",
                f"Parallel requirement number {i}",
                "--no-input",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(12)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outputs]
    new_ids = [o[0].strip() for o in outputs]
    assert len(set(new_ids)) == 12
    result = ledger.load_all(use_cache=False)
    assert result.problems == []
    assert sorted(r.id for r in result.requirements) == sorted(new_ids)
    assert sorted(r.title for r in result.requirements) == sorted(
        f"Parallel requirement number {i}" for i in range(12)
    )
