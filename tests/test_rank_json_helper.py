"""A piped ranking's JSON, its second half written by a forked helper process."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import cast

import pytest

from pmledger import parallel
from pmledger.cli import rank_json as rank_json

from .cli_helpers import AS_OF, copy_example, ok

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper needs os.fork")

ARGS = ["rank", "--as-of", AS_OF, "--format", "json", "--all"]


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


@pytest.fixture
def helper(monkeypatch: pytest.MonkeyPatch, forks: list[int]) -> Iterator[list[int]]:
    """A helper for any ranking; the IDs of the helpers started."""
    monkeypatch.setattr(rank_json, "PARALLEL_JSON_AT", 1)
    parallel.allow()
    yield forks
    parallel.allow(False)


def test_the_helpers_half_is_the_same_bytes(acme: Path, helper: list[int]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rank_json, "PARALLEL_JSON_AT", 10**9)
        alone = ok(ARGS).stdout
    assert not helper
    # Half, most, all; and a share of less than one item: no helper.
    for share in (0.5, 0.9, 1.0, 0.01):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(rank_json, "HELPER_SHARE", share)
            assert ok(ARGS).stdout == alone
    assert len(helper) == 3
    for top in ("1", "2", "5"):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(rank_json, "PARALLEL_JSON_AT", 10**9)
            expected = ok([*ARGS, "--top", top]).stdout
        assert ok([*ARGS, "--top", top]).stdout == expected


def test_what_a_failed_helper_leaves_this_process_does(acme: Path, helper: list[int]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rank_json, "PARALLEL_JSON_AT", 10**9)
        alone = ok(ARGS).stdout

    def broken(*_args: object) -> None:
        raise OSError("planted")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rank_json, "_write_json_texts", broken)
        assert ok(ARGS).stdout == alone
    assert helper


def test_a_reader_that_stops_stops_the_helper(acme: Path, helper: list[int]) -> None:
    """Closed early (a reader gone, Ctrl-C), the items stop the helper and reap it."""
    from datetime import date

    from pmledger.ledger.ledger import Ledger
    from pmledger.ranking.order import rank

    ledger = Ledger(acme)
    ranking = rank(ledger.load_all().requirements, settings=ledger.settings, as_of=date.today())
    never_ending, writer = os.pipe()

    def stuck(*_args: object) -> None:
        os.read(never_ending, 1)  # blocks until killed

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rank_json, "_write_json_texts", stuck)
        items = cast(
            "Generator[object]", rank_json._json_items(ranking, ranking.table.size, ledger.settings)
        )
        next(items)
        items.close()
    os.close(never_ending)
    os.close(writer)
    assert helper
    with pytest.raises(ChildProcessError):
        os.waitpid(helper[0], os.WNOHANG)
