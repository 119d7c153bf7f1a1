"""Changes to requirements: new ones, ``set key=value``, status moves, notes.

Each function returns a new, validated :class:`Requirement` and writes
nothing; the caller saves it (canonically, atomically) through the ledger.
"""

from __future__ import annotations

import re
import tomllib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from pmledger.dates import parse_date
from pmledger.errors import InvalidValueError
from pmledger.i18n import _
from pmledger.i18n.labels import resolve_status
from pmledger.ledger.model import (
    DATE_FIELDS,
    KNOWN_FIELDS,
    LIST_FIELDS,
    NUMBER_FIELDS,
    SCORING_TABLES,
    Note,
    Requirement,
    evident_requirement,
)
from pmledger.ledger.settings import Settings
from pmledger.ledger.validation import sentences
from pmledger.text import ascii_forms, split_list

READ_ONLY = ("id", "created", "notes")
SETTABLE = tuple(f for f in KNOWN_FIELDS if f not in READ_ONLY and f not in SCORING_TABLES)
# Fields every requirement has: `set` can change them, never clear them.
REQUIRED = tuple(f for f in SETTABLE if Requirement.model_fields[f].is_required())

Resolver = Callable[[str], str]


def requirement_from(data: Mapping[str, Any]) -> Requirement:
    """A requirement from its fields as a file holds them (``Requirement.model_validate``
    in people's words): :class:`InvalidValueError` naming each field that is wrong.

    For data from elsewhere (a form, JSON); the ledger checks the status and
    the ID when it writes.
    """
    return _validate(dict(data))


def _validate(data: dict[str, Any]) -> Requirement:
    req = evident_requirement(data)  # without the validator when nothing needs checking
    if req is not None:
        return req
    try:
        return Requirement.model_validate(data)
    except ValidationError as exc:
        raise InvalidValueError("; ".join(sentences(exc))) from None


def _status(status: str, settings: Settings) -> str:
    # Typed by a person: a Chinese label (进行中) names its status.
    return resolve_status(status, settings)


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//)?\S+$")
_PATH_HINT = re.compile(r"[/\\]|\.[A-Za-z0-9]{1,5}$")


def check_links(links: Iterable[str]) -> list[str]:
    """Links, refused unless each is a URL (``https://…``, ``mailto:…``) or a file path."""
    out = list(links)
    for link in out:
        text = link.strip()
        if not (_URL.match(text) or (text and _PATH_HINT.search(text))):
            raise InvalidValueError(
                _(
                    "links: {link!r} is neither a URL (https://…) nor a file path "
                    "(docs/spec.md); put other text in description or a note"
                ).format(link=link)
            )
    return out


def check_dependencies(
    req_id: str, depends_on: Iterable[str], graph: Mapping[str, Iterable[str]]
) -> list[str]:
    """``depends_on`` of ``req_id``, refused if it names ``req_id`` itself or closes a cycle.

    ``graph`` is the ledger's dependency graph (ID -> the IDs it depends on);
    the entry of ``req_id`` itself is replaced by ``depends_on``.
    """
    deps = list(depends_on)
    if req_id in deps:
        raise InvalidValueError(_("{id} cannot depend on itself").format(id=req_id))
    for dep in deps:
        path = _path_to(dep, req_id, graph)
        if path is not None:
            cycle = " -> ".join([req_id, *path])
            raise InvalidValueError(
                _("depending on {id} would close a cycle: {cycle}").format(id=dep, cycle=cycle)
            )
    return deps


def _path_to(start: str, goal: str, graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    # Breadth-first, so the cycle named is a shortest one. ``goal``'s own
    # edges are never followed: they are the ones being replaced.
    parents: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while (prev := parents[path[-1]]) is not None:
                path.append(prev)
            return list(reversed(path))
        for nxt in graph.get(node, ()):
            if nxt not in parents:
                parents[nxt] = node
                queue.append(nxt)
    return None


def new_requirement(
    title: str,
    *,
    settings: Settings,
    created: datetime,
    as_of: date,
    priority: str = "medium",
    status: str | None = None,
    due: str | None = None,
    owner: str | None = None,
    requester: str | None = None,
    department: str | None = None,
    tags: Iterable[str] = (),
    effort: float | None = None,
    description: str | None = None,
    acceptance: Iterable[str] = (),
    depends_on: Iterable[str] = (),
    goal: str | None = None,
    resolve: Resolver | None = None,
) -> Requirement:
    """A validated new requirement (its ``id`` is a placeholder until the ledger creates it).

    ``created`` must carry its UTC offset (``pmledger.dates.now_utc_offset()``).
    """
    _aware_moment("created", created)
    chosen = _status(status or settings.ledger.default_status, settings)
    deps = [resolve(d) if resolve else d for d in split_list(depends_on)]
    data: dict[str, Any] = {
        "id": "NEW",
        "title": title.strip(),
        "status": chosen,
        "priority": priority,
        "created": created,
        "requester": requester,
        "department": department,
        "owner": owner,
        "tags": _dedupe([ascii_forms(t) for t in split_list(tags)]),
        "due": parse_date(due, as_of=as_of) if due else None,
        # Typer hands over 3 as 3.0; store what the person typed.
        "effort": int(effort) if isinstance(effort, float) and effort.is_integer() else effort,
        "goal": goal,
        "depends_on": _dedupe(deps),
        "description": description,
        "acceptance": [a for a in acceptance if a.strip()],
    }
    return _validate(data)


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def parse_assignment(text: str) -> tuple[str, str, str]:
    """Split ``key=value``, ``key+=value`` or ``key-=value`` into (key, op, value).

    A Chinese input method types ``owner＝李雷`` and ``tags＋＝crm``: the
    full-width sign (the first sign typed, of either width) splits too, and
    the key is read in ASCII; the value stays as typed.
    """
    cut = min((i for i in (text.find("="), text.find("\uff1d")) if i >= 0), default=-1)
    if cut < 0:
        raise InvalidValueError(_("expected key=value, got {text!r}").format(text=text))
    key, value = ascii_forms(text[:cut]), text[cut + 1 :]
    op = "="
    if key.endswith(("+", "-")):
        op = key[-1] + "="
        key = key[:-1]
    key = key.strip().replace("-", "_")
    if not key:
        raise InvalidValueError(_("expected key=value, got {text!r}").format(text=text))
    return key, op, value


def _unknown_field(key: str, settings: Settings) -> str:
    """Why ``key`` cannot be set, with the nearest known field when one is close."""
    from difflib import get_close_matches

    known = [*SETTABLE, *settings.ledger.custom_fields]
    close = get_close_matches(key, known, n=1, cutoff=0.6)
    if not close:
        close = [f for f in known if f.startswith(key)][:1]
    if close:
        return _("unknown field {field!r}; did you mean {suggestion!r}?").format(
            field=key, suggestion=close[0]
        )
    return _(
        "unknown field {field!r}; known fields: {fields} "
        "(declare others in pmledger.toml [ledger] custom_fields)"
    ).format(field=key, fields=", ".join(SETTABLE))


def _scalar(text: str) -> Any:
    """A custom field's value: a TOML literal when it is one, else the text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _number(key: str, text: str) -> int | float:
    typed, text = text, ascii_forms(text)  # `３．５`: int() and float() read only the digits
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise InvalidValueError(
            _("{field} must be a number, got {text!r}").format(field=key, text=typed)
        ) from None


def apply_assignments(
    req: Requirement,
    assignments: Iterable[str],
    *,
    settings: Settings,
    as_of: date,
    resolve: Resolver | None = None,
    dependencies: Mapping[str, Iterable[str]] | None = None,
) -> Requirement:
    """``req`` with every ``key=value`` applied, validated as a whole.

    Lists take comma-separated values (``,``, ``，`` or ``、``); ``key+=v``
    adds and ``key-=v`` removes items. An empty value clears an optional
    field. ``rice.reach=450`` sets a scoring input (range-checked by the
    model). Unknown keys are refused unless declared as custom fields.
    ``dependencies`` (the ledger's graph) refuses a ``depends_on`` that
    closes a cycle; links must be URLs or paths.
    """
    data = req.model_dump(mode="python", exclude_none=False)
    data["notes"] = req.notes
    for text in assignments:
        key, op, raw = parse_assignment(text)
        value = raw.strip()
        if "." in key:
            table, _dot, sub = key.partition(".")
            if table not in SCORING_TABLES or not sub:
                raise InvalidValueError(
                    _(
                        "unknown field {field!r}; dotted keys are for rice.*, wsjf.* and ice.*"
                    ).format(field=key)
                )
            current = dict(data.get(table) or {})
            if value:
                current[sub] = _number(key, value)
            else:
                current.pop(sub, None)
            data[table] = current or None
            continue
        if key in READ_ONLY:
            if key == "notes":
                raise InvalidValueError(
                    _("field {field!r} cannot be set: use `pmledger note`").format(field=key)
                )
            raise InvalidValueError(
                _("field {field!r} cannot be set: it is fixed when created").format(field=key)
            )
        if key not in SETTABLE and key not in settings.ledger.custom_fields and key not in data:
            raise InvalidValueError(_unknown_field(key, settings))
        if not value and key in REQUIRED:
            # (An empty value clears an optional field; these have no "unset".)
            raise InvalidValueError(_("{field} cannot be empty").format(field=key))
        if op != "=" and key not in LIST_FIELDS:
            raise InvalidValueError(
                _("{operator} only works on list fields ({fields})").format(
                    operator=op, fields=", ".join(LIST_FIELDS)
                )
            )
        if key in LIST_FIELDS:
            items = split_list([value]) if key != "acceptance" else ([value] if value else [])
            if key == "depends_on" and resolve is not None:
                items = [resolve(i) for i in items]
            # A tag typed in full width is stored in its ASCII form (docs/i18n.md),
            # and one an older file holds in full width is the same tag.
            form = ascii_forms if key == "tags" else str
            items = [form(i) for i in items]
            old = list(data.get(key) or [])
            if op == "+=":
                have = {form(v) for v in old}
                data[key] = _dedupe(old + [i for i in items if i not in have])
            elif op == "-=":
                data[key] = [v for v in old if form(v) not in items]
            else:
                data[key] = _dedupe(items)
        elif key == "status":
            data[key] = _status(value, settings)
        elif key in DATE_FIELDS:
            data[key] = parse_date(value, as_of=as_of) if value else None
        elif key in NUMBER_FIELDS:
            data[key] = _number(key, value) if value else None
        elif key in SETTABLE:
            data[key] = value or None
        else:
            if value:
                data[key] = _scalar(value)
            else:
                data.pop(key, None)
    if data.get("links") != req.links:
        check_links(data.get("links") or [])
    if data.get("depends_on") != req.depends_on:
        check_dependencies(req.id, data.get("depends_on") or [], dependencies or {})
    return _validate(data)


def with_status(req: Requirement, status: str, *, settings: Settings) -> Requirement:
    """``req`` moved to ``status`` (validated against the workflow)."""
    return req.model_copy(update={"status": _status(status, settings)})


def with_note(req: Requirement, text: str, *, by: str, at: datetime) -> Requirement:
    """``req`` with one more dated note."""
    if not text.strip():
        raise InvalidValueError(_("the note is empty"))
    _aware_moment("at", at)
    try:
        note = Note(at=at, by=by, text=text)
    except ValidationError as exc:
        raise InvalidValueError("; ".join(sentences(exc, prefix=("notes",)))) from None
    return req.model_copy(update={"notes": [*req.notes, note]})


def _aware_moment(name: str, value: object) -> None:
    # A naive datetime from a caller (datetime.now()) is local time, which
    # the model would read as UTC: the stamp would be off by the offset.
    if isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidValueError(
            _(
                "{field} must carry its UTC offset, got {value} without one; "
                "use datetime.now(UTC) or pmledger.dates.now_utc_offset()"
            ).format(field=name, value=value.isoformat(sep=" "))
        )
