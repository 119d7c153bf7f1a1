"""Near-duplicate titles for `add`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pmledger.ledger.scan import summarize
from pmledger.query.similarity import DuplicateIndex, bigrams, exact_key, similar, similarity

from .conftest import make


def test_similarity_works_for_chinese_and_english() -> None:
    assert similarity("客户列表导出 Excel", "客户列表导出Excel表格") > 0.8
    assert similarity("Export customer list", "export  customer-list!") == 1.0
    assert similarity("客户列表导出", "发票批量开具") == 0.0
    assert bigrams("") == frozenset()


def test_similar_ranks_best_first_and_respects_threshold() -> None:
    reqs = [
        make("REQ-A", title="Export customer list to Excel"),
        make("REQ-B", title="Export customer list"),
        make("REQ-C", title="Invoice batch issuing"),
    ]
    found = similar("Export the customer list", reqs)
    assert [m.requirement.id for m in found] == ["REQ-B", "REQ-A"]
    assert similar("Something else entirely", reqs) == []


titles = st.text(alphabet="abcde 客户列表导出XY-", min_size=0, max_size=20)


@given(titles, st.lists(titles, max_size=8), st.floats(0.1, 1.0))
def test_index_fast_path_agrees_with_plain_comparison(title, others, threshold):  # type: ignore[no-untyped-def]
    reqs = [make(f"REQ-{i:05d}", title=t) for i, t in enumerate(others) if t.strip()]
    plain = similar(title, reqs, threshold=threshold, limit=100)
    indexed = similar(title, [summarize(r) for r in reqs], threshold=threshold, limit=100)
    assert [(m.requirement.id, m.similarity) for m in plain] == [
        (m.requirement.id, m.similarity) for m in indexed
    ]
    for m in plain:
        assert abs(m.similarity - similarity(title, m.requirement.title)) < 1e-3


pair_titles = st.lists(
    st.text(alphabet="abcab 客户客户列表导出X-。", min_size=1, max_size=12), max_size=25
)


@given(pair_titles, st.floats(0.05, 1.0))
def test_duplicate_index_finds_exactly_the_pairs_of_the_pairwise_check(titles, threshold):  # type: ignore[no-untyped-def]
    reqs = [make(f"REQ-{i:05d}", title=t) for i, t in enumerate(titles) if t.strip()]
    # Built incrementally, as `add -` does: each title against every earlier one.
    index = DuplicateIndex(threshold=threshold)
    indexed = set()
    for req in reqs:
        for m in index.similar(req.title, limit=10_000):
            indexed.add((m.requirement.id, req.id, m.similarity))
        index.add(req)
    pairwise = {
        (earlier.id, req.id, m.similarity)
        for i, req in enumerate(reqs)
        for m in similar(req.title, reqs[:i], threshold=threshold, limit=10_000)
        for earlier in [m.requirement]
    }
    assert indexed == pairwise
    # Built in one go (the order tuned by every title) gives the same answers.
    whole = DuplicateIndex(reqs, threshold=threshold, expected=["客户", "xx"])
    for req in reqs:
        for limit in (1, 3, 100):
            assert [
                (m.requirement.id, m.similarity) for m in whole.similar(req.title, limit=limit)
            ] == [
                (m.requirement.id, m.similarity)
                for m in similar(req.title, reqs, threshold=threshold, limit=limit)
            ]


def test_exact_key_ignores_case_width_spaces_and_surrounding_punctuation() -> None:
    assert exact_key("客户列表导出 Excel。") == exact_key("客户列表导出ｅｘｃｅｌ")
    assert exact_key("C# support") != exact_key("C++ support")
    index = DuplicateIndex([make("REQ-A", title="Export list"), make("REQ-B", title="C# x")])
    assert [r.id for r in index.exact("export LIST!")] == ["REQ-A"]
    assert index.exact("C++ x") == []
    assert len(index) == 2


@given(titles, st.lists(titles, max_size=25), st.floats(0.05, 1.0))
def test_column_scan_keeps_exactly_what_the_checks_accept(title, others, threshold):  # type: ignore[no-untyped-def]
    # likely_matches (add's scan of the title store's columns) must keep every
    # row `similar` accepts and every row with the same title key, and no other.
    from unittest import mock

    from pmledger.query import similarity
    from pmledger.query.similarity import likely_matches, title_key

    rows = [summarize(make(f"REQ-{i:05d}", title=t)) for i, t in enumerate(others) if t.strip()]
    accepted = {m.requirement.id for m in similar(title, rows, threshold=threshold, limit=10**6)}
    same_key = {r.id for r in rows if r.title_key == title_key(title)}
    # Rarity judged on all the keys, and on a sample of a few characters
    # (as at 100k): which bigrams are probed changes, never the answer.
    for sample in (similarity._RARITY_SAMPLE, 3):
        with mock.patch.object(similarity, "_RARITY_SAMPLE", sample):
            kept = likely_matches(
                title,
                [r.title_key for r in rows],
                [r.title_bigrams for r in rows],
                threshold=threshold,
            )
        assert {rows[i].id for i in kept} == accepted | same_key


def test_duplicate_index_agrees_on_a_batch_of_near_duplicates() -> None:
    # Many titles of one template with a number, and templates sharing words
    # (as `add -` sees an import): long prefixes, counts needing several bit
    # planes, every size class; the answers must still be the pairwise ones.
    import random

    rng = random.Random(9)
    verbs = ["Export", "Merge", "Fix", "导出", "合并", "Speed up"]
    objects = ["weekly report", "invoices", "客户列表", "库存预警", "ticket routing"]
    titles = [
        f"{rng.choice(verbs)} {rng.choice(objects)}"
        + rng.choice(["", f" #{rng.randint(1, 400)}", " on mobile", "（移动端）"])
        for _ in range(160)
    ]
    reqs = [make(f"REQ-{i:05d}", title=t) for i, t in enumerate(titles)]
    ledger, batch = reqs[:60], reqs[60:]
    index = DuplicateIndex(ledger, expected=[r.title for r in batch])
    for i, req in enumerate(batch):
        earlier = ledger + batch[:i]
        for limit in (1, 3):
            assert [
                (m.requirement.id, m.similarity) for m in index.similar(req.title, limit=limit)
            ] == [
                (m.requirement.id, m.similarity) for m in similar(req.title, earlier, limit=limit)
            ]
        index.add(req)


def test_only_the_same_title_is_shown_as_100_percent_alike() -> None:
    from pmledger.query.similarity import shown_percent

    assert similarity("C++ y", "C# y") == 1.0  # their bigrams, punctuation aside
    assert shown_percent(similarity("C++ y", "C# y"), "C++ y", "C# y") == 99
    assert shown_percent(1.0, "客户列表导出 Excel。", "客户列表导出excel") == 100
    assert shown_percent(0.754, "a", "b") == 75
