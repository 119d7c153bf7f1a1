"""What the watcher knows of one folder: its requirement files, with their
sizes and change times, kept current from inotify events
(:mod:`pmledger.watch.daemon` answers commands from it).

Never stale, by three rules:

- **A cookie per question.** inotify queues the events of one instance in
  the order they happen, and a write's event is queued before the write
  returns. Before answering, the watcher creates a cookie file in its
  (also watched) runtime folder and reads events until the cookie's own:
  every change finished before the question was asked is then read.
- **Lost means rescanned.** A queue overflow, or the folder deleted,
  moved or replaced (checked by device and inode on every question),
  makes the watcher list and stat the folder again, as a command would.
- **Files an event may miss are stat'ed on every question**: symbolic
  links (their target may change elsewhere) and files with more than one
  hard link (written through another name, the event goes to that
  name's folder).

Not seen, as for git's fsmonitor: writes through a shared memory mapping,
a hard link to a requirement file made from outside the folder while the
watcher runs (the link count changes without an event here; one made
inside is an event on its name, and both names are then stat'ed on every
question), and changes made on another machine to a network folder (the
watcher refuses to start on one: :mod:`pmledger.watch.control`).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import stat as stat_module
import time
from array import array
from pathlib import Path

from pmledger.ledger.filestats import SUFFIX, changed_ns, requirement_names
from pmledger.watch import client
from pmledger.watch.inotify import (
    CHANGES,
    IN_CREATE,
    IN_ONLYDIR,
    LOST,
    Inotify,
)

# A folder gone this long (a ledger deleted, not a branch switch) ends its
# watcher.
GIVE_UP = 600.0
# How long to wait for a cookie's event before trusting nothing (and
# rescanning): it normally takes microseconds.
COOKIE_WAIT = 2.0


Identity = tuple[int, int, int, int, int]


def _identity(st: os.stat_result) -> Identity:
    # Device and inode (the folder replaced), and what decides whether a
    # command may list it and stat its files (mode and owner).
    return (st.st_dev, st.st_ino, st.st_mode, st.st_uid, st.st_gid)


def _is_requirement(name: str) -> bool:
    return name.endswith(SUFFIX) and not name.startswith(".")


class Watched:
    """The requirement files of one folder, as the watcher knows them."""

    def __init__(self, folder: Path, runtime: Path, key: str) -> None:
        self.folder = folder
        self.runtime = runtime
        self.key = key
        self.inotify = Inotify()
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.sizes = array("q")
        self.mtimes = array("q")
        # Stat'ed on every question (symbolic links, hard-linked files).
        self.volatile: set[str] = set()
        # Each requirement file's inode: a hard link made to it in the folder
        # under another name is an event on that name.
        self.inodes: dict[int, str] = {}
        self.dirty: set[str] = set()
        self.lost = True
        self.present = False
        self.identity: Identity | None = None
        # When the folder was first found missing (None: it is there).
        self.missing_since: float | None = None
        # The watched folder, open: listed and stat'ed through this descriptor,
        # so that what is watched is what is listed.
        self.fd: int | None = None
        self.folder_wd = -1
        self.cookie_wd = self.inotify.add_watch(str(runtime), IN_CREATE | IN_ONLYDIR)
        self._cookies = 0
        self._payload: bytes | None = None
        self.answered = 0
        self.started = time.time()

    # -- events --------------------------------------------------------------

    def read_events(self, cookie: str | None = None) -> bool:
        """Note every queued event; whether ``cookie``'s creation was among
        them (or events were lost, the cookie's too: a rescan follows)."""
        seen = False
        for event in self.inotify.read():
            if event.wd == -1:
                # The kernel's queue overflowed: events are gone.
                self.lost = True
                seen = True
            elif event.wd == self.cookie_wd:
                if cookie is not None and event.name == cookie:
                    seen = True
                elif event.mask & LOST:
                    # The runtime folder itself went away: cookies can no
                    # longer be seen. Stop: commands stat their files.
                    raise SystemExit(0)
            elif event.wd == self.folder_wd:
                if event.mask & LOST or not event.name:
                    # Gone, moved, or its own mode or owner changed.
                    self.lost = True
                else:
                    self.dirty.add(event.name)
        return seen

    def sync(self) -> None:
        """Read events until every change made before now has been read."""
        self._cookies += 1
        name = f"{self.key}.{os.getpid()}.{self._cookies}.cookie"
        path = self.runtime / name
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        try:
            deadline = time.monotonic() + COOKIE_WAIT
            with selectors.DefaultSelector() as wait:
                wait.register(self.inotify.fd, selectors.EVENT_READ)
                while not self.read_events(name):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self.lost = True
                        return
                    wait.select(left)
        finally:
            os.unlink(path)

    # -- the files -------------------------------------------------------------

    def refresh(self) -> None:
        """Bring the files up to date: a rescan when track was lost, else a
        ``stat`` of each name an event touched. Whatever fails is rescanned
        (next time, if it fails again): never an answer half brought up to date."""
        try:
            if not self.lost and _identity(os.stat(self.folder)) != self.identity:
                self.lost = True
        except OSError:
            self.lost = True
        if not self.lost:
            try:
                names = self.dirty | self.volatile
                if names:
                    self._restat(names)
                self.dirty = set()
                return
            except OSError:
                self.lost = True
        # (Leaves ``lost`` set, and nothing present, if it fails too.)
        self.rescan()

    def _close(self) -> None:
        if self.folder_wd >= 0:
            self.inotify.remove_watch(self.folder_wd)
            self.folder_wd = -1
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def rescan(self) -> None:
        """Watch the folder (again) and stat every file in it."""
        self._close()
        self.names, self.index = [], {}
        self.sizes, self.mtimes = array("q"), array("q")
        self.volatile, self.dirty, self.inodes = set(), set(), {}
        self._payload = None
        self.present = False
        self.lost = True
        try:
            self.fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            # No folder (yet), or not one this user may read: commands stat,
            # and see, that themselves.
            if self.missing_since is None:
                self.missing_since = time.monotonic()
            return
        self.missing_since = None
        try:
            self.identity = _identity(os.fstat(self.fd))
            # Watched before listed (a change during the listing is an
            # event), through the descriptor: the folder listed is the one
            # watched, even if its path was meanwhile given to another.
            self.folder_wd = self._watch(self.fd)
            names, _listing = requirement_names(os.listdir(self.fd))
            self._restat(names, ordered=True)
        except OSError:
            self._close()
            return
        self.lost = False
        self.present = True

    def _watch(self, fd: int) -> int:
        try:
            return self.inotify.add_watch(f"/proc/self/fd/{fd}", CHANGES | IN_ONLYDIR)
        except FileNotFoundError:
            # No /proc: by path (a folder swapped in between goes unseen
            # until its identity is checked at the next question).
            return self.inotify.add_watch(str(self.folder), CHANGES | IN_ONLYDIR)

    def _restat(self, names: list[str] | set[str], *, ordered: bool = False) -> None:
        fd = self.fd
        if fd is None:
            raise FileNotFoundError(str(self.folder))
        todo = list(names) if ordered else sorted(names)
        seen = set(todo)
        gone: set[str] = set()
        # (``todo`` grows while walked: the other names of hard-linked files.
        # A rescan, ``ordered``, stats every name anyway.)
        for name in todo:
            # A hard link made in the folder, under any name, changes the
            # ctime of the file it names, and writes through either name
            # change both: the other name is stat'ed too, now and from now on.
            other = None if ordered else self._linked(name, fd)
            if other is not None and other != name:
                self.volatile.add(other)
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
            if not _is_requirement(name):
                continue
            found = self._stat(name, fd)
            at = self.index.get(name)
            if found is None:
                if at is not None:
                    gone.add(name)
                continue
            size, mtime = found
            if at is None:
                self.index[name] = len(self.names)
                self.names.append(name)
                self.sizes.append(size)
                self.mtimes.append(mtime)
                self._payload = None
            elif self.sizes[at] != size or self.mtimes[at] != mtime:
                self.sizes[at] = size
                self.mtimes[at] = mtime
                self._payload = None
        if gone:
            kept = [i for i, name in enumerate(self.names) if name not in gone]
            self.names = [self.names[i] for i in kept]
            self.sizes = array("q", [self.sizes[i] for i in kept])
            self.mtimes = array("q", [self.mtimes[i] for i in kept])
            self.index = {name: i for i, name in enumerate(self.names)}
            self.volatile -= gone
            self._payload = None

    def _linked(self, name: str, fd: int) -> str | None:
        try:
            st = os.lstat(name, dir_fd=fd)
        except OSError:
            return None
        if st.st_nlink < 2 or not stat_module.S_ISREG(st.st_mode):
            return None
        return self.inodes.get(st.st_ino)

    def _stat(self, name: str, fd: int) -> tuple[int, int] | None:
        """A regular file's size and change time, as a command's own ``stat``
        sees them (symbolic links followed); None: not a regular file now."""
        try:
            st = os.lstat(name, dir_fd=fd)
        except FileNotFoundError:
            self.volatile.discard(name)
            return None
        if stat_module.S_ISLNK(st.st_mode):
            # Its target may change anywhere (or appear, if it dangles now).
            self.volatile.add(name)
            try:
                st = os.stat(name, dir_fd=fd)
            except FileNotFoundError:
                return None
        else:
            if st.st_nlink > 1:
                self.volatile.add(name)
            else:
                self.volatile.discard(name)
            self.inodes[st.st_ino] = name
        if not stat_module.S_ISREG(st.st_mode):
            return None
        return st.st_size, changed_ns(st)

    def abandoned(self, now: float) -> bool:
        """Whether the folder has been gone long enough to stop watching it."""
        return self.missing_since is not None and now - self.missing_since >= GIVE_UP

    def payload(self) -> bytes:
        """The answer to ``stats``."""
        if self._payload is None:
            self._payload = client.encode_stats(self.names, self.sizes, self.mtimes)
        return self._payload
