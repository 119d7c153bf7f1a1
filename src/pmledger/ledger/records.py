"""The kinds of record a ledger holds, and how each is written canonically.

Tools that work on every record alike (the merge driver, ``check``, ``fmt``,
``diff``) ask this registry instead of knowing each model: a kind names its
folder and turns a plain TOML mapping into its canonical text. Requirements
are registered here; other families (goals) register their kind on import.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmledger.ledger.settings import Settings


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: where its files live and how they are written."""

    name: str
    # The folder (relative to the ledger root) of this kind's files, from the
    # ledger's settings, and with default settings.
    folder: Callable[[Settings], str]
    default_folder: str
    # Validate a plain mapping and return its canonical text; raises
    # pydantic.ValidationError (or ValueError) when the mapping is invalid.
    # ``original_text`` is the file's current text, whose comments the
    # writer keeps where the file format allows it.
    canonical: Callable[[Mapping[str, Any], str | None], str]
    # Arrays of tables kept as logs: merged as a union, ordered by this key.
    logs: tuple[str, ...] = ()
    log_order_key: str = "at"


KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> None:
    """Add (or replace) a record kind."""
    KINDS[kind.name] = kind


def kind_for_path(path: str, settings: Settings | None = None) -> RecordKind | None:
    """The kind whose folder holds ``path`` (a relative path or any path ending in it)."""
    parent = PurePosixPath(path.replace("\\", "/")).parent
    for kind in KINDS.values():
        # Default settings without building them: the merge driver's start-up.
        folder = PurePosixPath(kind.folder(settings) if settings else kind.default_folder)
        parts = folder.parts
        if parts and parent.parts[-len(parts) :] == parts:
            return kind
    return None


def _requirement_text(data: Mapping[str, Any], original_text: str | None = None) -> str:
    fast = fast_requirement_text(data, original_text)
    if fast is not None:
        return fast
    from pmledger.ledger import fileformat
    from pmledger.ledger.model import Requirement

    req = Requirement.model_validate(dict(data))
    return fileformat.dumps(req, original_text=original_text)


# -- the requirement without pydantic -------------------------------------------
#
# git starts the merge driver once per file, and importing pydantic and
# building the model costs ~0.25 s of each start. A merged record made only of
# values whose validity is evident from their type (an aware datetime, a
# non-blank string, a priority spelt canonically...) is written here, by the
# same rules as fileformat.dumps (pmledger.ledger.canonical), without the
# model. Anything else, e.g. a priority alias the model would rewrite or a
# naive datetime it would make aware, returns None: the model decides. The
# facts below mirror pmledger.ledger.model (which needs pydantic to import);
# tests/test_git_fast_path.py holds them equal, and checks under hypothesis
# that this path never accepts what the model refuses and writes the same bytes.


def _text(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _non_negative(v: Any) -> bool:
    return _number(v) and v >= 0


def _positive(v: Any) -> bool:
    return _number(v) and v > 0


def _aware(v: Any) -> bool:
    return isinstance(v, datetime) and v.tzinfo is not None


def _created(v: Any) -> bool:
    return _aware(v) or (isinstance(v, date) and not isinstance(v, datetime))


def _texts(v: Any) -> bool:
    return isinstance(v, list) and all(_text(i) for i in v)


FAST_PRIORITIES = ("critical", "high", "medium", "low")
FAST_RICE_IMPACTS = (3, 2, 1, 0.5, 0.25)
# model.KEY_ORDER, with what makes each value valid as it stands.
FAST_FIELDS: dict[str, Callable[[Any], bool]] = {
    "id": lambda v: isinstance(v, str),
    "title": _text,
    "status": _text,
    "priority": lambda v: v in FAST_PRIORITIES,
    "created": _created,
    "requester": _text,
    "department": _text,
    "owner": _text,
    "tags": _texts,
    "due": lambda v: isinstance(v, date) and not isinstance(v, datetime),
    "effort": _non_negative,
    "value": _number,
    "goal": _text,
    "sprint": _text,
    "depends_on": _texts,
    "links": _texts,
    "description": _text,
    "acceptance": _texts,
    "import_source": _text,
}
FAST_REQUIRED = ("id", "title", "status", "priority", "created")
# model.SCORING_TABLES and model.SCORING_INPUTS.
FAST_SCORING: dict[str, dict[str, Callable[[Any], bool]]] = {
    "rice": {
        "reach": _non_negative,
        "impact": lambda v: _number(v) and v in FAST_RICE_IMPACTS,
        "confidence": lambda v: _number(v) and 0 < v <= 1,
        "effort": _positive,
    },
    "wsjf": {
        "business_value": _non_negative,
        "time_criticality": _non_negative,
        "risk_reduction": _non_negative,
        "job_size": _positive,
    },
    "ice": {
        name: lambda v: _number(v) and 1 <= v <= 10 for name in ("impact", "confidence", "ease")
    },
}
_NOTE_FIELDS: dict[str, Callable[[Any], bool]] = {
    "at": _aware,
    "by": lambda v: isinstance(v, str),
    "text": lambda v: isinstance(v, str),
}


def fast_requirement_text(data: Mapping[str, Any], original_text: str | None = None) -> str | None:
    """The canonical text of a requirement mapping without the model, or None
    when its validity or canonical form is not evident (the model decides)."""
    from pmledger.ledger import canonical

    if any(key not in data for key in FAST_REQUIRED):
        return None
    known: dict[str, Any] = {}
    for key, valid in FAST_FIELDS.items():
        if key not in data:
            continue
        value = data[key]
        if not valid(value):
            return None
        if value != []:
            known[key] = value
    tables: dict[str, Any] = {}
    for key, inputs in FAST_SCORING.items():
        if key not in data:
            continue
        table = data[key]
        if not isinstance(table, dict) or any(
            k not in inputs or not inputs[k](v) for k, v in table.items()
        ):
            return None
        tables[key] = table
    raw_notes = data.get("notes", [])
    if not isinstance(raw_notes, list):
        return None
    notes = []
    for note in raw_notes:
        if not isinstance(note, dict) or any(
            k not in note or not valid(note[k]) for k, valid in _NOTE_FIELDS.items()
        ):
            return None
        rest = {k: v for k, v in note.items() if k not in _NOTE_FIELDS}
        notes.append(canonical.note_document(note["at"], note["by"], note["text"], rest))
    extra = {
        k: v
        for k, v in data.items()
        if k not in FAST_FIELDS and k not in FAST_SCORING and k != "notes"
    }
    text = canonical.write(canonical.arrange(known, extra, tables, notes), extra)
    if original_text is None or "#" not in original_text:
        return text  # no comment to keep (reattach's own first test, without its import)
    from pmledger.ledger.comments import reattach

    return reattach(text, original_text.removeprefix("\ufeff"))[0]


REQUIREMENT = RecordKind(
    name="requirement",
    folder=lambda s: s.ledger.requirements_dir,
    default_folder="requirements",
    canonical=_requirement_text,
    logs=("notes",),
)
register(REQUIREMENT)


def _goal_text(data: Mapping[str, Any], original_text: str | None = None) -> str:
    # Looked up by name: goals are their own family (pmledger.goals), and
    # this registry must not import it when it is absent.
    model = importlib.import_module("pmledger.goals.model")
    writer = importlib.import_module("pmledger.goals.fileformat")
    return str(writer.dumps(model.Goal.model_validate(dict(data))))


if importlib.util.find_spec("pmledger.goals") is not None:
    register(
        RecordKind(
            name="goal",
            folder=lambda s: "goals",
            default_folder="goals",
            canonical=_goal_text,
            logs=("readings", "notes"),
        )
    )
