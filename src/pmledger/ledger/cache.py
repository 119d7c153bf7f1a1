"""A cache of parsed requirements, kept out of git, that never serves stale data.

Each entry is keyed by file name and checked against the file's size and
change time (nanoseconds: the later of mtime and ctime,
:func:`pmledger.ledger.filestats.changed_ns`) before use; anything that
differs is parsed again. Like git's index, an entry whose file changed
within ``RACY_SECONDS`` of the cache being written is not stored: a second
edit of the same size within one timestamp tick could otherwise go unseen.
Deleting the cache changes nothing but speed.

Two forms: :class:`StateCache` holds the requirements themselves (kind
"cache", for ``list``, ``rank`` and every command that reads them all) as
columns in the folder's listing order; :class:`ParseCache` holds any other
per-file value (``check``'s findings, completion's values) keyed by name.

Where: the user's cache folder (``$XDG_CACHE_HOME/pmledger``, else
``~/.cache/pmledger``), keyed by the ledger's path: never a folder someone
else may have filled, since unpickling runs code (:func:`cache_path`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import time
from array import array
from pathlib import Path
from typing import Any, BinaryIO, cast

from pmledger.ledger.columns import Columns, columns_of

# 6: the scoring tables are validated on read; entries stored before may hold
# values that are now refused. 7: repeated short strings are stored once.
FORMAT = 7
RACY_SECONDS = 2.0
ENV_DISABLE = "PMLEDGER_NO_CACHE"

# (size, change time in ns, parsed object)
Entry = tuple[int, int, Any]


def trusted_before() -> float:
    """Files whose change time (ns) is before this are old enough to cache."""
    return (time.time() - RACY_SECONDS) * 1e9


def format_key() -> tuple[int, str, str]:
    """What a stored entry depends on: the cache format, pmledger's and pydantic's versions."""
    return _format_key()


def _format_key() -> tuple[int, str, str]:
    # Entries hold model state: a new pmledger or pydantic invalidates them.
    import pydantic

    from pmledger import __version__

    return (FORMAT, __version__, pydantic.VERSION)


def git_dir_of(start: Path) -> Path | None:
    """The .git folder of the repository holding ``start`` (None: none, a
    worktree, or one another user owns)."""
    for folder in (start, *start.parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            # Another user's .git (say /tmp/.git above a ledger in /tmp) could
            # hold pmledger's write lock for ever: as git's safe.directory,
            # only the user's own repository is used.
            getuid = getattr(os, "getuid", None)
            if getuid is not None and candidate.stat().st_uid != getuid():
                return None
            return candidate
        if candidate.exists():
            # A worktree or submodule: .git is a file; use the user cache instead.
            return None
    return None


def cache_path(root: Path, kind: str = "cache") -> Path:
    """The cache file of the ledger at ``root`` (``kind``: "cache", "index", ...),
    in the user's own cache folder.

    Never inside the ledger or its ``.git``: unpickling a file runs what it
    says, and a folder received from someone else (an archive of a
    repository, with its ``.git``) must not choose what pmledger unpickles.
    """
    resolved = root.resolve()
    key = hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
    return user_cache_folder() / f"{kind}-{key}.pickle"


def lock_file(root: Path, kind: str) -> Path:
    """A lock file of the ledger at ``root``, which every process writing the
    ledger must find at one place (it is never read): in ``.git/pmledger/``
    inside git, else the user cache folder."""
    resolved = root.resolve()
    key = hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
    git_dir = git_dir_of(resolved)
    folder = git_dir / "pmledger" if git_dir is not None else user_cache_folder()
    return folder / f"{kind}-{key}.lock"


def make_folder(folder: Path) -> None:
    """Create a folder for caches or locks: the user cache folder only its
    user may enter (0700); ``.git/pmledger`` as git makes its folders."""
    mode = 0o700 if folder == user_cache_folder() else 0o777
    folder.mkdir(mode=mode, parents=True, exist_ok=True)


def user_cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    # A relative value is to be ignored (the XDG specification): it would
    # name another folder in each working folder.
    if not base or not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):
            # No home to keep caches in: none is kept (reads and writes of a
            # cache fail, and are only a slower start).
            return Path(os.devnull) / "pmledger"
    return Path(base) / "pmledger"


# Values this short repeat across a ledger (statuses, people, departments,
# tags): interned, pickle stores each once and every requirement read back
# shares it (~40 MB less at 100k requirements).
_SHARED_LEN = 40


def _share_strings(value: Any) -> Any:
    """``value`` with its short strings interned (top level of a state's dicts, and their lists)."""
    cls = value.__class__
    if cls is tuple:
        return tuple([_share_strings(v) for v in value])
    if cls is dict:
        _share_dict(value)
    return value


def _share_dict(fields: dict[str, Any]) -> None:
    # Runs once per file parsed (100k on a cold start): one plain loop.
    intern = sys.intern
    for key, item in fields.items():
        cls = item.__class__
        # Exactly str: an enum member (Priority) is itself shared already.
        if cls is str:
            if len(item) <= _SHARED_LEN:
                fields[key] = intern(item)
        elif cls is list and item:
            for v in item:
                if v.__class__ is not str:
                    break
            else:
                item[:] = [intern(v) if len(v) <= _SHARED_LEN else v for v in item]


def share_strings(state: tuple[dict[str, Any], dict[str, Any] | None]) -> None:
    """Intern the short strings of a requirement's state, in place (its fields
    and unknown keys, and their lists of strings)."""
    _share_dict(state[0])
    if state[1]:
        _share_dict(state[1])


def store(path: Path, data: Any) -> bool:
    """Pickle ``data`` to the cache file ``path``, atomically; False if it could
    not be written (a cache is only a speed-up: the caller goes on without it).

    Pickled straight to the temporary file, never whole in memory (~20 MB
    less at the peak of a 100k cold load); not durable: a lost cache is only
    a slower start, but it is never torn.
    """
    from pmledger.ledger.atomic import replace_bytes

    def write(handle: BinaryIO) -> None:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        make_folder(path.parent)
        # The user's alone: a cache holds a private ledger's titles and
        # notes, and ~/.cache is often readable by every local user.
        replace_bytes(path, write, durable=False, mode=0o600)
    except OSError:
        return False
    return True


class ParseCache:
    """Parsed requirement files, valid while each file's size and mtime match."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, Entry] = {}
        self._dirty = False
        if path is not None:
            self._entries = self._read(path)

    @classmethod
    def for_ledger(cls, root: Path, kind: str = "cache") -> ParseCache:
        """The cache of a ledger, or a disabled one when ``PMLEDGER_NO_CACHE`` is set.

        ``kind`` "cache" holds whole requirements (list, rank); "index" holds
        small summaries (add's duplicate check, show's dependents), which load
        in a fraction of the time.
        """
        if os.environ.get(ENV_DISABLE):
            return cls(None)
        return cls(cache_path(root, kind))

    @staticmethod
    def _read(path: Path) -> dict[str, Entry]:
        try:
            # Whole, then unpickled: ~10 % faster than from the file object
            # (the unpickler's reads through the buffer, for 100k states).
            data = pickle.loads(path.read_bytes())
        except Exception:
            # A missing, truncated or foreign cache is only a slower start.
            return {}
        if not isinstance(data, dict) or data.get("format") != _format_key():
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    @property
    def entries(self) -> dict[str, Entry]:
        """Every entry by file name: (size, mtime in ns, value); read only."""
        return self._entries

    def get(self, name: str, size: int, mtime_ns: int) -> Any | None:
        """The cached object for a file, if the file is unchanged."""
        entry = self._entries.get(name)
        if entry is not None and entry[0] == size and entry[1] == mtime_ns:
            return entry[2]
        return None

    def put(self, name: str, size: int, mtime_ns: int, value: Any) -> None:
        """Remember a freshly parsed file (unless its timestamp is too recent to trust)."""
        if mtime_ns > trusted_before():
            if name in self._entries:
                del self._entries[name]
                self._dirty = True
            return
        self._entries[name] = (size, mtime_ns, _share_strings(value))
        self._dirty = True

    def retain(self, names: set[str]) -> None:
        """Forget files that no longer exist."""
        gone = [n for n in self._entries if n not in names]
        for name in gone:
            del self._entries[name]
        if gone:
            self._dirty = True

    def save(self) -> None:
        """Write the cache atomically if it changed; failures are ignored (it is only a cache)."""
        if self.path is None or not self._dirty:
            return
        if store(self.path, {"format": _format_key(), "entries": self._entries}):
            self._dirty = False


# The requirement states' own format (besides format_key()): 8, columns in
# the folder's listing order, checked all at once (before, ParseCache
# entries: a tuple and a lookup per file on every load). 9: the states and
# the ranking's columns are pickled apart, each unpickled only when read.
# 10: the states may be a patch of a base (``base_of``, ``patch``).
STATES_FORMAT = 10
# A size no file has: the file is read again next time (too recent to trust,
# or it could not be read).
UNTRUSTED = -1

# (fields, extra): pmledger.ledger.model.requirement_state, or the fields
# alone when there is no unknown key (the usual case: two objects fewer per
# requirement to pickle and unpickle, 25 % less time to save the cache).
State = tuple[dict[str, Any], dict[str, Any] | None] | dict[str, Any]


def compact_state(state: tuple[dict[str, Any], dict[str, Any] | None]) -> State:
    """The state as the cache keeps it (see ``State``)."""
    return state if state[1] else state[0]


def state_fields(state: State) -> dict[str, Any]:
    """The fields of a stored state."""
    return state if isinstance(state, dict) else state[0]


class StateCache:
    """The parsed requirement files of a ledger, as columns in the folder's
    listing order (``kind`` "cache").

    File ``i`` of the listing (its names joined by NUL) is served from
    ``states[i]`` while its size and mtime equal ``sizes[i]`` and
    ``mtimes[i]``; ``order`` lists the positions in name order. When the
    listing and both columns equal the folder's (the usual case), the check
    is three comparisons in C instead of a lookup and two comparisons per
    file, and the sort of 100k names is read back instead of done again.
    Deleting it changes nothing but speed.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.listing: str | None = None
        self.sizes = array("q")
        self.mtimes = array("q")
        self.order = array("q")
        self._states: list[State | None] | None = []
        self._stored_states: bytes | None = None
        # A patched cache (written after a few files changed, without
        # unpickling and pickling every state again): file ``i``'s state is
        # ``base[base_of[i]]`` of the stored states, or ``patch[i]`` where
        # ``base_of[i]`` is -1.
        self.base_of: array[int] | None = None
        self.patch: dict[int, State] = {}
        self._stored_columns: bytes | None = None
        # Every status of the states: the workflow may have lost one since.
        self.statuses: frozenset[str] = frozenset()
        self._positions: dict[str, int] | None = None
        if path is not None:
            self._read(path)

    @property
    def states(self) -> list[State | None]:
        """Each file's requirement state (None: not stored), in listing order."""
        if self._states is None:
            try:
                base = pickle.loads(self._stored_states or b"")
                self._states = base if self.base_of is None else self._patched(base)
            except Exception:
                # Damaged: an empty listing, so that every file is read again.
                self.listing, self._states, self._stored_states = None, [], None
        return cast("list[State | None]", self._states)

    @states.setter
    def states(self, states: list[State | None]) -> None:
        self._states = states

    def _patched(self, base: list[State | None]) -> list[State | None]:
        from operator import itemgetter

        assert self.base_of is not None
        # -1 picks the None appended: filled from the patch below.
        base.append(None)
        states: list[State | None] = (
            list(itemgetter(*self.base_of)(base))
            if len(self.base_of) > 1
            else [base[i] for i in self.base_of]
        )
        for i, state in self.patch.items():
            states[i] = state
        return states

    @property
    def stored_states(self) -> bytes | None:
        """The stored states as stored (pickled: the base of ``base_of``), kept
        to be written back as they are when a few files changed."""
        return self._stored_states

    @functools.cached_property
    def columns(self) -> Columns | None:
        """The ranking's columns of the stored requirements, in ID order,
        when every file's state is stored (:mod:`pmledger.ledger.columns`)."""
        stored, self._stored_columns = self._stored_columns, None
        if stored is None:
            return None
        try:
            columns = pickle.loads(stored)
        except Exception:
            return None
        return columns if isinstance(columns, Columns) else None

    @classmethod
    def for_ledger(cls, root: Path, *, read: str = "states") -> StateCache:
        """The cache of a ledger, or a disabled one when ``PMLEDGER_NO_CACHE`` is set.

        ``read``: "states" or "columns", unpickled now rather than when
        first asked for (a load asks while a helper still stats the files).
        """
        if os.environ.get(ENV_DISABLE):
            return cls(None)
        cache = cls(cache_path(root))
        _ = cache.columns if read == "columns" else cache.states
        return cache

    def _read(self, path: Path) -> None:
        try:
            # Whole, then unpickled: ~10 % faster than from the file object
            # (the unpickler's reads through the buffer, for 100k states).
            data = pickle.loads(path.read_bytes())
            if data["format"] != (STATES_FORMAT, *_format_key()):
                return
            sizes, mtimes, order = array("q"), array("q"), array("q")
            sizes.frombytes(data["sizes"])
            mtimes.frombytes(data["mtimes"])
            order.frombytes(data["order"])
            listing, states, statuses = data["listing"], data["states"], data["statuses"]
            columns = data["columns"]
            if not len(sizes) == len(mtimes) == len(order):
                return
            if not isinstance(states, bytes) or not isinstance(columns, bytes | None):
                return
            base_of = None
            patch: dict[int, State] = {}
            if data["base_of"] is not None:
                base_of = array("q")
                base_of.frombytes(data["base_of"])
                patch = pickle.loads(data["patch"])
                if len(base_of) != len(sizes) or not isinstance(patch, dict):
                    return
        except Exception:
            # A missing, truncated or foreign cache is only a slower start.
            return
        self.listing = listing
        self.sizes, self.mtimes, self.order = sizes, mtimes, order
        # Unpickled when first read: a ranking of an unchanged ledger reads
        # the columns alone (at 100k, 40 ms against 350-440 ms for the states).
        self._states, self._stored_states = None, states
        self.base_of, self.patch = base_of, patch
        self._stored_columns = columns
        self.statuses = frozenset(statuses)

    def names(self) -> list[str]:
        """The file names of the stored listing."""
        return self.listing.split("\x00") if self.listing else []

    def position(self, name: str) -> int | None:
        """Where the stored listing has ``name``."""
        if self._positions is None:
            names = self.names()
            self._positions = dict(zip(names, range(len(names)), strict=True))
        return self._positions.get(name)

    def get(self, name: str, size: int, mtime_ns: int) -> State | None:
        """The stored state of a file, if the file is unchanged."""
        i = self.position(name)
        if i is None or self.sizes[i] != size or self.mtimes[i] != mtime_ns:
            return None
        return self.states[i]

    def save(self, replacement: StateCache, columns: Columns | None = None) -> Columns | None:
        """Write ``replacement``'s columns as this cache, atomically; failures are
        ignored (it is only a cache). Returns the ranking's columns stored with
        it (None when a file's state is not stored, or nothing is saved).

        ``replacement`` may be a patch (``base_of`` set, its states still
        stored): the stored states are written back as they are, with the
        patch, and ``columns`` are the ranking's columns of its requirements.
        """
        if self.path is None:
            return None
        patched = replacement.base_of is not None and replacement.stored_states is not None
        if patched:
            states_blob = replacement.stored_states
        else:
            states = replacement.states
            if columns is None and None not in states:
                # In ID order, as load_all returns the requirements.
                stored = cast("list[State]", states)
                columns = columns_of(map(state_fields, map(stored.__getitem__, replacement.order)))
            states_blob = pickle.dumps(states, protocol=pickle.HIGHEST_PROTOCOL)
        data = {
            "format": (STATES_FORMAT, *_format_key()),
            "listing": replacement.listing or "",
            "sizes": replacement.sizes.tobytes(),
            "mtimes": replacement.mtimes.tobytes(),
            "order": replacement.order.tobytes(),
            "states": states_blob,
            "base_of": replacement.base_of.tobytes() if patched and replacement.base_of else None,
            "patch": pickle.dumps(replacement.patch, protocol=pickle.HIGHEST_PROTOCOL)
            if patched
            else None,
            "columns": pickle.dumps(columns, protocol=pickle.HIGHEST_PROTOCOL)
            if columns is not None
            else None,
            "statuses": tuple(replacement.statuses),
        }
        store(self.path, data)
        return columns
