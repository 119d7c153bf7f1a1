"""A cache patched after a few files changed serves exactly what reading
every file serves: the ranking's columns and the requirements, through any
sequence of edits, additions and removals, trusted or too recent to trust,
patched again and again or written whole."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmledger.ledger import cache as cache_module
from pmledger.ledger import patching
from pmledger.ledger.cache import StateCache, cache_path
from pmledger.ledger.columns import Columns, columns_of
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.scan import summarize

from .conftest import make

EDITS = st.one_of(
    st.tuples(st.just("title"), st.integers(0, 40), st.text(min_size=1, max_size=12)),
    st.tuples(
        st.just("status"), st.integers(0, 40), st.sampled_from(["proposed", "accepted", "done"])
    ),
    st.tuples(st.just("due"), st.integers(0, 40), st.dates(date(2026, 1, 1), date(2027, 12, 31))),
    st.tuples(st.just("depends"), st.integers(0, 40), st.integers(0, 40)),
    st.tuples(st.just("add"), st.integers(0, 40), st.text(min_size=1, max_size=12)),
    st.tuples(st.just("remove"), st.integers(0, 40), st.none()),
)


def _apply(ledger: Ledger, ids: list[str], edit: tuple[str, int, object]) -> None:
    kind, at, value = edit
    if not ids and kind != "add":
        return
    req_id = ids[at % len(ids)] if ids else ""
    if kind == "add":
        ids.append(ledger.create(make(title=f"new {value}")).id)
        return
    if kind == "remove":
        ledger.path_for(req_id).unlink()
        ids.remove(req_id)
        for other in ids:
            req = ledger.load(other)
            if req_id in req.depends_on:
                deps = [d for d in req.depends_on if d != req_id]
                ledger.save(req.model_copy(update={"depends_on": deps}))
        return
    req = ledger.load(req_id)
    if kind == "title":
        update: dict[str, object] = {"title": f"{req.title[:20]} {value}"}
    elif kind == "status":
        update = {"status": value}
    elif kind == "due":
        update = {"due": value}
    else:
        target = ids[int(value) % len(ids)]  # type: ignore[call-overload]
        update = {"depends_on": [] if target == req_id else [target]}
    ledger.save(req.model_copy(update=update))


def _check(ledger: Ledger) -> None:
    fresh = ledger.load_all(use_cache=False).requirements
    got = ledger.load_columns(lambda columns: columns)
    assert isinstance(got, tuple)
    assert got[0] == columns_of(map(vars, fresh))
    # And the requirements themselves, from the (patched) cache.
    assert ledger.load_all().requirements == fresh
    # And the summaries (show, check), from the spliced summary index.
    assert ledger.summaries().summaries == [summarize(r) for r in fresh]
    table, problems = ledger.summary_table()
    assert problems == []
    for req in fresh:
        for dependency in req.depends_on:
            rows = table.dependents(dependency)
            assert req.id in {table.text("ids", row) for row in rows}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rounds=st.lists(st.lists(EDITS, min_size=1, max_size=4), min_size=1, max_size=5),
    trust=st.booleans(),
    patch_at_most=st.sampled_from([0, 3, 256]),
)
def test_a_patched_cache_serves_what_the_files_say(
    rounds: list[list[tuple[str, int, object]]],
    trust: bool,
    patch_at_most: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Trusted: files count as old enough to store; else each is too recent,
    # stored untrusted, and read again at the next load.
    shift = 3600 if trust else 0
    monkeypatch.setattr(cache_module, "trusted_before", lambda: (time.time() + shift) * 1e9)
    # 0: never patched; 3: patched until the patch grows past three files.
    monkeypatch.setattr(patching, "PATCH_AT_MOST", patch_at_most)
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger.init(Path(tmp) / "ledger")
        ids = [ledger.create(make(title=f"Item {n}")).id for n in range(6)]
        ledger.load_all()
        for edits in rounds:
            for edit in edits:
                _apply(ledger, ids, edit)
            _check(ledger)


def test_a_few_changed_files_patch_the_cache(ledger: Ledger, trusted: None) -> None:
    reqs = [ledger.create(make(title=f"Item {n}")) for n in range(5)]
    ledger.load_all()
    ledger.save(reqs[1].model_copy(update={"title": "Changed, and longer"}))
    got = ledger.load_columns(lambda columns: columns)
    assert isinstance(got, tuple) and isinstance(got[0], Columns)
    stored = StateCache(cache_path(ledger.root))
    # Patched: the stored states kept as they were, the changed one beside them.
    assert stored.base_of is not None and list(stored.patch) != []
    assert "Changed, and longer" in got[0].titles
    # Served whole from it next time.
    assert ledger.load_columns(lambda columns: columns)[0] == got[0]  # type: ignore[index]
