"""The ``goals/`` folder of a ledger: find, read and write goal files.

Writes go through the canonical serialiser and the ledger's atomic writers.
A goal ID becomes a file name only after :data:`GOAL_ID` accepted it, so no
ID can name a path outside the folder.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from pmledger import i18n
from pmledger.errors import (
    AmbiguousIdError,
    FileProblem,
    InvalidFileError,
    InvalidIdError,
    InvalidValueError,
    LedgerExistsError,
    os_reason,
)
from pmledger.goals import fileformat
from pmledger.goals.errors import GoalFileError, GoalNotFoundError
from pmledger.goals.model import GOAL_ID, Goal, windows_device
from pmledger.ledger.ids import ALPHABET
from pmledger.ledger.ledger import create_exclusive, refuse_folder_outside, write_atomic
from pmledger.ledger.scan import SYMLINK, is_symlink_refusal, read_regular
from pmledger.text import ascii_forms, fold

GOALS_DIR = "goals"

SUFFIX = ".toml"


@dataclass
class GoalLoad:
    """Every goal that could be read, and every goal file that could not."""

    goals: list[Goal] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    def by_id(self) -> dict[str, Goal]:
        return {g.id: g for g in self.goals}


def slug(title: str) -> str:
    """A readable goal ID from a title's words, any script ("" when it has none).

    Full-width letters and digits become ASCII (``Ｃｕｔ`` -> ``Cut``), as a
    tag typed in full width is stored: the ID is typed again, and names a file.
    """
    words = re.findall(r"[^\W_]+", ascii_forms(title))
    text = "-".join(words)[:40].strip("-")
    return text if text and GOAL_ID.match(text) and not windows_device(text) else ""


def _some(ids: list[str], limit: int) -> str:
    """The first ``limit`` IDs, and an ellipsis when there are more."""
    shown = ids[:limit] + (["…"] if len(ids) > limit else [])
    return i18n.pgettext("list separator", ", ").join(shown)


def _near(text: str, known: list[str]) -> list[str]:
    """The goal IDs a mistyped ``text`` is close to: those holding it (``margin``
    in ``Raise-gross-margin``), else those spelled alike (``rasie-gross-margin``)."""
    from difflib import get_close_matches

    value = fold(text.strip())
    if not value:
        return []
    holding = [i for i in known if value in fold(i)]
    if holding:
        return holding
    folded = {fold(i): i for i in known}
    return [folded[f] for f in get_close_matches(value, list(folded), n=3, cutoff=0.75)]


def _valid(goal: Goal) -> Goal:
    """``goal`` as the model accepts it: a file the ledger can read back."""
    from pydantic import ValidationError

    from pmledger.ledger.validation import sentences

    try:
        return Goal.model_validate(goal.model_dump(warnings=False))
    except ValidationError as exc:
        problems = i18n.pgettext("problem separator", "; ").join(sentences(exc))
        raise InvalidValueError(
            i18n._("{where}: {problem}").format(where=goal.id, problem=problems)
        ) from None


class GoalBook:
    """The goals of one ledger (``ROOT/goals/*.toml``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / GOALS_DIR
        refuse_folder_outside(root, self.folder)

    def path_for(self, goal_id: str) -> Path:
        """The file of a goal ID (validated: never a path outside the folder)."""
        if ".." in goal_id or not GOAL_ID.match(goal_id):
            raise InvalidIdError(
                i18n._(
                    "{id!r} is not a goal ID (letters, digits, '-', '_', '.'; e.g. Q4-margin)"
                ).format(id=goal_id)
            )
        path = self.folder / f"{goal_id}{SUFFIX}"
        if path.resolve().parent != self.folder.resolve():
            raise InvalidIdError(
                i18n._("{id!r} does not name a file inside {folder}").format(
                    id=goal_id, folder=self.folder
                )
            )
        return path

    def ids(self) -> list[str]:
        """Goal IDs from the file names alone."""
        if not self.folder.is_dir():
            return []
        return sorted(
            p.name[: -len(SUFFIX)]
            for p in self.folder.iterdir()
            if p.name.endswith(SUFFIX) and not p.name.startswith(".") and p.is_file()
        )

    def find(self, text: str) -> str | None:
        """The goal ID a person meant (exact, then ignoring case and width), or None."""
        value = text.strip()
        known = self.ids()
        if value in known:
            return value
        folded = [i for i in known if fold(i) == fold(value)]
        return folded[0] if len(folded) == 1 else None

    def candidates(self, text: str) -> list[str]:
        """The goal IDs ``text`` may mean: itself, else the one equal ignoring case
        and width, else every ID it begins (the same; ``raise`` -> ``Raise-gross-margin``,
        ``ｃｕｔ`` -> ``Cut-churn``, ``销售`` -> ``销售效率提升``)."""
        found = self.find(text)
        if found is not None:
            return [found]
        value = fold(text.strip())
        return [i for i in self.ids() if fold(i).startswith(value)] if value else []

    def resolve(self, text: str) -> str:
        """Like :meth:`find`, also accepting a unique prefix; raises when unknown."""
        matches = self._one(text)
        if matches:
            return matches
        raise GoalNotFoundError(
            i18n._("no goal {text!r} in {folder}").format(text=text, folder=self.folder)
        )

    def require(self, text: str) -> str:
        """The goal ID a requirement may link to, resolved as by :meth:`resolve`;
        an unknown goal is a usage error."""
        found = self._one(text)
        if found:
            return found
        known = self.ids()
        if not known:
            raise InvalidValueError(
                i18n._(
                    "unknown goal {text!r}: the ledger has no goals yet; create one with "
                    "`pmledger goal add TITLE --kpi NAME --target N`"
                ).format(text=text)
            )
        # The goals exist: naming them helps; advice to create one would
        # invite a duplicate of a goal typed differently.
        near = _near(text, known)
        if near:
            message = i18n._("unknown goal {text!r}; did you mean {ids}?")
            raise InvalidValueError(message.format(text=text, ids=_some(near, 5)))
        raise InvalidValueError(
            i18n._("unknown goal {text!r}; the goals are: {known}").format(
                text=text, known=_some(known, 8)
            )
        )

    def wanted(self, text: str) -> str:
        """The goal a filter (``list --goal``) means, resolved as by :meth:`resolve`.

        A value that names no goal file is kept as typed: requirements may
        name goals that have no file (a ledger without ``goals/``, an import).
        """
        return self._one(text) or text

    def _one(self, text: str) -> str:
        """The one goal ID ``text`` means, "" for none; several are an error."""
        matches = self.candidates(text)
        if len(matches) > 1:
            raise AmbiguousIdError(
                i18n._("{text!r} matches several goals: {ids}").format(
                    text=text, ids=_some(matches, 5)
                )
            )
        return matches[0] if matches else ""

    def load(self, text: str) -> Goal:
        """One goal, validated."""
        path = self.path_for(self.resolve(text))
        return self._read(path)

    def _read(self, path: Path) -> Goal:
        try:
            text = read_regular(path).decode("utf-8")
        except UnicodeDecodeError:
            raise GoalFileError(FileProblem(path, i18n._("not UTF-8 text"))) from None
        except OSError as exc:
            if is_symlink_refusal(path, exc):
                raise GoalFileError(FileProblem(path, i18n.translate(SYMLINK))) from None
            raise
        try:
            goal = fileformat.loads(text, path)
        except InvalidFileError as exc:
            raise GoalFileError(exc.problems) from None
        expected = path.name[: -len(SUFFIX)]
        if goal.id != expected:
            raise GoalFileError(
                FileProblem(
                    path,
                    i18n._("field 'id': {id!r} does not match the file name ({expected})").format(
                        id=goal.id, expected=expected
                    ),
                    field="id",
                )
            )
        return goal

    def load_all(self) -> GoalLoad:
        """Every goal in ID order; broken files are reported, not fatal."""
        result = GoalLoad()
        for goal_id in self.ids():
            path = self.folder / f"{goal_id}{SUFFIX}"
            try:
                result.goals.append(self._read(path))
            except InvalidFileError as exc:
                result.problems.append(exc.problem)
            except OSError as exc:
                problem = i18n._("cannot be read: {error}").format(error=os_reason(exc))
                result.problems.append(FileProblem(path, problem))
        return result

    def save(self, goal: Goal) -> Path:
        """Write a goal canonically and atomically (no change, no write).

        A goal the model refuses (``model_copy(update=...)`` does not
        validate) raises :class:`InvalidValueError` and writes nothing.
        """
        goal = _valid(goal)
        path = self.path_for(goal.id)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, fileformat.dumps(goal))
        return path

    def create(self, goal: Goal) -> Goal:
        """Save a new goal; its ID must be free."""
        goal = _valid(goal)
        self.folder.mkdir(parents=True, exist_ok=True)
        existing = self.find(goal.id)
        if existing is not None or not create_exclusive(
            self.path_for(goal.id), fileformat.dumps(goal)
        ):
            raise LedgerExistsError(
                i18n._("a goal {id} already exists; choose another --id").format(
                    id=existing or goal.id
                )
            )
        return goal

    def new_id(self, title: str) -> str:
        """An ID for a new goal: the title's words, else G- and random characters.

        A title whose ID is taken keeps that ID, so :meth:`create` refuses it:
        the same title again is a duplicate goal, not a second one under a
        random ID.
        """
        base = slug(title)
        if base:
            return base
        for _ in range(50):
            candidate = "G-" + "".join(secrets.choice(ALPHABET) for _ in range(5))
            if self.find(candidate) is None:
                return candidate
        raise LedgerExistsError(i18n._("could not find a free goal ID; give one with --id"))
