"""Checks of one record file on its own: syntax, conflict markers, schema,
workflow, file name, unknown keys, scoring ranges and canonical form."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import ValidationError

from pmledger.ledger import fileformat
from pmledger.ledger.ledger import SUFFIX
from pmledger.ledger.model import KNOWN_FIELDS, SCORING_TABLES, Requirement
from pmledger.ledger.records import REQUIREMENT, RecordKind
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


class FileFacts(NamedTuple):
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
) -> tuple[list[Problem], FileFacts | None]:
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
    facts = FileFacts(
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
