"""The one atomic file writer: a temporary file in the same folder, then a rename.

A killed process or a full disk never leaves a half-written file. A new file
is claimed with ``os.link`` (which fails if the name exists), so concurrent
``add`` processes can never overwrite each other. Used for requirement files,
``pmledger.toml`` and the parse cache.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NoReturn

# What a file is written from: bytes, or a function writing to the open file.
Content = bytes | Callable[[BinaryIO], object]


# A new file is readable by all and written by its owner, as git checks files out.
NEW_FILE_MODE = 0o644


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically; untouched if the bytes are the same.

    The new file keeps the old one's permissions (a file made read-only, or
    0640, stays so), as an editor saving it would."""
    data = text.encode("utf-8")
    mode = NEW_FILE_MODE
    with contextlib.suppress(OSError), path.open("rb") as old:
        if old.read() == data:
            return
        mode = stat.S_IMODE(os.fstat(old.fileno()).st_mode)
    replace_bytes(path, data, mode=mode)


def replace_bytes(
    path: Path, data: Content, *, durable: bool = True, mode: int | None = None
) -> None:
    """Replace ``path`` with ``data`` atomically.

    ``data``: the bytes, or a function that writes them to a binary file (a
    100k cache is pickled straight to disk, never whole in memory).
    ``durable=False`` skips the fsyncs: for a cache, which may be lost but
    must never be torn.
    """
    try:
        tmp = write_temp(path.parent, data, durable=durable, mode=mode)
        try:
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        _raise_naming(exc, path)
    if durable:
        fsync_dir(path.parent)


def _raise_naming(exc: OSError, path: Path) -> NoReturn:
    """Raise ``exc`` naming ``path``: the temporary file's name means nothing to
    the reader ("no such folder", "read-only file system"); the file they asked for does."""
    if exc.errno is None or exc.filename == str(path):
        raise exc
    raise OSError(exc.errno, exc.strerror, str(path)) from exc


def create_exclusive(path: Path, text: str) -> bool:
    """Write a new file atomically; False (and nothing written) if ``path`` exists."""
    try:
        tmp = write_temp(path.parent, text.encode("utf-8"))
        try:
            if not link_exclusive(tmp, path):
                return False
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        _raise_naming(exc, path)
    fsync_dir(path.parent)
    return True


def link_exclusive(tmp: Path, path: Path) -> bool:
    """Give a complete temporary file its final name; False if the name exists."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError:
        # A file system without hard links: an exclusive create, flushed.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as handle:
            handle.write(tmp.read_bytes())
            handle.flush()
            os.fsync(handle.fileno())
    return True


def write_temp(
    folder: Path, data: Content, *, durable: bool = True, mode: int | None = None
) -> Path:
    chosen = NEW_FILE_MODE if mode is None else mode
    fd, name = tempfile.mkstemp(dir=folder, prefix=".pmledger-", suffix=".tmp")
    try:
        try:
            # On the open file: no second lookup of the name in a big folder.
            if hasattr(os, "fchmod"):
                os.fchmod(fd, chosen)
            if isinstance(data, bytes):
                _write_all(fd, data)
            else:
                with os.fdopen(fd, "wb", closefd=False) as handle:
                    data(handle)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if not hasattr(os, "fchmod"):
            os.chmod(name, chosen)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not every platform allows it.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
