"""Near-duplicate titles for `add`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pmledger.ledger.ledger import summarize
from pmledger.query.similarity import bigrams, similar, similarity

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
