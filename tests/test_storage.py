"""The ledger on disk: discovery, atomic writes, exclusive creation, the cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pmledger.errors import (
    ConfigError,
    InvalidIdError,
    InvalidValueError,
    LedgerExistsError,
    LedgerNotFoundError,
    NotFoundError,
    WorkflowError,
)
from pmledger.ledger import fastreq, fileformat, ids
from pmledger.ledger.cache import StateCache, cache_path
from pmledger.ledger.filestats import changed_ns
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
    with pytest.raises(InvalidValueError):
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
    assert ids.normalize_id(req.id, "REQ") == req.id
    path = ledger.path_for(req.id)
    assert path.name == f"{req.id}.toml"
    assert ledger.load(req.id) == req
    assert ledger.load(req.id.split("-")[1].lower()) == req


def test_saving_unchanged_requirement_does_not_touch_the_file(
    ledger: Ledger, trusted: None
) -> None:
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


def test_a_failed_new_file_names_the_file_not_its_temporary(tmp_path: Path) -> None:
    # `add` in a read-only or vanished folder: the message names REQ-…toml,
    # never the .pmledger-….tmp pmledger meant to rename.
    target = tmp_path / "gone" / "REQ-4K7PM.toml"
    with pytest.raises(FileNotFoundError) as raised:
        create_exclusive(target, "one")
    assert raised.value.filename == str(target)


def test_a_failed_export_names_the_file_not_its_temporary(tmp_path: Path) -> None:
    from pmledger.io.export import write_file

    target = tmp_path / "gone" / "导出.csv"
    with pytest.raises(FileNotFoundError) as raised:
        write_file(target, b"id\n")
    assert raised.value.filename == str(target)


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
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, trusted: None
) -> None:
    req = ledger.create(make())
    path = ledger.path_for(req.id)
    _age(path)
    assert ledger.load_all().requirements == [req]
    assert cache_path(ledger.root).exists()

    # Served from the cache: parsing (either way) is not called again.
    calls: list[str] = []
    real = fileformat.loads
    real_fast = fastreq.requirement

    def counting(text: str, p: Path) -> Requirement:
        calls.append(text)
        return real(text, p)

    def counting_fast(text: str, shared: Any = None) -> Requirement | None:
        calls.append(text)
        return real_fast(text, shared)

    monkeypatch.setattr(fileformat, "loads", counting)
    monkeypatch.setattr(fastreq, "requirement", counting_fast)
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
    cache = StateCache(cache_path(ledger.root))
    stat = ledger.path_for(req.id).stat()
    assert cache.get(f"{req.id}.toml", stat.st_size, changed_ns(stat)) is None


def _cached(ledger: Ledger) -> set[str]:
    """The files the parse cache would serve as they are now."""
    cache = StateCache(cache_path(ledger.root))
    found = set()
    for name in cache.names():
        stat = (ledger.requirements_dir / name).stat()
        if cache.get(name, stat.st_size, changed_ns(stat)) is not None:
            found.add(name)
    return found


def test_cache_forgets_removed_files_even_when_one_is_added(ledger: Ledger, trusted: None) -> None:
    a, b, c = (ledger.create(make(title=t)) for t in ("One", "Two", "Three"))
    for req in (a, b, c):
        _age(ledger.path_for(req.id))
    ledger.load_all()
    names = {f"{r.id}.toml" for r in (a, b, c)}
    assert _cached(ledger) == names
    ledger.path_for(b.id).unlink()
    assert ledger.load_all().requirements == sorted([a, c], key=lambda r: r.id)
    assert _cached(ledger) == names - {f"{b.id}.toml"}
    # One gone, one new: as many files as entries, and still the right ones.
    d = ledger.create(make(title="Four"))
    _age(ledger.path_for(d.id))
    ledger.path_for(a.id).unlink()
    assert {r.id for r in ledger.load_all().requirements} == {c.id, d.id}
    assert _cached(ledger) == {f"{c.id}.toml", f"{d.id}.toml"}


@pytest.fixture(params=["fast reader", "general path"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """load_all with its one-expression reader from the first file, or never."""
    import pmledger.ledger.scan as scan_module

    monkeypatch.setattr(scan_module, "FAST_READ_AT", 0 if request.param == "fast reader" else 10**9)
    return str(request.param)


def test_the_cache_never_serves_an_edit_a_broken_file_or_a_lost_status(
    ledger: Ledger, reader: str, trusted: None
) -> None:
    reqs = [ledger.create(make(title=t)) for t in ("One", "Two", "Three")]
    for req in reqs:
        _age(ledger.path_for(req.id))
    assert ledger.load_all().requirements == sorted(reqs, key=lambda r: r.id)
    warm = ledger.load_all()  # every file as cached: the columns' fast path
    assert warm.requirements == sorted(reqs, key=lambda r: r.id) and warm.problems == []

    # Edited in place by another program, same size: the mtime tells.
    path = ledger.path_for(reqs[0].id)
    path.write_text(path.read_text().replace("One", "Uno"))
    _age(path, 1800)
    assert {r.title for r in ledger.load_all().requirements} == {"Uno", "Two", "Three"}

    # A broken file is reported on every load, cached or not.
    broken = ledger.requirements_dir / "REQ-BAD00.toml"
    broken.write_text('id = "REQ-BAD00"\ntitle = "x\n')
    _age(broken)
    for _ in range(2):
        result = ledger.load_all()
        assert [p.path.name for p in result.problems] == ["REQ-BAD00.toml"]
        assert len(result.requirements) == 3
    broken.unlink()

    # A file renamed by another program: the listing tells.
    moved = ledger.requirements_dir / "REQ-ZZZZZ.toml"
    ledger.path_for(reqs[1].id).rename(moved)
    result = ledger.load_all()
    assert [p.path.name for p in result.problems] == ["REQ-ZZZZZ.toml"]  # its ID no longer fits
    assert {r.id for r in result.requirements} == {reqs[0].id, reqs[2].id}
    moved.rename(ledger.path_for(reqs[1].id))

    # A status the workflow no longer has is refused even from the cache.
    planned = ledger.create(make(title="Four", status="planned"))
    _age(ledger.path_for(planned.id))
    assert len(ledger.load_all().requirements) == 4
    settings = ledger.root / "pmledger.toml"
    text = settings.read_text()
    assert '"planned", ' in text and 'planned_status = "planned"' in text
    text = text.replace('"planned", ', "").replace('planned_status = "planned"', "")
    settings.write_text(text)
    again = Ledger(ledger.root)
    assert {r.id for r in again.load_all().requirements} == {r.id for r in reqs}
    assert [p.field for p in again.load_all().problems] == ["status"]


def test_corrupt_cache_is_ignored(ledger: Ledger, trusted: None) -> None:
    req = ledger.create(make())
    _age(ledger.path_for(req.id))
    ledger.load_all()
    cache_path(ledger.root).write_bytes(b"garbage")
    assert ledger.load_all().requirements == [req]


def test_disabled_cache(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, trusted: None) -> None:
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


def test_create_many_writes_every_file_in_order(ledger: Ledger) -> None:
    reqs = [make(title=f"第{i}个需求") for i in range(40)]
    created = ledger.create_many(reqs)
    assert [r.title for r in created] == [r.title for r in reqs]
    assert len({r.id for r in created}) == 40
    assert all(ledger.load(r.id) == r for r in created)
    # Only the requirement files: no temporary file left behind.
    assert sorted(p.name for p in ledger.requirements_dir.iterdir() if p.name != ".gitkeep") == (
        sorted(f"{r.id}.toml" for r in created)
    )
    assert ledger.create_many([]) == []


def test_a_fresh_path_is_in_the_folder_and_a_bad_id_still_refused(ledger: Ledger) -> None:
    assert ledger._fresh_path("REQ-4K7PM") == ledger.requirements_dir / "REQ-4K7PM.toml"
    # Not canonical: the full check of path_for, with its error.
    with pytest.raises(InvalidIdError):
        ledger._fresh_path("../escape")


def test_create_many_never_overwrites_a_taken_id(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ledger.create(make(title="Already here"))
    # Every planned ID of the batch collides (with the ledger, then with itself).
    sequence = iter([first.id, first.id, first.id, "REQ-22222", "REQ-33333"])
    monkeypatch.setattr(ids, "new_id", lambda prefix, length: next(sequence))
    a, b = ledger.create_many([make(title="A"), make(title="B")])
    assert {a.id, b.id} == {"REQ-22222", "REQ-33333"}
    assert ledger.load(first.id).title == "Already here"
    assert ledger.load(a.id).title == "A" and ledger.load(b.id).title == "B"


def test_create_many_refuses_an_unknown_status_before_writing(ledger: Ledger) -> None:
    with pytest.raises(WorkflowError):
        ledger.create_many([make(title="fine"), make(status="bogus")])
    assert ledger.file_ids() == []


def test_create_many_falls_back_to_fsync_without_syncfs(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys as _sys

    monkeypatch.setattr(_sys, "platform", "other")
    synced: list[int] = []
    real = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    created = ledger.create_many([make(title="x"), make(title="y")])
    assert len(created) == 2
    assert len(synced) >= 3  # each file, then the folder


def _titles(ledger: Ledger) -> dict[str, tuple[str, str]]:
    return {t.id: (t.title, t.status) for t in ledger.titles()}


def test_title_store_appends_a_journal_line_instead_of_rewriting(ledger: Ledger) -> None:
    from pmledger.ledger.titlestore import TitleStore

    first = ledger.create(make(title="First"))
    assert _titles(ledger) == {first.id: ("First", "proposed")}
    store = TitleStore.for_ledger(ledger.root)
    assert store.path is not None and store.journal is not None
    snapshot = store.path.read_bytes()
    second = ledger.create(make(title="第二个"))
    ledger.save(first.model_copy(update={"status": "done"}))
    assert store.path.read_bytes() == snapshot  # not rewritten on every add
    assert len(store.journal.read_text(encoding="utf-8").splitlines()) == 2
    assert _titles(ledger) == {first.id: ("First", "done"), second.id: ("第二个", "proposed")}


def test_title_store_sees_files_added_and_removed_by_other_programs(ledger: Ledger) -> None:
    first = ledger.create(make(title="First"))
    ledger.titles()
    (ledger.requirements_dir / "REQ-OTHER.toml").write_text(
        fileformat.dumps(make("REQ-OTHER", title="From a git pull")), encoding="utf-8"
    )
    (ledger.requirements_dir / "REQ-BROKEN.toml").write_text("title = [\n", encoding="utf-8")
    assert _titles(ledger) == {
        first.id: ("First", "proposed"),
        "REQ-OTHER": ("From a git pull", "proposed"),
    }
    ledger.path_for(first.id).unlink()
    assert _titles(ledger) == {"REQ-OTHER": ("From a git pull", "proposed")}


def test_title_store_sees_a_removal_followed_by_a_write_of_pmledger(ledger: Ledger) -> None:
    # A file removed by hand (or by a checkout), then any save or add: the
    # write must not vouch for the folder's state before it.
    first = ledger.create(make(title="Base item"))
    gone = ledger.create(make(title="Zeta feature"))
    ledger.titles()
    ledger.path_for(gone.id).unlink()
    ledger.save(first.model_copy(update={"owner": "Bob"}))
    assert _titles(ledger) == {first.id: ("Base item", "proposed")}
    ledger.path_for(first.id).unlink()
    third = ledger.create(make(title="Third"))
    ledger.create_many([make(title="Fourth")])
    assert first.id not in _titles(ledger) and third.id in _titles(ledger)


def test_title_store_survives_a_torn_journal_and_compacts(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmledger.ledger import titlestore

    monkeypatch.setattr(titlestore, "JOURNAL_LIMIT", 3)
    ledger.titles()
    made = [ledger.create(make(title=f"Item {i}")) for i in range(5)]
    store = titlestore.TitleStore.for_ledger(ledger.root)
    assert store.journal is not None
    with store.journal.open("ab") as handle:
        handle.write(b'{"put": ["REQ-X", "tor')
    assert set(_titles(ledger)) == {r.id for r in made}
    assert store.journal.read_bytes() == b""  # folded into the snapshot


def test_title_store_keeps_a_save_made_while_it_was_rebuilt(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A library caller's thread saves while another builds the store: the
    # rebuild read the old file, then its snapshot replaced the journal line
    # of the save, and the old title stayed until the next git checkout.
    import threading

    req = ledger.create(make(title="Old title"))
    original = Ledger.summary_table
    writers: list[threading.Thread] = []

    def read_then_let_another_thread_save(self: Ledger, **kwargs: Any) -> Any:
        found = original(self, **kwargs)
        writer = threading.Thread(
            target=ledger.save, args=(req.model_copy(update={"title": "New title"}),)
        )
        writer.start()
        writers.append(writer)
        writer.join(0.3)  # without the store's lock it finishes here, before the snapshot
        return found

    monkeypatch.setattr(Ledger, "summary_table", read_then_let_another_thread_save)
    ledger.titles()
    monkeypatch.setattr(Ledger, "summary_table", original)
    writers[0].join(60)
    assert _titles(ledger) == {req.id: ("New title", "proposed")}


def test_titles_like_serves_the_same_entries_as_titles(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmledger.ledger import titlestore
    from pmledger.query.similarity import similar

    monkeypatch.setattr(titlestore, "JOURNAL_LIMIT", 2)  # snapshots (columns) and journal lines
    ledger.titles()
    first = ledger.create(make(title="Export the customer list"))
    ledger.titles()
    odd = ledger.create(make(title="Export the customer\x00 list"))  # cannot be joined
    done = ledger.create(make(title="Export customer lists"))
    ledger.save(done.model_copy(update={"status": "done"}))
    ledger.create(make(title="导出客户列表"))
    (ledger.requirements_dir / "REQ-OTHER.toml").write_text(
        fileformat.dumps(make("REQ-OTHER", title="Export the customer list!")), encoding="utf-8"
    )
    for title in ("Export the customer list", "导出客户列表 Excel", "!!!", "Something else"):
        everything = [t for t in ledger.titles() if t.status != "done"]
        expected = {m.requirement.id for m in similar(title, everything, limit=100)}
        like = {t.id for t in ledger.titles_like(title, exclude_statuses=["done"])}
        assert expected <= like
        assert {t.id for t in ledger.titles_like(title)} >= expected
    like = {t.id for t in ledger.titles_like("Export the customer list", exclude_statuses=["done"])}
    assert {first.id, odd.id, "REQ-OTHER"} <= like and done.id not in like
    ledger.path_for(first.id).unlink()
    like = {t.id for t in ledger.titles_like("Export the customer list")}
    assert first.id not in like and "REQ-OTHER" in like


def test_exact_duplicate_is_checked_against_the_file_not_the_store(root: Path) -> None:
    from .cli_helpers import add, invoke

    first = add("Export the customer list")
    # Edited in place by another program: the store may not know yet.
    path = root / "requirements" / f"{first}.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Export the", "Import the"), encoding="utf-8"
    )
    result = invoke(["add", "Export the customer list", "--no-input"])
    assert result.exit_code == 0, result.stderr


def test_rebuilding_cached_states_at_once_equals_one_at_a_time() -> None:
    from pmledger.ledger.cache import compact_state
    from pmledger.ledger.model import (
        requirement_from_state,
        requirement_state,
        requirements_from_states,
    )

    plain = make(title="Plain")
    extra = Requirement.model_validate({**plain.model_dump(), "id": "REQ-EXTRA", "zz": "kept"})

    def states() -> list[object]:
        # Fresh copies each time: the rebuilt models take the dicts over.
        return [
            compact_state((dict(requirement_state(r)[0]), requirement_state(r)[1]))
            for r in (plain, extra)
        ]

    many = requirements_from_states(states())  # type: ignore[arg-type]
    one = [requirement_from_state(s, owned=True) for s in states()]  # type: ignore[arg-type]
    assert many == one == [plain, extra]
    assert [r.model_extra for r in many] == [{}, {"zz": "kept"}]


def test_load_all_reads_the_same_without_folder_descriptors(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    reqs = sorted((ledger.create(make(title=t)) for t in ("One", "二")), key=lambda r: r.id)
    assert ledger.load_all(use_cache=False).requirements == reqs
    monkeypatch.setattr(os, "supports_dir_fd", set())
    assert ledger.load_all(use_cache=False).requirements == reqs


def test_a_file_read_with_a_stale_size_is_read_whole(tmp_path: Path) -> None:
    from pmledger.ledger.scan import _read_bytes

    data = "标题 ".encode() * 5000
    (tmp_path / "f.toml").write_bytes(data)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for listed in (0, 3, len(data) - 1, len(data), len(data) + 10):
            assert _read_bytes("f.toml", fd, tmp_path, listed) == data
            assert _read_bytes("f.toml", None, tmp_path, listed) == data
    finally:
        os.close(fd)


def test_both_readers_load_the_same_ledger_and_problems(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pmledger.ledger.scan as scan_module

    folder = ledger.requirements_dir
    for req in (make(title="Plain"), make(title="报表", owner="陈涛", tags=["crm"])):
        ledger.create(req)
    commented = ledger.create(make(title="Commented"))
    path = ledger.path_for(commented.id)
    path.write_text("# why\n" + path.read_text())
    bom = ledger.create(make(title="BOM"))
    ledger.path_for(bom.id).write_text("\ufeff" + ledger.path_for(bom.id).read_text())
    (folder / "REQ-BAD00.toml").write_text('id = "REQ-BAD00"\ntitle = "x\n')
    (folder / "REQ-BAD01.toml").write_text(fileformat.dumps(make("REQ-BAD01", status="bogus")))
    (folder / "REQ-BAD02.toml").write_text(fileformat.dumps(make("REQ-OTHER")))
    (folder / "REQ-BAD03.toml").write_bytes(b"\xff\xfe")
    (folder / "REQ-BAD04.toml").write_text(
        fileformat.dumps(make("REQ-BAD04")).replace('"A requirement"', '" "')
    )

    def load(at: int) -> tuple[list[Any], list[str]]:
        monkeypatch.setattr(scan_module, "FAST_READ_AT", at)
        result = ledger.load_all(use_cache=False)
        models = [
            (r.__dict__, r.__pydantic_extra__, r.__pydantic_fields_set__)
            for r in result.requirements
        ]
        return models, [str(p) for p in result.problems]

    taken: list[str] = []
    real = fastreq.requirement

    def counting(text: str, shared: Any = None) -> Requirement | None:
        req = real(text, shared)
        if req is not None:
            taken.append(req.id)
        return req

    monkeypatch.setattr(fastreq, "requirement", counting)
    fast = load(0)
    assert len(taken) >= 3  # the canonical files (and the wrong ID's) took it
    taken.clear()
    general = load(10**9)
    assert taken == []
    assert fast == general
    assert len(fast[0]) == 4 and len(fast[1]) == 5


def test_a_file_written_by_a_function_replaces_atomically(tmp_path: Path) -> None:
    """Caches are pickled straight to the temporary file: the same all-or-nothing
    replacement as bytes, and a writer that fails leaves the old file alone."""
    from pmledger.ledger.atomic import replace_bytes

    folder = tmp_path / "caches"
    folder.mkdir()
    target = folder / "cache.pickle"
    target.write_bytes(b"old")
    replace_bytes(target, lambda handle: handle.write(b"new" * 100_000), durable=False)
    assert target.read_bytes() == b"new" * 100_000

    def broken(handle: Any) -> None:
        handle.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        replace_bytes(target, broken)
    assert target.read_bytes() == b"new" * 100_000
    assert [p.name for p in folder.iterdir()] == ["cache.pickle"]


def test_the_parse_cache_reads_back_what_it_wrote(tmp_path: Path) -> None:
    from pmledger.ledger.cache import ParseCache

    written = ParseCache(tmp_path / "c.pickle")
    written.put("a.toml", 3, 7, {"title": "标题", "tags": ["x"]})
    written.save()
    assert ParseCache(tmp_path / "c.pickle").entries == {
        "a.toml": (3, 7, {"title": "标题", "tags": ["x"]})
    }


def test_concurrent_writers_of_one_requirement_lose_nothing(root: Path) -> None:
    # Eight `note` and four `set tags+=` processes at once on one requirement:
    # each reads, changes and writes under the write lock, so none drops another's.
    from .cli_helpers import add, read_req

    rid = add("Race target")
    commands = [["note", rid, f"parallel note {i}", "--by", "x"] for i in range(8)]
    commands += [["set", rid, f"tags+=t{i}"] for i in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pmledger", *args],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for args in commands
    ]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    data = read_req(root, rid)
    assert sorted(n["text"] for n in data["notes"]) == [f"parallel note {i}" for i in range(8)]
    assert sorted(data["tags"]) == ["t0", "t1", "t2", "t3"]


def test_the_write_lock_is_reentrant_within_a_process(ledger: Ledger) -> None:
    from pmledger.ledger.locking import _HELD, lock_path

    with ledger.write_lock(), ledger.write_lock():  # no wait for itself
        assert _HELD[lock_path(ledger.root)][1] == 2
        ledger.create(make(title="inside"))
    assert lock_path(ledger.root) not in _HELD


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"effort": -5}, "effort"),
        ({"due": "tomorrow"}, "due"),
        ({"title": ""}, "title"),
        ({"tags": "crm"}, "tags"),
        ({"priority": "bogus"}, "priority"),  # was an AttributeError from the serialiser
    ],
)
def test_writes_refuse_what_model_copy_let_through(
    ledger: Ledger, update: dict[str, Any], field: str
) -> None:
    # model_copy(update=...) does not validate: the ledger must not write a
    # file it cannot read back.
    saved = ledger.create(make(title="kept"))
    path = ledger.path_for(saved.id)
    before = path.read_bytes()
    bad = saved.model_copy(update=update)
    with pytest.raises(InvalidValueError, match=rf"^{saved.id}: {field} "):
        ledger.save(bad)
    assert path.read_bytes() == before
    with pytest.raises(InvalidValueError, match=field):
        ledger.create(bad)
    with pytest.raises(InvalidValueError, match=field):
        ledger.create_many([make(title="fine"), bad])
    assert ledger.file_ids() == [saved.id]


def test_writes_validate_what_model_copy_gave_as_text(ledger: Ledger) -> None:
    saved = ledger.create(make(title="dated"))
    ledger.save(saved.model_copy(update={"due": "2026-12-01", "priority": "high"}))
    again = ledger.load(saved.id)
    assert again.due == date(2026, 12, 1)
    assert again.priority == "high"


def test_the_write_lock_makes_another_thread_wait(ledger: Ledger) -> None:
    # flock serialises processes only: a library caller's second thread used to
    # find the lock "held" (re-entrant) and walk in, dropping the first's change.
    import threading

    entered = threading.Event()

    def other() -> None:
        with ledger.write_lock():
            entered.set()

    with ledger.write_lock():
        thread = threading.Thread(target=other)
        thread.start()
        assert not entered.wait(0.2)  # without the lock it enters at once
    thread.join(timeout=60)
    assert entered.is_set()


def test_threads_writing_under_the_write_lock_lose_no_change(ledger: Ledger) -> None:
    import threading
    from datetime import UTC, datetime

    from pmledger.changes import with_note
    from pmledger.ledger.locking import _HELD, lock_path

    rid = ledger.create(make(title="counter")).id

    def writer(n: int) -> None:
        for k in range(10):
            with ledger.write_lock():
                current = ledger.load(rid)
                ledger.save(with_note(current, f"{n}-{k}", by="t", at=datetime.now(UTC)))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(ledger.load(rid).notes) == 40
    assert lock_path(ledger.root) not in _HELD


def test_title_store_sees_the_files_a_git_checkout_replaced(ledger: Ledger) -> None:
    # A checkout replaces files by rename (new inodes) and rewrites git's
    # index: the duplicate check must see the checked-out title, not the old one.
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@x", *args],
            cwd=ledger.root,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    first = ledger.create(make(title="Original title"))
    other = ledger.create(make(title="Another"))
    git("add", "-A")
    git("commit", "-q", "-m", "one")
    ledger.save(first.model_copy(update={"title": "Renamed title"}))
    git("commit", "-q", "-am", "two")
    assert _titles(ledger)[first.id] == ("Renamed title", "proposed")
    git("checkout", "-q", "HEAD~1")
    assert _titles(ledger) == {
        first.id: ("Original title", "proposed"),
        other.id: ("Another", "proposed"),
    }


def test_a_cache_folder_it_may_not_enter_never_fails_a_write(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The caches are for speed: a folder made unreadable (chmod 000, another
    # user's) must not turn a written requirement into an error.
    ledger.titles()
    real_exists = Path.exists

    def refusing(self: Path, *args: Any, **kwargs: Any) -> bool:
        if self.name.startswith("titles-"):
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", refusing)
    created = ledger.create(make(title="Written anyway"))
    assert ledger.load(created.id).title == "Written anyway"


def test_a_rewrite_keeps_the_file_s_permissions(ledger: Ledger) -> None:
    req = ledger.create(make(title="Kept private"))
    path = ledger.path_for(req.id)
    for mode in (0o640, 0o444):
        path.chmod(mode)
        ledger.save(req.model_copy(update={"owner": f"owner {mode:o}"}))
        assert path.stat().st_mode & 0o777 == mode
        path.chmod(0o644)
        req = ledger.load(req.id)
    fresh = ledger.create(make(title="New file"))
    assert ledger.path_for(fresh.id).stat().st_mode & 0o777 == 0o644


def test_an_export_onto_a_folder_names_the_folder(tmp_path: Path) -> None:
    from pmledger.io.export import write_file

    target = tmp_path / "out" / "requirements"
    target.mkdir(parents=True)
    with pytest.raises(IsADirectoryError) as raised:
        write_file(target, b"id\n")
    assert raised.value.filename == str(target)
    assert list(target.parent.iterdir()) == [target]  # no temporary file left behind


def test_an_edit_whose_mtime_was_set_back_is_seen(ledger: Ledger, trusted: None) -> None:
    """Same size, and the mtime put back (``touch -r``, ``cp -p``, an archive
    unpacked): the ctime still moved, and every cache checks it."""
    req = ledger.create(make(title="Before"))
    path = ledger.path_for(req.id)
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert [r.title for r in ledger.load_all().requirements] == ["Before"]
    assert [s.title for s in ledger.summaries().summaries] == ["Before"]
    assert _cached(ledger) == {path.name}  # served from the cache from now on
    old = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("Before", "Later!"), "utf-8")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert path.stat().st_size == old.st_size
    assert path.stat().st_mtime_ns == old.st_mtime_ns
    assert [r.title for r in ledger.load_all().requirements] == ["Later!"]
    assert [s.title for s in ledger.summaries().summaries] == ["Later!"]


def _columns(ledger: Ledger) -> Any:
    """The columns (if served) of ``load_columns``, checked against what its
    ``use`` received; else the LoadResult."""
    got = ledger.load_columns(lambda columns: ("used", columns))
    if isinstance(got, tuple):
        columns, (used, seen) = got
        assert used == "used" and seen is columns
        return columns
    return got


def test_columns_are_served_only_while_every_file_is_as_cached(
    ledger: Ledger, trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmledger.ledger import scan
    from pmledger.ledger.columns import Columns, columns_of
    from pmledger.ledger.scan import LoadResult

    reads: list[str] = []
    real = scan._read_files

    def counted(led: Ledger, names: list[str], *args: Any) -> Any:
        reads.extend(names)
        return real(led, names, *args)

    monkeypatch.setattr(scan, "_read_files", counted)
    reqs = [ledger.create(make(title=t)) for t in ("One", "Two", "Three")]
    for req in reqs:
        _age(ledger.path_for(req.id))
    # No cache yet: every file read, and the columns stored are those returned.
    first = _columns(ledger)
    assert isinstance(first, Columns) and len(reads) == 3
    columns = _columns(ledger)
    assert columns == first == columns_of(map(vars, ledger.load_all().requirements))
    assert columns.ids == sorted(r.id for r in reqs)
    assert len(reads) == 3

    # Edited in place, same size, mtime set back: read again, never stale.
    path = ledger.path_for(reqs[0].id)
    path.write_text(path.read_text().replace("One", "Uno"))
    _age(path, 1800)
    edited = _columns(ledger)
    assert isinstance(edited, Columns) and "Uno" in edited.titles and len(reads) == 4

    # A new file: the listing tells.
    ledger.create(make(title="Four"))
    latest = _columns(ledger)
    assert isinstance(latest, Columns) and "Four" in latest.titles

    # A broken file: every requirement, and the problem, every time.
    broken = ledger.requirements_dir / "REQ-BAD00.toml"
    broken.write_text('id = "REQ-BAD00"\ntitle = "x\n')
    _age(broken)
    for _ in range(2):
        loaded = _columns(ledger)
        assert isinstance(loaded, LoadResult)
        assert [p.path.name for p in loaded.problems] == ["REQ-BAD00.toml"]
        assert len(loaded.requirements) == 4


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="symbolic links refused by O_NOFOLLOW")
def test_a_requirement_file_that_is_a_symlink_is_never_read_through(
    ledger: Ledger, tmp_path: Path
) -> None:
    """A link in the requirements folder to a file outside (a repository
    received with one, say): listed as a problem, its target never read,
    whether the whole requirements or their summaries are loaded."""
    real = ledger.create(make(title="Real one"))
    outside = tmp_path / "outside.toml"
    outside.write_text(fileformat.dumps(make("REQ-SECRT", title="Private")), encoding="utf-8")
    link = ledger.requirements_dir / "REQ-SECRT.toml"
    link.symlink_to(outside)
    for _ in range(2):  # the cache never holds it either
        loaded = ledger.load_all()
        assert [r.id for r in loaded.requirements] == [real.id]
        assert [p.path.name for p in loaded.problems] == ["REQ-SECRT.toml"]
        assert "symbolic link" in str(loaded.problems[0])
        summaries = ledger.summaries()
        assert [s.id for s in summaries.summaries] == [real.id]
        assert [p.path.name for p in summaries.problems] == ["REQ-SECRT.toml"]


def test_a_created_time_written_as_text_without_a_zone_is_utc(
    ledger: Ledger, trusted: None
) -> None:
    """`created = "2025-11-05T09:00:00"` (quoted, no offset) parsed to a naive
    datetime that could not be compared with the others: list, rank and the
    cache failed with an internal error. Read as UTC, as a naive datetime is."""
    from pmledger.ledger.columns import columns_of
    from pmledger.ranking.order import rank

    other = ledger.create(make(title="Aware"))
    path = ledger.requirements_dir / "REQ-NAIVE.toml"
    text = fileformat.dumps(make("REQ-NAIVE", title="Naive"))
    lines = [
        'created = "2025-11-05T09:00:00"' if line.startswith("created =") else line
        for line in text.splitlines()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _age(path)
    _age(ledger.path_for(other.id))
    loaded = ledger.load_all()
    assert loaded.problems == []
    naive = next(r for r in loaded.requirements if r.id == "REQ-NAIVE")
    assert naive.created == datetime(2025, 11, 5, 9, 0, tzinfo=UTC)
    ranking = rank(loaded.requirements, settings=ledger.settings, as_of=date(2026, 11, 27))
    assert {i.requirement.id for i in ranking.items} == {"REQ-NAIVE", other.id}
    assert columns_of(map(vars, loaded.requirements)).ids == sorted(["REQ-NAIVE", other.id])
    assert ledger.load_all().requirements == loaded.requirements  # and from the cache


def test_a_cache_whose_states_and_columns_are_damaged_is_only_slower(
    ledger: Ledger, trusted: None
) -> None:
    import pickle

    reqs = [ledger.create(make(title=t)) for t in ("One", "Two")]
    for req in reqs:
        _age(ledger.path_for(req.id))
    ledger.load_all()
    path = cache_path(ledger.root)
    data = pickle.loads(path.read_bytes())
    assert isinstance(data["states"], bytes) and isinstance(data["columns"], bytes)
    data["states"], data["columns"] = data["states"][:20], data["columns"][:20]
    path.write_bytes(pickle.dumps(data))
    got = ledger.load_columns(lambda columns: columns)
    assert not isinstance(got, tuple) or got[0].ids == sorted(r.id for r in reqs)
    if not isinstance(got, tuple):
        assert sorted(r.id for r in got.requirements) == sorted(r.id for r in reqs)
    assert sorted(r.id for r in ledger.load_all().requirements) == sorted(r.id for r in reqs)
