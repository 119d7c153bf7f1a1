"""The watcher (`pmledger watch`): its answers are what a command's own
``stat`` calls would find, through every kind of change, and commands
that ask it see every change."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmledger.errors import WatchError
from pmledger.ledger.filestats import _stat_folder, stat_folder
from pmledger.watch import client, control, inotify
from pmledger.watch.daemon import Server
from pmledger.watch.watched import GIVE_UP, Watched

from .cli_helpers import invoke, make_ledger, ok

pytestmark = pytest.mark.skipif(not inotify.available(), reason="needs Linux's inotify")

Seen = list[tuple[str, int, int]]


@pytest.fixture(autouse=True)
def _short_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A cache folder short enough for the watchers' sockets to live in it
    (under pytest's long temporary paths they would go to a shared
    /tmp/pmledger-watch-UID), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="pmw") as short:
        monkeypatch.setenv("XDG_CACHE_HOME", short)
        yield


def _own(folder: Path) -> Seen:
    """What a command finds without a watcher."""
    stats, _ = _stat_folder(folder, lambda: None)
    return sorted(zip(stats.names, stats.sizes, stats.mtimes, strict=True))


def _served(watched: Watched) -> Seen:
    watched.sync()
    watched.refresh()
    head, _, body = watched.payload().partition(b"\n")
    got = client.decode_stats(head, body)
    assert got is not None
    assert got.listing == "\x00".join(got.names)
    return sorted(zip(got.names, got.sizes, got.mtimes, strict=True))


def _watched(folder: Path, runtime: Path) -> Watched:
    runtime.mkdir(exist_ok=True)
    watched = Watched(folder, runtime, "k" * 16)
    watched.rescan()
    return watched


NAMES = ["A.toml", "B.toml", "C.toml", ".hidden.toml", "notes.txt"]
OPS = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(NAMES), st.binary(max_size=20)),
    st.tuples(st.just("in_place"), st.sampled_from(NAMES), st.binary(min_size=1, max_size=20)),
    st.tuples(st.just("delete"), st.sampled_from(NAMES), st.none()),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("touch_back"), st.sampled_from(NAMES), st.none()),
    st.tuples(st.just("symlink"), st.sampled_from(NAMES), st.none()),
    st.tuples(st.just("hardlink"), st.sampled_from(NAMES), st.none()),
    st.tuples(st.just("outside"), st.none(), st.binary(min_size=1, max_size=20)),
    st.tuples(st.just("mkdir"), st.sampled_from(NAMES), st.none()),
    st.tuples(st.just("replace_folder"), st.none(), st.none()),
    st.tuples(st.just("dangling"), st.sampled_from(NAMES), st.none()),
    st.tuples(st.just("make_target"), st.none(), st.binary(max_size=20)),
    st.tuples(st.just("link_inside"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("chmod_folder"), st.none(), st.sampled_from([0o755, 0o700, 0o644])),
)


def _apply(folder: Path, outside: Path, op: tuple[str, object, object]) -> None:
    kind, name, arg = op
    path = folder / str(name)
    try:
        if kind == "write":
            path.write_bytes(arg)  # type: ignore[arg-type]
        elif kind == "in_place" and path.is_file():
            with open(path, "r+b") as handle:
                handle.write(arg)  # type: ignore[arg-type]
        elif kind == "delete":
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        elif kind == "rename":
            os.replace(path, folder / str(arg))
        elif kind == "touch_back":
            os.utime(path, (1_000_000, 1_000_000))
        elif kind == "symlink":
            path.symlink_to(outside)
        elif kind == "hardlink":
            os.link(outside, path)
        elif kind == "outside":
            # Written through its own name: the folder's watch sees nothing.
            with open(outside, "ab") as handle:
                handle.write(arg)  # type: ignore[arg-type]
        elif kind == "mkdir":
            path.mkdir()
        elif kind == "dangling":
            # A link to a file that does not exist yet ("make_target").
            path.symlink_to(outside.with_name("target.toml"))
        elif kind == "make_target":
            outside.with_name("target.toml").write_bytes(arg)  # type: ignore[arg-type]
        elif kind == "link_inside":
            # Another name for a requirement file, in the folder: writes
            # through it ("in_place" on it) change the requirement file.
            os.link(path, folder / str(arg))
        elif kind == "chmod_folder":
            folder.chmod(arg)  # type: ignore[arg-type]
        elif kind == "replace_folder":
            moved = folder.with_name("moved")
            folder.rename(moved)
            folder.mkdir()
            for child in list(moved.iterdir()):
                if child.is_file() and not child.is_symlink():
                    os.replace(child, folder / child.name)
    except OSError:
        pass  # the operation does not apply to the folder as it is


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, max_size=12))
def test_the_watcher_answers_what_stat_finds(ops: list[tuple[str, object, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        folder = base / "requirements"
        folder.mkdir()
        outside = base / "outside.toml"
        outside.write_bytes(b"x")
        (folder / "A.toml").write_bytes(b"first")
        watched = _watched(folder, base / "runtime")
        try:
            assert _served(watched) == _own(folder)
            for op in ops:
                _apply(folder, outside, op)
                assert _served(watched) == _own(folder), op
        finally:
            watched.inotify.close()


def test_a_lost_queue_means_a_rescan(tmp_path: Path) -> None:
    folder = tmp_path / "requirements"
    folder.mkdir()
    watched = _watched(folder, tmp_path / "runtime")
    (folder / "A.toml").write_text("a")
    # What an overflow of the kernel's queue reports: the events are gone.
    watched.read_events()
    watched.dirty.clear()
    watched.lost = True
    assert _served(watched) == _own(folder)
    assert [name for name, _size, _mtime in _served(watched)] == ["A.toml"]


def test_a_folder_replaced_by_moving_its_parent_is_rescanned(tmp_path: Path) -> None:
    folder = tmp_path / "ledger" / "requirements"
    folder.mkdir(parents=True)
    (folder / "A.toml").write_text("a")
    watched = _watched(folder, tmp_path / "runtime")
    # The watch follows the old folder's inode: no event says the path moved.
    (tmp_path / "ledger").rename(tmp_path / "old")
    folder.mkdir(parents=True)
    (folder / "B.toml").write_text("bb")
    assert [name for name, _size, _mtime in _served(watched)] == ["B.toml"]
    assert _served(watched) == _own(folder)


def test_a_folder_gone_for_good_ends_the_watcher(tmp_path: Path) -> None:
    folder = tmp_path / "requirements"
    folder.mkdir()
    watched = _watched(folder, tmp_path / "runtime")
    folder.rmdir()
    watched.read_events()
    watched.refresh()
    assert not watched.present and watched.missing_since is not None
    assert not watched.abandoned(watched.missing_since + GIVE_UP - 1)
    assert watched.abandoned(watched.missing_since + GIVE_UP)
    # Back in time (a branch switch that removed it for a moment): kept.
    folder.mkdir()
    watched.refresh()
    assert watched.present and watched.missing_since is None
    assert not watched.abandoned(time.monotonic() + GIVE_UP)


def test_a_failed_check_is_redone_not_forgotten(tmp_path: Path) -> None:
    folder = tmp_path / "requirements"
    folder.mkdir()
    (folder / "A.toml").write_text("a")
    watched = _watched(folder, tmp_path / "runtime")
    (folder / "A.toml").write_text("a longer text")
    watched.sync()
    # The next stat fails (here: the folder's descriptor is gone).
    assert watched.fd is not None
    os.close(watched.fd)
    assert _served(watched) == _own(folder)
    assert [size for _name, size, _mtime in _served(watched)] == [len("a longer text")]


def test_a_lost_queue_ends_the_wait_for_the_cookie(tmp_path: Path) -> None:
    folder = tmp_path / "requirements"
    folder.mkdir()
    watched = _watched(folder, tmp_path / "runtime")
    overflow = inotify.Event(-1, inotify.IN_Q_OVERFLOW, "")
    watched.inotify.read = lambda: iter([overflow])  # type: ignore[method-assign]
    assert watched.read_events("never-created") is True
    assert watched.lost


def test_the_server_answers_only_for_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "requirements"
    folder.mkdir()
    (folder / "A.toml").write_text("a")
    watched = _watched(folder, tmp_path / "runtime")
    server = Server(watched, None, tmp_path / "x.sock")  # type: ignore[arg-type]
    assert server.answer(client.request("stats", tmp_path)) == b"PMLW1 no\n"
    assert server.answer(b"PMLW9 stats 00 0.1") == b"PMLW1 version\n"
    # Another pmledger version's command stats its files itself.
    other = client.request("stats", folder).rsplit(b" ", 1)[0] + b" 0.0.0-other\n"
    assert server.answer(other) == b"PMLW1 no\n"
    head, _, body = server.answer(client.request("stats", folder)).partition(b"\n")
    got = client.decode_stats(head, body)
    assert got is not None and got.names == ["A.toml"]
    folder.rename(tmp_path / "elsewhere")
    # The folder is gone: the command stats (and finds nothing) itself.
    assert server.answer(client.request("stats", folder)) == b"PMLW1 no\n"


# -- a running watcher ---------------------------------------------------------


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[Path]:
    """A ledger (the cwd) whose requirements folder a watcher process serves."""
    root = make_ledger(tmp_path)
    ok(["add", "First thing", "--no-input"])
    result = ok(["watch", "start"])
    assert "Watching 1 requirement file" in result.stdout
    try:
        yield root
    finally:
        control.stop(root / "requirements")


def _answered(root: Path) -> int:
    current = control.status(root / "requirements")
    assert current is not None
    return current.answered


@pytest.mark.usefixtures("trusted")
def test_commands_ask_the_watcher_and_see_every_change(watcher: Path) -> None:
    root = watcher
    before = _answered(root)
    second = ok(["add", "Second thing", "--no-input"]).stdout.strip()
    first = next(p for p in (root / "requirements").glob("*.toml") if p.stem != second)
    assert "First thing" in ok(["list"]).stdout
    # Edited in place by another program (as an editor that keeps the file).
    text = first.read_text()
    with open(first, "r+", encoding="utf-8") as handle:
        handle.write(text.replace("First thing", "Changed elsewhere, longer"))
    assert "Changed elsewhere, longer" in ok(["list"]).stdout
    # A dependency written by hand shows at once on the other side.
    other = root / "requirements" / f"{second}.toml"
    other.write_text(other.read_text() + f'depends_on = ["{first.stem}"]\n')
    shown = json.loads(ok(["show", first.stem, "--format", "json"]).stdout)
    assert shown["dependents"] == [second]
    first.unlink()
    listed = [item["id"] for item in json.loads(ok(["list", "--format", "json"]).stdout)]
    assert listed == [second]
    # Every one of those commands was answered by the watcher.
    assert _answered(root) >= before + 4


def test_status_start_and_stop(watcher: Path) -> None:
    root = watcher
    data = json.loads(ok(["watch", "status", "--format", "json"]).stdout)
    assert data["running"] is True and data["files"] == 1
    assert data["folder"] == str((root / "requirements").resolve())
    again = ok(["watch", "start"])
    assert "already running" in again.stdout
    assert f"process {data['pid']}" in ok(["watch", "stop"]).stdout
    assert "No watcher runs" in ok(["watch", "status"]).stdout
    assert json.loads(ok(["watch", "status", "-f", "json"]).stdout)["running"] is False
    assert "No watcher runs" in ok(["watch", "stop"]).stdout


def test_a_killed_watcher_changes_nothing_but_speed(watcher: Path) -> None:
    root = watcher
    current = control.status(root / "requirements")
    assert current is not None
    os.kill(current.pid, signal.SIGKILL)
    os.waitpid(current.pid, 0) if _is_child(current.pid) else None
    ok(["add", "After the watcher", "--no-input"])
    assert "After the watcher" in ok(["list"]).stdout
    assert control.status(root / "requirements") is None
    # Its socket is cleared, and a new watcher starts.
    assert not client.socket_path(root / "requirements").exists()
    assert "Watching 2 requirement files" in ok(["watch", "start"]).stdout


def _is_child(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False


def test_a_watcher_that_does_not_answer_is_replaced(root: Path) -> None:
    # What an older pmledger's watcher looks like to this one: it holds the
    # folder's lock (with its process ID) and answers nothing it knows.
    folder = root / "requirements"
    key = client.folder_key(folder)
    runtime = client.runtime_folder(key)
    runtime.mkdir(parents=True, exist_ok=True)
    lock = runtime / f"{key}.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, signal, sys; fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR);"
            "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'%d' % os.getpid());"
            "print('ready', flush=True); signal.pause()",
            str(lock),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"ready\n"
        assert control.status(folder) is None
        result = ok(["watch", "start"])
        assert "Watching 0 requirement files" in result.stdout
        assert holder.wait() == -signal.SIGTERM
    finally:
        holder.kill()
        holder.wait()
        control.stop(folder)


def test_a_branch_switch_is_seen(watcher: Path) -> None:
    root = watcher

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    git("switch", "-qc", "other")
    added = ok(["add", "Only on the other branch", "--no-input"]).stdout.strip()
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "two")
    git("switch", "-q", "main")
    assert added not in ok(["list", "--all"]).stdout
    git("switch", "-q", "other")
    assert added in ok(["list", "--all"]).stdout


def test_stat_folder_falls_back_when_the_watcher_cannot_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "requirements"
    folder.mkdir()
    (folder / "A.toml").write_text("a")

    monkeypatch.setattr(client, "stats", lambda _folder: None)
    stats, extra = stat_folder(folder, lambda: "meanwhile")
    assert stats.names == ["A.toml"] and extra == "meanwhile"


def test_a_network_folder_is_refused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(control, "file_system_type", lambda _folder: "nfs4")
    result = invoke(["watch", "start"])
    assert result.exit_code == 1
    assert "network file system (nfs4)" in result.stderr
    assert "commands check every file themselves" in result.stderr
    assert control.status(root / "requirements") is None


def test_the_mount_table_names_the_folders_file_system(tmp_path: Path) -> None:
    # The longest mount point above the folder decides.
    assert control.file_system_type(tmp_path) is not None
    with pytest.raises(WatchError):
        control.start(tmp_path / "missing")
