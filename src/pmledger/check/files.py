"""Checks of one record file on its own: syntax, conflict markers, schema,
workflow, file name, unknown keys, scoring ranges and canonical form."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import ValidationError

from pmledger.errors import FileProblem, os_reason
from pmledger.i18n import N_, active_language, translate, using
from pmledger.ledger import fastread, fileformat
from pmledger.ledger.ledger import SUFFIX
from pmledger.ledger.model import KNOWN_FIELDS, SCORING_TABLES, Note, Requirement
from pmledger.ledger.records import REQUIREMENT, RecordKind
from pmledger.ledger.settings import Settings
from pmledger.ledger.validation import field_name

Severity = Literal["error", "warning"]

GOALS_DIR = "goals"
# git's conflict markers (default size 7; a driver may be given another).
_MARKER = re.compile(r"^(<{7,}|={7,}|>{7,})(?: (.*))?$")
_TABLE = re.compile(r"^\[([A-Za-z0-9_.\-]+)\]\s*$")
_KEY = re.compile(r"^\s*\[*\s*([A-Za-z0-9_.\-\"']+?)\s*\]*\s*(?:=|$)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the ledger, located as precisely as possible.

    ``message`` and ``fix`` are English: JSON (what programs read) is the same
    in every language. ``shown`` and ``shown_fix`` are the same sentences in
    the language of the run, for people (None: as the English).
    """

    severity: Severity
    code: str
    message: str
    path: Path | None = None
    line: int | None = None
    field: str | None = None
    fix: str | None = None
    shown: str | None = None
    shown_fix: str | None = None
    # Where on the line, when the parser says (TOML syntax): for people's
    # `path:line:column`; JSON keeps its fields as they were.
    column: int | None = None

    @property
    def text(self) -> str:
        """The message for a person, in the language of the run."""
        return self.shown if self.shown is not None else self.message

    @property
    def position(self) -> str:
        """``:line:column``, ``:line`` or nothing, as far as the problem is located."""
        if not self.line:
            return ""
        return f":{self.line}:{self.column}" if self.column else f":{self.line}"

    @property
    def fix_text(self) -> str | None:
        """The fix for a person, in the language of the run."""
        return self.shown_fix if self.shown_fix is not None else self.fix

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["shown"], data["shown_fix"], data["column"]
        data["path"] = str(self.path) if self.path is not None else None
        return data


Said = tuple[str, str]


def said(template: str, **args: Any) -> Said:
    """A message marked with ``N_``, in English and in the language of the run."""
    return template.format(**args), translate(template).format(**args)


def unreadable(exc: OSError, path: Path | None = None) -> Said:
    """``cannot be read: <why>``, the OS's words in English, translated when
    shown; for ``path`` a symbolic link refused, that it is one."""
    from pmledger.ledger.scan import SYMLINK, is_symlink_refusal

    if path is not None and is_symlink_refusal(path, exc):
        return said(SYMLINK)
    template = N_("cannot be read: {reason}")
    return (
        template.format(reason=exc.strerror or exc),
        translate(template).format(reason=os_reason(exc)),
    )


def literal(text: str) -> Said:
    """Text that reads the same in every language (a command to run)."""
    return text, text


def problem(
    severity: Severity,
    code: str,
    message: Said,
    path: Path | None = None,
    line: int | None = None,
    field: str | None = None,
    fix: Said | None = None,
    column: int | None = None,
) -> Problem:
    """A :class:`Problem` from messages made by :func:`said`."""
    english, shown = message
    fix_en, fix_shown = fix if fix is not None else (None, None)
    return Problem(
        severity,
        code,
        english,
        path,
        line,
        field,
        fix_en,
        shown if shown != english else None,
        fix_shown if fix_shown != fix_en else None,
        column if line is not None else None,
    )


def in_english_too(make: Any, *args: Any) -> tuple[Any, Any]:
    """``make(*args)`` in English and in the language of the run (for messages
    other modules translate as they build them)."""
    shown = make(*args)
    if active_language() == "en":
        return shown, shown
    with using("en"):
        return make(*args), shown


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


def conflict_problems(path: Path, text: str, kind: RecordKind = REQUIREMENT) -> list[Problem]:
    """One error per block of git conflict markers, naming the field inside it."""
    # `edit` opens requirements only: other records (goals) are fixed in an editor.
    if kind is REQUIREMENT:
        fix = said(
            N_("pmledger edit {id}: keep one value and delete the marker lines"), id=path.stem
        )
    else:
        fix = said(
            N_("open {file} in an editor: keep one value and delete the marker lines"),
            file=path.name,
        )
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
        # The keys of each side, to tell two records that collided from one
        # record changed two ways.
        sides: tuple[set[str], set[str]] = (set(), set())
        side = sides[0]
        theirs_label = "theirs"
        i += 1
        while i < len(lines):
            inner = _MARKER.match(lines[i])
            if inner is not None and inner.group(1).startswith(">"):
                theirs_label = (inner.group(2) or "theirs").strip()
                break
            if inner is not None and inner.group(1).startswith("="):
                side = sides[1]
            elif inner is None:
                key = _KEY.match(lines[i])
                name = table + key.group(1).strip("\"'") if key else ""
                if key and "=" in lines[i]:
                    side.add(name)
                    if name not in keys:
                        keys.append(name)
            i += 1
        block_fix = fix
        if kind is REQUIREMENT and len(keys) > 1 and all("created" in k for k in sides):
            # Both sides created a requirement under this ID (the driver hands
            # such a file to git's line merge whole): keeping one value per
            # field would lose one of them.
            message = said(
                N_(
                    "two different requirements were added with this ID on both sides "
                    "(an ID collision): {ours} / {theirs}"
                ),
                ours=ours_label,
                theirs=theirs_label,
            )
            block_fix = said(
                N_(
                    "keep one of the two in {file}, delete the other and the marker lines, "
                    "then add it again with `pmledger add` (a new ID)"
                ),
                file=path.name,
            )
        elif len(keys) == 1:
            message = said(
                N_("unresolved merge conflict on field {field!r}: {ours} / {theirs}"),
                field=keys[0],
                ours=ours_label,
                theirs=theirs_label,
            )
        else:
            message = said(
                N_("unresolved merge conflict: {ours} / {theirs}"),
                ours=ours_label,
                theirs=theirs_label,
            )
        problems.append(
            problem(
                "error",
                "merge-conflict",
                message,
                path,
                line=start,
                field=keys[0] if len(keys) == 1 else None,
                fix=block_fix,
            )
        )
        i += 1
    return problems


_PYDANTIC_WORDS = {
    "missing": N_("{field}: required field is missing"),
    "string_type": N_("{field}: expected text"),
    "list_type": N_("{field}: expected a list"),
    "dict_type": N_("{field}: expected a table"),
    "int_type": N_("{field}: expected a number"),
    "float_type": N_("{field}: expected a number"),
    "int_from_float": N_("{field}: expected a whole number"),
    "date_type": N_("{field}: expected a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": N_("{field}: expected a date (YYYY-MM-DD), not a date and time"),
    "datetime_type": N_("{field}: expected a date and time"),
    "greater_than_equal": N_("{field}: must not be negative"),
}


def english_failure(attempt: Callable[[], object]) -> Exception | None:
    """The error ``attempt()`` raises when run in English (None in an English run,
    or when it does not fail).

    Our validators write their sentence when they refuse a value, in the
    language of that moment; a pydantic error keeps it as written. The same
    validation run again in English gives the English sentences JSON needs.
    """
    if active_language() == "en":
        return None
    with using("en"):
        try:
            attempt()
        except (ValidationError, ValueError) as exc:
            return exc
    return None


def schema_problems(
    exc: ValidationError,
    path: Path,
    text: str,
    retry: Callable[[], object] | None = None,
) -> list[Problem]:
    """Every schema error of a file, in plain words, with field and line.

    ``retry`` runs the validation that raised ``exc`` again: the English of
    the sentences our validators wrote in the language of the run.
    """
    offered = getattr(fileformat, "validation_problems", None)
    if offered is not None:
        shown = offered(exc, path, text)
        again = english_failure(retry) if retry is not None else None
        with using("en"):
            english = offered(again if isinstance(again, ValidationError) else exc, path, text)
        if len(english) != len(shown):
            shown = english  # never one problem's words under another's
        return [
            problem(
                "error",
                "unknown-priority" if fp.field == "priority" else "schema",
                (en.message, fp.message),
                path,
                fp.line,
                fp.field,
            )
            for en, fp in zip(english, shown, strict=True)
        ]
    problems: list[Problem] = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        name = ".".join(loc) or None
        kind = str(err["type"])
        if kind in _PYDANTIC_WORDS:
            message = said(_PYDANTIC_WORDS[kind], field=name)
        else:
            detail = str(err["msg"]).removeprefix("Value error, ")
            message = literal(
                f"{name}: {detail if kind.startswith('value_error') else detail.lower()}"
            )
        line = fileformat.key_line(text, loc[0]) if loc else None
        code = "unknown-priority" if loc[:1] == ["priority"] else "schema"
        problems.append(problem("error", code, message, path, line, name))
    return problems


def _scoring_problems(req: Requirement, path: Path, text: str, settings: Settings) -> list[Problem]:
    from pmledger.ranking.scoring import Dependencies, score

    deps = Dependencies.build([], settings)
    problems: list[Problem] = []
    for table in SCORING_TABLES:
        if getattr(req, table) is None:
            continue

        def issues_of(model: str = table) -> list[Any]:
            return score(req, deps=deps, settings=settings, as_of=date.today(), model=model)[1]

        english, shown = in_english_too(issues_of)
        line = fileformat.key_line(text, table)
        for issue, seen in zip(english, shown, strict=True):
            missing = issue.message.startswith("missing input")
            if missing and settings.scoring.model != table:
                continue  # an incomplete table matters only to its own model
            problems.append(
                problem(
                    "warning" if missing else "error",
                    "scoring-incomplete" if missing else "scoring-range",
                    (issue.message, seen.message),
                    path,
                    line,
                    issue.field,
                    fix=literal(f"pmledger set {req.id} {issue.field}=VALUE"),
                )
            )
    return problems


def _out_of_range_inputs(exc: ValidationError) -> set[str]:
    """The scoring inputs (``rice.impact``) the model refused for their value: a
    number, but not one the scale allows (not a word, nor true/false: those are
    of the wrong type, plain schema errors). The model refuses them before the
    scoring check could see them: reported under the code documented for them."""
    found = set()
    for err in exc.errors():
        loc = err["loc"]
        value = err.get("input")
        if (
            len(loc) == 2
            and loc[0] in SCORING_TABLES
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            found.add(f"{loc[0]}.{loc[1]}")
    return found


def _unknown_key_problems(
    data: Mapping[str, Any], path: Path, text: str, settings: Settings
) -> list[Problem]:
    allowed = set(KNOWN_FIELDS) | set(settings.ledger.custom_fields)
    declare = said(N_("declare it in ledger.custom_fields of pmledger.toml, or fix the spelling"))
    problems = [
        problem(
            "warning",
            "unknown-key",
            said(N_("unknown key {key!r}"), key=key),
            path,
            fileformat.key_line(text, key),
            key,
            fix=declare,
        )
        for key in data
        if key not in allowed
    ]
    # A note keeps the keys it does not know too (nothing is dropped), so a
    # misspelt `by` must be caught here as at the top level.
    notes = data.get("notes")
    note_keys = set(Note.model_fields) | set(settings.ledger.custom_fields)
    for index, note in enumerate(notes if isinstance(notes, list) else ()):
        if not isinstance(note, Mapping):
            continue
        for key in note:
            if key not in note_keys:
                loc = ("notes", index, key)
                problems.append(
                    problem(
                        "warning",
                        "unknown-key",
                        said(
                            N_("unknown key {key!r} in note {number}"),
                            key=key,
                            number=index + 1,
                        ),
                        path,
                        fileformat.field_line(text, loc),
                        field_name(loc),
                        fix=declare,
                    )
                )
    known_inputs = _scoring_inputs()
    for table, keys in _unknown_inputs(data).items():
        for key in keys:
            # An error, not a warning: the model refuses the whole file for it.
            problems.append(
                problem(
                    "error",
                    "unknown-key",
                    said(
                        N_("unknown scoring input {name}; {table} reads {inputs}"),
                        name=f"{table}.{key}",
                        table=table,
                        inputs=", ".join(known_inputs[table]),
                    ),
                    path,
                    fileformat.field_line(text, (table, key)),
                    f"{table}.{key}",
                )
            )
    return problems


def _unknown_inputs(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The keys of each scoring table that its model does not read."""
    known_inputs = _scoring_inputs()
    found: dict[str, list[str]] = {}
    for table in SCORING_TABLES:
        inputs = data.get(table)
        if isinstance(inputs, Mapping):
            unknown = [key for key in inputs if key not in known_inputs[table]]
            if unknown:
                found[table] = unknown
    return found


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
    problems = conflict_problems(path, text, kind)
    try:
        data = fastread.toml(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError:
        if problems:
            return problems, None
        english, shown = in_english_too(syntax_problem, text, path)
        if shown is None:
            return problems, None
        # `edit` opens requirements only: other records are fixed in an editor.
        if kind is not REQUIREMENT:
            fix = said(N_("correct the date") if shown.field else N_("fix the TOML syntax"))
        elif shown.field is not None:
            fix = said(N_("correct the date (or `pmledger edit {id}`)"), id=path.stem)
        else:
            fix = said(N_("fix the TOML syntax (or `pmledger edit {id}`)"), id=path.stem)
        return [
            problem(
                "error",
                "toml-syntax",
                (english.message, shown.message),
                path,
                shown.line,
                shown.field,
                fix=fix,
                column=shown.column,
            )
        ], None
    if kind is not REQUIREMENT:
        return problems + _generic_problems(path, text, data, kind), None
    req: Requirement | None = None
    try:
        req = Requirement.model_validate(data)
    except ValidationError as exc:
        # The model names only the first unknown input of a table, at the
        # table's header: each is reported below at its own line instead.
        tables = _unknown_inputs(data)
        ranges = _out_of_range_inputs(exc)
        problems += [
            replace(p, code="scoring-range") if p.field in ranges and p.code == "schema" else p
            for p in schema_problems(
                exc, path, text, retry=lambda: Requirement.model_validate(data)
            )
            if not (p.field in tables and p.code == "schema")
        ]
    raw_id = data.get("id")
    if isinstance(raw_id, str) and raw_id != path.stem:
        problems.append(
            problem(
                "error",
                "file-name",
                said(
                    N_("id {id!r} does not match the file name {name}"),
                    id=raw_id,
                    name=path.name,
                ),
                path,
                fileformat.key_line(text, "id"),
                "id",
                fix=said(
                    N_("rename the file to {name}, or set id = {stem!r}"),
                    name=f"{raw_id}{SUFFIX}",
                    stem=path.stem,
                ),
            )
        )
    if kind is REQUIREMENT and isinstance(raw_id, str) and raw_id == path.stem:
        problems += _id_form_problems(raw_id, path, text, settings)
    status = data.get("status")
    if isinstance(status, str) and status.strip() and status not in settings.ledger.statuses:
        from pmledger.text import closest

        # `status = "don"` typed in an editor: the status meant, as on the command line.
        meant = closest(status, settings.ledger.statuses)
        problems.append(
            problem(
                "error",
                "unknown-status",
                said(
                    N_("status {status!r} is not in the workflow ({statuses})"),
                    status=status,
                    statuses=", ".join(settings.ledger.statuses),
                )
                if meant is None
                else said(
                    N_(
                        "status {status!r} is not in the workflow ({statuses}); "
                        "did you mean {suggestion!r}?"
                    ),
                    status=status,
                    statuses=", ".join(settings.ledger.statuses),
                    suggestion=meant,
                ),
                path,
                fileformat.key_line(text, "status"),
                "status",
                fix=said(N_("use one of the workflow's statuses, or add it to ledger.statuses")),
            )
        )
    problems += _unknown_key_problems(data, path, text, settings)
    if req is not None:
        problems += _scoring_problems(req, path, text, settings)
        if REQUIREMENT.canonical(data, text) != text:
            problems.append(_not_canonical(path))
    # In the order a person reads the file; what concerns the whole file last.
    problems.sort(key=_reading_order)
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


def _reading_order(p: Problem) -> tuple[bool, int]:
    return p.line is None, p.line or 0


def _generic_problems(
    path: Path, text: str, data: dict[str, Any], kind: RecordKind
) -> list[Problem]:
    try:
        canonical = kind.canonical(data, text)
    except ValidationError as exc:
        return schema_problems(exc, path, text, retry=lambda: kind.canonical(data, text))
    except ValueError as exc:
        again = english_failure(lambda: kind.canonical(data, text))
        english = str(again) if isinstance(again, ValueError) else str(exc)
        return [problem("error", "schema", (english, str(exc)), path)]
    return [_not_canonical(path)] if canonical != text else []


def _not_canonical(path: Path) -> Problem:
    return problem(
        "warning",
        "not-canonical",
        said(N_("not in canonical form")),
        path,
        fix=literal(f"pmledger fmt {path}"),
    )


def syntax_error(text: str, path: Path) -> tuple[str, int | None] | None:
    """Why ``text`` is not TOML, and where (None: the parser accepts it)."""
    found = syntax_problem(text, path)
    return (found.message, found.line) if found is not None else None


def syntax_problem(text: str, path: Path) -> FileProblem | None:
    """Why ``text`` is not TOML, where, and the key when one is to blame (an
    invalid date); None when the parser accepts it."""
    try:
        fileformat.parse_toml(text, path)
    except Exception as exc:
        fp = getattr(exc, "problem", None)
        return fp if isinstance(fp, FileProblem) else FileProblem(path, str(exc))
    return None


def _id_form_problems(req_id: str, path: Path, text: str, settings: Settings) -> list[Problem]:
    """An ID no command can reach: typed back, it reads as another (``REQ-HELLO``
    is ``REQ-HE110``: I, L and O are read as digits) or has another prefix."""
    from pmledger.errors import PmledgerError
    from pmledger.ledger.ids import normalize_id

    prefix = settings.ledger.id_prefix
    try:
        typed: str | None = normalize_id(req_id, prefix)
    except PmledgerError:
        typed = None
    if typed == req_id:
        return []
    return [
        problem(
            "error",
            "id-form",
            said(
                N_(
                    "id {id!r} cannot be looked up: IDs here are {prefix}- then digits and "
                    "letters without I, L or O, in capitals (like {example})"
                ),
                id=req_id,
                prefix=prefix,
                example=f"{prefix}-4K7PM",
            ),
            path,
            fileformat.key_line(text, "id"),
            "id",
        )
    ]
