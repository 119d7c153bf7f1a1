"""The ledger's write lock: one writer at a time between reading a file and
writing it back.

Every file is replaced atomically, so two processes never leave a torn
file; but two ``set`` (or ``note``) commands on one requirement each read it,
change it and write it back, and the second write would drop the first
one's change. Commands that read, change and write hold this lock around
the three steps, so the second reads what the first wrote. Readers
(``list``, ``rank``, ``show``) never take it.

The lock is ``flock`` on a file beside the ledger's caches (in ``.git``, so
it never shows in ``git status``). ``flock`` serialises processes, not the
threads of one: a library caller's threads (a web app, a bot) first take
turns on a thread lock per ledger, then the thread holding it takes the
file lock. It is re-entrant within a thread (a command that saves several
files takes it once per step without waiting for itself); where ``flock``
does not exist (Windows), only the threads of one process are serialised.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from pmledger.ledger.cache import lock_file, make_folder

# Lock files this process holds, with how many times (re-entrant). Only the
# thread holding the path's thread lock reads or changes its entry.
_HELD: dict[Path, tuple[int, int]] = {}
# One re-entrant thread lock per lock file, made on first use.
_THREAD_LOCKS: dict[Path, threading.RLock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: Path) -> threading.RLock:
    with _THREAD_LOCKS_GUARD:
        lock = _THREAD_LOCKS.get(path)
        if lock is None:
            lock = _THREAD_LOCKS[path] = threading.RLock()
        return lock


def lock_path(root: Path) -> Path:
    """The lock file of the ledger at ``root``."""
    return lock_file(root, "write")


@contextlib.contextmanager
def write_lock(root: Path) -> Iterator[None]:
    """Hold the ledger's write lock (waiting for another writer to finish)."""
    with hold(lock_path(root)):
        yield


@contextlib.contextmanager
def hold(path: Path) -> Iterator[None]:
    """Hold the lock file ``path`` against other processes and other threads
    (re-entrant within a thread)."""
    with _thread_lock(path), _file_lock(path):
        yield


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no flock
        yield
        return
    held = _HELD.get(path)
    if held is not None:
        fd, depth = held
        _HELD[path] = (fd, depth + 1)
        try:
            yield
        finally:
            _HELD[path] = (fd, depth)
        return
    try:
        make_folder(path.parent)
        # Never through a symlink: .git/pmledger may come from someone else
        # (a repository received as an archive), and O_CREAT would make the
        # file the link names, wherever that is.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError:
        # A read-only cache folder: writing goes on unserialised rather than failing.
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _HELD[path] = (fd, 1)
        try:
            yield
        finally:
            del _HELD[path]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
