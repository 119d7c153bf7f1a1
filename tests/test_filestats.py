"""One stat per requirement file, by this process alone or shared with a forked helper."""

from __future__ import annotations

import os
import time
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmledger import parallel
from pmledger.ledger import filestats
from pmledger.ledger.filestats import FolderStats, stat_folder

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper needs os.fork")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    reqs = tmp_path / "requirements"
    reqs.mkdir()
    for i in range(57):
        (reqs / f"REQ-{i:05d}.toml").write_text("x" * i, encoding="utf-8")
    (reqs / ".hidden.toml").write_text("hidden", encoding="utf-8")
    (reqs / "notes.txt").write_text("not a requirement", encoding="utf-8")
    (reqs / "REQ-DIR01.toml").mkdir()  # listed by name, but not a file
    return reqs


@pytest.fixture
def helper(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A helper for any folder, meeting this process after a few names at a time."""
    monkeypatch.setattr(filestats, "PARALLEL_AT", 1)
    monkeypatch.setattr(filestats, "CHUNK", 4)
    parallel.allow()
    yield
    parallel.allow(False)


def expected(folder: Path) -> FolderStats:
    names = [
        n
        for n in os.listdir(folder)
        if n.endswith(".toml") and not n.startswith(".") and (folder / n).is_file()
    ]
    stats = [os.stat(folder / n) for n in names]
    return FolderStats(
        names,
        array("q", [s.st_size for s in stats]),
        array("q", [filestats.changed_ns(s) for s in stats]),
        "\x00".join(names),
    )


def test_alone_every_regular_requirement_file_with_its_size_and_mtime(folder: Path) -> None:
    found, extra = stat_folder(folder, lambda: "cache")
    assert found == expected(folder)
    assert extra == "cache"
    assert len(found.names) == 57  # not the hidden file, the text file or the folder


def test_with_a_helper_the_same_as_alone(folder: Path, helper: None, forks: list[int]) -> None:
    found, extra = stat_folder(folder, lambda: "cache")
    assert forks, "no helper was started"
    assert found == expected(folder)
    assert extra == "cache"


def test_the_helper_stats_while_the_cache_is_read(folder: Path, helper: None) -> None:
    # While `meanwhile` runs, this process has stat'ed nothing: whatever is
    # done by then is the helper's.
    seen: list[int] = []

    def meanwhile() -> None:
        # The helper claims from the back; wait until it has claimed everything.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            claims = memoryview(tables[0].memory).cast("q")[:2]
            if claims[1] == 0:
                seen.append(claims[0])
                claims.release()
                return
            claims.release()
        pytest.fail("the helper never claimed every name")

    tables: list[filestats._Table] = []
    real = filestats._Table

    def recorded(count: int) -> filestats._Table:
        tables.append(real(count))
        return tables[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(filestats, "_Table", recorded)
        found, _ = stat_folder(folder, meanwhile)
    assert seen == [0]  # this process had claimed nothing when the helper was done
    assert found == expected(folder)


def test_a_helper_that_dies_after_claiming_leaves_nothing_unstated(
    folder: Path, helper: None
) -> None:
    def dies(stat: object, names: list[str], table: filestats._Table) -> None:
        table.claims[1] = len(names) - 10  # claims the last ten, stats none
        raise RuntimeError("the helper failed")

    tables: list[filestats._Table] = []
    real = filestats._Table

    def recorded(count: int) -> filestats._Table:
        tables.append(real(count))
        return tables[-1]

    def meanwhile() -> None:
        # Until the helper has claimed: this process then stats only the rest.
        deadline = time.monotonic() + 30
        while tables[0].claims[1] == len(tables[0].sizes):
            if time.monotonic() > deadline:
                pytest.fail("the helper never claimed")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(filestats, "_back", dies)
        mp.setattr(filestats, "_Table", recorded)
        found, _ = stat_folder(folder, meanwhile)
    assert found == expected(folder)


def test_a_file_gone_between_listing_and_stat_is_left_out(
    folder: Path, helper: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p: [*listdir(p), "REQ-GONE1.toml"])
    found, _ = stat_folder(folder, lambda: None)
    assert "REQ-GONE1.toml" not in found.names
    assert found == expected(folder)


def test_ctrl_c_while_the_cache_is_read_stops_the_helper_and_the_stats(
    folder: Path, helper: None, forks: list[int]
) -> None:
    # Nobody writes: the helper waits until it is killed (or, if it never
    # is, until this test closes the pipe).
    never, writer = os.pipe()

    def stuck(stat: object, names: list[str], table: filestats._Table) -> None:
        os.close(writer)
        os.read(never, 1)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(filestats, "_back", stuck)
        mp.setattr(filestats, "_front", lambda *a: pytest.fail("stat'ed after Ctrl-C"))
        with pytest.raises(KeyboardInterrupt):
            stat_folder(folder, interrupted)
    os.close(never)
    os.close(writer)
    # Stopped and reaped: no zombie left behind.
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)


def test_no_helper_unless_allowed(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filestats, "PARALLEL_AT", 1)
    monkeypatch.setattr(parallel, "fork", lambda work: pytest.fail("forked"))
    found, _ = stat_folder(folder, lambda: None)
    assert found == expected(folder)


def test_no_helper_while_another_thread_runs(folder: Path, helper: None) -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(parallel, "fork", lambda work: pytest.fail("forked"))
            found, _ = stat_folder(folder, lambda: None)
    finally:
        stop.set()
        thread.join()
    assert found == expected(folder)


def test_a_missing_folder_is_empty(tmp_path: Path) -> None:
    found, extra = stat_folder(tmp_path / "nowhere", lambda: 1)
    assert found == FolderStats([], array("q"), array("q"), "")
    assert extra == 1
