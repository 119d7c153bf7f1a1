"""Through the commands: Chinese commas, write-time checks, hints a pip user can follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmledger.cli.errors import ERROR_TABLE

from .cli_helpers import add, assert_clean_error, invoke, ok, read_req, req_path


def test_chinese_commas_split_tags_on_add_set_and_filters(root: Path) -> None:
    rid = add("客户列表导出", "-t", "销售、CRM，导出")
    assert read_req(root, rid)["tags"] == ["销售", "CRM", "导出"]
    ok(["set", rid, "tags+=报表、月度"])
    assert read_req(root, rid)["tags"] == ["销售", "CRM", "导出", "报表", "月度"]
    other = add("Other", "-t", "销售")
    listed = ok(["list", "--tag", "销售、报表", "-f", "json"]).stdout
    assert rid in listed and other not in listed


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("rice.impact=4", "rice.impact must be one of 3, 2, 1, 0.5, 0.25"),
        ("rice.confidence=1.5", "rice.confidence must be more than 0 and at most 1"),
        ("ice.ease=0", "ice.ease must be from 1 to 10"),
        ("rice.foo=2", "rice has no input 'foo'"),
        ("effort=abc", "effort must be a number, got 'abc'"),
    ],
)
def test_set_refuses_impossible_inputs_with_the_range(
    root: Path, assignment: str, words: str
) -> None:
    rid = add("Export")
    before = req_path(root, rid).read_bytes()
    result = invoke(["set", rid, assignment])
    assert_clean_error(result, 2)
    assert words in result.stderr
    assert req_path(root, rid).read_bytes() == before


def test_set_refuses_a_dependency_cycle_naming_it(root: Path) -> None:
    a = add("A")
    b = add("B", "--depends-on", a)
    result = invoke(["set", a, f"depends_on={b}"])
    assert_clean_error(result, 2)
    assert f"{a} -> {b} -> {a}" in result.stderr
    result = invoke(["set", a, f"depends_on+={a}"])
    assert_clean_error(result, 2)
    assert "cannot depend on itself" in result.stderr
    assert "depends_on" not in read_req(root, a)


def test_set_refuses_a_link_that_is_neither_url_nor_path(root: Path) -> None:
    rid = add("Export")
    result = invoke(["set", rid, "links=ask Wang"])
    assert_clean_error(result, 2)
    assert "neither a URL" in result.stderr
    ok(["set", rid, "links=https://wiki.example.cn/导出,specs/export.md"])
    assert read_req(root, rid)["links"] == ["https://wiki.example.cn/导出", "specs/export.md"]


def test_a_broken_file_lists_every_problem_in_plain_words(root: Path) -> None:
    rid = add("Export")
    path = req_path(root, rid)
    path.write_text(
        path.read_text(encoding="utf-8") + 'effort = "abc"\ndue = "soon"\n', encoding="utf-8"
    )
    result = invoke(["show", rid])
    assert_clean_error(result, 1)
    assert "effort must be a number, got 'abc'" in result.stderr
    assert "due must be a date (YYYY-MM-DD), got 'soon'" in result.stderr
    for jargon in ("Input should", "field '", "more problem", "docs/"):
        assert jargon not in result.stderr


def test_a_settings_typo_names_the_key_and_no_docs_path(root: Path) -> None:
    config = root / "pmledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('model = "default"', 'model = "rce"'),
        encoding="utf-8",
    )
    result = invoke(["list"])
    assert_clean_error(result, 1)
    assert "scoring.model must be one of" in result.stderr and "'rce'" in result.stderr
    assert "docs/" not in result.stderr


def test_no_hint_points_at_files_a_pip_user_lacks() -> None:
    for code, hint in ERROR_TABLE.values():
        assert "docs/" not in hint
        assert "pmledger.toml" not in hint or code == 0


def test_no_ledger_error_does_not_say_fix_pmledger_toml(tmp_path: Path) -> None:
    result = invoke(["--ledger", str(tmp_path / "nowhere"), "list"])
    assert_clean_error(result, 1)
    assert "fix pmledger.toml" not in result.stderr
