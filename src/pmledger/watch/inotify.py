"""Linux's inotify, through ctypes: the few calls the watcher needs.

The standard library has no binding, and the one call pattern needed
(one instance, two directory watches, events read in bulk) is smaller
than a dependency.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from collections.abc import Iterator
from typing import NamedTuple

# <sys/inotify.h>
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_EXCL_UNLINK = 0x04000000
IN_CLOEXEC = 0o2000000
IN_NONBLOCK = 0o4000

# Everything that can change a file's listing, size, mtime or ctime.
CHANGES = (
    IN_MODIFY
    | IN_ATTRIB
    | IN_CLOSE_WRITE
    | IN_MOVED_FROM
    | IN_MOVED_TO
    | IN_CREATE
    | IN_DELETE
    | IN_DELETE_SELF
    | IN_MOVE_SELF
)
# The watch itself is gone or events were lost: what was watched must be
# listed and stat'ed again.
LOST = IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT

_HEADER = struct.Struct("iIII")


class Event(NamedTuple):
    """One event: the watch it belongs to (-1: the queue overflowed), what
    happened, and the name in the watched folder ("" for the folder itself)."""

    wd: int
    mask: int
    name: str


def available() -> bool:
    """Whether this system has inotify."""
    return sys.platform.startswith("linux") and _libc() is not None


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.inotify_init1  # noqa: B018 - raises AttributeError when absent
    except (OSError, AttributeError):
        return None
    return libc


class Inotify:
    """One inotify instance (its descriptor is non-blocking; wait on ``fd``)."""

    def __init__(self) -> None:
        libc = _libc()
        if libc is None:
            raise OSError(0, "inotify is not available on this system")
        self._libc = libc
        self.fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            self._fail()

    def _fail(self) -> None:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))

    def add_watch(self, path: str, mask: int) -> int:
        wd: int = self._libc.inotify_add_watch(self.fd, os.fsencode(path), mask)
        if wd < 0:
            self._fail()
        return wd

    def remove_watch(self, wd: int) -> None:
        # A watch the kernel already dropped (its folder deleted) fails: fine.
        self._libc.inotify_rm_watch(self.fd, wd)

    def read(self) -> Iterator[Event]:
        """Every event queued now (none: nothing happened since the last read)."""
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, length = _HEADER.unpack_from(data, offset)
                offset += _HEADER.size
                name = data[offset : offset + length].rstrip(b"\x00")
                offset += length
                yield Event(wd, mask, os.fsdecode(name))

    def close(self) -> None:
        os.close(self.fd)
