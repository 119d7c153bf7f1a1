"""The kinds of record a ledger holds, and how each is written canonically.

Tools that work on every record alike (the merge driver, ``check``, ``fmt``,
``diff``) ask this registry instead of knowing each model: a kind names its
folder and turns a plain TOML mapping into its canonical text. Requirements
are registered here; other families (goals) register their kind on import.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
    from pmledger.ledger import fileformat
    from pmledger.ledger.model import Requirement

    req = Requirement.model_validate(dict(data))
    if original_text is not None:
        # A writer that keeps comments takes the text they come from.
        import inspect

        dumps: Any = fileformat.dumps
        if "original_text" in inspect.signature(dumps).parameters:
            return str(dumps(req, original_text=original_text))
    return fileformat.dumps(req)


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
