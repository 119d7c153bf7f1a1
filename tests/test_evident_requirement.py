"""`evident_requirement` builds exactly what the model's validator builds, or declines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from pmledger.ledger.model import Requirement, evident_requirement

from .test_fileformat import aware_dt, extras, text_st
from .test_git_fast_path import documents

texts = st.lists(text_st, max_size=3)
plain = st.integers(0, 10**6) | st.floats(0, 1e6)


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Documents whose every value is valid as it stands (the evident path's whole domain)."""
    doc: dict[str, Any] = {
        "id": draw(text_st),
        "title": draw(text_st),
        "status": draw(text_st),
        "priority": draw(st.sampled_from(["critical", "high", "medium", "low"])),
        "created": draw(st.dates() | aware_dt),
    }
    optional = {
        "requester": text_st | st.none(),
        "department": text_st,
        "owner": text_st | st.none(),
        "tags": texts,
        "due": st.dates() | st.none(),
        "effort": plain | st.none(),
        "value": plain | st.integers(-5, 5),
        "goal": text_st,
        "sprint": text_st,
        "depends_on": texts,
        "links": texts,
        "description": text_st,
        "acceptance": texts,
        "import_source": text_st,
        "rice": st.fixed_dictionaries(
            {}, optional={"reach": plain, "impact": st.sampled_from([3, 2, 1, 0.5, 0.25])}
        )
        | st.none(),
        "wsjf": st.fixed_dictionaries({}, optional={"job_size": st.integers(1, 9)}),
        "ice": st.fixed_dictionaries({}, optional={"ease": st.integers(1, 10)}),
        "notes": st.lists(
            st.fixed_dictionaries(
                {"at": aware_dt, "by": text_st | st.just(""), "text": text_st},
                optional={"mood": text_st},
            ),
            max_size=2,
        ),
    }
    doc.update(draw(st.fixed_dictionaries({}, optional=optional)))
    doc.update(draw(extras))
    return doc


def _state(model: BaseModel) -> tuple[Any, ...]:
    return (
        type(model),
        model.__dict__,
        model.__pydantic_extra__,
        model.__pydantic_fields_set__,
        model.__pydantic_private__,
        [type(v) for v in model.__dict__.values()],
    )


def _same(fast: Requirement, full: Requirement) -> None:
    assert _state(fast) == _state(full)
    assert [_state(n) for n in fast.notes] == [_state(n) for n in full.notes]
    assert fast == full


@settings(max_examples=500)
@given(documents())
def test_evident_requirement_is_the_validated_model_or_none(doc: dict[str, Any]) -> None:
    fast = evident_requirement(dict(doc))
    try:
        full = Requirement.model_validate(dict(doc))
    except ValidationError:
        assert fast is None  # never accepts what the model refuses
        return
    if fast is not None:
        _same(fast, full)


@settings(max_examples=300)
@given(valid_documents())
def test_evident_requirement_accepts_valid_values_and_builds_the_model(
    doc: dict[str, Any],
) -> None:
    fast = evident_requirement(dict(doc))
    assert fast is not None
    _same(fast, Requirement.model_validate(dict(doc)))


def test_new_requirement_values_take_the_evident_path() -> None:
    data: dict[str, Any] = {
        "id": "NEW",
        "title": "导出发票",
        "status": "proposed",
        "priority": "high",
        "created": datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        "requester": None,
        "tags": ["crm"],
        "due": date(2026, 12, 1),
        "effort": 3,
        "depends_on": [],
        "rice": None,
    }
    fast = evident_requirement(data)
    assert fast is not None
    _same(fast, Requirement.model_validate(data))
    # A spelling the model rewrites, or a value it refuses: the model decides.
    assert evident_requirement({**data, "priority": "P1"}) is None
    assert evident_requirement({**data, "owner": "  "}) is None
    assert evident_requirement({**data, "tags": None}) is None
    assert evident_requirement({**data, "created": datetime(2026, 11, 20)}) is None
    assert evident_requirement({k: v for k, v in data.items() if k != "title"}) is None


class _Text(str):
    pass


class _Number(int):
    pass


def test_subclasses_the_model_converts_are_left_to_it() -> None:
    data: dict[str, Any] = {
        "id": "REQ-A",
        "title": "t",
        "status": "proposed",
        "priority": "low",
        "created": datetime(2026, 11, 20, tzinfo=UTC),
    }
    for changed in (
        {"title": _Text("t")},
        {"tags": [_Text("x")]},
        {"effort": _Number(3)},
        {"notes": [{"at": datetime(2026, 11, 20, tzinfo=UTC), "by": _Text("a"), "text": "b"}]},
    ):
        doc = {**data, **changed}
        assert evident_requirement(doc) is None
        Requirement.model_validate(doc)  # valid: the model converts the subclass
    fast = evident_requirement({**data, "priority": _Text("low"), "zz": _Text("kept")})
    assert fast is not None
    _same(fast, Requirement.model_validate({**data, "priority": _Text("low"), "zz": _Text("kept")}))
