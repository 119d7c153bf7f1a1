"""Ledger settings (``pmledger.toml``) and how a ledger folder is found.

Settings are resolved once into a ``Settings`` object and passed down; no
module-level state is changed by flags.
"""

# No `from __future__ import annotations` here: pydantic would evaluate every
# string annotation of the models at import (a compile each, ~1-2 ms of each start).

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from pmledger.errors import ConfigError, LedgerNotFoundError, WorkflowError, os_reason
from pmledger.i18n import _, pgettext
from pmledger.ledger.model import Priority, ScoringModel

CONFIG_NAME = "pmledger.toml"
ENV_LEDGER = "PMLEDGER_DIR"

DEFAULT_STATUSES = [
    "proposed",
    "accepted",
    "planned",
    "in-progress",
    "done",
    "rejected",
    "deferred",
]


class _Strict(BaseModel):
    # A typo in pmledger.toml must be caught, not ignored. The validators are
    # built on first use (defer_build): a ledger's settings are usually read
    # back from the settings cache (load_settings), without validating again.
    model_config = ConfigDict(extra="forbid", defer_build=True)


def _in_workflow(value: str, info: ValidationInfo) -> str:
    statuses = info.data.get("statuses")
    if statuses is not None and value not in statuses:
        raise ValueError(
            _("must be one of ledger.statuses ({statuses}), got {value!r}").format(
                statuses=", ".join(statuses), value=value
            )
        )
    return value


def _all_in_workflow(values: list[str], info: ValidationInfo) -> list[str]:
    statuses = info.data.get("statuses")
    unknown = [v for v in values if statuses is not None and v not in statuses]
    if unknown and statuses is not None:
        raise ValueError(
            _("names {unknown}, not in ledger.statuses ({statuses})").format(
                unknown=", ".join(repr(u) for u in unknown), statuses=", ".join(statuses)
            )
        )
    return values


def _labelled_in_workflow(values: dict[str, str], info: ValidationInfo) -> dict[str, str]:
    _all_in_workflow(list(values), info)
    return values


class LedgerSettings(_Strict):
    """The ledger: IDs, files and the workflow."""

    id_prefix: str = Field(
        default="REQ",
        description="IDs look like REQ-4K7PM: this prefix, a dash and random Crockford "
        "base32 characters (no I, L, O, U: easy to say aloud).",
    )
    id_length: int = Field(
        default=5, ge=3, le=12, description="How many random characters an ID has (3 to 12)."
    )
    requirements_dir: str = Field(
        default="requirements",
        description="Folder (relative to this file) holding one .toml file per requirement.",
    )
    statuses: list[str] = Field(
        default_factory=lambda: list(DEFAULT_STATUSES), description="The workflow, in board order."
    )
    default_status: str = Field(default="proposed", description="The status of a new requirement.")
    closed_statuses: list[str] = Field(
        default_factory=lambda: ["done", "rejected"],
        description="Closed requirements neither block nor are blocked, and are never open.",
    )
    inactive_statuses: list[str] = Field(
        default_factory=lambda: ["done", "rejected", "deferred"],
        description="Left out of `pmledger list` and `pmledger rank` unless --all or "
        "--status asks for them.",
    )
    in_progress_status: str = Field(
        default="in-progress", description="The status that means work has started."
    )
    planned_status: str = Field(
        default="planned", description="The status `pmledger plan --apply` writes."
    )
    custom_fields: list[str] = Field(
        default_factory=list,
        description="Extra keys your team adds to requirement files (`set` accepts them).",
    )
    # Issue 12: "en" is the same as unset (English is the last resort anyway).
    language: Literal["en", "zh"] = Field(
        default="en",
        description="Language of messages and help, en or zh, where neither --lang, "
        "PMLEDGER_LANG nor the locale names one.",
    )
    status_labels: dict[str, str] = Field(
        default_factory=dict,
        description='Chinese labels typed for statuses, e.g. { review = "评审中" }; the '
        "default statuses have 提议, 已接受, 已计划, 进行中, 已完成, 已拒绝, 已推迟.",
    )

    @field_validator("id_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,9}", value):
            raise ValueError(
                _("must be 1-10 letters or digits, starting with a letter, got {value!r}").format(
                    value=value
                )
            )
        return value

    @field_validator("statuses")
    @classmethod
    def _workflow(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError(_("must be a non-empty list without repeats"))
        return value

    _one_status = field_validator("default_status", "in_progress_status", "planned_status")(
        _in_workflow
    )
    _some_statuses = field_validator("closed_statuses", "inactive_statuses")(_all_in_workflow)
    _labelled = field_validator("status_labels")(_labelled_in_workflow)


class Weights(_Strict):
    """score = sum of weight x measure; see `pmledger rank --explain`."""

    priority: float = Field(default=6.0, description="Weight of the priority measure.")
    due: float = Field(default=12.0, description="Weight of the due-date measure.")
    age: float = Field(default=2.0, description="Weight of age (0 when new, 1 at age_cap_days).")
    blocking: float = Field(default=8.0, description="Added when open requirements wait for it.")
    blocked: float = Field(default=-5.0, description="Added when it waits for open requirements.")
    in_progress: float = Field(default=4.0, description="Added while work is in progress.")


class PriorityMeasures(_Strict):
    """The priority measure of each priority (times weights.priority in the score)."""

    critical: float = 1.5
    high: float = 1.0
    medium: float = 0.65
    low: float = 0.3


class DueSettings(_Strict):
    """Due measure: the floor from horizon_days out, rising linearly to 1.0 when
    overdue_days late."""

    horizon_days: int = Field(default=14, ge=1)
    overdue_days: int = Field(default=7, ge=0)
    floor: float = Field(default=0.2, ge=0, le=1)


class MatrixSettings(_Strict):
    """`pmledger rank --matrix`: urgent = overdue or due within urgent_days;
    important = one of important_priorities."""

    urgent_days: int = Field(default=7, ge=0)
    important_priorities: list[Priority] = Field(
        default_factory=lambda: [Priority.critical, Priority.high]
    )


class ScoringSettings(_Strict):
    """How `pmledger rank` orders requirements."""

    model: ScoringModel = Field(
        default="default",
        description="default (priority + deadline urgency), rice, wsjf or ice.",
    )
    weights: Weights = Field(default_factory=Weights)
    priority: PriorityMeasures = Field(default_factory=PriorityMeasures)
    due: DueSettings = Field(default_factory=DueSettings)
    age_cap_days: int = Field(
        default=365,
        ge=1,
        description="Age counts up to this many days (then stays at its maximum).",
    )
    # ICE is published both as a product and as a mean of its three inputs.
    ice_mode: Literal["product", "mean"] = Field(
        default="product",
        description='ICE: "product" (impact x confidence x ease) or "mean" of the three.',
    )
    matrix: MatrixSettings = Field(default_factory=MatrixSettings)

    def fingerprint(self) -> str:
        """A short hash of the effective settings, printed beside a ranking."""
        import hashlib
        import json

        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:10]


class Settings(_Strict):
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)


def check_statuses(statuses: Iterable[str], settings: Settings) -> tuple[str, ...]:
    """The given statuses, refused with a :class:`WorkflowError` if the workflow lacks one.

    The one status check of pmledger: ``set``, ``status``, ``add``, the
    ``--status`` filters and every save go through it.
    """
    known = settings.ledger.statuses
    result = tuple(statuses)
    unknown = [s for s in result if s not in known]
    if unknown:
        raise WorkflowError(
            _("unknown status {status!r}; the workflow is {statuses}").format(
                status=unknown[0], statuses=", ".join(known)
            )
        )
    return result


def load_settings(root: Path) -> Settings:
    """Read ``root/pmledger.toml`` into validated settings (a leading BOM is ignored).

    Every problem is named at once, by key and line, in people's words.
    """
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = None  # the same read below names the problem
    if text is not None:
        cached = _cached_settings(root, text)
        if cached is not None:
            return cached
    import tomllib

    from pmledger.ledger.fileformat import field_line
    from pmledger.ledger.validation import describe

    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(_("{path}: not found").format(path=path)) from None
    except tomllib.TOMLDecodeError as exc:
        from pmledger.ledger.fileformat import toml_reason

        reason, line, column = toml_reason(exc)
        if line is not None:
            reason = _("{reason} (at line {line}, column {column})").format(
                reason=reason, line=line, column=column
            )
        raise ConfigError(
            _("{path}: not valid TOML: {error}").format(path=path, error=reason)
        ) from None
    except OSError as exc:
        raise ConfigError(
            _("{path}: cannot be read: {error}").format(path=path, error=os_reason(exc))
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            _("{path}: cannot be read: {error}").format(path=path, error=exc)
        ) from None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        parts = []
        for found in describe(exc):
            line = field_line(text, found.loc)
            parts.append(
                f"{path}:{line}: {found.sentence}" if line else f"{path}: {found.sentence}"
            )
        raise ConfigError(pgettext("problem separator", "; ").join(parts)) from None
    _store_settings(root, text, settings)
    return settings


# The settings of a ledger, validated once per text of its pmledger.toml: read
# back without pydantic building its validators (~10 ms of every start).
# Keyed by the whole text, so any change (even a comment) validates again.
def _cached_settings(root: Path, text: str) -> Settings | None:
    import pickle

    from pmledger.ledger.cache import ENV_DISABLE, cache_path, format_key

    if os.environ.get(ENV_DISABLE):
        return None
    try:
        with cache_path(root, "settings").open("rb") as handle:
            stored = pickle.load(handle)
        if stored["format"] == format_key() and stored["text"] == text:
            settings = stored["settings"]
            if type(settings) is Settings:
                return settings
    except Exception:
        pass  # missing, torn or foreign: validated again and stored anew
    return None


def _store_settings(root: Path, text: str, settings: Settings) -> None:
    from pmledger.ledger.cache import ENV_DISABLE, cache_path, format_key, store

    if os.environ.get(ENV_DISABLE):
        return
    try:
        path = cache_path(root, "settings")
    except OSError:
        return
    store(path, {"format": format_key(), "text": text, "settings": settings})


def find_ledger_root(
    explicit: Path | None = None,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Path:
    """Where the ledger is: ``--ledger``, then ``$PMLEDGER_DIR``, then upward from cwd."""
    environ = os.environ if env is None else env
    if explicit is not None:
        return _must_be_ledger(explicit, "--ledger")
    from_env = environ.get(ENV_LEDGER)
    if from_env:
        return _must_be_ledger(Path(from_env), ENV_LEDGER)
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise LedgerNotFoundError(start)


def _must_be_ledger(path: Path, source: str) -> Path:
    folder = path.expanduser().resolve()
    if not (folder / CONFIG_NAME).is_file():
        # `-L ledger/requirements`, `-L ledger/pmledger.toml`: inside a ledger,
        # where `pmledger init` would make a second one.
        root = next((p for p in folder.parents if (p / CONFIG_NAME).is_file()), None)
        if root is not None:
            raise ConfigError(
                _(
                    "{source} points to {folder}, inside the ledger {root}; point it to {root}"
                ).format(source=source, folder=folder, root=root)
            )
        if folder.exists() and not folder.is_dir():
            raise ConfigError(
                _(
                    "{source} points to {folder}, which is a file: {source} names a ledger's folder"
                ).format(source=source, folder=folder)
            )
        raise ConfigError(
            _(
                "{source} points to {folder}, which has no {config}; "
                "create one there with `pmledger init {folder}`"
            ).format(source=source, folder=folder, config=CONFIG_NAME)
        )
    return folder


_HEADER = """\
# pmledger settings. Every key is optional: a missing one takes the default
# shown here. `pmledger rank --explain` shows how the scoring settings add up.
"""


def _toml_value(value: object) -> str:
    import tomli_w

    if isinstance(value, dict):
        # An inline table: one line, like the lists.
        inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
        return "{" + (f" {inner} " if inner else "") + "}"
    if isinstance(value, list):
        # One line: a workflow reads best as a row.
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


def _comment(text: str | None) -> list[str]:
    import textwrap

    if not text:
        return []
    clean = " ".join(text.split())
    return [f"# {line}" for line in textwrap.wrap(clean, 76)]


def _section(model: BaseModel, name: str, out: list[str]) -> None:
    nested: list[tuple[str, BaseModel]] = []
    out.extend(["", f"[{name}]"])
    out.extend(_comment(type(model).__doc__))
    for key, info in type(model).model_fields.items():
        value = getattr(model, key)
        if isinstance(value, BaseModel):
            nested.append((key, value))
            continue
        out.extend(_comment(info.description))
        out.append(f"{key} = {_toml_value(value)}")
    for key, value in nested:
        _section(value, f"{name}.{key}", out)


def config_text(prefix: str = "REQ") -> str:
    """The documented pmledger.toml written by ``pmledger init``: every setting at its
    default, generated from the settings models and their descriptions."""
    defaults = Settings.model_construct(
        ledger=LedgerSettings.model_construct(
            **{**LedgerSettings().model_dump(), "id_prefix": prefix}
        ),
        scoring=ScoringSettings(),
    )
    out: list[str] = []
    for key in Settings.model_fields:
        _section(getattr(defaults, key), key, out)
    return _HEADER + "\n".join(out) + "\n"
