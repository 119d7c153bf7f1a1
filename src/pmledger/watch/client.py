"""The question a command asks the watcher: every requirement file of a
folder, with its size and change time (:class:`~pmledger.ledger.filestats.FolderStats`).

On every command's path, so it costs one ``stat`` when no watcher runs,
and imports :mod:`socket` only when one does.

The protocol: one request line ``PMLW1 <verb> <folder, hex>`` on a Unix
socket; for ``stats`` the answer is ``PMLW1 ok <files> <bytes>`` and a
line end, then the names joined by NUL, then the sizes and the change
times as native 8-byte integers. Any other answer (``PMLW1 no``: the
watcher cannot vouch for the folder now) sends the command back to its
own ``stat`` calls.
"""

from __future__ import annotations

import hashlib
import os
import sys
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmledger.ledger.filestats import FolderStats

PROTOCOL = b"PMLW1"
# A watcher answers within milliseconds; one that does not (stopped with
# SIGSTOP, swapped out) must not hang a command for longer than this.
TIMEOUT = 5.0
# The longest path a Unix socket may have, less a margin (108 on Linux).
_MAX_SOCKET_PATH = 100


def folder_key(folder: Path) -> str:
    """The watcher's name for a folder: its resolved path, hashed."""
    return hashlib.sha256(os.fsencode(str(folder.resolve()))).hexdigest()[:16]


def runtime_folder(key: str = "0" * 16) -> Path:
    """Where watchers keep their sockets, locks, logs and cookie files: the
    user's pmledger cache folder, or (when a socket's path would be too
    long there) ``/tmp/pmledger-watch-UID``."""
    from pmledger.ledger.cache import user_cache_folder

    folder = user_cache_folder() / "watch"
    if len(os.fsencode(str(folder / f"{key}.sock"))) <= _MAX_SOCKET_PATH:
        return folder
    getuid = getattr(os, "getuid", None)
    return Path("/tmp") / f"pmledger-watch-{getuid() if getuid else 0}"


def socket_path(folder: Path) -> Path:
    """The socket of the watcher of ``folder``."""
    key = folder_key(folder)
    return runtime_folder(key) / f"{key}.sock"


def request(verb: str, folder: Path) -> bytes:
    """The request line for ``verb`` about ``folder``, from this pmledger."""
    from pmledger import __version__

    where = os.fsencode(str(folder.resolve())).hex().encode()
    return b"%s %s %s %s\n" % (PROTOCOL, verb.encode(), where, __version__.encode())


def encode_stats(names: list[str], sizes: array[int], mtimes: array[int]) -> bytes:
    """The answer to ``stats``."""
    listing = os.fsencode("\x00".join(names))
    head = b"%s ok %d %d\n" % (PROTOCOL, len(names), len(listing))
    return b"".join((head, listing, sizes.tobytes(), mtimes.tobytes()))


def decode_stats(head: bytes, body: bytes) -> FolderStats | None:
    """The folder's stats from an answer's first line and the rest (None:
    not an answer to ``stats``)."""
    from pmledger.ledger.filestats import FolderStats

    parts = head.split()
    if len(parts) != 4 or parts[:2] != [PROTOCOL, b"ok"]:
        return None
    count, length = int(parts[2]), int(parts[3])
    if len(body) != length + 16 * count:
        return None
    listing = os.fsdecode(body[:length])
    names = listing.split("\x00") if listing else []
    if len(names) != count:
        return None
    sizes, mtimes = array("q"), array("q")
    sizes.frombytes(body[length : length + 8 * count])
    mtimes.frombytes(body[length + 8 * count :])
    return FolderStats(names, sizes, mtimes, listing)


def body_length(head: bytes) -> int:
    """How many bytes follow an answer's first line."""
    parts = head.split()
    if len(parts) == 4 and parts[:2] == [PROTOCOL, b"ok"]:
        return int(parts[3]) + 16 * int(parts[2])
    return 0


def receive_line(sock: Any) -> tuple[bytes, bytes]:
    """The first line of an answer, and what was received after it."""
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise ValueError("the watcher closed the connection")
        data += chunk
        if len(data) > 1 << 12 and b"\n" not in data:
            raise ValueError("not a watcher's answer")
    head, _, rest = data.partition(b"\n")
    return head, rest


def connect(path: Path) -> Any:
    """A connected socket to the watcher at ``path`` (``OSError``: none
    answers, or one another user runs)."""
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    try:
        sock.connect(str(path))
        option = getattr(socket, "SO_PEERCRED", None)
        getuid = getattr(os, "getuid", None)
        if option is not None and getuid is not None:
            # struct ucred: pid, uid, gid.
            creds = sock.getsockopt(socket.SOL_SOCKET, option, 12)
            if int.from_bytes(creds[4:8], sys.byteorder) != getuid():
                raise PermissionError("the watcher's socket belongs to another user")
    except BaseException:
        sock.close()
        raise
    return sock


def stats(folder: Path) -> FolderStats | None:
    """The requirement files of ``folder`` with their stats, from its
    watcher, if one runs and vouches for them now (None: the caller stats
    the files itself)."""
    from pmledger.ledger.cache import ENV_DISABLE

    if os.environ.get(ENV_DISABLE):
        return None
    try:
        path = socket_path(folder)
        os.stat(path)
    except (OSError, ValueError, RuntimeError):
        # No watcher (the usual case), or a path that cannot be resolved
        # (a loop of links): the caller's own stats say what is wrong.
        return None
    try:
        sock = connect(path)
    except OSError:
        return None
    try:
        sock.sendall(request("stats", folder))
        head, rest = receive_line(sock)
        need = body_length(head)
        body = bytearray(need)
        view = memoryview(body)
        got = min(len(rest), need)
        view[:got] = rest[:got]
        while got < need:
            n = sock.recv_into(view[got:])
            if not n:
                return None
            got += n
        return decode_stats(head, bytes(body))
    except (OSError, ValueError, RuntimeError):
        return None
    finally:
        sock.close()
