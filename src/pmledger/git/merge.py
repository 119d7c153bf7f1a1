"""The field-aware three-way merge of ledger records (git's ``merge-file`` driver).

Records are merged as TOML mappings, field by field, generic over record
kinds (``pmledger.ledger.records``):

- a field changed on one side only takes that side's value, wherever the
  field sits in the file (adjacent lines never conflict);
- tables (``[rice]``...) merge key by key, recursively;
- lists of text (tags, acceptance, depends_on, links) merge as sets of
  additions and removals against the base, in the order of our side with
  their additions appended;
- logs (``[[notes]]``; goals' readings) are a union without duplicates
  (an entry removed on either side stays removed), ordered by ``at``;
- the same field changed to two different values is a conflict: the field
  is written between git conflict markers naming both sides (ref and
  author), everything else merged and canonical. ``check`` reports the
  markers and ``edit`` resolves them;
- any side that is not UTF-8 TOML, a file of no known kind, or a result the
  kind refuses falls back to ``git merge-file`` (git's own line merge), so
  the driver never makes a merge worse than git alone.

The merged text is the kind's canonical text: byte-identical to ``fmt``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import tomli_w

from pmledger.i18n import N_, _, translate
from pmledger.ledger import fastread
from pmledger.ledger.records import RecordKind, kind_for_path


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass
class MergeOutcome:
    """The result of merging three versions of a record."""

    # Conflicts resolved to our side / to their side (equal when no conflict).
    ours: dict[str, Any]
    theirs: dict[str, Any]
    conflicts: list[tuple[str, ...]] = field(default_factory=list)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, Mapping) for v in value)


def _order_key(entry: Mapping[str, Any], key: str) -> tuple[int, datetime]:
    value = entry.get(key)
    if isinstance(value, datetime):
        return (0, value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return (0, datetime.combine(value, time.min, tzinfo=UTC))
    # Entries without a usable time keep their place after the dated ones.
    return (1, datetime.min.replace(tzinfo=UTC))


def merge_text_lists(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    """Our list minus their removals, plus their additions (no duplicates)."""
    removed = {v for v in base if v not in theirs}
    out = [v for v in ours if v not in removed]
    out += [v for v in theirs if v not in base and v not in out]
    return list(dict.fromkeys(out))


def merge_logs(
    base: list[Mapping[str, Any]],
    ours: list[Mapping[str, Any]],
    theirs: list[Mapping[str, Any]],
    key: str = "at",
) -> list[Mapping[str, Any]]:
    """Every entry of either side once; an entry removed on one side stays removed."""
    out: list[Mapping[str, Any]] = []
    for entry in [*ours, *theirs]:
        if entry in out:
            continue
        if entry in base and (entry not in ours or entry not in theirs):
            continue
        out.append(entry)
    out.sort(key=lambda e: _order_key(e, key))
    return out


def merge_mappings(
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    *,
    logs: tuple[str, ...] = (),
    log_key: str = "at",
) -> MergeOutcome:
    """Three-way merge of two mappings against their common ancestor."""
    outcome = MergeOutcome({}, {})
    _merge_into(base, ours, theirs, (), outcome.ours, outcome.theirs, outcome, logs, log_key)
    return outcome


def _merge_into(
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    path: tuple[str, ...],
    out_o: dict[str, Any],
    out_t: dict[str, Any],
    outcome: MergeOutcome,
    logs: tuple[str, ...],
    log_key: str,
) -> None:
    keys = list(dict.fromkeys([*ours, *theirs, *base]))
    for key in keys:
        b, o, t = base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING)
        where = (*path, key)
        if o == t:
            chosen_o = chosen_t = o
        elif o == b:
            chosen_o = chosen_t = t
        elif t == b:
            chosen_o = chosen_t = o
        elif isinstance(o, Mapping) and isinstance(t, Mapping):
            sub_o: dict[str, Any] = {}
            sub_t: dict[str, Any] = {}
            sub_b = b if isinstance(b, Mapping) else {}
            _merge_into(sub_b, o, t, where, sub_o, sub_t, outcome, logs, log_key)
            chosen_o, chosen_t = sub_o, sub_t
        elif not path and key in logs and _is_table_list(o) and _is_table_list(t):
            sub_b = b if _is_table_list(b) else []
            chosen_o = chosen_t = merge_logs(sub_b, o, t, log_key)
        elif _is_text_list(o) and _is_text_list(t) and (b is MISSING or _is_text_list(b)):
            chosen_o = chosen_t = merge_text_lists([] if b is MISSING else b, o, t)
        else:
            outcome.conflicts.append(where)
            chosen_o, chosen_t = o, t
        if chosen_o is not MISSING:
            out_o[key] = chosen_o
        if chosen_t is not MISSING:
            out_t[key] = chosen_t


# -- the driver --------------------------------------------------------------


@dataclass(frozen=True)
class DriverResult:
    """What the driver wrote into our file, and why."""

    text: str
    conflicts: list[str]
    fallback_reason: str | None = None

    @property
    def clean(self) -> bool:
        return not self.conflicts and self.fallback_reason is None


class _Unmergeable(Exception):
    pass


class _Collision(_Unmergeable):
    """Two records added under one name: a person picks one, so the markers name
    the sides as a field conflict's do."""


# Why a side cannot be merged field by field, one whole sentence per side.
_NOT_UTF8 = {
    "base": N_("the common ancestor is not UTF-8 text"),
    "ours": N_("our side is not UTF-8 text"),
    "theirs": N_("their side is not UTF-8 text"),
}
_NOT_TOML = {
    "base": N_("the common ancestor is not valid TOML ({error})"),
    "ours": N_("our side is not valid TOML ({error})"),
    "theirs": N_("their side is not valid TOML ({error})"),
}


def _parse(data: bytes, side: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise _Unmergeable(translate(_NOT_UTF8[side])) from None
    try:
        return fastread.toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise _Unmergeable(translate(_NOT_TOML[side]).format(error=exc)) from None


def _canonical(kind: RecordKind, doc: Mapping[str, Any], original: str | None) -> str:
    try:
        return kind.canonical(doc, original)
    except Exception as exc:
        # A merged record the kind refuses (e.g. both sides valid, the mix
        # not): let git merge the lines instead.
        raise _Unmergeable(
            _("the merged record is not valid ({error})").format(error=type(exc).__name__)
        ) from None


def _lookup(doc: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = doc
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value


def _snippet(doc: Mapping[str, Any], path: tuple[str, ...]) -> str:
    value = _lookup(doc, path)
    if value is MISSING:
        return ""
    return str(tomli_w.dumps({path[-1]: value}, multiline_strings=True))


def _find(text: str, snippet: str, path: tuple[str, ...]) -> int:
    """Where ``snippet`` starts at the beginning of a line, inside the table of ``path``."""
    start = 0
    if len(path) > 1:
        header = "[" + ".".join(path[:-1]) + "]\n"
        if text.startswith(header):
            start = len(header)
        else:
            at = text.find("\n" + header)
            if at < 0:
                return -1
            start = at + 1 + len(header)
    if text.startswith(snippet, start):
        return start
    at = text.find("\n" + snippet, start)
    return at + 1 if at >= 0 else -1


def conflict_text(
    kind: RecordKind,
    outcome: MergeOutcome,
    *,
    ours_label: str,
    theirs_label: str,
    marker_size: int = 7,
) -> str:
    """The merged record with each conflicting field between conflict markers."""
    # Without comments: the blocks are placed by the canonical lines of each field.
    text_o = _canonical(kind, outcome.ours, None)
    text_t = _canonical(kind, outcome.theirs, None)
    # Re-read the canonical texts so that snippets show values as written.
    canon_o, canon_t = fastread.toml(text_o), fastread.toml(text_t)
    text = text_o
    for path in outcome.conflicts:
        mine, other = _snippet(canon_o, path), _snippet(canon_t, path)
        anchor, at = (mine, _find(text, mine, path)) if mine else ("", -1)
        if not mine:
            # Removed on our side: place the block where their value would go.
            located = _find(text_t, other, path)
            if located < 0:
                raise _Unmergeable(_("cannot place a conflict"))
            before = text_t[:located].count("\n")
            lines = text.splitlines(keepends=True)
            at = sum(len(line) for line in lines[:before])
        elif at < 0:
            raise _Unmergeable(_("cannot place a conflict"))
        block = (
            f"{'<' * marker_size} {ours_label}\n{mine}"
            f"{'=' * marker_size}\n{other}"
            f"{'>' * marker_size} {theirs_label}\n"
        )
        text = text[:at] + block + text[at + len(anchor) :]
    return text


def _refuse_a_shared_name(
    base: Mapping[str, Any], ours: Mapping[str, Any], theirs: Mapping[str, Any]
) -> None:
    """Two records created apart that came to share a file name (an ID collision).

    git hands the driver an empty ancestor when both sides added the file.
    Merged field by field, two different requirements would become one record
    mixing both (the fields only one side has, merged silently) with a
    conflict on each field they both have, and keeping one value per field
    would lose one of the requirements. git's line merge shows the two records
    whole, each on its side of the markers."""
    created = ours.get("created"), theirs.get("created")
    if base or created[0] is None or created[1] is None or created[0] == created[1]:
        return
    raise _Collision(
        _(
            "two different records were added under this name on both sides "
            "(created {ours} and {theirs}): their IDs collide; keep one, and add "
            "the other again with `pmledger add` (it gets a new ID)"
        ).format(ours=created[0], theirs=created[1])
    )


def merge_records(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    kind: RecordKind,
    *,
    ours_label: str = "ours",
    theirs_label: str = "theirs",
    marker_size: int = 7,
) -> DriverResult:
    """Merge three versions of one record file (raises :class:`_Unmergeable`)."""
    docs = (_parse(base, "base"), _parse(ours, "ours"), _parse(theirs, "theirs"))
    _refuse_a_shared_name(*docs)
    outcome = merge_mappings(*docs, logs=kind.logs, log_key=kind.log_order_key)
    if not outcome.conflicts:
        text = _canonical(kind, outcome.ours, None)
    else:
        text = conflict_text(
            kind, outcome, ours_label=ours_label, theirs_label=theirs_label, marker_size=marker_size
        )
    texts = [data.decode("utf-8").removeprefix("\ufeff") for data in (base, ours, theirs)]
    if "#" in texts[1] or "#" in texts[2]:
        # The comments of both sides stay beside their keys: a comment written
        # on the merged branch is as much a person's words as one of ours.
        from pmledger.ledger.comments import reattach_merged

        text = reattach_merged(text, *texts)[0]
    return DriverResult(text, [".".join(p) for p in outcome.conflicts])


def driver_message(name: str, result: DriverResult) -> str | None:
    """The line the driver tells the person merging (None: merged cleanly)."""
    if result.fallback_reason:
        return _("pmledger: {file}: {reason}; merged line by line by git").format(
            file=name, reason=result.fallback_reason
        )
    if result.conflicts:
        return _("pmledger: {file}: changed on both sides: {fields}").format(
            file=name, fields=", ".join(result.conflicts)
        )
    return None


def _git_line(args: list[str]) -> str:
    import subprocess  # only on a conflict: the clean path never starts git

    try:
        done = subprocess.run(["git", *args], capture_output=True, check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else ""


def side_labels(name: str) -> tuple[str, str]:
    """``ours: BRANCH, AUTHOR`` and ``theirs: ...``: who last changed the file on each side."""
    labels = []
    # `git merge` names the merged commit in GITHEAD_<sha>=<branch> for the
    # whole merge (MERGE_HEAD is written only after the driver has run).
    theirs_rev = next((k[len("GITHEAD_") :] for k in os.environ if k.startswith("GITHEAD_")), None)
    if theirs_rev is None:
        theirs_rev = next(
            (
                rev
                for rev in ("MERGE_HEAD", "REBASE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD")
                if _git_line(["rev-parse", "-q", "--verify", rev])
            ),
            None,
        )
    if theirs_rev is None:
        theirs_rev = _commit_being_rebased()
    for side, rev in (("ours", "HEAD"), ("theirs", theirs_rev)):
        if rev is None:
            labels.append(side)
            continue
        ref = _git_line(["name-rev", "--name-only", "--no-undefined", "--always", rev])
        who = _git_line(["log", "-1", "--format=%an", rev, "--", name])
        labels.append(f"{side}: {', '.join(x for x in (ref, who) if x)}")
    return labels[0], labels[1]


def _commit_being_rebased() -> str | None:
    """The commit `git rebase` is replaying, or None.

    REBASE_HEAD is written only after the driver has run; the rebase's list
    of steps done, whose last line is the one under way, is there before."""
    done = _git_line(["rev-parse", "--git-path", "rebase-merge/done"])
    try:
        lines = Path(done).read_text(encoding="utf-8").splitlines() if done else []
    except OSError:
        return None
    words = lines[-1].split() if lines else []
    if len(words) >= 2 and words[0] in ("pick", "p", "edit", "e", "reword", "r"):
        return _git_line(["rev-parse", "-q", "--verify", f"{words[1]}^{{commit}}"]) or None
    return None


def _git_merge_file(
    ours: Path,
    base: Path,
    theirs: Path,
    name: str,
    marker_size: int,
    labels: tuple[str, str] | None = None,
) -> int:
    import subprocess

    ours_label, theirs_label = labels or (f"ours: {name}", f"theirs: {name}")
    done = subprocess.run(
        [
            "git",
            "merge-file",
            f"--marker-size={marker_size}",
            "-L",
            ours_label,
            "-L",
            "base",
            "-L",
            theirs_label,
            str(ours),
            str(base),
            str(theirs),
        ],
        capture_output=True,
        check=False,
    )
    return 0 if done.returncode == 0 else 1


def run_driver(
    base: Path,
    ours: Path,
    theirs: Path,
    name: str,
    *,
    marker_size: int = 7,
    kind: RecordKind | None = None,
) -> tuple[int, DriverResult]:
    """Git's merge driver: merge into ``ours``; exit status 0 when clean, 1 on a conflict."""
    chosen = kind or kind_for_path(name) or kind_for_path(name, _settings_near(name))
    try:
        if chosen is None:
            raise _Unmergeable(_("{name} is not a ledger record").format(name=name))
        data = base.read_bytes(), ours.read_bytes(), theirs.read_bytes()
        result = merge_records(*data, chosen, marker_size=marker_size)
        if result.conflicts:
            ours_label, theirs_label = side_labels(name)
            result = merge_records(
                *data,
                chosen,
                ours_label=ours_label,
                theirs_label=theirs_label,
                marker_size=marker_size,
            )
    except _Unmergeable as exc:
        labels = side_labels(name) if isinstance(exc, _Collision) else None
        code = _git_merge_file(ours, base, theirs, name, marker_size, labels)
        text = ours.read_text(encoding="utf-8", errors="replace")
        return code, DriverResult(text, [], fallback_reason=str(exc))
    ours.write_text(result.text, encoding="utf-8", newline="\n")
    return (0 if result.clean else 1), result


def _settings_near(name: str) -> Any:
    """The settings of the ledger holding ``name`` (relative to the cwd), or None."""
    from pmledger.ledger.settings import CONFIG_NAME, load_settings

    folder = Path(name).parent
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_NAME).is_file():
            try:
                return load_settings(candidate)
            except Exception:
                return None
    return None
