"""The summary index (show, check, completion): columns that are never stale."""

from __future__ import annotations

import os
import time
from array import array
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmledger.ledger import fileformat
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.scan import Summary, summarize
from pmledger.ledger.summaryindex import UNTRUSTED, SummaryIndex, SummaryRow, SummaryTable

from .conftest import make


def _age(path: Path, seconds: float = 3600) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def _write(ledger: Ledger, req_id: str, **fields: object) -> Path:
    path = ledger.requirements_dir / f"{req_id}.toml"
    path.write_text(fileformat.dumps(make(req_id, **fields)), encoding="utf-8")
    _age(path)
    return path


def _expected(ledger: Ledger) -> list[Summary]:
    return [summarize(r) for r in ledger.load_all(use_cache=False).requirements]


def _dependents(ledger: Ledger, req_id: str) -> list[str]:
    table, _ = ledger.summary_table()
    return sorted(table.text("ids", row) for row in table.dependents(req_id))


def test_summaries_are_the_files_and_stay_fresh(ledger: Ledger) -> None:
    _write(ledger, "REQ-A", title="First", depends_on=["REQ-AB"])
    _write(ledger, "REQ-AB", title="第二个", depends_on=["REQ-A", "REQ-X"])
    _write(ledger, "REQ-A-B", title="Third", depends_on=["REQ-AB", "REQ-A"])
    (ledger.requirements_dir / "REQ-BAD.toml").write_text("title = [\n", encoding="utf-8")
    (ledger.requirements_dir / "REQ-DIR.toml").mkdir()
    first = ledger.summaries()
    assert first.summaries == _expected(ledger)
    assert [p.path.name for p in first.problems] == ["REQ-BAD.toml"]
    index = SummaryIndex.for_ledger(ledger.root)
    assert index.table is not None  # stored: the next read is the fast path
    again = ledger.summaries()
    assert again.summaries == first.summaries
    assert [p.path.name for p in again.problems] == ["REQ-BAD.toml"]  # read again, reported
    assert _dependents(ledger, "REQ-A") == ["REQ-A-B", "REQ-AB"]  # not REQ-A-B's prefix
    assert _dependents(ledger, "REQ-AB") == ["REQ-A", "REQ-A-B"]
    assert _dependents(ledger, "REQ-X") == ["REQ-AB"]
    assert _dependents(ledger, "REQ") == []
    # Edited in place by another program, same size, the folder unchanged.
    path = ledger.requirements_dir / "REQ-A.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"REQ-AB"', '"REQ-XY"'), encoding="utf-8")
    _age(path, 1800)
    assert _dependents(ledger, "REQ-AB") == ["REQ-A-B"]
    assert _dependents(ledger, "REQ-XY") == ["REQ-A"]
    assert ledger.summaries().summaries == _expected(ledger)
    # Removed, and a file whose status left the workflow.
    (ledger.requirements_dir / "REQ-A-B.toml").unlink()
    _write(ledger, "REQ-AB", title="第二个", status="gone", depends_on=["REQ-A"])
    assert _dependents(ledger, "REQ-A") == []
    result = ledger.summaries()
    assert [s.id for s in result.summaries] == ["REQ-A"]
    assert sorted(p.path.name for p in result.problems) == ["REQ-AB.toml", "REQ-BAD.toml"]


def test_a_file_too_recent_to_trust_is_read_again(ledger: Ledger) -> None:
    path = _write(ledger, "REQ-A", title="Before")
    os.utime(path)  # just now: within the racy window
    table, _ = ledger.summary_table()
    assert table.row(0)[1] == "Before"
    assert table.array("sizes")[0] == UNTRUSTED
    path.write_text(path.read_text(encoding="utf-8").replace("Before", "After!"), "utf-8")
    os.utime(path, ns=(path.stat().st_mtime_ns, table.array("mtimes")[0]))
    assert ledger.summaries().summaries[0].title == "After!"


def test_without_the_cache_nothing_is_stored(ledger: Ledger) -> None:
    _write(ledger, "REQ-A", title="One")
    result = ledger.summaries(use_cache=False)
    assert [s.title for s in result.summaries] == ["One"]
    assert SummaryIndex.for_ledger(ledger.root).table is None


ids = st.text(alphabet="AB-\x00中", min_size=1, max_size=4).map(lambda s: "REQ-" + s)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    rows=st.lists(
        st.tuples(ids, st.text(max_size=6), st.lists(ids, max_size=3, unique=True)),
        max_size=6,
        unique_by=lambda r: r[0],
    ),
    wanted=ids,
)
def test_table_rows_and_dependents_match_the_plain_summaries(
    rows: list[tuple[str, str, list[str]]], wanted: str
) -> None:
    summaries: list[SummaryRow] = [
        tuple(summarize(make(i.replace("\x00", "0"), title=t if t.strip() else "x", depends_on=d)))  # type: ignore[misc]
        for i, t, d in rows
    ]
    packed: list[tuple[str, int, int, SummaryRow | None]] = [
        (f"N{n}.toml", n, n, s) for n, s in enumerate(summaries)
    ]
    absent = len(packed) // 2
    if packed:
        packed[absent] = (packed[absent][0], UNTRUSTED, 0, None)
    table = SummaryTable.pack(packed)
    expected = [None if p[3] is None else p[3] for p in packed]
    assert table.rows() == expected
    assert [table.row(i) for i, s in enumerate(expected) if s is not None] == [
        s for s in expected if s is not None
    ]
    assert table.dependents(wanted) == [
        i for i, s in enumerate(expected) if s is not None and wanted in s[3]
    ]
    for n, p in enumerate(packed):
        assert table.find(p[0]) == n
    assert table.find("N.toml") is None
    if len(expected) > 1 and expected[0] and expected[0][3]:
        joined = "\x00".join(expected[0][3])  # never matches across two dependencies
        assert table.dependents(joined + "\x00x") == []


def _titles(ledger: Ledger) -> dict[str, str]:
    return {t.id: t.title for t in ledger.titles()}


def test_title_store_reconciles_from_the_journal_when_the_names_are_the_snapshots(
    ledger: Ledger,
) -> None:
    from pmledger.ledger.titlestore import TitleStore

    first = ledger.create(make(title="First"))
    _write(ledger, "REQ-OTHER", title="From a pull")
    assert _titles(ledger) == {first.id: "First", "REQ-OTHER": "From a pull"}
    store = TitleStore.for_ledger(ledger.root)
    assert store.listing is not None  # the snapshot knows its names
    second = ledger.create(make(title="第二个"))  # a journal line
    ledger.path_for(second.id).unlink()  # removed by another program: the snapshot's names again
    assert _titles(ledger) == {first.id: "First", "REQ-OTHER": "From a pull"}
    other = ledger.requirements_dir / "REQ-OTHER.toml"
    text = other.read_bytes()
    other.unlink()
    assert _titles(ledger) == {first.id: "First"}  # recorded as removed
    other.write_bytes(text)  # back: the snapshot's names, but the journal says removed
    assert _titles(ledger) == {first.id: "First", "REQ-OTHER": "From a pull"}
    bad = ledger.requirements_dir / "REQ-BAD.toml"
    bad.write_text("title = [\n", encoding="utf-8")
    assert _titles(ledger) == {first.id: "First", "REQ-OTHER": "From a pull"}
    bad.unlink()
    assert _titles(ledger) == {first.id: "First", "REQ-OTHER": "From a pull"}


def test_a_file_removed_while_the_folder_is_read_is_left_out(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(ledger, "REQ-A", title="Stays")
    gone = _write(ledger, "REQ-B", title="Goes")
    (ledger.requirements_dir / ".hidden.toml").write_text("x", encoding="utf-8")
    listdir = os.listdir

    def racing(path: Path) -> list[str]:
        names = listdir(path)
        gone.unlink(missing_ok=True)  # removed between the listing and its stat
        return names

    monkeypatch.setattr(os, "listdir", racing)
    monkeypatch.setattr(os, "supports_dir_fd", {os.stat, os.open})
    assert [s.id for s in ledger.summaries().summaries] == ["REQ-A"]
    monkeypatch.setattr(os, "supports_dir_fd", set())
    assert [s.id for s in ledger.summaries().summaries] == ["REQ-A"]


title_rows = st.lists(
    st.tuples(
        st.text(alphabet="AB中\x00", min_size=1, max_size=3),
        st.text(max_size=5),
        st.text(alphabet="ab进行\x00", max_size=3),
        st.text(max_size=4),
        st.text(max_size=4),
        st.integers(0, 2**31),
    ),
    max_size=6,
    unique_by=lambda r: r[0],
)


@settings(max_examples=100, deadline=None)
@given(rows=title_rows)
def test_title_columns_give_back_every_row(rows: list[tuple[str, str, str, str, str, int]]) -> None:
    from pmledger.ledger.titlestore import TitleColumns

    data, odd = TitleColumns.pack(rows)
    columns = TitleColumns(data)
    plain = [r for r in rows if r not in odd]
    assert [columns.row(i) for i in range(len(plain))] == plain  # row by row, from slices
    assert list(columns.rows()) == plain  # whole columns
    assert [columns.row(i) for i in range(len(plain))] == plain  # after the split, too
    assert all("\x00" in "".join(r[:5]) for r in odd)


summary_rows = st.one_of(
    st.none(),
    st.tuples(ids, st.text(max_size=6), st.lists(ids, max_size=3, unique=True)).map(
        lambda r: cast(
            "SummaryRow",
            tuple(
                summarize(
                    make(
                        r[0].replace("\x00", "0"),
                        title=r[1] if r[1].strip() else "x",
                        depends_on=r[2],
                    )
                )
            ),
        )
    ),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    old_rows=st.lists(summary_rows, max_size=8),
    plan=st.lists(st.one_of(st.integers(0, 7), summary_rows), max_size=10),
)
def test_a_spliced_table_is_the_packed_table_of_its_rows(
    old_rows: list[SummaryRow | None], plan: list[int | SummaryRow | None]
) -> None:
    """A few rows read again, the others copied as slices: the same table
    as packing every row (statuses aside: a splice keeps the old ones too)."""
    old = SummaryTable.pack([(f"O{n}.toml", n, n, row) for n, row in enumerate(old_rows)])
    source: list[int | None] = []
    fresh: dict[int, SummaryRow | None] = {}
    new_rows: list[tuple[str, int, int, SummaryRow | None]] = []
    used: set[int] = set()
    for step in plan:
        i = len(new_rows)
        if isinstance(step, int) and step < len(old_rows) and step not in used:
            used.add(step)  # an old file, unchanged
            source.append(step)
            new_rows.append((f"O{step}.toml", step, step, old_rows[step]))
        elif not isinstance(step, int):
            source.append(None)  # a new file, or one read again
            fresh[i] = step
            new_rows.append((f"F{i}.toml", 1000 + i, 1000 + i, step))
    listing = "\x00".join(r[0] for r in new_rows)
    sizes = array("q", [r[1] for r in new_rows])
    mtimes = array("q", [r[2] for r in new_rows])
    got = old.spliced(listing, sizes, mtimes, source, fresh)
    want = SummaryTable.pack(new_rows)
    statuses = "distinct_statuses"
    assert {k: v for k, v in got._data.items() if k != statuses} == {
        k: v for k, v in want._data.items() if k != statuses
    }
    assert set(want._data[statuses]) <= set(got._data[statuses])
    assert got.rows() == want.rows()
