"""The merge driver's pydantic-free writer (pmledger.ledger.records.fast_requirement_text):
the same bytes as the model's canonical writer, and never accepting what the model refuses."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pmledger.ledger import fileformat, records
from pmledger.ledger.model import (
    DATE_FIELDS,
    KEY_ORDER,
    LIST_FIELDS,
    NUMBER_FIELDS,
    RICE_IMPACTS,
    SCORING_INPUTS,
    SCORING_TABLES,
    Priority,
    Requirement,
)

from .test_fileformat import aware_dt, extras, local_dt, number, text_st


def test_the_fast_paths_schema_facts_are_the_models() -> None:
    assert tuple(records.FAST_FIELDS) == KEY_ORDER
    assert tuple(p.value for p in Priority) == records.FAST_PRIORITIES
    assert tuple(records.FAST_SCORING) == SCORING_TABLES
    assert {k: tuple(v) for k, v in records.FAST_SCORING.items()} == {
        k: tuple(m.model_fields) for k, m in SCORING_INPUTS.items()
    }
    assert records.FAST_RICE_IMPACTS == RICE_IMPACTS
    lists = {k for k, v in records.FAST_FIELDS.items() if v is records._texts}
    assert lists == set(LIST_FIELDS)
    assert set(DATE_FIELDS) <= set(records.FAST_FIELDS)
    assert set(NUMBER_FIELDS) <= set(records.FAST_FIELDS)
    required = {n for n, f in Requirement.model_fields.items() if f.is_required()}
    assert set(records.FAST_REQUIRED) == required


naive = local_dt
# Valid values, and near misses the model rewrites (aliases, naive datetimes,
# blank text) or refuses (wrong types, out of range): the fast path must hand
# all of those to the model.
blank = st.sampled_from(["", "  ", "\t"])
maybe_text = text_st | blank | st.integers(0, 5)
score_number = number | st.booleans() | st.sampled_from([float("inf"), 0, -1, 11, 0.3])
rice = st.fixed_dictionaries(
    {},
    optional={
        "reach": score_number,
        "impact": st.sampled_from([3, 2, 1, 0.5, 0.25, 4]) | score_number,
        "confidence": st.floats(0.01, 1.0) | score_number,
        "effort": st.integers(1, 100) | score_number,
        "raech": st.integers(1, 3),
    },
)
ice = st.fixed_dictionaries(
    {}, optional={k: st.integers(1, 10) | score_number for k in ("impact", "confidence", "ease")}
)
wsjf = st.fixed_dictionaries(
    {},
    optional={
        k: st.integers(0, 20) | score_number
        for k in ("business_value", "time_criticality", "risk_reduction", "job_size")
    },
)
note = st.fixed_dictionaries(
    {"at": aware_dt | naive | st.dates(), "by": text_st | st.just(""), "text": text_st},
    optional={"mood": text_st, "tags": st.lists(text_st, max_size=2)},
)
text_list = st.lists(text_st | blank, max_size=3)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "REQ-AAAAA",
        "title": draw(maybe_text),
        "status": draw(text_st | blank),
        "priority": draw(st.sampled_from(["critical", "high", "medium", "low", "P1", "must", 3])),
        "created": draw(st.dates() | aware_dt | naive),
    }
    optional = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "requester": maybe_text,
                "department": maybe_text,
                "owner": maybe_text,
                "tags": text_list,
                "due": st.dates() | aware_dt,
                "effort": st.integers(0, 100) | score_number | st.just("3"),
                "value": number | st.booleans(),
                "goal": maybe_text,
                "sprint": maybe_text,
                "depends_on": text_list,
                "links": text_list,
                "description": maybe_text,
                "acceptance": text_list,
                "import_source": maybe_text,
                "rice": rice,
                "wsjf": wsjf,
                "ice": ice,
                "notes": st.lists(note, max_size=3),
            },
        )
    )
    doc.update(optional)
    doc.update(draw(extras))
    for key in draw(st.sets(st.sampled_from(list(doc)), max_size=1)):
        if key != "id":
            del doc[key]  # a required key may be missing too
    return doc


def _full(doc: dict[str, Any], original: str | None = None) -> str | None:
    try:
        req = Requirement.model_validate(dict(doc))
    except ValidationError:
        return None
    return fileformat.dumps(req, original_text=original)


@settings(max_examples=400)
@given(documents())
def test_the_fast_path_writes_what_the_model_writes_or_leaves_it_to_the_model(
    doc: dict[str, Any],
) -> None:
    fast = records.fast_requirement_text(doc)
    if fast is not None:
        assert _full(doc) == fast


@settings(max_examples=200)
@given(documents())
def test_valid_canonical_records_take_the_fast_path(doc: dict[str, Any]) -> None:
    full = _full(doc)
    if full is None:
        return
    # Whatever the model accepts, once written canonically, the fast path
    # writes byte for byte the same (a merged record is made of such values).
    again = tomllib.loads(full)
    fast = records.fast_requirement_text(again)
    if _full(again) == full:
        assert fast == full
    else:
        # Not a fixed point of the model (a value the first canonical write
        # still changes): the model decides, never the fast path.
        assert fast is None
    assert records.REQUIREMENT.canonical(again, None) == _full(again)


def test_comments_are_kept_as_the_model_path_keeps_them() -> None:
    original = (
        "# why this matters\n"
        'id = "REQ-AAAAA"\ntitle = "Export"  # short\nstatus = "accepted"\n'
        'priority = "high"\ncreated = 2025-01-02\n# the owner\nowner = "Li"\n'
    )
    doc = tomllib.loads(original)
    doc["status"] = "done"
    assert records.fast_requirement_text(doc, original) == _full(doc, original)
    assert "# why this matters" in (records.fast_requirement_text(doc, original) or "")


def test_an_alias_or_a_naive_datetime_goes_to_the_model() -> None:
    base = {"id": "REQ-AAAAA", "title": "t", "status": "proposed", "created": date(2025, 1, 1)}
    assert records.fast_requirement_text({**base, "priority": "P1"}) is None
    assert records.REQUIREMENT.canonical({**base, "priority": "P1"}, None) == _full(
        {**base, "priority": "high"}
    )
    naive_created = {**base, "priority": "low", "created": datetime(2025, 1, 1, 8)}
    assert records.fast_requirement_text(naive_created) is None
    aware = datetime(2025, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert records.fast_requirement_text({**base, "priority": "low", "created": aware})
    assert records.fast_requirement_text(
        {**base, "priority": "low", "created": aware.astimezone(UTC)}
    )


def test_the_driver_merges_without_importing_pydantic(tmp_path: Path) -> None:
    head = 'id = "REQ-AAAAA"\ntitle = "Export"\nstatus = "proposed"\npriority = "medium"\n'
    base = head + "created = 2025-01-02\n"
    ours = base.replace("proposed", "in-progress") + (
        '\n[[notes]]\nat = 2025-02-01T09:00:00+08:00\nby = "Li"\ntext = "我们这边"\n'
    )
    theirs = base.replace("medium", "critical") + (
        '\n[[notes]]\nat = 2025-01-05T09:00:00Z\nby = "Bo"\ntext = "theirs"\n'
    )
    files = []
    for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / name))
    probe = (
        "import sys; from pmledger.git.__main__ import main; "
        f"code = main(['merge-file', *{files!r}, 'requirements/REQ-AAAAA.toml']); "
        "assert 'pydantic' not in sys.modules, 'pydantic imported'; sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    merged = (tmp_path / "ours").read_text(encoding="utf-8")
    assert 'status = "in-progress"' in merged and 'priority = "critical"' in merged
    assert merged.index('text = "theirs"') < merged.index('text = "我们这边"')
    assert merged == _full(tomllib.loads(merged))
