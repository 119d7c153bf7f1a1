"""A second process for work that splits in two, when the application allows it.

Python threads cannot share pmledger's heavy loops (each step holds the
interpreter lock), and most machines have a second core. For the loop
that grows with a large ledger and splits cleanly, one ``stat`` per file
(:mod:`pmledger.ledger.filestats`), the console script lets pmledger fork
one helper process, as git spreads its index ``lstat`` calls over threads.

Only early, while the process is small: after a fork, every page either
process writes is copied, and reference counting writes to every object
read. Measured: a helper forked after a 100k ranking was built (250 MB)
made `rank --format json` slower, 2.45 s against 2.1 s, though each side
wrote half of the JSON.

Off unless the application turns it on (:func:`allow`): a library caller's
process may hold threads, locks or handlers that a fork would copy. Also
off without ``os.fork`` (Windows) and while another thread runs. The
helper never returns into the caller's code: it leaves with ``os._exit``,
so no ``atexit`` handler runs and no buffer is flushed twice. Whatever a
helper fails to do, the caller does itself: a helper changes only speed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator

_allowed = False


def allow(allowed: bool = True) -> None:
    """Let pmledger fork helper processes (the console script does)."""
    global _allowed
    _allowed = allowed


def may_fork(count: int, at: int) -> bool:
    """Whether work of ``count`` steps (worth a helper from ``at``) gets one."""
    if not _allowed or count < at or not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def fork(work: Callable[[], object]) -> int | None:
    """Run ``work`` in a helper process; its ID (None if it could not start)."""
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    code = 1
    try:
        work()
        code = 0
    except BaseException:
        pass
    finally:
        os._exit(code)


def finished(pid: int) -> bool:
    """Wait for a helper; whether it did all its work."""
    while True:
        try:
            _pid, status = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return False
        return os.waitstatus_to_exitcode(status) == 0


def cancel(pid: int) -> None:
    """Stop a helper whose work is no longer wanted (the reader went away)."""
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        return
    finished(pid)


class Tail:
    """The rows from ``start`` on of a job split in two, written as bytes by a
    helper process into an in-memory file (:func:`tail_in_helper`)."""

    def __init__(self, start: int, pid: int, fd: int) -> None:
        self.start = start
        self._pid: int | None = pid
        self._fd: int | None = fd

    def collect(self, size: int = 1 << 20) -> Iterator[bytes] | None:
        """The helper's bytes, in pieces of ``size`` (None if it failed: the
        caller then does the rows itself)."""
        pid = self._pid
        # Forgotten only once reaped: Ctrl-C while waiting leaves close() to stop it.
        if pid is None or not finished(pid):
            self._pid = None
            self.close()
            return None
        self._pid = None
        return self._read(size)

    def _read(self, size: int) -> Iterator[bytes]:
        fd = self._fd
        assert fd is not None
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            while piece := os.read(fd, size):
                yield piece
        finally:
            self.close()

    def close(self) -> None:
        """Stop the helper if it still runs, and free its file."""
        pid, self._pid = self._pid, None
        if pid is not None:
            cancel(pid)
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def tail_in_helper(
    count: int, *, at: int, share: float, write: Callable[[range, int], None]
) -> Tail | None:
    """Give the last ``share`` of ``count`` rows to a helper process, which
    calls ``write(rows, fd)`` to write them to a file descriptor; None when
    no helper may run (:func:`may_fork`) or it could not start.

    Forked late, the helper shares every page of this process until either
    writes it (reference counting writes each object read): worth it for a
    loop that builds much text from little data, as a ranking's JSON.
    """
    start = count - int(count * share)
    if start >= count or not may_fork(count, at):
        return None
    try:
        fd = os.memfd_create("pmledger") if hasattr(os, "memfd_create") else _temporary()
    except OSError:
        return None

    def work() -> None:
        write(range(start, count), fd)

    pid = fork(work)
    if pid is None:
        os.close(fd)
        return None
    return Tail(start, pid, fd)


def _temporary() -> int:
    import tempfile

    # Unlinked at once: only the descriptor is shared with the helper.
    fd, path = tempfile.mkstemp(prefix="pmledger-")
    os.unlink(path)
    return fd
