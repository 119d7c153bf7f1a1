"""Ledger settings (``pmledger.toml``) and how a ledger folder is found.

Settings are resolved once into a ``Settings`` object and passed down; no
module-level state is changed by flags.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pmledger.errors import ConfigError, LedgerNotFoundError
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
    # A typo in pmledger.toml must be caught, not ignored.
    model_config = ConfigDict(extra="forbid")


class LedgerSettings(_Strict):
    id_prefix: str = "REQ"
    id_length: int = Field(default=5, ge=3, le=12)
    requirements_dir: str = "requirements"
    statuses: list[str] = Field(default_factory=lambda: list(DEFAULT_STATUSES))
    default_status: str = "proposed"
    # Closed requirements neither block nor are blocked, and are never "open".
    closed_statuses: list[str] = Field(default_factory=lambda: ["done", "rejected"])
    # Left out of `rank` unless --all or --status says otherwise.
    inactive_statuses: list[str] = Field(default_factory=lambda: ["done", "rejected", "deferred"])
    in_progress_status: str = "in-progress"
    planned_status: str = "planned"
    custom_fields: list[str] = Field(default_factory=list)
    # Issue 12: the language when neither --lang nor the locale names one
    # ("en" is the same as unset: English is the last resort anyway), and the
    # Chinese label of each status (typed for it; see pmledger.i18n.labels).
    language: Literal["en", "zh"] = "en"
    status_labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> LedgerSettings:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,9}", self.id_prefix):
            raise ValueError(
                "ledger.id_prefix must be 1-10 letters or digits, starting with a letter"
            )
        known = set(self.statuses)
        if len(known) != len(self.statuses) or not self.statuses:
            raise ValueError("ledger.statuses must be a non-empty list without repeats")
        for name in ("default_status", "in_progress_status", "planned_status"):
            if getattr(self, name) not in known:
                raise ValueError(f"ledger.{name} {getattr(self, name)!r} is not in ledger.statuses")
        for name in ("closed_statuses", "inactive_statuses", "status_labels"):
            unknown = [s for s in getattr(self, name) if s not in known]
            if unknown:
                raise ValueError(f"ledger.{name} names unknown statuses: {', '.join(unknown)}")
        return self


class Weights(_Strict):
    priority: float = 6.0
    due: float = 12.0
    age: float = 2.0
    blocking: float = 8.0
    blocked: float = -5.0
    in_progress: float = 4.0


class PriorityMeasures(_Strict):
    critical: float = 1.5
    high: float = 1.0
    medium: float = 0.65
    low: float = 0.3


class DueSettings(_Strict):
    horizon_days: int = Field(default=14, ge=1)
    overdue_days: int = Field(default=7, ge=0)
    floor: float = Field(default=0.2, ge=0, le=1)


class MatrixSettings(_Strict):
    urgent_days: int = Field(default=7, ge=0)
    important_priorities: list[Priority] = Field(
        default_factory=lambda: [Priority.critical, Priority.high]
    )


class ScoringSettings(_Strict):
    model: ScoringModel = "default"
    weights: Weights = Field(default_factory=Weights)
    priority: PriorityMeasures = Field(default_factory=PriorityMeasures)
    due: DueSettings = Field(default_factory=DueSettings)
    age_cap_days: int = Field(default=365, ge=1)
    # ICE is published both as a product and as a mean of its three inputs.
    ice_mode: Literal["product", "mean"] = "product"
    matrix: MatrixSettings = Field(default_factory=MatrixSettings)

    def fingerprint(self) -> str:
        """A short hash of the effective settings, printed beside a ranking."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:10]


class Settings(_Strict):
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)


def load_settings(root: Path) -> Settings:
    """Read ``root/pmledger.toml`` into validated settings."""
    path = root / CONFIG_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: setting {where}: {first['msg']}") from None


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
        raise ConfigError(
            f"{source} points to {folder}, which has no {CONFIG_NAME}; "
            f"create one there with `pmledger init {folder}`"
        )
    return folder


CONFIG_TEMPLATE = """\
# pmledger settings. Every key is optional: a missing one takes the default
# shown here. Docs: docs/file-format.md and docs/scoring.md.

[ledger]
# IDs look like REQ-4K7PM: the prefix, a dash and random Crockford base32
# characters (no I, L, O, U: easy to say aloud). See docs/ids.md.
id_prefix = "{prefix}"
id_length = 5
# Folder (relative to this file) holding one .toml file per requirement.
requirements_dir = "requirements"
# The workflow, in board order.
statuses = ["proposed", "accepted", "planned", "in-progress", "done", "rejected", "deferred"]
default_status = "proposed"
# Closed requirements neither block nor are blocked.
closed_statuses = ["done", "rejected"]
# Left out of `pmledger rank` unless --all or --status asks for them.
inactive_statuses = ["done", "rejected", "deferred"]
in_progress_status = "in-progress"
planned_status = "planned"
# Extra keys your team adds to requirement files; `check` warns about others.
custom_fields = []

[scoring]
# default (priority + deadline urgency), rice, wsjf or ice.
model = "default"
# Age counts up to this many days (then stays at its maximum).
age_cap_days = 365
# ICE: "product" (impact x confidence x ease) or "mean" of the three.
ice_mode = "product"

[scoring.weights]
# score = sum of weight x measure; see `pmledger rank --explain`.
priority = 6.0
due = 12.0
age = 2.0
blocking = 8.0
blocked = -5.0
in_progress = 4.0

[scoring.priority]
# The priority measure; times the priority weight 6.0: 9.0 / 6.0 / 3.9 / 1.8.
critical = 1.5
high = 1.0
medium = 0.65
low = 0.3

[scoring.due]
# Due measure: the floor from horizon_days out, rising linearly to 1.0 when
# overdue_days late.
horizon_days = 14
overdue_days = 7
floor = 0.2

[scoring.matrix]
# `rank --matrix`: urgent = overdue or due within urgent_days;
# important = one of these priorities.
urgent_days = 7
important_priorities = ["critical", "high"]
"""


def config_text(prefix: str = "REQ") -> str:
    """The documented pmledger.toml written by ``pmledger init``."""
    return CONFIG_TEMPLATE.replace("{prefix}", prefix)
