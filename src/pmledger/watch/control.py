"""Start, stop and ask after the watcher of a requirements folder."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pmledger.errors import WatchError
from pmledger.i18n import _
from pmledger.watch import client

# How long the watcher may take to list and stat the folder when it starts
# (100k files: well under a second on a laptop).
START_TIMEOUT = 120.0
# How long a watcher may take to end once asked.
STOP_TIMEOUT = 10.0

# File systems whose changes made elsewhere raise no inotify event here.
NETWORK_FILE_SYSTEMS = frozenset(
    {
        "9p",
        "afs",
        "ceph",
        "cifs",
        "coda",
        "davfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.sshfs",
        "gcsfuse",
        "glusterfs",
        "gpfs",
        "lustre",
        "ncpfs",
        "nfs",
        "nfs4",
        "smb3",
        "smbfs",
        "vboxsf",
        "virtiofs",
    }
)


@dataclass(frozen=True)
class WatchStatus:
    """A running watcher."""

    folder: Path
    pid: int
    # -1: the folder does not exist now.
    files: int
    since: datetime
    # Questions answered with the folder's files.
    answered: int
    version: str


def _resolved(folder: Path) -> Path:
    try:
        return folder.resolve()
    except (OSError, RuntimeError) as exc:
        # RuntimeError: a loop of symbolic links (Python 3.11).
        raise WatchError(
            _("{folder} cannot be resolved: {error}").format(folder=folder, error=exc)
        ) from exc


def status(folder: Path) -> WatchStatus | None:
    """The watcher of ``folder``, if one runs and answers."""
    folder = _resolved(folder)
    path = client.socket_path(folder)
    if not os.path.lexists(path):
        return None
    try:
        sock = client.connect(path)
    except OSError:
        _remove_stale(folder)
        return None
    try:
        sock.sendall(client.request("status", folder))
        head, _rest = client.receive_line(sock)
    except (OSError, ValueError):
        return None
    finally:
        sock.close()
    parts = head.split()
    if len(parts) != 7 or parts[:2] != [client.PROTOCOL, b"status"]:
        return None
    return WatchStatus(
        folder,
        int(parts[2]),
        int(parts[3]),
        datetime.fromtimestamp(int(parts[4]), UTC),
        int(parts[5]),
        parts[6].decode(),
    )


def _lock_path(folder: Path) -> Path:
    key = client.folder_key(folder)
    return client.runtime_folder(key) / f"{key}.lock"


def _remove_stale(folder: Path) -> None:
    """Remove the socket of a watcher that ended without removing it."""
    import fcntl

    try:
        lock = os.open(_lock_path(folder), os.O_RDWR)
    except OSError:
        lock = None
    try:
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        client.socket_path(folder).unlink()
    except OSError:
        pass
    finally:
        if lock is not None:
            os.close(lock)


def file_system_type(folder: Path) -> str | None:
    """The type of the file system holding ``folder`` (Linux's mount table), if known."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as table:
            lines = table.read().splitlines()
    except OSError:
        return None
    best, kind = -1, None
    target = str(folder)
    for line in lines:
        fields = line.split(" - ", 1)
        left, right = fields[0].split(), fields[1].split() if len(fields) == 2 else []
        if len(left) < 5 or not right:
            continue
        point = _unescape(left[4])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best:
            best, kind = len(point), right[0]
    return kind


def _unescape(field: str) -> str:
    # The mount table writes a space, tab, newline and backslash as \040 etc.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def start(folder: Path) -> tuple[WatchStatus, bool]:
    """Start the watcher of ``folder`` (a requirements folder); the watcher,
    and whether it was started now (False: one already ran)."""
    import subprocess

    from pmledger import __version__
    from pmledger.watch import inotify

    if not inotify.available():
        raise WatchError(_("this system has no inotify (Linux's file change notifications)"))
    folder = _resolved(folder)
    if not folder.is_dir():
        raise WatchError(_("{folder} is not a folder").format(folder=folder))
    kind = file_system_type(folder)
    if kind in NETWORK_FILE_SYSTEMS:
        raise WatchError(
            _(
                "{folder} is on a network file system ({kind}): "
                "changes made on another machine would go unseen"
            ).format(folder=folder, kind=kind)
        )
    current = status(folder)
    if current is not None and current.version == __version__:
        return current, False
    # Another pmledger's watcher (its answers may not be this one's), or one
    # that holds the lock but does not answer.
    _end_holder(folder)
    runtime = client.runtime_folder(client.folder_key(folder))
    try:
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        _check_private(runtime)
        log_path = runtime / f"{client.folder_key(folder)}.log"
        read_end, write_end = os.pipe()
        log_fd = os.open(log_path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with open(log_fd, "wb") as log:
            subprocess.Popen(
                [sys.executable, "-m", "pmledger.watch", str(folder), "--ready-fd", str(write_end)],
                pass_fds=(write_end,),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                cwd="/",
            )
        os.close(write_end)
        answer = _read_answer(read_end)
    except OSError as exc:
        from pmledger.errors import os_reason

        raise WatchError(
            _("cannot start the watcher: {error}").format(error=os_reason(exc))
        ) from exc
    if answer not in ("ok", "running"):
        reason = answer.removeprefix("error ").strip() or _last_line(log_path)
        raise WatchError(_("the watcher did not start: {reason}").format(reason=reason))
    started = _status_when_up(folder) if answer == "running" else status(folder)
    if started is None:
        raise WatchError(
            _("the watcher did not start: {reason}").format(reason=_last_line(log_path))
        )
    return started, answer == "ok"


def _status_when_up(folder: Path) -> WatchStatus | None:
    """The watcher another `watch start` is starting, once it listens."""
    import time

    deadline = time.monotonic() + START_TIMEOUT
    while (current := status(folder)) is None and time.monotonic() < deadline:
        # Between its lock and its socket: microseconds.
        time.sleep(0.01)
    return current


def _check_private(runtime: Path) -> None:
    """A runtime folder another user owns, or may write, could hold their socket."""
    getuid = getattr(os, "getuid", None)
    st = runtime.stat()
    if getuid is not None and (st.st_uid != getuid() or st.st_mode & 0o022):
        raise WatchError(
            _("{folder} belongs to another user, or others may write to it").format(folder=runtime)
        )


def _read_answer(fd: int) -> str:
    import selectors

    try:
        with selectors.DefaultSelector() as wait:
            wait.register(fd, selectors.EVENT_READ)
            if not wait.select(START_TIMEOUT):
                return ""
        return os.read(fd, 4096).decode(errors="replace").strip()
    finally:
        os.close(fd)


def _last_line(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        lines = []
    return lines[-1] if lines else _("no reason given")


def stop(folder: Path) -> WatchStatus | None:
    """Stop the watcher of ``folder``; the one stopped (None: none ran)."""
    folder = _resolved(folder)
    current = status(folder)
    if current is None:
        # One that does not answer (another version's) is ended all the same.
        pid = _end_holder(folder)
        if pid is None:
            return None
        return WatchStatus(folder, pid, -1, datetime.now(UTC), 0, "")
    try:
        sock = client.connect(client.socket_path(folder))
        try:
            sock.sendall(client.request("stop", folder))
            client.receive_line(sock)
        finally:
            sock.close()
    except (OSError, ValueError) as exc:
        raise WatchError(_("cannot stop the watcher: {error}").format(error=exc)) from exc
    _wait_for_lock(folder, current.pid)
    return current


def _holder(folder: Path) -> int | None:
    """The process ID of the watcher holding ``folder``'s lock, if one does."""
    import fcntl

    try:
        lock = os.open(_lock_path(folder), os.O_RDWR)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(lock, 64).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        return None
    finally:
        os.close(lock)


def _end_holder(folder: Path) -> int | None:
    """End a watcher that holds the lock but is not to be asked (another
    version's, or one that does not answer); its process ID, if there was one."""
    import signal

    pid = _holder(folder)
    if pid is None:
        return None
    if not pid:
        raise WatchError(
            _("another process holds {lock} and does not answer; end it first").format(
                lock=_lock_path(folder)
            )
        )
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    except OSError as exc:
        raise WatchError(_("cannot stop the watcher: {error}").format(error=exc)) from exc
    _wait_for_lock(folder, pid)
    return pid


def _wait_for_lock(folder: Path, pid: int) -> None:
    """Wait until the watcher has ended (it holds its lock until then)."""
    import time

    deadline = time.monotonic() + STOP_TIMEOUT
    while _holder(folder) is not None:
        if time.monotonic() > deadline:
            raise WatchError(
                _("the watcher (process {pid}) does not end; end it with `kill {pid}`").format(
                    pid=pid
                )
            )
        time.sleep(0.01)
