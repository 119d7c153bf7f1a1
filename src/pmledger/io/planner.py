"""From rows to actions: every row validated into a create or an update first.

Nothing is written until the whole file has been planned, so a bad row stops
an import before its first file. A row is matched to an existing
requirement by its ``id`` column, else by its source key (recorded in
``import_source`` when it was first imported: ``jira:PROJ-12``,
``github:acme/web#12``, ``sales-wishlist:row7``), so re-importing a source
updates what it created, and re-running an interrupted import completes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import ValidationError

from pmledger.errors import InvalidIdError, PmledgerError
from pmledger.i18n import _, pgettext
from pmledger.io.mapping import IMPORTABLE, Mapping, norm
from pmledger.io.records import Problem, Record, SheetError, Table, is_untitled
from pmledger.io.values import convert, is_empty, like
from pmledger.ledger import ids
from pmledger.ledger.model import (
    KNOWN_FIELDS,
    LIST_FIELDS,
    SCORING_TABLES,
    Note,
    Requirement,
)

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger

Kind = Literal["create", "update", "unchanged"]
PLACEHOLDER_ID = "NEW"


@dataclass(frozen=True)
class Change:
    """One field of an existing requirement that an import changes."""

    field: str
    old: Any
    new: Any


@dataclass
class Action:
    """What one valid row does."""

    kind: Kind
    row: int
    requirement: Requirement
    # A create that keeps the ID given in the file (a JSON round trip).
    keep_id: bool = False
    changes: list[Change] = field(default_factory=list)
    # A kept ID chosen by the planner (other rows depend on it), not by the file.
    chosen_id: bool = False


@dataclass
class Plan:
    """Every action of an import, and every problem, in row order."""

    actions: list[Action] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def count(self, kind: Kind) -> int:
        """How many actions of one kind."""
        return sum(1 for a in self.actions if a.kind == kind)

    @property
    def invalid_rows(self) -> list[int]:
        """The rows that will not be imported, in order."""
        return sorted({p.row for p in self.problems if p.row})


@dataclass(frozen=True)
class Options:
    """How rows become requirements."""

    mapping: Mapping
    source: str
    now: datetime
    as_of: date
    # JSON carries unknown keys as they are; a spreadsheet's unknown columns are ignored.
    keep_unknown: bool = False
    key_column: str | None = None
    by: str = "import"
    # The goal ID a cell names (a unique prefix too, as for `set goal=`), raising
    # a PmledgerError when unknown; None: goals are not checked (no goals/ folder).
    goal: Callable[[str], str] | None = None
    # A row with neither ID nor key is known by its number in the file, so
    # that re-running the same file updates. Not for stdin: there is no file
    # to run again, and every `import -` would update the last one's rows.
    row_keys: bool = True


class _RowError(Exception):
    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


def plan_import(table: Table, existing: Sequence[Requirement], options: Options) -> Plan:
    """Validate every row of ``table`` into an action (nothing is written)."""
    planner = _Planner(table, existing, options)
    plan = Plan(notices=list(table.notices))
    if (unknown := planner.unknown_header(table)) is not None:
        # Every row would be refused for its missing title: one problem says why.
        plan.problems.append(unknown)
        plan.ignored_columns = list(planner.ignored)
        return plan
    for record in table.records:
        if record.problems:
            plan.problems.extend(record.problems)
            continue
        try:
            plan.actions.append(planner.action(record))
        except _RowError as exc:
            plan.problems.extend(exc.problems)
    if planner.linked:
        planner.drop_broken_links(plan)
    planner.note_lookalikes(plan)
    plan.ignored_columns = list(planner.ignored)
    return plan


class _Planner:
    """The state of one planning pass: what exists, what earlier rows claimed."""

    def __init__(self, table: Table, existing: Sequence[Requirement], options: Options) -> None:
        self.options = options
        self.by_id = {r.id: r for r in existing}
        self.by_source = {r.import_source: r for r in existing if r.import_source}
        self.seen_ids: dict[str, int] = {}
        self.seen_keys: dict[str, int] = {}
        self.ignored: dict[str, None] = {}
        self.fields: dict[str, str | None] = {}
        self.tracker = table.aliases if table.tracker else None
        self.quiet = table.bookkeeping
        self.spreadsheet = table.spreadsheet
        self.decimal_comma = table.decimal_comma
        self.goals: dict[str, str | Problem] = {}
        # Rows whose depends_on came from the file: its column and its IDs.
        self.linked: dict[int, tuple[str, list[str]]] = {}
        self.file_ids = self._file_ids(table)
        # Messages name a tracker row by its own key (CRM-12), not by an ID
        # chosen for it or one the user does not know from the tracker.
        self.key_of: dict[str, str] = {}
        self.keyed_ids = self._keyed_ids(table)

    def _file_ids(self, table: Table) -> dict[str, int]:
        """The IDs the file's rows carry (the first row of each): a row may
        depend on another row of the same file, in any order."""
        prefix = self.options.mapping.settings.ledger.id_prefix
        found: dict[str, int] = {}
        for record in table.records:
            for column, raw in record.cells:
                if column == self.options.key_column or self.field_for(column) != "id":
                    continue
                if is_empty(raw) or "-" not in str(raw):
                    continue
                try:
                    found.setdefault(ids.normalize_id(str(raw), prefix), record.row)
                except InvalidIdError:
                    continue  # the row's own problem, reported with it
        return found

    def _keyed_ids(self, table: Table) -> dict[str, str]:
        """The ID of each source key that a row's tracker dependencies name.

        A new row that another row depends on gets its ID now (created under
        it, as a kept ID), so the dependency can be written with the rest.
        """
        wanted = {k for r in table.records if r.depends and self.follows(r) for k in r.depends[1]}
        if not wanted:
            return {}
        settings = self.options.mapping.settings.ledger
        rows = {r.key: r.row for r in table.records if r.key is not None}
        found: dict[str, str] = {}
        for key in wanted:
            source_key = f"{self.options.source}:{key}"
            if source_key in self.by_source:
                found[source_key] = self.by_source[source_key].id
                self.key_of[found[source_key]] = key
            elif key in rows:
                new = ids.new_id(settings.id_prefix, settings.id_length)
                while new in self.by_id or new in self.file_ids:
                    new = ids.new_id(settings.id_prefix, settings.id_length)
                found[source_key] = new
                self.file_ids[new] = rows[key]
                self.key_of[new] = key
        return found

    def follows(self, record: Record) -> bool:
        """Whether the row's tracker dependencies are imported (not ``--map "COLUMN="``)."""
        return record.depends is not None and (
            self.options.mapping.columns.get(norm(record.depends[0])) != ""
        )

    def note_lookalikes(self, plan: Plan) -> None:
        """A notice when created rows bear the titles of existing requirements.

        A sheet whose id column was deleted (or a second export of the same
        list) would otherwise create a duplicate of every row, said only as
        "would create".
        """
        creates = [a for a in plan.actions if a.kind == "create"]
        if not creates or not self.by_id:
            return
        from pmledger.query.similarity import exact_key

        titles: dict[str, str] = {}
        for req in self.by_id.values():
            titles.setdefault(exact_key(req.title), req.id)
        hits = [
            (a.row, titles[key])
            for a in creates
            if (key := exact_key(a.requirement.title)) in titles
        ]
        if not hits:
            return
        shown = hits[:5]
        separator = pgettext("list separator", ", ")
        rows = separator.join(str(row) for row, _id in shown)
        ids = separator.join(req_id for _row, req_id in shown)
        if len(hits) > len(shown):
            message = _(
                "rows {rows} and {more} more create requirements with the titles of {ids}...: "
                "duplicates? An id column (or --key) updates them instead"
            )
        else:
            message = _(
                "rows {rows} create requirements with the titles of {ids}: duplicates? "
                "An id column (or --key) updates them instead"
            )
        plan.notices.append(message.format(rows=rows, ids=ids, more=len(hits) - len(shown)))

    def unknown_header(self, table: Table) -> Problem | None:
        """The problem of a sheet whose header names no field at all, else None.

        Business sheets often put a title row (merged across the columns)
        above the header, or a cover sheet before the list: every row would be
        refused for its missing title, without a word about why.
        """
        if table.tracker or self.options.keep_unknown or not table.records:
            return None
        headers = [column for column, _value in table.records[0].cells]
        if self.options.key_column in headers or any(self.field_for(h) for h in headers):
            return None
        for column in headers:
            if not is_untitled(column):
                self.ignored[column] = None
        for record in table.records[:10]:
            named = [str(v).strip() for _c, v in record.cells if not is_empty(v)]
            if sum(1 for v in named if self.options.mapping.field_for(v, None)) >= 2:
                why = _(
                    "the header names no field, and row {row} looks like the header: "
                    "delete the rows above it"
                ).format(row=record.row)
                break
        else:
            if table.sheets:
                why = _(
                    "the header of the first sheet {sheet!r} names no field; "
                    "--sheet NAME reads another of {sheets}"
                ).format(
                    sheet=table.sheets[0],
                    sheets=pgettext("list separator", ", ").join(table.sheets),
                )
            else:
                why = _(
                    "the header names no field; name the title's column with "
                    '--map "COLUMN=title" (and the others likewise)'
                )
        return Problem(table.header_row, why)

    def field_for(self, column: str) -> str | None:
        if column not in self.fields:
            self.fields[column] = self.options.mapping.field_for(column, self.tracker)
        return self.fields[column]

    def cells(
        self, record: Record
    ) -> tuple[dict[str, Any], dict[str, str], dict[str, Any], str | None, list[Problem]]:
        """The row's converted values, the column of each, unknown keys, its
        source key, and the problems of the cells that could not be converted
        (left out of the values)."""
        options = self.options
        values: dict[str, Any] = {}
        columns: dict[str, str] = {}
        extras: dict[str, Any] = {}
        problems: list[Problem] = []
        key = record.key
        for column, raw in record.cells:
            if options.key_column is not None and column == options.key_column:
                key = None if is_empty(raw) else str(raw).strip()
                continue
            name = self.field_for(column)
            if name is None:
                if options.keep_unknown:
                    extras[column] = raw
                elif (self.quiet is None or column not in self.quiet) and (
                    # Excel writes empty cells for formatted columns past the
                    # data: a column without a header is worth a notice only
                    # when it holds something.
                    not is_untitled(column) or not is_empty(raw)
                ):
                    self.ignored[column] = None
                continue
            if isinstance(raw, SheetError):
                problems.append(
                    Problem(
                        record.row,
                        _(
                            "{value} is a spreadsheet's error (a formula that failed), not a value"
                        ).format(value=raw),
                        column,
                    )
                )
                continue
            try:
                value = convert(
                    options.mapping,
                    name,
                    raw,
                    as_of=options.as_of,
                    spreadsheet=self.spreadsheet,
                    decimal_comma=self.decimal_comma,
                )
            except ValueError as exc:
                problems.append(Problem(record.row, str(exc), column))
                continue
            if name in LIST_FIELDS and name in values:
                # Repeated columns (Jira's several Labels) add up.
                value = list(dict.fromkeys([*values[name], *value]))
            elif name in values and value is None:
                continue  # a repeated column left empty does not clear the earlier one
            elif (
                name in values
                and self.tracker is None
                and values[name] is not None
                and values[name] != value
            ):
                # Two columns of a sheet for one field (标题 and 需求名称): which
                # one is meant is the person's choice, not the last column's.
                if columns[name] == column:
                    why = _(
                        "two columns named '{column}' give {field}, differently; "
                        "rename one in the file"
                    ).format(column=column, field=name)
                else:
                    why = _(
                        "columns '{first}' and '{column}' both give {field}, differently; "
                        'ignore one with --map "{column}="'
                    ).format(first=columns[name], column=column, field=name)
                problems.append(Problem(record.row, why, column))
                continue
            values[name] = value
            columns[name] = column
        if record.depends and self.follows(record):
            column, keys = record.depends
            deps: list[str] = []
            for dep in keys:
                found = self.keyed_ids.get(f"{self.options.source}:{dep}")
                if dep == record.key:
                    problems.append(
                        Problem(
                            record.row, _("{id} cannot depend on itself").format(id=dep), column
                        )
                    )
                elif found is None:
                    problems.append(
                        Problem(
                            record.row,
                            _(
                                "depends on {key}, which is in neither this file nor the "
                                'ledger (--map "{column}=" skips the dependencies)'
                            ).format(key=dep, column=column),
                            column,
                        )
                    )
                else:
                    deps.append(found)
            values["depends_on"] = list(dict.fromkeys([*values.get("depends_on", []), *deps]))
            columns["depends_on"] = column
        return values, columns, extras, key, problems

    def action(self, record: Record) -> Action:
        """What one row does, or a :class:`_RowError` naming all its problems:
        a cell that cannot be converted does not hide the row's other problems
        (a missing title, a bad ID), which would otherwise appear one run later."""
        values, columns, extras, key, problems = self.cells(record)
        try:
            action = self._action(record, values, columns, extras, key, problems)
        except _RowError as exc:
            raise _RowError(*problems, *exc.problems) from None
        if problems:
            raise _RowError(*problems)
        return action

    def _action(
        self,
        record: Record,
        values: dict[str, Any],
        columns: dict[str, str],
        extras: dict[str, Any],
        key: str | None,
        failed: list[Problem],
    ) -> Action:
        options = self.options
        row = record.row
        target: Requirement | None = None
        keep_id = False
        req_id = values.pop("id", None)
        if req_id:
            prefix = options.mapping.settings.ledger.id_prefix
            if "-" not in str(req_id):
                # A sheet's own numbering (1, 2, 3) is not a requirement ID.
                raise _RowError(
                    Problem(
                        row,
                        _(
                            "{value!r} is not an ID of this ledger (they look like {example}); "
                            'if this is the sheet\'s own numbering, pass --key "{column}"'
                        ).format(value=req_id, example=f"{prefix}-4K7PM", column=columns["id"]),
                        columns["id"],
                    )
                )
            try:
                req_id = ids.normalize_id(str(req_id), prefix)
            except InvalidIdError as exc:
                raise _RowError(Problem(row, str(exc), columns["id"])) from None
            if req_id in self.seen_ids:
                raise _RowError(
                    Problem(
                        row,
                        _("ID {id} is also on row {row}").format(
                            id=req_id, row=self.seen_ids[req_id]
                        ),
                        columns["id"],
                    )
                )
            self.seen_ids[req_id] = row
            target = self.by_id.get(req_id)
            keep_id = target is None
        source_key = values.pop("import_source", None)
        if key is not None and source_key is None:
            source_key = f"{options.source}:{key}"
        by_row = source_key is None and not req_id and options.row_keys
        if by_row:
            # No identity in the file: the row number keeps a re-run of the same
            # file from duplicating (docs/import-export.md: use --key when rows move).
            source_key = f"{options.source}:row{row}"
        if source_key is not None:
            if source_key in self.seen_keys:
                raise _RowError(
                    Problem(
                        row,
                        _("source key {key!r} is also on row {row}").format(
                            key=source_key, row=self.seen_keys[source_key]
                        ),
                        columns.get("import_source", options.key_column),
                    )
                )
            self.seen_keys[source_key] = row
            if target is None and not keep_id:
                target = self.by_source.get(source_key)
                if by_row and target is not None:
                    _same_row_or_refuse(target, values, source_key, row, columns)
                if target is None and source_key in self.keyed_ids:
                    # Other rows depend on this new one under the ID chosen for it.
                    req_id = self.keyed_ids[source_key]
                    keep_id = True
        self.check_links(values, columns, row, req_id or (target.id if target else None), target)
        if target is not None and self.spreadsheet and target.extra:
            for name in values.keys() & target.extra.keys():
                values[name] = like(target.extra[name], values[name], as_of=options.as_of)
        data = _merge(target, values, extras, options, req_id or PLACEHOLDER_ID, row, columns)
        data["import_source"] = (
            source_key if source_key is not None else (target.import_source if target else None)
        )
        try:
            new = Requirement.model_validate(data)
        except ValidationError as exc:
            # Not again for a field whose cell could not be converted (it is
            # missing because of that).
            said = {self.field_for(p.column) for p in failed if p.column}
            raise _RowError(*_validation_problems(exc, row, columns, skip=said)) from None
        if target is None:
            return Action("create", row, new, keep_id=keep_id, chosen_id=req_id in self.key_of)
        changes = diff(target, new)
        return Action("update" if changes else "unchanged", row, new, changes=changes)

    def check_links(
        self,
        values: dict[str, Any],
        columns: dict[str, str],
        row: int,
        own_id: str | None,
        target: Requirement | None,
    ) -> None:
        """The row's goal and depends_on resolved in ``values``, or a :class:`_RowError`.

        A goal is resolved as ``set goal=`` resolves it; each depends_on ID
        (or a unique prefix) must name a requirement of the ledger or a row
        of the file. What the requirement already holds is left as it is.
        """
        problems: list[Problem] = []
        goal = values.get("goal")
        if goal and self.options.goal is not None and not (target and target.goal == goal):
            found = self._goal(goal)
            if isinstance(found, Problem):
                problems.append(Problem(row, found.message, columns["goal"]))
            else:
                values["goal"] = found
        deps = values.get("depends_on")
        if deps:
            column = columns["depends_on"]
            kept = set(target.depends_on) if target else set()
            resolved: list[str] = []
            for dep in deps:
                try:
                    resolved.append(dep if dep in kept else self._dependency(dep, own_id))
                except (InvalidIdError, _LinkError) as exc:
                    problems.append(Problem(row, str(exc), column))
            values["depends_on"] = list(dict.fromkeys(resolved))
            if not problems and (target is None or values["depends_on"] != target.depends_on):
                in_file = [d for d in resolved if d not in self.by_id and d not in kept]
                self.linked[row] = (column, in_file)
        if problems:
            raise _RowError(*problems)

    def _goal(self, text: str) -> str | Problem:
        if text not in self.goals:
            assert self.options.goal is not None
            try:
                self.goals[text] = self.options.goal(text)
            except PmledgerError as exc:
                self.goals[text] = Problem(0, str(exc))
        return self.goals[text]

    def _dependency(self, text: str, own_id: str | None) -> str:
        canonical = ids.normalize_id(text, self.options.mapping.settings.ledger.id_prefix)
        if canonical not in self.by_id and canonical not in self.file_ids:
            matches = sorted({i for i in (*self.by_id, *self.file_ids) if i.startswith(canonical)})
            if len(matches) > 1:
                raise _LinkError(
                    _("{text!r} matches several requirements: {ids}").format(
                        text=text, ids=", ".join(matches[:5])
                    )
                )
            if not matches:
                raise _LinkError(
                    _(
                        "depends_on names {id}, which is neither in the ledger nor on a row "
                        "of this file"
                    ).format(id=canonical)
                )
            canonical = matches[0]
        if canonical == own_id:
            raise _LinkError(_("{id} cannot depend on itself").format(id=canonical))
        return canonical

    def drop_broken_links(self, plan: Plan) -> None:
        """Rows whose depends_on names a row that is not imported, or that close
        a dependency cycle, become problems too (until none is left)."""
        from pmledger.ranking.scoring import find_cycles

        graph = {r.id: list(r.depends_on) for r in self.by_id.values()}
        dropped = False
        while True:
            kept = {a.requirement.id for a in plan.actions if a.kind == "create" and a.keep_id}
            broken: list[tuple[Action, Problem]] = []
            for action in plan.actions:
                link = self.linked.get(action.row)
                missing = [d for d in link[1] if d not in kept] if link else []
                if link and missing:
                    message = _("depends_on names {id}, whose row {row} is not imported").format(
                        id=self.key_of.get(missing[0], missing[0]), row=self.file_ids[missing[0]]
                    )
                    broken.append((action, Problem(action.row, message, link[0])))
            if not broken:
                broken = self._cycle(plan, dict(graph), find_cycles)
            if not broken:
                break
            dropped = True
            for action, problem in broken:
                plan.actions.remove(action)
                plan.problems.append(problem)
        if dropped:
            plan.problems.sort(key=lambda p: p.row)

    def _cycle(
        self,
        plan: Plan,
        graph: dict[str, list[str]],
        find_cycles: Callable[[dict[str, list[str]]], list[list[str]]],
    ) -> list[tuple[Action, Problem]]:
        """The last row of the file closing a dependency cycle, with its problem."""
        rows: dict[str, Action] = {}
        for action in plan.actions:
            if action.kind == "create" and not action.keep_id:
                continue  # a fresh ID: no other row can name it
            graph[action.requirement.id] = list(action.requirement.depends_on)
            if action.row in self.linked:
                rows[action.requirement.id] = action
        for cycle in find_cycles(graph):
            members = [rows[i] for i in cycle if i in rows]
            if not members:
                continue  # the ledger's own cycle: `check` reports it
            last = max(members, key=lambda a: a.row)
            at = cycle.index(last.requirement.id)
            path = [self.key_of.get(i, i) for i in [*cycle[at:], *cycle[:at], last.requirement.id]]
            message = _("depending on {id} would close a cycle: {cycle}").format(
                id=path[1], cycle=" -> ".join(path)
            )
            return [(last, Problem(last.row, message, self.linked[last.row][0]))]
        return []


class _LinkError(Exception):
    """A depends_on ID that names no requirement (the message says why)."""


def _merge(
    target: Requirement | None,
    values: dict[str, Any],
    extras: dict[str, Any],
    options: Options,
    req_id: str,
    row: int,
    columns: dict[str, str],
) -> dict[str, Any]:
    settings = options.mapping.settings
    if target is not None:
        data = target.model_dump(mode="python")
        data["notes"] = list(target.notes)
        # `created` is fixed when a requirement is created, as for `set`.
        values.pop("created", None)
    else:
        data = {
            "id": req_id,
            "status": settings.ledger.default_status,
            "priority": "medium",
            "created": options.now,
        }
    for name, value in values.items():
        table, dot, sub = name.partition(".")
        if dot and table in SCORING_TABLES:
            inputs = dict(data.get(table) or {})
            if value is None:
                inputs.pop(sub, None)
            else:
                inputs[sub] = value
            data[table] = inputs or None
        elif name == "notes":
            if isinstance(value, list):
                data["notes"] = _merge_notes(data.get("notes") or [], value, row, columns)
        elif value is None and name in ("title", "status", "priority", "created"):
            if target is None and name == "title":
                raise _RowError(Problem(row, _("the title is empty"), columns[name]))
        elif value is None and name not in KNOWN_FIELDS:
            data.pop(name, None)
        else:
            data[name] = value
    for name, value in extras.items():
        data[name] = value
    return data


def _merge_notes(
    current: list[Any], incoming: list[Any], row: int, columns: dict[str, str]
) -> list[Any]:
    """The notes already there, then every incoming note not yet among them."""
    out = list(current)
    seen = set()
    for note in current:
        n = note if isinstance(note, Note) else None
        if n is not None:
            seen.add((n.at, n.by, n.text))
    for item in incoming:
        try:
            note = item if isinstance(item, Note) else Note.model_validate(item)
        except ValidationError:
            raise _RowError(
                Problem(row, _("a note needs at (a date-time), by and text"), columns.get("notes"))
            ) from None
        # Compared with the notes already there only: two equal notes in the
        # file are two entries of the log.
        if (note.at, note.by, note.text) not in seen:
            out.append(note)
    return out


def _validation_problems(
    exc: ValidationError, row: int, columns: dict[str, str], *, skip: set[str | None] | None = None
) -> list[Problem]:
    """Every problem the model found in a row, each at its column (none for
    the fields in ``skip``)."""
    found: list[Problem] = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        name = loc[0] if loc else None
        if skip and name in skip:
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = _("required field is missing")
        column = columns.get(name) if name else None
        if column is None and len(loc) > 1:
            # A scoring input's column: rice.confidence for ('rice', 'confidence').
            column = columns.get(f"{loc[0]}.{loc[1]}")
        if column is None and name:
            message = _("{field}: {message}").format(field=name, message=message)
        problem = Problem(row, message, column)
        if problem not in found:
            found.append(problem)
    return found


def diff(old: Requirement, new: Requirement) -> list[Change]:
    """The fields that differ between two versions, in file order."""
    if old.__dict__ == new.__dict__ and old.model_extra == new.model_extra:
        return []  # the common case of a re-import, without serialising both
    before = old.model_dump(mode="json")
    after = new.model_dump(mode="json")
    keys = list(dict.fromkeys([*IMPORTABLE, *SCORING_TABLES, *before, *after]))
    return [Change(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def create_requirements(ledger: Ledger, reqs: Iterable[Requirement]) -> list[Requirement]:
    """New requirements under fresh IDs, through the ledger's batch API when it has one.

    ``Ledger.create_many`` syncs a whole batch at once; one ``fsync`` per
    file costs ~12 ms here, two minutes for 10k rows (docs/performance.md).
    """
    batch: Callable[[list[Requirement]], list[Requirement]] | None = getattr(
        ledger, "create_many", None
    )
    if batch is not None:
        return batch(list(reqs))
    return [ledger.create(r) for r in reqs]


def apply_plan(
    ledger: Ledger,
    plan: Plan,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[Action]:
    """Write every action of ``plan`` (creates, then updates); the actions with their final IDs.

    Each file is written atomically; created requirements carry their ID or
    source key, so running the same import again after an interruption
    completes it instead of duplicating what was already written.
    """
    from pmledger.ledger import fileformat
    from pmledger.ledger.ledger import create_exclusive
    from pmledger.ledger.settings import check_statuses

    step = progress or (lambda n: None)
    keep = [a for a in plan.actions if a.kind == "create" and a.keep_id]
    check_statuses((a.requirement.status for a in keep), ledger.settings)
    if keep:
        ledger.requirements_dir.mkdir(parents=True, exist_ok=True)

    def claim(action: Action) -> None:
        path = ledger.path_for(action.requirement.id)
        if not create_exclusive(path, fileformat.dumps(action.requirement)):
            raise FileExistsError(17, _("created by someone else during the import"), str(path))

    _in_parallel(claim, keep, step)
    done = list(keep)
    fresh = [a for a in plan.actions if a.kind == "create" and not a.keep_id]
    batch = 500
    for start in range(0, len(fresh), batch):
        chunk = fresh[start : start + batch]
        created = create_requirements(ledger, [a.requirement for a in chunk])
        for action, req in zip(chunk, created, strict=True):
            done.append(Action("create", action.row, req))
        step(len(chunk))
    updates = [a for a in plan.actions if a.kind == "update"]
    _in_parallel(lambda a: ledger.save(a.requirement), updates, step)
    done += updates
    done += [a for a in plan.actions if a.kind == "unchanged"]
    done.sort(key=lambda a: a.row)
    return done


T = TypeVar("T")
WRITERS = 16


def _in_parallel(work: Callable[[T], object], items: list[T], step: Callable[[int], None]) -> None:
    """``work`` on every item, several files at a time.

    Each file is still written and fsynced on its own (atomically); the disk
    merges concurrent fsyncs into one journal commit: 0.6 ms a file instead
    of 11 ms here. On an error or Ctrl-C the queued items are dropped and the
    ones being written finish, so the ledger holds whole files only.
    """
    if len(items) < 8:
        for item in items:
            work(item)
            step(1)
        return
    pool = ThreadPoolExecutor(max_workers=WRITERS)
    try:
        futures = [pool.submit(work, item) for item in items]
        for future in as_completed(futures):
            future.result()
            step(1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _same_row_or_refuse(
    target: Requirement, values: dict[str, Any], key: str, row: int, columns: dict[str, Any]
) -> None:
    """A row known only by its number names ``target``: refused when it is
    another requirement altogether (a new title unlike the old one, or a new
    title from another department). Two files of one name (需求.csv from two
    departments) share their row keys; updating would replace one
    department's requirement with the other's."""
    from pmledger.query.similarity import exact_key, similarity

    title = values.get("title")
    if not isinstance(title, str) or not title.strip():
        return
    if exact_key(title) == exact_key(target.title):
        return
    department = values.get("department")
    moved = bool(department) and bool(target.department) and department != target.department
    if not moved and similarity(title, target.title) >= 0.5:
        return
    raise _RowError(
        Problem(
            row,
            _(
                "this row is known only by its number ({key}), which names {id} “{title}”, "
                "another requirement: give this file its own --source NAME, or a --key column"
            ).format(key=key, id=target.id, title=target.title),
            columns.get("title"),
        )
    )
