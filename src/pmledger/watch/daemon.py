"""The watcher's process: it keeps a :class:`~pmledger.watch.watched.Watched`
folder current from inotify events and answers commands over a Unix socket
(:mod:`pmledger.watch.client`). Why its answers are never stale:
:mod:`pmledger.watch.watched`.

Run as ``python -m pmledger.watch FOLDER --ready-fd N``; it stays until
asked to stop (``pmledger watch stop``) or terminated.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import struct
import sys
import time
from pathlib import Path

from pmledger import __version__
from pmledger.watch import client
from pmledger.watch.watched import Watched

# How long a burst of events may go on before the files are stat'ed again
# (a command asking meanwhile gets them stat'ed first).
SETTLE = 0.05
# How often a missing folder is looked for again.
LOOK_AGAIN = 60.0
# How long a command may take to read its answer.
SEND_TIMEOUT = 2.0


def _peer_uid(conn: socket.socket) -> int | None:
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    creds = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


class Server:
    """The socket, and the answers to each verb."""

    def __init__(self, watched: Watched, sock: socket.socket, path: Path) -> None:
        self.watched = watched
        self.sock = sock
        self.path = path
        self.running = True
        self.expected = client.request("x", watched.folder).split()[2]

    def handle(self, conn: socket.socket) -> None:
        # A command reads its answer at once; one that does not (stopped,
        # say) must not hold the others up for long.
        conn.settimeout(SEND_TIMEOUT)
        try:
            if _peer_uid(conn) not in (None, os.getuid()):
                return
            head, _rest = client.receive_line(conn)
            conn.sendall(self.answer(head))
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def answer(self, head: bytes) -> bytes:
        parts = head.split()
        if len(parts) != 4 or parts[0] != client.PROTOCOL:
            return client.PROTOCOL + b" version\n"
        verb, folder, version = parts[1], parts[2], parts[3]
        if folder != self.expected:
            return client.PROTOCOL + b" no\n"
        watched = self.watched
        if verb == b"stop":
            self.running = False
            return client.PROTOCOL + b" bye\n"
        watched.sync()
        watched.refresh()
        if verb == b"status":
            return b"%s status %d %d %d %d %s\n" % (
                client.PROTOCOL,
                os.getpid(),
                len(watched.names) if watched.present else -1,
                int(watched.started),
                watched.answered,
                __version__.encode(),
            )
        # Another pmledger's command (an upgrade while this one runs) stats
        # its files itself: what it expects may differ.
        if (
            verb == b"stats"
            and watched.present
            and not watched.lost
            and version == __version__.encode()
        ):
            watched.answered += 1
            return watched.payload()
        return client.PROTOCOL + b" no\n"

    def serve(self) -> None:
        watched = self.watched
        with selectors.DefaultSelector() as events:
            events.register(self.sock, selectors.EVENT_READ, "socket")
            events.register(watched.inotify.fd, selectors.EVENT_READ, "inotify")
            while self.running:
                if watched.dirty or (watched.lost and watched.present):
                    wait: float | None = SETTLE
                else:
                    wait = LOOK_AGAIN if not watched.present else None
                ready = events.select(wait)
                if not ready:
                    # A burst of events has settled: stat what it touched
                    # now, not while the next command waits (or look for a
                    # missing folder again).
                    watched.refresh()
                    if watched.abandoned(time.monotonic()):
                        return
                    continue
                for key, _mask in ready:
                    if key.data == "inotify":
                        watched.read_events()
                    else:
                        conn, _address = self.sock.accept()
                        self.handle(conn)


def _say(fd: int | None, text: str) -> None:
    if fd is None:
        return
    try:
        os.write(fd, text.encode() + b"\n")
        os.close(fd)
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    """Watch a folder until stopped. ``--ready-fd N``: write ``ok`` (or the
    reason it cannot run) to descriptor N once it answers."""
    import fcntl

    args = list(sys.argv[1:] if argv is None else argv)
    ready: int | None = None
    if "--ready-fd" in args:
        at = args.index("--ready-fd")
        ready = int(args[at + 1])
        del args[at : at + 2]
    if len(args) != 1 or not Path(args[0]).is_dir():
        sys.stderr.write("usage: python -m pmledger.watch FOLDER [--ready-fd N]\n")
        _say(ready, "error usage")
        return 2
    folder = Path(args[0]).resolve()
    key = client.folder_key(folder)
    runtime = client.runtime_folder(key)
    path = runtime / f"{key}.sock"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = os.open(runtime / f"{key}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(ready, "running")
            return 0
        # Who holds the lock: a later pmledger stops a watcher that does not
        # speak its protocol by this process ID.
        os.ftruncate(lock, 0)
        os.write(lock, b"%d\n" % os.getpid())
        watched = Watched(folder, runtime, key)
        if path.exists() or path.is_symlink():
            path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o077)
        try:
            sock.bind(str(path))
        finally:
            os.umask(old)
        # Listening before the first scan: a question asked meanwhile (a
        # second `watch start`) waits for it instead of finding no socket.
        sock.listen(16)
        watched.rescan()
    except OSError as exc:
        _say(ready, f"error {exc.strerror or exc}")
        return 1
    _say(ready, "ok")
    try:
        Server(watched, sock, path).serve()
    finally:
        sock.close()
        with contextlib.suppress(OSError):
            path.unlink()
    return 0
