"""Comments a person writes in a requirement file survive every rewrite."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmledger import changes
from pmledger.errors import CommentsLostError
from pmledger.ledger import fileformat
from pmledger.ledger.comments import reattach, statements
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings

from .cli_helpers import add, editor_env, invoke, ok, req_path
from .conftest import make
from .test_fileformat import requirement_st

P = Path("REQ-AAAAA.toml")

COMMENTED = """\
# Raised in the November sales review
id = "REQ-AAAAA"
title = "客户列表导出"  # 王芳's words
status = "proposed"
priority = "medium"
created = 2026-01-01 00:00:00+00:00

# who asked
requester = "王芳"
owner = "bob"  # until December
tags = [  # from the workshop
    "crm",
    # the export team
    "export",
]
description = \"\"\"
a # not a comment
b\"\"\"

# agreed with 李雷
[rice]
reach = 450 # per quarter
impact = 3
# the end
"""


def test_comments_stay_with_their_keys_through_a_change() -> None:
    req = fileformat.loads(COMMENTED, P)
    changed = changes.apply_assignments(
        req, ["effort=3", "tags+=报表"], settings=Settings(), as_of=date(2026, 1, 2)
    )
    text, lost = fileformat.dumps_keeping_comments(changed, COMMENTED)
    assert lost == []
    assert text == (
        "# Raised in the November sales review\n"
        'id = "REQ-AAAAA"\n'
        'title = "客户列表导出"  # 王芳\'s words\n'
        'status = "proposed"\n'
        'priority = "medium"\n'
        "created = 2026-01-01 00:00:00+00:00\n"
        "# who asked\n"
        'requester = "王芳"\n'
        'owner = "bob"  # until December\n'
        "# the export team\n"
        "tags = [  # from the workshop\n"
        '    "crm",\n'
        '    "export",\n'
        '    "报表",\n'
        "]\n"
        "effort = 3\n"
        'description = """\n'
        "a # not a comment\n"
        'b"""\n'
        "\n"
        "# agreed with 李雷\n"
        "[rice]\n"
        "reach = 450  # per quarter\n"
        "impact = 3\n"
        "# the end\n"
    )
    assert fileformat.loads(text, P) == changed
    # Stable: rewriting the result changes nothing.
    assert fileformat.dumps(changed, original_text=text) == text


def test_a_comment_whose_key_is_gone_is_reported() -> None:
    req = fileformat.loads(COMMENTED, P)
    cleared = changes.apply_assignments(req, ["owner="], settings=Settings(), as_of=date.today())
    text, lost = fileformat.dumps_keeping_comments(cleared, COMMENTED)
    assert lost == ["# until December"]
    assert "until December" not in text


def test_without_comments_the_output_is_the_canonical_text() -> None:
    req = make(tags=["a"], rice={"reach": 1})
    canonical = fileformat.dumps(req)
    assert fileformat.dumps(req, original_text=canonical) == canonical
    assert reattach(canonical, canonical.replace('"a"', '"a # not a comment"')) == (canonical, [])
    [title] = statements('title = "x # y"\n')
    assert title.trailing is None


def test_ledger_save_refuses_to_drop_comments_silently(ledger: Ledger) -> None:
    req = ledger.create(make(owner="bob"))
    path = ledger.path_for(req.id)
    path.write_text(path.read_text().replace('owner = "bob"', 'owner = "bob"  # temp'))
    with pytest.raises(CommentsLostError, match="# temp"):
        ledger.save(req.model_copy(update={"owner": None}))
    heard: list[list[str]] = []
    ledger.save(req.model_copy(update={"owner": None}), on_lost_comments=heard.append)
    assert heard == [["# temp"]]
    assert "owner" not in path.read_text()


def _complete(line: str) -> bool:
    try:
        tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return False
    return True


comment_st = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=20
).map(lambda s: ("# " + s).rstrip())


@settings(max_examples=100, deadline=None)
@given(requirement_st, st.data())
def test_round_trip_with_comments(req: Requirement, data: st.DataObject) -> None:
    canonical = fileformat.dumps(req)
    lines = canonical.split("\n")[:-1]
    statements = [
        i
        for i, line in enumerate(lines)
        if line and not line.startswith((" ", "]", "#")) and ("=" in line or line.startswith("["))
    ]
    # Only real statement starts (not lines inside multi-line strings).
    from pmledger.ledger.comments import statements as scan

    starts = {s.line - 1 for s in scan(canonical)}
    candidates = sorted(starts & set(statements)) or [0]
    chosen = data.draw(st.sets(st.sampled_from(candidates)))
    # End-of-line comments on lines that hold a whole statement (or open an array).
    whole = [i for i in candidates if _complete(lines[i]) or lines[i].endswith("= [")]
    trailing = data.draw(st.sets(st.sampled_from(whole))) if whole else set()
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in chosen:
            out.append(data.draw(comment_st))
        out.append(f"{line}  {data.draw(comment_st)}" if i in trailing else line)
    commented = "\n".join(out) + "\n"
    again = fileformat.loads(commented, P)
    assert again == req
    text, lost = fileformat.dumps_keeping_comments(again, commented)
    assert lost == []
    assert text == commented
    assert fileformat.dumps(req) == canonical  # canonical output is unchanged


# -- through the commands --------------------------------------------------------


def _annotate(root: Path, rid: str) -> Path:
    path = req_path(root, rid)
    text = path.read_text(encoding="utf-8")
    text = "# from the sales review\n" + text.replace(
        'owner = "Li"', 'owner = "Li"  # until December'
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_set_status_note_and_edit_keep_comments(root: Path, tmp_path: Path) -> None:
    rid = add("Export", "--owner", "Li")
    path = _annotate(root, rid)
    ok(["set", rid, "effort=3"])
    ok(["status", rid, "accepted"])
    ok(["note", rid, "agreed", "--by", "Wang"])
    env = editor_env(tmp_path, "path.write_text(text.replace('effort = 3', 'effort = 5'))")
    ok(["edit", rid], env=env)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# from the sales review\n")
    assert 'owner = "Li"  # until December\n' in text
    assert "effort = 5" in text and 'status = "accepted"' in text


def test_set_says_so_before_dropping_a_comment(root: Path) -> None:
    rid = add("Export", "--owner", "Li")
    path = _annotate(root, rid)
    result = invoke(["set", rid, "owner="])
    assert result.exit_code == 0
    assert "# until December" in result.stderr and "dropped" in result.stderr
    assert "December" not in path.read_text(encoding="utf-8")


def test_created_in_the_past_is_unaffected() -> None:
    # A date `created` is written as a date (no comment machinery involved).
    req = make(created=date(2025, 5, 1))
    assert "created = 2025-05-01\n" in fileformat.dumps(
        req, original_text=fileformat.dumps(req) + "# end\n"
    )
    assert datetime(2025, 5, 1, tzinfo=UTC) == req.created_at


def test_edit_says_so_before_dropping_a_comment(root: Path, tmp_path: Path) -> None:
    rid = add("Export", "--owner", "Li")
    path = _annotate(root, rid)
    env = editor_env(tmp_path, "path.write_text(text.replace('owner = \"Li\"', 'owner = \"\"'))")
    result = ok(["edit", rid], env=env)
    assert "# until December" in result.stderr and "dropped" in result.stderr
    assert "owner" not in path.read_text(encoding="utf-8")
