"""The ledger on disk: find, read, create and save requirement files.

Writes go through :mod:`pmledger.ledger.atomic` (a temporary file, then a
rename; a new file is claimed so that concurrent ``add`` processes never
overwrite each other).
"""

from __future__ import annotations

import os
import sys
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, repeat
from operator import attrgetter
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, NamedTuple, cast

from pydantic import ValidationError

from pmledger.errors import (
    AmbiguousIdError,
    CommentsLostError,
    ConfigError,
    FileProblem,
    InvalidFileError,
    LedgerExistsError,
    NotFoundError,
    WorkflowError,
    merge_problems,
)
from pmledger.i18n import _
from pmledger.ledger import fileformat, ids
from pmledger.ledger.atomic import create_exclusive as create_exclusive

# Re-exported: the documented way to write a ledger file.
from pmledger.ledger.atomic import fsync_dir, write_temp
from pmledger.ledger.atomic import link_exclusive as link_exclusive
from pmledger.ledger.atomic import write_atomic as write_atomic
from pmledger.ledger.cache import (
    RACY_SECONDS,
    UNTRUSTED,
    State,
    StateCache,
    compact_state,
    share_strings,
    state_fields,
)
from pmledger.ledger.model import (
    Requirement,
    requirement_from_state,
    requirement_state,
    requirements_from_states,
)
from pmledger.ledger.settings import (
    CONFIG_NAME,
    Settings,
    check_statuses,
    config_text,
    find_ledger_root,
    load_settings,
)
from pmledger.ledger.summaryindex import SummaryIndex, SummaryRow, SummaryTable
from pmledger.query.similarity import bigrams, title_key

if TYPE_CHECKING:
    from pmledger.ledger.titles import TitleEntry

SUFFIX = ".toml"


class Summary(NamedTuple):
    """What commands that scan the whole ledger but show one item need."""

    id: str
    title: str
    status: str
    depends_on: tuple[str, ...]
    created: str
    # For the duplicate check of `add` (pmledger.query.similarity).
    title_key: str
    title_bigrams: int


make_summary = Summary._make


def summarize(req: Requirement) -> Summary:
    """The summary of a requirement."""
    key = title_key(req.title)
    return Summary(
        req.id,
        req.title,
        req.status,
        tuple(req.depends_on),
        req.created.isoformat(),
        key,
        len(bigrams(req.title)),
    )


@dataclass
class SummaryResult:
    """Summaries of every readable requirement, and every file that could not be read."""

    summaries: list[Summary] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


@dataclass
class LoadResult:
    """Every requirement that could be read, and every file that could not."""

    requirements: list[Requirement] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


def _sync_files(folder: Path, paths: list[Path]) -> None:
    """Make the data of ``paths`` durable: one ``syncfs`` on Linux, else one fsync each."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(folder, os.O_RDONLY)
            try:
                if libc.syncfs(fd) == 0:
                    return
            finally:
                os.close(fd)
        except (OSError, AttributeError):
            pass
    for path in paths:
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())


# Files to read from which load_all uses pmledger.ledger.fastreq.
FAST_READ_AT = 512
# O_BINARY: Windows would otherwise translate line ends.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def _read_bytes(name: str, fd: int | None, folder: Path, size: int) -> bytes:
    """A file's bytes (``fd``: the folder's descriptor, else the path is used).

    One read of the listed size and a byte more: a regular file reads short
    only at its end, so a shorter answer is the whole file; a longer one
    (the file grew meanwhile) is read on to the end.
    """
    f = (
        os.open(name, _READ_FLAGS, dir_fd=fd)
        if fd is not None
        else os.open(folder / name, _READ_FLAGS)
    )
    try:
        want = max(size, 0) + 1
        data = os.read(f, want)
        if len(data) < want:
            return data
        parts = [data]
        while chunk := os.read(f, 1 << 16):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(f)


def _requirement_names(listed: list[str]) -> tuple[list[str], str]:
    """The requirement files among a folder's names, and them joined by NUL.

    In C but for the rare hidden ``.x.toml``: at 100k names a Python test
    per name costs ~9 ms, ``map`` and ``compress`` ~6 ms.
    """
    names = list(compress(listed, map(str.endswith, listed, repeat(SUFFIX))))
    listing = "\x00".join(names)
    if listing.startswith(".") or "\x00." in listing:
        names = [n for n in names if n[0] != "."]
        listing = "\x00".join(names)
    return names, listing


class Ledger:
    """A ledger folder: its settings and its requirement files."""

    def __init__(self, root: Path, settings: Settings | None = None) -> None:
        self.root = root
        self.settings = settings if settings is not None else load_settings(root)
        self.requirements_dir = root / self.settings.ledger.requirements_dir

    @classmethod
    def discover(cls, explicit: Path | None = None, *, cwd: Path | None = None) -> Ledger:
        """Open the ledger named by ``--ledger``, ``$PMLEDGER_DIR`` or the nearest parent."""
        return cls(find_ledger_root(explicit, cwd=cwd))

    @classmethod
    def init(cls, root: Path, *, prefix: str = "REQ") -> Ledger:
        """Create a ledger (settings file and requirements folder) in ``root``."""
        root = root.expanduser().resolve()
        config = root / CONFIG_NAME
        if config.exists():
            raise LedgerExistsError(
                _("{file} already exists; this folder is already a ledger").format(file=config)
            )
        root.mkdir(parents=True, exist_ok=True)
        import tomllib

        text = config_text(prefix)
        # Validate the template with the requested prefix before writing anything.
        try:
            settings = Settings.model_validate(tomllib.loads(text))
        except ValidationError:
            raise ConfigError(
                _(
                    "invalid ID prefix {prefix!r}: use 1-10 letters or digits, "
                    "starting with a letter"
                ).format(prefix=prefix)
            ) from None
        if not create_exclusive(config, text):
            raise LedgerExistsError(
                _("{file} already exists; this folder is already a ledger").format(file=config)
            )
        ledger = cls(root, settings)
        ledger.requirements_dir.mkdir(parents=True, exist_ok=True)
        keep = ledger.requirements_dir / ".gitkeep"
        if not keep.exists():
            keep.touch()
        return ledger

    # -- IDs and paths -----------------------------------------------------------

    @property
    def prefix(self) -> str:
        return self.settings.ledger.id_prefix

    def path_for(self, req_id: str) -> Path:
        """The file of an ID (validated: never a path outside the ledger)."""
        canonical = ids.normalize_id(req_id, self.prefix)
        path = self.requirements_dir / f"{canonical}{SUFFIX}"
        if path.resolve().parent != self.requirements_dir.resolve():
            raise NotFoundError(
                _("{id!r} does not name a file inside the ledger").format(id=req_id)
            )
        return path

    def _fresh_path(self, req_id: str) -> Path:
        """The file of an ID this process just generated, for an exclusive create.

        :meth:`path_for` resolves the path (two ``realpath`` walks, ~0.1 ms):
        needed for an ID a person typed, which may name an existing symlink.
        A fresh ID in canonical form names no folder, and an exclusive create
        or link never follows an existing name, so the file lands in the folder.
        """
        if ids.normalize_id(req_id, self.prefix) != req_id:
            return self.path_for(req_id)  # not canonical: the full check (and its error)
        return self.requirements_dir / f"{req_id}{SUFFIX}"

    def file_ids(self) -> list[str]:
        """The IDs of every requirement file, from file names alone (no parsing)."""
        return sorted(entry[0][: -len(SUFFIX)] for entry in self._scan())

    def _scan(self) -> Iterator[tuple[str, os.DirEntry[str]]]:
        try:
            entries = list(os.scandir(self.requirements_dir))
        except FileNotFoundError:
            return
        for entry in entries:
            name = entry.name
            if name.endswith(SUFFIX) and not name.startswith(".") and entry.is_file():
                yield name, entry

    def resolve_id(self, text: str) -> str:
        """The full ID a person meant: exact, or a unique prefix of the random part."""
        canonical = ids.normalize_id(text, self.prefix)
        if self.path_for(canonical).is_file():
            return canonical
        matches = [i for i in self.file_ids() if i.startswith(canonical)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            shown = ", ".join(matches[:5])
            raise AmbiguousIdError(
                _("{text!r} matches several requirements: {ids}").format(text=text, ids=shown)
            )
        raise NotFoundError(
            _("no requirement {id} in {folder}").format(id=canonical, folder=self.requirements_dir)
        )

    # -- reading -----------------------------------------------------------------

    def read_text(self, req_id: str) -> tuple[Path, str]:
        """The path and raw text of a requirement file."""
        path = self.path_for(self.resolve_id(req_id))
        try:
            return path, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidFileError(FileProblem(path, _("not UTF-8 text"))) from None

    def load(self, req_id: str) -> Requirement:
        """One requirement, validated (raises :class:`InvalidFileError` on a bad file)."""
        path, text = self.read_text(req_id)
        return self.parse(path, text)

    def parse(self, path: Path, text: str) -> Requirement:
        """Parse a file's text and check it against the ledger (ID and workflow)."""
        text = fileformat.strip_bom(text)
        req = fileformat.loads(text, path)
        self._check_identity(req, path, text)
        return req

    def _check_identity(self, req: Requirement, path: Path, text: str) -> None:
        expected = path.name[: -len(SUFFIX)]
        if req.id != expected:
            raise InvalidFileError(
                FileProblem(
                    path,
                    _("id {id!r} does not match the file name ({expected})").format(
                        id=req.id, expected=expected
                    ),
                    line=fileformat.key_line(text, "id"),
                    field="id",
                )
            )
        try:
            check_statuses([req.status], self.settings)
        except WorkflowError as exc:
            raise InvalidFileError(
                FileProblem(
                    path, str(exc), line=fileformat.key_line(text, "status"), field="status"
                )
            ) from None

    def _read_file(self, path: Path) -> Requirement | FileProblem:
        try:
            return self.parse(path, path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            return FileProblem(path, _("not UTF-8 text"))
        except InvalidFileError as exc:
            # Every problem of the file, in one warning line.
            return merge_problems(exc.problems)
        except OSError as exc:
            from pmledger.errors import os_reason

            return FileProblem(path, _("cannot be read: {error}").format(error=os_reason(exc)))

    def load_all(self, *, use_cache: bool = True) -> LoadResult:
        """Every requirement, in ID order; broken files are reported, not fatal.

        Never stale: every file is checked by size and mtime (one ``stat``
        each) against the parse cache (:class:`~pmledger.ledger.cache.StateCache`).
        """
        cache = StateCache.for_ledger(self.root) if use_cache else StateCache(None)
        names, stats, listing = self._stat_names()
        sizes = array("q", map(attrgetter("st_size"), stats))
        mtimes = array("q", map(attrgetter("st_mtime_ns"), stats))
        statuses = set(self.settings.ledger.statuses)
        rebuild = partial(requirement_from_state, owned=True)
        if (
            cache.listing == listing
            and cache.sizes == sizes
            and cache.mtimes == mtimes
            and cache.statuses <= statuses
        ):
            # Every file as cached (the usual case): no step per file but the
            # model's. Frozen models never change their dicts, so the cache's
            # serve as the models' own (this cache is not saved again).
            # (No state is None here: those rows are stored UNTRUSTED.)
            cached = cast("list[State]", cache.states)
            return LoadResult(requirements_from_states(map(cached.__getitem__, cache.order)))
        # In ID order (the file names'); sorting positions by a C-level key
        # is the cheapest sort of 100k names with their stats.
        order = sorted(range(len(names)), key=names.__getitem__)
        fresh = StateCache(None)
        fresh.listing = listing
        fresh.sizes = array("q", sizes)
        fresh.mtimes = mtimes
        fresh.order = array("q", order)
        states: list[State | None] = [None] * len(names)
        fresh.states = states
        reqs: list[Requirement | None] = [None] * len(names)
        todo: list[int] = order  # nothing cached: every file is read
        if cache.listing:
            todo = []
            old_sizes, old_mtimes, old_states = cache.sizes, cache.mtimes, cache.states
            position = cache.position
            for i in order:
                j = position(names[i])
                if j is not None and old_sizes[j] == sizes[i] and old_mtimes[j] == mtimes[i]:
                    state = old_states[j]
                    # The workflow may have changed since the entry was stored.
                    if state is not None and state_fields(state)["status"] in statuses:
                        states[i] = state
                        reqs[i] = rebuild(state)
                        continue
                todo.append(i)
        problems: list[FileProblem] = []
        racy = (time.time() - RACY_SECONDS) * 1e9
        read = self._read_files([names[i] for i in todo], [sizes[i] for i in todo], statuses)
        for i, got in zip(todo, read, strict=True):
            if isinstance(got, FileProblem):
                problems.append(got)
                fresh.sizes[i] = UNTRUSTED
                continue
            reqs[i] = got
            if mtimes[i] > racy:
                # Too recent to trust (a second same-size edit within one
                # tick could go unseen): read again next time.
                fresh.sizes[i] = UNTRUSTED
                continue
            states[i] = compact_state(requirement_state(got))
        # Every status read (a few more than stored, if any file was too
        # recent: a larger set only ever sends a load the slow way).
        fresh.statuses = frozenset(map(attrgetter("status"), filter(None, reqs)))
        if todo or cache.listing != listing or cache.sizes != fresh.sizes:
            cache.save(fresh)
        return LoadResult([r for r in map(reqs.__getitem__, order) if r is not None], problems)

    def _read_files(
        self, names: list[str], sizes: list[int], statuses: set[str]
    ) -> list[Requirement | FileProblem]:
        """The requirement (or the problem) of each file of ``names`` (``sizes``:
        their sizes when listed), in that order.

        A file in pmledger's canonical shape is read by one regular
        expression (:mod:`pmledger.ledger.fastreq`); any other goes the
        general way, which words every problem. Files are opened relative to
        the folder's descriptor: a ``Path`` per file cost more than the
        reading itself at 100k files.
        """
        folder = self.requirements_dir
        out: list[Requirement | FileProblem] = []
        append = out.append
        # The one-expression reader pays for compiling its expression (≈ 6 ms)
        # from a few hundred files on; fewer go the general way (≈ 35 µs each).
        # (Imported only then: `add` and `show` never need it.)
        requirement: Callable[[str, dict[str, str] | None], Requirement | None] | None = None
        if len(names) >= FAST_READ_AT:
            from pmledger.ledger import fastreq

            requirement = fastreq.requirement
        shared: dict[str, str] = {}
        fd: int | None = None
        if os.open in os.supports_dir_fd:
            try:
                fd = os.open(folder, os.O_RDONLY)
            except OSError:
                fd = None
        try:
            for name, size in zip(names, sizes, strict=True):
                try:
                    text = _read_bytes(name, fd, folder, size).decode("utf-8")
                except UnicodeDecodeError:
                    append(FileProblem(folder / name, _("not UTF-8 text")))
                    continue
                except OSError as exc:
                    from pmledger.errors import os_reason

                    reason = os_reason(exc)
                    append(
                        FileProblem(
                            folder / name, _("cannot be read: {error}").format(error=reason)
                        )
                    )
                    continue
                req = requirement(text, shared) if requirement is not None else None
                if req is not None and req.id == name[:-5] and req.status in statuses:
                    append(req)
                else:
                    append(self._parsed(folder / name, text))
        finally:
            if fd is not None:
                os.close(fd)
        return out

    def _parsed(self, path: Path, text: str) -> Requirement | FileProblem:
        try:
            req = self.parse(path, text)
        except InvalidFileError as exc:
            # Every problem of the file, in one warning line.
            return merge_problems(exc.problems)
        # As fastreq does: what the cache stores shares its repeated strings.
        share_strings(requirement_state(req))
        return req

    def summaries(self, *, use_cache: bool = True) -> SummaryResult:
        """A summary of every requirement; much faster than :meth:`load_all` when cached."""
        table, problems = self.summary_table(use_cache=use_cache)
        rows = table.rows()
        names = table.names()
        result = SummaryResult(problems=problems)
        append = result.summaries.append
        for i in sorted(range(len(rows)), key=names.__getitem__):
            row = rows[i]
            if row is not None:
                append(make_summary(row))
        return result

    def summary_table(
        self, *, use_cache: bool = True, keep: list[object] | None = None
    ) -> tuple[SummaryTable, list[FileProblem]]:
        """Every readable requirement's summary as columns, and every file that could not be read.

        Never stale: every file is checked by size and mtime (one ``stat``
        each), so a file edited in place by another program is seen. When
        the folder's listing and every key match the stored table (the usual
        case), the table is served without a Python step per file: the stats,
        their keys and the comparison all run in C. Rows are in the folder's
        listing order; the caller sorts what it shows.

        ``keep``: where to leave the scan (its stat results and names)
        instead of freeing it on return (~40 ms at 100k files), for a
        process about to end.
        """
        index = SummaryIndex.for_ledger(self.root) if use_cache else SummaryIndex(None)
        names, stats, listing = self._stat_names()
        sizes = array("q", map(attrgetter("st_size"), stats))
        mtimes = array("q", map(attrgetter("st_mtime_ns"), stats))
        if keep is not None:
            keep += (stats, names)
        old = index.table
        statuses = set(self.settings.ledger.statuses)
        if (
            old is not None
            and old.listing == listing
            and old.array("sizes") == sizes
            and old.array("mtimes") == mtimes
            and old.statuses <= statuses
        ):
            return old, []
        old_rows = old.rows() if old is not None else []
        old_sizes = old.array("sizes") if old is not None else array("q")
        old_mtimes = old.array("mtimes") if old is not None else array("q")
        racy = (time.time() - RACY_SECONDS) * 1e9
        rows: list[tuple[str, int, int, SummaryRow | None]] = []
        problems: list[FileProblem] = []
        for name, size, mtime in zip(names, sizes, mtimes, strict=True):
            i = old.position(name) if old is not None else None
            if i is not None and old_sizes[i] == size and old_mtimes[i] == mtime:
                row = old_rows[i]
                if row is not None and row[2] in statuses:
                    rows.append((name, size, mtime, row))
                    continue
            read = self._read_file(self.requirements_dir / name)
            if isinstance(read, FileProblem):
                problems.append(read)
                rows.append((name, UNTRUSTED, mtime, None))
                continue
            # Too recent to trust (a second same-size edit within one tick):
            # kept for this run, read again next time.
            trusted = size if mtime <= racy else UNTRUSTED
            rows.append((name, trusted, mtime, tuple(summarize(read))))  # type: ignore[arg-type]
        table = SummaryTable.pack(rows)
        if (
            old is None
            or old.listing != table.listing
            or old._data["sizes"] != table._data["sizes"]
            or old._data["mtimes"] != table._data["mtimes"]
        ):
            index.save(table)
        problems.sort(key=lambda p: p.path.name)
        return table, problems

    def _stat_names(self) -> tuple[list[str], list[os.stat_result], str]:
        """The requirement files' names (in listing order), their stat, and
        the names joined by NUL.

        The stats run in C (``map`` of ``os.stat`` relative to the folder's
        descriptor): at 100k files a Python loop over ``DirEntry`` objects
        cost ~0.2 s more than the system calls themselves.
        """
        try:
            listed = os.listdir(self.requirements_dir)
        except FileNotFoundError:
            return [], [], ""
        names, listing = _requirement_names(listed)
        stats: list[os.stat_result]
        try:
            if os.stat in os.supports_dir_fd:
                fd = os.open(self.requirements_dir, os.O_RDONLY)
                try:
                    stats = list(map(partial(os.stat, dir_fd=fd), names))
                finally:
                    os.close(fd)
            else:
                folder = str(self.requirements_dir)
                stats = [os.stat(os.path.join(folder, n)) for n in names]
        except OSError:
            # One vanished meanwhile: the slow way, leaving it out.
            found = [(n, self._stat_or_none(n)) for n in names]
            names = [n for n, st in found if st is not None]
            stats = [st for _, st in found if st is not None]
            listing = "\x00".join(names)
        if all(map(S_ISREG, map(attrgetter("st_mode"), stats))):
            return names, stats, listing
        regular = [S_ISREG(st.st_mode) for st in stats]  # a folder named X.toml
        kept = [(n, st) for n, st, ok in zip(names, stats, regular, strict=True) if ok]
        names = [n for n, _ in kept]
        return names, [st for _, st in kept], "\x00".join(names)

    def _stat_or_none(self, name: str) -> os.stat_result | None:
        try:
            return os.stat(self.requirements_dir / name)
        except OSError:
            return None

    def titles(self) -> list[TitleEntry]:
        """Every readable requirement's title and status, fast at any size:
        for duplicate hints only (:func:`pmledger.ledger.titles.titles`)."""
        from pmledger.ledger import titles

        return titles.titles(self)

    def titles_like(self, title: str, *, exclude_statuses: Iterable[str] = ()) -> list[TitleEntry]:
        """The entries of :meth:`titles` like ``title``
        (:func:`pmledger.ledger.titles.titles_like`)."""
        from pmledger.ledger import titles

        return titles.titles_like(self, title, exclude_statuses=exclude_statuses)

    def _note_written(self, reqs: list[Requirement]) -> None:
        from pmledger.ledger.titles import note_written

        note_written(self, reqs)

    # -- writing -----------------------------------------------------------------

    def render(
        self, req: Requirement, *, original_text: str | None = None
    ) -> tuple[str, list[str]]:
        """The text :meth:`save` would write, and the comments it could not keep.

        The comments of ``original_text`` (default: the file on disk) are put
        back beside their keys; a comment whose key is gone is returned.
        """
        if original_text is None:
            try:
                original_text = self.path_for(req.id).read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                original_text = ""
        return fileformat.dumps_keeping_comments(req, original_text)

    def save(
        self,
        req: Requirement,
        *,
        original_text: str | None = None,
        on_lost_comments: Callable[[list[str]], None] | None = None,
    ) -> Path:
        """Write a requirement canonically and atomically (no change, no write).

        Comments of the old file (or of ``original_text``, for an edited
        buffer) stay with their keys. Comments that cannot be kept are handed
        to ``on_lost_comments`` before anything is written; without it they
        raise :class:`CommentsLostError`, so that none is ever lost silently.
        """
        check_statuses([req.status], self.settings)
        path = self.path_for(req.id)
        text, lost = self.render(req, original_text=original_text)
        if lost:
            if on_lost_comments is None:
                raise CommentsLostError(path, lost)
            on_lost_comments(lost)
        self.requirements_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
        self._note_written([req])
        return path

    def create_many(self, reqs: Iterable[Requirement]) -> list[Requirement]:
        """Save new requirements under fresh, unused IDs, as one durable batch.

        Returns the requirements as written (``id`` replaced), in the order
        given. Each file is claimed exactly as :meth:`create` claims one (a
        complete file linked to a name that must not exist), so concurrent
        ``add`` processes never collide with the batch. What makes a batch
        fast is durability in bulk: every file's data is flushed with one
        file-system sync before any is linked into place, and the folder is
        synced once at the end (per-file ``fsync`` cost ~5 ms each on this
        kind of disk: 50 s for 10k files). A requirement with an unknown
        status stops the batch before anything is written.
        """
        todo = list(reqs)
        check_statuses([r.status for r in todo], self.settings)
        if not todo:
            return []
        folder = self.requirements_dir
        folder.mkdir(parents=True, exist_ok=True)
        length = self.settings.ledger.id_length
        planned = [r.model_copy(update={"id": ids.new_id(self.prefix, length)}) for r in todo]
        temps: list[Path] = []
        try:
            for req in planned:
                # Flushed all at once below (_sync_files), not one fsync each.
                temps.append(
                    write_temp(folder, fileformat.dumps(req).encode("utf-8"), durable=False)
                )
            _sync_files(folder, temps)
            created: list[Requirement] = []
            for req, tmp in zip(planned, temps, strict=True):
                if link_exclusive(tmp, self._fresh_path(req.id)):
                    created.append(req)
                else:
                    # The ID was taken meanwhile (its text names the ID): one at a time.
                    created.append(self.create(req))
        finally:
            for tmp in temps:
                tmp.unlink(missing_ok=True)
        fsync_dir(folder)
        self._note_written(created)
        return created

    def create(self, req: Requirement, *, attempts: int = 50) -> Requirement:
        """Save a new requirement under a fresh, unused ID (``req.id`` is replaced)."""
        check_statuses([req.status], self.settings)
        self.requirements_dir.mkdir(parents=True, exist_ok=True)
        length = self.settings.ledger.id_length
        for attempt in range(attempts):
            # After many collisions the ledger is crowded for this length: widen.
            new = ids.new_id(self.prefix, length + attempt // 10)
            candidate = req.model_copy(update={"id": new})
            if create_exclusive(self._fresh_path(new), fileformat.dumps(candidate)):
                self._note_written([candidate])
                return candidate
        raise LedgerExistsError(_("could not find a free ID; raise ledger.id_length"))
