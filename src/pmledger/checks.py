"""`check` and `fmt`: validate a whole ledger, reporting every problem at once,
and rewrite record files canonically.

Each file is checked on its own first (syntax, conflict markers, schema,
workflow, file name, unknown keys, scoring ranges, canonical form); those
results are cached by size and modification time like parsed requirements,
so a warm check of 10k files only stats them. Checks across files
(duplicate IDs, dangling references, dependency cycles) then run on small
per-file facts. Nothing here prints: the CLI renders the report.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import ValidationError

from pmledger.ledger import fileformat
from pmledger.ledger.cache import ParseCache
from pmledger.ledger.ledger import SUFFIX, Ledger, write_atomic
from pmledger.ledger.model import KNOWN_FIELDS, SCORING_TABLES, Requirement
from pmledger.ledger.records import KINDS, REQUIREMENT, RecordKind
from pmledger.ledger.settings import Settings

Severity = Literal["error", "warning"]

GOALS_DIR = "goals"
# git's conflict markers (default size 7; a driver may be given another).
_MARKER = re.compile(r"^(<{7,}|={7,}|>{7,})(?: (.*))?$")
_TABLE = re.compile(r"^\[([A-Za-z0-9_.\-]+)\]\s*$")
_KEY = re.compile(r"^\s*\[*\s*([A-Za-z0-9_.\-\"']+?)\s*\]*\s*(?:=|$)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the ledger, located as precisely as possible."""

    severity: Severity
    code: str
    message: str
    path: Path | None = None
    line: int | None = None
    field: str | None = None
    fix: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path) if self.path is not None else None
        return data


class _Facts(NamedTuple):
    """What the cross-file checks need from one requirement file (cached as a tuple)."""

    id: str | None
    depends_on: tuple[str, ...]
    depends_line: int | None
    goal: str | None
    goal_line: int | None


@dataclass
class CheckReport:
    """Every problem found, and how many files were read."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# -- one file ----------------------------------------------------------------


def conflict_problems(path: Path, text: str) -> list[Problem]:
    """One error per block of git conflict markers, naming the field inside it."""
    problems: list[Problem] = []
    lines = text.splitlines()
    table = ""
    i = 0
    while i < len(lines):
        match = _MARKER.match(lines[i])
        if match is None or not match.group(1).startswith("<"):
            header = _TABLE.match(lines[i])
            if header is not None:
                table = header.group(1).strip() + "."
            i += 1
            continue
        start, ours_label = i + 1, (match.group(2) or "ours").strip()
        keys: list[str] = []
        theirs_label = "theirs"
        i += 1
        while i < len(lines):
            inner = _MARKER.match(lines[i])
            if inner is not None and inner.group(1).startswith(">"):
                theirs_label = (inner.group(2) or "theirs").strip()
                break
            if inner is None:
                key = _KEY.match(lines[i])
                name = table + key.group(1).strip("\"'") if key else ""
                if key and name not in keys and "=" in lines[i]:
                    keys.append(name)
            i += 1
        named = f" on field {keys[0]!r}" if len(keys) == 1 else ""
        problems.append(
            Problem(
                "error",
                "merge-conflict",
                f"unresolved merge conflict{named}: {ours_label} / {theirs_label}",
                path,
                line=start,
                field=keys[0] if len(keys) == 1 else None,
                fix=f"pmledger edit {path.stem}: keep one value and delete the marker lines",
            )
        )
        i += 1
    return problems


_PYDANTIC_WORDS = {
    "missing": "required field is missing",
    "string_type": "expected text",
    "list_type": "expected a list",
    "dict_type": "expected a table",
    "int_type": "expected a number",
    "float_type": "expected a number",
    "int_from_float": "expected a whole number",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "expected a date (YYYY-MM-DD), not a date and time",
    "datetime_type": "expected a date and time",
    "greater_than_equal": "must not be negative",
}


def schema_problems(exc: ValidationError, path: Path, text: str) -> list[Problem]:
    """Every schema error of a file, in plain words, with field and line."""
    offered = getattr(fileformat, "validation_problems", None)
    if offered is not None:
        return [
            Problem(
                "error",
                "unknown-priority" if fp.field == "priority" else "schema",
                fp.message,
                path,
                fp.line,
                fp.field,
            )
            for fp in offered(exc, path, text)
        ]
    problems: list[Problem] = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        name = ".".join(loc) or None
        kind = str(err["type"])
        if kind.startswith("value_error"):
            message = str(err["msg"]).removeprefix("Value error, ")
        else:
            message = _PYDANTIC_WORDS.get(kind, str(err["msg"]).lower())
        line = fileformat.key_line(text, loc[0]) if loc else None
        code = "unknown-priority" if loc[:1] == ["priority"] else "schema"
        problems.append(Problem("error", code, f"{name}: {message}", path, line, name))
    return problems


def _scoring_problems(req: Requirement, path: Path, text: str, settings: Settings) -> list[Problem]:
    from pmledger.ranking.scoring import Dependencies, score

    deps = Dependencies.build([], settings)
    problems: list[Problem] = []
    for table in SCORING_TABLES:
        if getattr(req, table) is None:
            continue
        _, issues = score(req, deps=deps, settings=settings, as_of=date.today(), model=table)
        line = fileformat.key_line(text, table)
        for issue in issues:
            missing = issue.message.startswith("missing input")
            if missing and settings.scoring.model != table:
                continue  # an incomplete table matters only to its own model
            problems.append(
                Problem(
                    "warning" if missing else "error",
                    "scoring-incomplete" if missing else "scoring-range",
                    issue.message,
                    path,
                    line,
                    issue.field,
                    fix=f"pmledger set {req.id} {issue.field}=VALUE",
                )
            )
    return problems


def _unknown_key_problems(
    data: Mapping[str, Any], path: Path, text: str, settings: Settings
) -> list[Problem]:
    allowed = set(KNOWN_FIELDS) | set(settings.ledger.custom_fields)
    problems = [
        Problem(
            "warning",
            "unknown-key",
            f"unknown key {key!r}",
            path,
            fileformat.key_line(text, key),
            key,
            fix="declare it in ledger.custom_fields of pmledger.toml, or fix the spelling",
        )
        for key in data
        if key not in allowed
    ]
    known_inputs = _scoring_inputs()
    for table in SCORING_TABLES:
        inputs = data.get(table)
        if isinstance(inputs, Mapping):
            for key in inputs:
                if key not in known_inputs[table]:
                    problems.append(
                        Problem(
                            "warning",
                            "unknown-key",
                            f"unknown scoring input {table}.{key}; "
                            f"{table} reads {', '.join(known_inputs[table])}",
                            path,
                            fileformat.key_line(text, key),
                            f"{table}.{key}",
                        )
                    )
    return problems


def _scoring_inputs() -> dict[str, tuple[str, ...]]:
    return {
        "rice": ("reach", "impact", "confidence", "effort"),
        "wsjf": ("business_value", "time_criticality", "risk_reduction", "job_size"),
        "ice": ("impact", "confidence", "ease"),
    }


def check_text(
    path: Path, text: str, settings: Settings, kind: RecordKind = REQUIREMENT
) -> tuple[list[Problem], _Facts | None]:
    """The problems of one record file on its own, and its facts for cross-file checks."""
    problems = conflict_problems(path, text)
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError:
        if problems:
            return problems, None
        try:
            fileformat.parse_toml(text, path)
        except Exception as exc:
            fp = getattr(exc, "problem", None)
            return [
                Problem(
                    "error",
                    "toml-syntax",
                    fp.message if fp else str(exc),
                    path,
                    fp.line if fp else None,
                    fix="fix the TOML syntax (or `pmledger edit ID`)",
                )
            ], None
        return problems, None
    if kind is not REQUIREMENT:
        return problems + _generic_problems(path, text, data, kind), None
    req: Requirement | None = None
    try:
        req = Requirement.model_validate(data)
    except ValidationError as exc:
        problems += schema_problems(exc, path, text)
    raw_id = data.get("id")
    if isinstance(raw_id, str) and raw_id != path.stem:
        problems.append(
            Problem(
                "error",
                "file-name",
                f"id {raw_id!r} does not match the file name {path.name}",
                path,
                fileformat.key_line(text, "id"),
                "id",
                fix=f"rename the file to {raw_id}{SUFFIX}, or set id = {path.stem!r}",
            )
        )
    status = data.get("status")
    if isinstance(status, str) and status.strip() and status not in settings.ledger.statuses:
        problems.append(
            Problem(
                "error",
                "unknown-status",
                f"status {status!r} is not in the workflow ({', '.join(settings.ledger.statuses)})",
                path,
                fileformat.key_line(text, "status"),
                "status",
                fix="use one of the workflow's statuses, or add it to ledger.statuses",
            )
        )
    problems += _unknown_key_problems(data, path, text, settings)
    if req is not None:
        problems += _scoring_problems(req, path, text, settings)
        if REQUIREMENT.canonical(data, text) != text:
            problems.append(
                Problem(
                    "warning",
                    "not-canonical",
                    "not in canonical form",
                    path,
                    fix=f"pmledger fmt {path}",
                )
            )
    depends = data.get("depends_on")
    goal = data.get("goal")
    facts = _Facts(
        id=raw_id if isinstance(raw_id, str) else None,
        depends_on=tuple(d for d in depends if isinstance(d, str))
        if isinstance(depends, list)
        else (),
        depends_line=fileformat.key_line(text, "depends_on") if depends else None,
        goal=goal if isinstance(goal, str) and goal.strip() else None,
        goal_line=fileformat.key_line(text, "goal") if goal else None,
    )
    return problems, facts


def _generic_problems(
    path: Path, text: str, data: dict[str, Any], kind: RecordKind
) -> list[Problem]:
    try:
        canonical = kind.canonical(data, text)
    except ValidationError as exc:
        return schema_problems(exc, path, text)
    except ValueError as exc:
        return [Problem("error", "schema", str(exc), path)]
    if canonical != text:
        return [
            Problem(
                "warning",
                "not-canonical",
                "not in canonical form",
                path,
                fix=f"pmledger fmt {path}",
            )
        ]
    return []


# -- the whole ledger --------------------------------------------------------


def _settings_key(settings: Settings) -> str:
    blob = settings.model_dump_json().encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _record_entries(ledger: Ledger) -> list[tuple[RecordKind, str, list[os.DirEntry[str]]]]:
    out = []
    for kind in KINDS.values():
        folder = os.path.join(ledger.root, kind.folder(ledger.settings))
        try:
            entries = sorted(
                (
                    e
                    for e in os.scandir(folder)
                    if e.name.endswith(SUFFIX) and not e.name.startswith(".") and e.is_file()
                ),
                key=lambda e: e.name,
            )
        except (FileNotFoundError, NotADirectoryError):
            continue
        out.append((kind, folder, entries))
    return out


def record_files(ledger: Ledger) -> list[tuple[RecordKind, Path]]:
    """Every record file of every kind whose folder exists, in name order."""
    return [
        (kind, Path(entry.path))
        for kind, _, entries in _record_entries(ledger)
        for entry in entries
    ]


def check_ledger(
    ledger: Ledger, *, use_cache: bool = True, git: bool = True, clone_config: bool = True
) -> CheckReport:
    """Check every record file and the ledger as a whole (``git``: and its repository's
    merge-driver set-up; ``clone_config``: including this clone's git configuration)."""
    settings = ledger.settings
    key = _settings_key(settings)
    cache = ParseCache.for_ledger(ledger.root, "check") if use_cache else ParseCache(None)
    report = CheckReport()
    # Plain strings, not Paths, for 10k files: a warm check is mostly this loop.
    facts: dict[str, _Facts] = {}
    seen: set[str] = set()
    for kind, _folder, entries in _record_entries(ledger):
        for entry in entries:
            report.files += 1
            name = f"{kind.name}/{entry.name}"
            seen.add(name)
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue
            cached = cache.get(name, stat.st_size, stat.st_mtime_ns)
            if cached is not None and cached[0] == key:
                problems = cached[1]
                fact = _Facts(*cached[2]) if cached[2] is not None else None
            else:
                problems, fact = _check_entry(Path(entry.path), settings, kind)
                stored = tuple(fact) if fact is not None else None
                cache.put(name, stat.st_size, stat.st_mtime_ns, (key, tuple(problems), stored))
            report.problems += problems
            if fact is not None:
                facts[entry.path] = fact
    cache.retain(seen)
    cache.save()
    report.problems += _cross_file_problems(ledger, facts)
    if git:
        report.problems += driver_warnings(ledger, clone_config=clone_config)
    return report


def _check_entry(
    path: Path, settings: Settings, kind: RecordKind
) -> tuple[list[Problem], _Facts | None]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return [Problem("error", "encoding", "not UTF-8 text", path)], None
    except OSError as exc:
        return [Problem("error", "unreadable", f"cannot be read: {exc.strerror}", path)], None
    return check_text(path, text, settings, kind)


def _cross_file_problems(ledger: Ledger, facts: Mapping[str, _Facts]) -> list[Problem]:
    from pmledger.ranking.scoring import find_cycles

    problems: list[Problem] = []
    by_id: dict[str, list[str]] = {}
    for path, fact in facts.items():
        if fact.id is not None:
            by_id.setdefault(fact.id, []).append(path)
    for req_id, paths in sorted(by_id.items()):
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(os.path.basename(p) for p in paths if p != path)
                problems.append(
                    Problem(
                        "error",
                        "duplicate-id",
                        f"ID {req_id} is also used by {others}",
                        Path(path),
                        field="id",
                    )
                )
    known = set(by_id)
    goals_dir = ledger.root / GOALS_DIR
    goals = {p.stem for p in goals_dir.glob(f"*{SUFFIX}")} if goals_dir.is_dir() else None
    graph: dict[str, tuple[str, ...]] = {}
    where: dict[str, str] = {}
    for path, fact in facts.items():
        for dep in fact.depends_on:
            if dep not in known:
                problems.append(
                    Problem(
                        "error",
                        "dangling-dependency",
                        f"depends_on names {dep}, which is not in the ledger",
                        Path(path),
                        fact.depends_line,
                        "depends_on",
                        fix=f"pmledger set {Path(path).stem} depends_on-={dep}",
                    )
                )
        if goals is not None and fact.goal is not None and fact.goal not in goals:
            problems.append(
                Problem(
                    "error",
                    "dangling-goal",
                    f"goal {fact.goal!r} is not in {GOALS_DIR}/",
                    Path(path),
                    fact.goal_line,
                    "goal",
                )
            )
        if fact.id is not None and fact.depends_on:
            graph[fact.id] = fact.depends_on
            where[fact.id] = path
    for cycle in find_cycles(graph):
        first = cycle[0]
        problems.append(
            Problem(
                "error",
                "dependency-cycle",
                "dependency cycle: " + " -> ".join([*cycle, first]),
                Path(where[first]) if first in where else None,
                facts[where[first]].depends_line if first in where else None,
                "depends_on",
                fix="remove one of these dependencies with `pmledger set ID depends_on-=OTHER`",
            )
        )
    return problems


def driver_warnings(ledger: Ledger, *, clone_config: bool = True) -> list[Problem]:
    """A warning when the ledger's repository would merge records line by line."""
    from pmledger.git.repo import Repo
    from pmledger.git.setup import driver_problems

    repo = Repo.find_or_none(ledger.root)
    if repo is None:
        return []
    return [
        Problem(
            "warning",
            "merge-driver",
            f"{reason}: ledger merges fall back to line merges",
            ledger.root / ".gitattributes",
            fix="pmledger git-setup",
        )
        for reason in driver_problems(ledger.root, ledger.settings, repo, clone_config=clone_config)
    ]


# -- fmt -----------------------------------------------------------------------


@dataclass
class FormatResult:
    """Files that are (or were made) canonical, and those that could not be read."""

    changed: list[Path] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


def _kind_of(ledger: Ledger, path: Path) -> RecordKind | None:
    parent = path.resolve().parent
    for kind in KINDS.values():
        if (ledger.root / kind.folder(ledger.settings)).resolve() == parent:
            return kind
    return None


def format_files(
    ledger: Ledger, paths: Iterable[Path] | None = None, *, check: bool = False
) -> FormatResult:
    """Rewrite record files canonically (``check``: only report which are not)."""
    result = FormatResult()
    targets: list[tuple[RecordKind, Path]] = []
    if paths is None:
        targets = record_files(ledger)
    else:
        for given in paths:
            if given.is_dir():
                kind = next(
                    (
                        k
                        for k in KINDS.values()
                        if (ledger.root / k.folder(ledger.settings)).resolve() == given.resolve()
                    ),
                    None,
                )
                candidates = sorted(given.glob(f"*{SUFFIX}"))
                if kind is None:
                    targets += [
                        (k, p)
                        for k, p in record_files(ledger)
                        if given.resolve() in p.resolve().parents
                    ]
                    continue
                targets += [(kind, p) for p in candidates if not p.name.startswith(".")]
                continue
            kind = _kind_of(ledger, given)
            if kind is None:
                result.problems.append(
                    Problem("error", "not-a-record", "not a record file of this ledger", given)
                )
                continue
            targets.append((kind, given))
    for kind, path in targets:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            result.problems.append(Problem("error", "encoding", "not UTF-8 text", path))
            continue
        except OSError as exc:
            result.problems.append(
                Problem("error", "unreadable", f"cannot be read: {exc.strerror}", path)
            )
            continue
        try:
            data = tomllib.loads(text.removeprefix("\ufeff"))
            canonical = kind.canonical(data, text)
        except tomllib.TOMLDecodeError:
            found, _ = check_text(path, text, ledger.settings, kind)
            result.problems += [p for p in found if p.severity == "error"][:1] or [
                Problem("error", "toml-syntax", "not valid TOML", path)
            ]
            continue
        except ValidationError as exc:
            result.problems += schema_problems(exc, path, text)
            continue
        if canonical == text:
            result.unchanged += 1
            continue
        result.changed.append(path)
        if not check:
            write_atomic(path, canonical)
    return result
