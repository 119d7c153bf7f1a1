"""The core's errors survive pickling (a caller's process pool sends them back)."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from pmledger import errors
from pmledger.goals.errors import GoalFileError, GoalNotFoundError

PROBLEM = errors.FileProblem(Path("/ledger/requirements/REQ-AAAAA.toml"), "bad value", 3)
SAMPLES: list[errors.PmledgerError] = [
    errors.LedgerNotFoundError(Path("/somewhere")),
    errors.ScoringError([errors.ScoringProblem("REQ-A", "rice.reach", "missing input", True)]),
    errors.InvalidFileError([PROBLEM, PROBLEM]),
    GoalFileError(PROBLEM),
    errors.CommentsLostError(Path("/x.toml"), ["# kept?"]),
    errors.DuplicateTitleError("already there", existing_id="REQ-AAAAA"),
    errors.ImportRowsError(["row 2: bad"], 1),
    errors.UnkeptRemovalError("REQ-AAAAA", "it has changes git does not hold"),
    errors.HasDependentsError("REQ-AAAAA", ["REQ-BBBBB"]),
    errors.InvalidValueError("effort must be a number, got 'x'"),
    GoalNotFoundError("no goal 'x'"),
]


@pytest.mark.parametrize("error", SAMPLES, ids=lambda e: type(e).__name__)
def test_an_error_comes_back_whole_from_pickle(error: errors.PmledgerError) -> None:
    # Most take other arguments than their message: unpickling called
    # __init__(message) and failed (TypeError, AttributeError) or garbled it.
    for back in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(back) is type(error)
        assert str(back) == str(error)
        assert back.args == error.args
        assert vars(back) == vars(error)
