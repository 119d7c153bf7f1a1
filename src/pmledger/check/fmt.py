"""``fmt``: rewrite record files canonically."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from pydantic import ValidationError

from pmledger.check.files import (
    Problem,
    check_text,
    problem,
    said,
    schema_problems,
    unreadable,
)
from pmledger.check.ledger import record_files
from pmledger.i18n import N_
from pmledger.ledger import fastread
from pmledger.ledger.ledger import SUFFIX, Ledger, write_atomic
from pmledger.ledger.records import KINDS, RecordKind
from pmledger.ledger.scan import read_regular


@dataclass
class FormatResult:
    """The files rewritten (with ``check``: that would be), and those that could not be read."""

    changed: list[Path] = field(default_factory=list)
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
                    problem(
                        "error",
                        "not-a-record",
                        said(N_("not a record file of this ledger")),
                        given,
                    )
                )
                continue
            targets.append((kind, given))
    for kind, path in targets:
        try:
            text = read_regular(path).decode("utf-8")
        except UnicodeDecodeError:
            result.problems.append(problem("error", "encoding", said(N_("not UTF-8 text")), path))
            continue
        except OSError as exc:
            result.problems.append(
                problem(
                    "error",
                    "unreadable",
                    unreadable(exc, path),
                    path,
                )
            )
            continue
        try:
            data = fastread.toml(text.removeprefix("\ufeff"))
            canonical = kind.canonical(data, text)
        except tomllib.TOMLDecodeError:
            found, _facts = check_text(path, text, ledger.settings, kind)
            result.problems += [p for p in found if p.severity == "error"][:1] or [
                problem("error", "toml-syntax", said(N_("not valid TOML")), path)
            ]
            continue
        except ValidationError as exc:
            result.problems += schema_problems(
                exc, path, text, retry=partial(kind.canonical, data, text)
            )
            continue
        if canonical == text:
            continue
        result.changed.append(path)
        if not check:
            write_atomic(path, canonical)
    return result
