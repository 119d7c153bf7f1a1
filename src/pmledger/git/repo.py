"""A git repository driven through the ``git`` command.

Each call runs git with a minimal configuration overhead (no pager, no
optional locks, paths unquoted). Many blobs are read through one
``git cat-file --batch`` process instead of one process per file.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pmledger.errors import GitError
from pmledger.i18n import _

_BASE = ("git", "-c", "core.quotepath=off", "--no-pager")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Read-only commands must not take the index lock another git may hold.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


def run_git(
    cwd: Path, args: Sequence[str], *, input: bytes | None = None, check: bool = True
) -> bytes:
    """Run git in ``cwd`` and return its stdout; :class:`GitError` on failure."""
    try:
        done = subprocess.run(
            [*_BASE, *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=_env(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError(_("git is not installed (or not on PATH)")) from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if message:
            raise GitError(
                _("git {command} failed: {detail}").format(command=args[0], detail=message[-1])
            )
        raise GitError(
            _("git {command} failed with exit status {code}").format(
                command=args[0], code=done.returncode
            )
        )
    return done.stdout


@dataclass(frozen=True)
class Change:
    """One file changed between two trees (``git diff --raw``)."""

    status: str  # A, M, D, R (rename), T (type change)
    path: str  # the path after the change (or the removed path)
    old_path: str | None = None  # the path before a rename
    old_blob: str | None = None  # the version before (None: none, or unknown)
    new_blob: str | None = None  # the version after (None: none, or only in the work tree)


_NULL_BLOB = "0" * 40
_RS, _US = "\x1e", "\x1f"


@dataclass(frozen=True)
class FileVersion:
    """One file a commit changed, with the blobs before and after (``git log --raw``)."""

    status: str  # A, M, D, R (rename), T (type change); history adds "shallow"
    path: str  # the path after the change (or the removed path)
    old_path: str | None  # the path before a rename
    old_blob: str | None  # None: the file did not exist before
    new_blob: str | None  # None: the commit removed it


@dataclass(frozen=True)
class LogEntry:
    """One commit of ``git log``, with the files it changed."""

    sha: str
    date: str  # ISO 8601, with the author's offset
    author: str
    subject: str
    files: tuple[FileVersion, ...]


class Repo:
    """The work tree holding a ledger."""

    def __init__(self, top: Path) -> None:
        self.top = top

    @classmethod
    def find(cls, start: Path) -> Repo:
        """The repository containing ``start``; :class:`GitError` when there is none."""
        folder = start if start.is_dir() else start.parent
        out = run_git(folder, ["rev-parse", "--show-toplevel"], check=False).decode().strip()
        if not out:
            # What to do next: the ledger itself works without git, these commands do not.
            raise GitError(
                _(
                    "{folder} is not inside a git repository; create one with `git init`, "
                    "then `pmledger git-setup` and a first commit"
                ).format(folder=start)
            )
        return cls(Path(out))

    @classmethod
    def find_or_none(cls, start: Path) -> Repo | None:
        """The repository containing ``start``, or None (also when git is missing)."""
        try:
            return cls.find(start)
        except GitError:
            return None

    def git(self, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
        """Run a git command at the top of the work tree."""
        return run_git(self.top, args, input=input, check=check)

    def relative(self, path: Path) -> str:
        """``path`` relative to the top of the work tree, with forward slashes."""
        return path.resolve().relative_to(self.top.resolve()).as_posix()

    def resolve(self, rev: str) -> str:
        """The commit a revision names; :class:`GitError` naming it when unknown."""
        out = self.git(
            "rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}", check=False
        )
        sha = out.decode().strip()
        if not sha:
            if self.shallow_commits():
                # A CI checkout is shallow by default: the revision may well
                # exist, only not in this clone.
                raise GitError(
                    _(
                        "unknown revision {rev!r}: this clone is shallow, so it may only "
                        "be missing here (fetch the history: git fetch --unshallow)"
                    ).format(rev=rev)
                )
            raise GitError(_("unknown revision {rev!r}").format(rev=rev))
        return sha

    def merge_base(self, a: str, b: str, *, names: tuple[str, str] | None = None) -> str:
        """The best common ancestor of two commits (``names``: how the person named them)."""
        out = self.git("merge-base", a, b, check=False).decode().strip()
        if not out:
            a_name, b_name = names or (a, b)
            if self.shallow_commits():
                raise GitError(
                    _(
                        "{a} and {b} have no common ancestor in this shallow clone: "
                        "fetch the history (git fetch --unshallow)"
                    ).format(a=a_name, b=b_name)
                )
            raise GitError(_("{a} and {b} have no common ancestor").format(a=a_name, b=b_name))
        return out

    def unmerged(self, pathspec: str) -> dict[str, set[int]]:
        """The files under ``pathspec`` a merge left unresolved, with the stages
        git holds of each (1 the ancestor, 2 ours, 3 theirs): a stage missing is a
        side that removed the file."""
        out = self.git("ls-files", "-u", "-z", "--", pathspec, check=False)
        found: dict[str, set[int]] = {}
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            meta, _sep, name = entry.partition("\t")
            parts = meta.split()
            if name and len(parts) == 3 and parts[2].isdigit():
                found.setdefault(name, set()).add(int(parts[2]))
        return found

    def shallow_commits(self) -> frozenset[str]:
        """The commits where a shallow clone's history is cut (empty: a full clone).

        git shows them as commits without parents: their parents exist but
        were not fetched."""
        where = self.git("rev-parse", "--git-path", "shallow", check=False).decode().strip()
        if not where:
            return frozenset()
        try:
            text = (self.top / where).read_text(encoding="ascii", errors="replace")
        except OSError:
            return frozenset()
        return frozenset(line.strip() for line in text.splitlines() if line.strip())

    def config_get(self, key: str) -> str | None:
        """A value of the repository's configuration (any scope), or None."""
        out = self.git("config", "--get", key, check=False).decode().strip()
        return out or None

    def config_set(self, key: str, value: str) -> None:
        """Set a key in the repository's own configuration (.git/config)."""
        self.git("config", "--local", key, value)

    def changes(
        self, old: str, new: str | None, pathspec: str, *, renames: bool = True
    ) -> list[Change]:
        """Files under ``pathspec`` changed from ``old`` to ``new`` (None: the work tree)."""
        args = ["diff", "--raw", "--no-abbrev", "-z", "-M" if renames else "--no-renames"]
        args += ["--no-ext-diff", old]
        if new is not None:
            args.append(new)
        out = self.git(*args, "--", pathspec).decode("utf-8", "surrogateescape")
        changes = _parse_raw(out)
        if new is None:
            # Files never added to git are part of the work tree too.
            others = self.git("ls-files", "-z", "--others", "--exclude-standard", "--", pathspec)
            for name in others.decode("utf-8", "surrogateescape").split("\0"):
                if name:
                    changes.append(Change("A", name))
        return changes

    def log(
        self,
        paths: Sequence[str],
        *,
        args: Sequence[str] = (),
        follow: bool = False,
        renames: bool = True,
    ) -> list[LogEntry]:
        """The commits (newest first, merges left out) that changed ``paths``
        (relative to the top), each with its files' blob ids before and after.

        One ``git log --raw`` process; read the blobs with :meth:`read_blobs`
        (one more process, whatever the number of versions). ``follow``: one
        file's history across renames. A repository without commits has none.
        """
        out = self.git(
            "log",
            "-z",
            "--no-merges",
            "--raw",
            "--no-abbrev",
            "-M" if renames else "--no-renames",
            *(["--follow"] if follow else []),
            f"--format={_RS}%H{_US}%aI{_US}%an{_US}%s",
            *args,
            "--",
            *paths,
            check=False,
        ).decode("utf-8", "surrogateescape")
        return [entry for chunk in out.split(_RS)[1:] if (entry := _log_entry(chunk))]

    def tree_files(self, rev: str, pathspec: str) -> dict[str, str]:
        """Path -> blob id of every file under ``pathspec`` at ``rev``."""
        out = self.git("ls-tree", "-r", "-z", "--full-tree", rev, "--", pathspec)
        files: dict[str, str] = {}
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            if not entry:
                continue
            meta, _sep, name = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                files[name] = parts[2]
        return files

    def read_blobs(self, specs: Iterable[str]) -> dict[str, bytes | None]:
        """The contents of many objects (``rev:path`` or blob ids) through one git process.

        A spec that names nothing maps to None.
        """
        wanted = list(dict.fromkeys(specs))
        if not wanted:
            return {}
        if any("\n" in s for s in wanted):
            raise GitError(_("a path holds a line break; git cat-file cannot read it"))
        payload = "".join(s + "\n" for s in wanted).encode("utf-8", "surrogateescape")
        out = self.git("cat-file", "--batch", input=payload)
        result: dict[str, bytes | None] = {}
        pos = 0
        for spec in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if len(header) == 3 and header[1] != b"missing":
                size = int(header[2])
                result[spec] = out[pos : pos + size] if header[1] == b"blob" else None
                pos += size + 1
            else:
                result[spec] = None
        return result


def _parse_raw(out: str) -> list[Change]:
    """``git diff --raw -z`` (a change is ``:modes blobs status``, then one or two paths)."""
    return [Change(f.status, f.path, f.old_path, f.old_blob, f.new_blob) for f in _raw_files(out)]


def _log_entry(chunk: str) -> LogEntry | None:
    header, _sep, rest = chunk.partition("\0")
    parts = header.split(_US)
    if len(parts) < 4:
        return None
    sha, date, author, subject = parts[0], parts[1], parts[2], _US.join(parts[3:])
    return LogEntry(sha, date, author, subject, tuple(_raw_files(rest.lstrip("\n"))))


def _raw_files(out: str) -> list[FileVersion]:
    fields = out.split("\0")
    files: list[FileVersion] = []
    i = 0
    while i < len(fields):
        meta = fields[i]
        if not meta.startswith(":") or i + 1 >= len(fields):
            i += 1
            continue
        _old_mode, _new_mode, old, new, status = meta[1:].split(" ")[:5]
        kind = status[:1]
        old_blob = None if old == _NULL_BLOB else old
        new_blob = None if new == _NULL_BLOB else new
        if kind in "RC" and i + 2 < len(fields):
            before, after = fields[i + 1], fields[i + 2]
            i += 3
            if kind == "C":  # a copy: the new file is an addition
                files.append(FileVersion("A", after, None, None, new_blob))
            else:
                files.append(FileVersion("R", after, before, old_blob, new_blob))
        else:
            files.append(FileVersion(kind, fields[i + 1], None, old_blob, new_blob))
            i += 2
    return files
