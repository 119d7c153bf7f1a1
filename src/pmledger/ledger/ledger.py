"""The ledger on disk: find, read, create and save requirement files.

Writes go through :mod:`pmledger.ledger.atomic` (a temporary file, then a
rename; a new file is claimed so that concurrent ``add`` processes never
overwrite each other).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from pmledger.errors import (
    AmbiguousIdError,
    CommentsLostError,
    ConfigError,
    FileProblem,
    InvalidFileError,
    InvalidValueError,
    LedgerExistsError,
    NotFoundError,
    WorkflowError,
)
from pmledger.i18n import _, pgettext
from pmledger.ledger import fileformat, ids, scan
from pmledger.ledger.atomic import create_exclusive as create_exclusive

# Re-exported: the documented way to write a ledger file.
from pmledger.ledger.atomic import fsync_dir, write_temp
from pmledger.ledger.atomic import link_exclusive as link_exclusive
from pmledger.ledger.atomic import write_atomic as write_atomic
from pmledger.ledger.filestats import SUFFIX as SUFFIX
from pmledger.ledger.model import (
    Requirement,
)
from pmledger.ledger.scan import LoadResult, SummaryResult
from pmledger.ledger.settings import (
    CONFIG_NAME,
    Settings,
    check_statuses,
    config_text,
    find_ledger_root,
    load_settings,
)
from pmledger.ledger.summaryindex import SummaryTable
from pmledger.ledger.validation import sentences

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from pmledger.ledger.columns import Columns
    from pmledger.ledger.titles import TitleEntry

T = TypeVar("T")


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


def _valid(req: Requirement) -> Requirement:
    """``req`` as the model accepts it, or :class:`InvalidValueError` naming the field.

    ``model_copy(update=...)`` does not validate: a caller's
    ``req.model_copy(update={"effort": -5})`` would otherwise be written as a
    file the ledger can no longer read (or fail with an AttributeError).
    """
    try:
        # warnings=False: the values a bad update put there are the model's to refuse.
        return Requirement.model_validate(req.model_dump(warnings=False))
    except ValidationError as exc:
        problems = pgettext("problem separator", "; ").join(sentences(exc))
        raise InvalidValueError(
            _("{where}: {problem}").format(where=req.id, problem=problems)
        ) from None


def refuse_folder_outside(root: Path, folder: Path) -> None:
    """Raise :class:`ConfigError` if ``folder`` (a symlink git checked out, say)
    leads outside the ledger at ``root``: a repository received from someone
    else must not make pmledger write, or delete, files elsewhere."""
    # One lstat per component (every start): resolving both paths costs ~0.2 ms.
    step = root
    for part in folder.relative_to(root).parts:
        step = step / part
        if os.path.islink(step):
            break
    else:
        return  # no symlink below the root: inside, as requirements_dir is checked
    try:
        inside = folder.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop: every use of it fails anyway
        return
    if not inside:
        raise ConfigError(
            _(
                "{folder} leads to {target}, outside the ledger {root}; "
                "pmledger only reads and writes files inside it"
            ).format(folder=folder, target=folder.resolve(), root=root.resolve())
        )


class Ledger:
    """A ledger folder: its settings and its requirement files."""

    def __init__(self, root: Path, settings: Settings | None = None) -> None:
        self.root = root
        self.settings = settings if settings is not None else load_settings(root)
        self.requirements_dir = root / self.settings.ledger.requirements_dir
        refuse_folder_outside(root, self.requirements_dir)

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
            # The prefix came from the command line: a usage error, not a bad file.
            raise InvalidValueError(
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
        known = self.file_ids()
        matches = [i for i in known if i.startswith(canonical)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            shown = ", ".join(matches[:5])
            raise AmbiguousIdError(
                _("{text!r} matches several requirements: {ids}").format(text=text, ids=shown)
            )
        near = [i for i in known if ids.one_typo_apart(i, canonical)]
        if near:
            # TRANSLATORS: {ids} is one ID or several joined by ", ".
            raise NotFoundError(
                _("no requirement {id} in {folder}; did you mean {ids}?").format(
                    id=canonical, folder=self.requirements_dir, ids=", ".join(near[:3])
                )
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

    def load_all(self, *, use_cache: bool = True) -> LoadResult:
        """Every requirement, in ID order; broken files are reported, not fatal
        (:func:`pmledger.ledger.scan.load_all`: never stale)."""
        return scan.load_all(self, use_cache=use_cache)

    def load_columns(self, use: Callable[[Columns], T]) -> tuple[Columns, T] | LoadResult:
        """The ranking's columns of every requirement, and ``use(columns)``, when
        the parse cache holds every file as it is now (no model is built);
        otherwise :meth:`load_all`'s result (:func:`pmledger.ledger.scan.load_columns`:
        never stale)."""
        return scan.load_columns(self, use)

    def summaries(self, *, use_cache: bool = True) -> SummaryResult:
        """A summary of every requirement; much faster than :meth:`load_all` when cached."""
        return scan.summaries(self, use_cache=use_cache)

    def summary_table(
        self, *, use_cache: bool = True, keep: list[object] | None = None
    ) -> tuple[SummaryTable, list[FileProblem]]:
        """Every readable requirement's summary as columns, and every file that
        could not be read (:func:`pmledger.ledger.scan.summary_table`)."""
        return scan.summary_table(self, use_cache=use_cache, keep=keep)

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

    def write_lock(self) -> AbstractContextManager[None]:
        """Hold the ledger's write lock around a read, change and write
        (:mod:`pmledger.ledger.locking`): a concurrent writer waits."""
        from pmledger.ledger.locking import write_lock

        return write_lock(self.root)

    def _folder_time(self) -> int:
        from pmledger.ledger.titles import folder_time

        return folder_time(self)

    def _note_written(self, reqs: list[Requirement], was: int) -> None:
        from pmledger.ledger.titles import note_written

        note_written(self, reqs, was)

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
        A requirement the model refuses raises :class:`InvalidValueError`.
        """
        req = _valid(req)
        check_statuses([req.status], self.settings)
        path = self.path_for(req.id)
        text, lost = self.render(req, original_text=original_text)
        if lost:
            if on_lost_comments is None:
                raise CommentsLostError(path, lost)
            on_lost_comments(lost)
        self.requirements_dir.mkdir(parents=True, exist_ok=True)
        was = self._folder_time()
        write_atomic(path, text)
        self._note_written([req], was)
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
        status, or one the model refuses, stops the batch before anything is written.
        """
        todo = [_valid(r) for r in reqs]
        check_statuses([r.status for r in todo], self.settings)
        if not todo:
            return []
        folder = self.requirements_dir
        folder.mkdir(parents=True, exist_ok=True)
        length = self.settings.ledger.id_length
        planned = [r.model_copy(update={"id": ids.new_id(self.prefix, length)}) for r in todo]
        was = self._folder_time()
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
        self._note_written(created, was)
        return created

    def create(self, req: Requirement, *, attempts: int = 50) -> Requirement:
        """Save a new requirement under a fresh, unused ID (``req.id`` is replaced)."""
        req = _valid(req)
        check_statuses([req.status], self.settings)
        self.requirements_dir.mkdir(parents=True, exist_ok=True)
        length = self.settings.ledger.id_length
        was = self._folder_time()
        for attempt in range(attempts):
            # After many collisions the ledger is crowded for this length: widen.
            new = ids.new_id(self.prefix, length + attempt // 10)
            candidate = req.model_copy(update={"id": new})
            if create_exclusive(self._fresh_path(new), fileformat.dumps(candidate)):
                self._note_written([candidate], was)
                return candidate
        raise LedgerExistsError(_("could not find a free ID; raise ledger.id_length"))
