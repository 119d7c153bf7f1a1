"""Shared fixtures: every test runs isolated from the user's environment."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pmledger.ledger.ledger import Ledger
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings

from .cli_helpers import isolate_env, make_ledger

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "acme"
EXAMPLE_AS_OF = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """HOME, caches, git config and pmledger's variables private to each test."""
    isolate_env(monkeypatch, tmp_path)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The folder of an empty ledger created with `pmledger init`."""
    return make_ledger(tmp_path)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    """An empty ledger in a temporary folder."""
    return Ledger.init(tmp_path / "ledger")


@pytest.fixture
def example(tmp_path: Path) -> Ledger:
    """A private copy of the bundled example ledger (the golden fixture)."""
    target = tmp_path / "acme"
    shutil.copytree(EXAMPLE, target)
    return Ledger(target)


def make(req_id: str = "REQ-AAAAA", **fields: object) -> Requirement:
    """A valid requirement with sensible defaults, for table-driven tests."""
    data: dict[str, object] = {
        "id": req_id,
        "title": "A requirement",
        "status": "proposed",
        "priority": "medium",
        "created": datetime(2026, 1, 1, tzinfo=UTC),
    }
    data.update(fields)
    return Requirement.model_validate(data)


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written so far are old enough for the caches to trust.

    A file's ctime cannot be set back (``os.utime`` moves it to now), and
    the caches key on the later of mtime and ctime: their clock is moved an
    hour ahead instead.
    """
    import time

    from pmledger.ledger import cache

    monkeypatch.setattr(cache, "trusted_before", lambda: (time.time() + 3600) * 1e9)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The IDs of the helper processes pmledger.parallel starts, as it starts them."""
    from pmledger import parallel

    pids: list[int] = []
    fork = parallel.fork

    def counted(work: Any) -> int | None:
        pid = fork(work)
        if pid is not None:
            pids.append(pid)
        return pid

    monkeypatch.setattr(parallel, "fork", counted)
    return pids
