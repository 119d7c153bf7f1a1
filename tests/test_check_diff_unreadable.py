"""`check` and `diff` facing a file they cannot read, and how `check` words and
orders its problems (session 9 new-user findings)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pmledger.check import check_ledger
from pmledger.ledger.ledger import Ledger

from .cli_helpers import invoke, ok
from .git_helpers import commit_all, git

# In the example ledger, ACME-C5NWD depends on ACME-9RT3V.
DEPENDENT, DEPENDENCY = "ACME-C5NWD", "ACME-9RT3V"


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _codes(ledger: Ledger) -> list[tuple[str, str | None]]:
    return [
        (p.code, p.path.stem if p.path else None) for p in check_ledger(ledger, git=False).problems
    ]


def test_a_link_to_an_unreadable_file_is_not_dangling(example: Ledger) -> None:
    assert DEPENDENCY in example.load(DEPENDENT).depends_on
    target = example.path_for(DEPENDENCY)
    original = target.read_text(encoding="utf-8")
    _append(target, "x = \n")
    assert _codes(example) == [("toml-syntax", DEPENDENCY)]
    # The same after a merge conflict in that file.
    target.write_text(
        original.replace(
            "\nstatus = ",
            '\n<<<<<<< ours\nowner = "a"\n=======\nowner = "b"\n>>>>>>> theirs\nstatus = ',
            1,
        ),
        encoding="utf-8",
    )
    assert _codes(example) == [("merge-conflict", DEPENDENCY)]
    # A file without a readable ID (its stem is what links name).
    target.write_text(original.replace(f'id = "{DEPENDENCY}"\n', ""), encoding="utf-8")
    assert ("dangling-dependency", DEPENDENT) not in _codes(example)
    # A link to no file at all is still dangling, with its fix.
    target.unlink()
    problems = check_ledger(example, git=False).problems
    dangling = [p for p in problems if p.code == "dangling-dependency"]
    assert [p.fix for p in dangling] == [f"pmledger set {DEPENDENT} depends_on-={DEPENDENCY}"]


def test_a_goal_whose_file_is_unreadable_is_not_dangling(example: Ledger) -> None:
    goal_file = next((example.root / "goals").glob("*.toml"))
    _append(goal_file, "x = \n")
    codes = _codes(example)
    assert ("toml-syntax", goal_file.stem) in codes
    assert not [c for c in codes if c[0].startswith("dangling")]


def test_check_json_names_no_dangling_link_to_a_broken_file(example: Ledger) -> None:
    _append(example.path_for(DEPENDENCY), "x = \n")
    result = invoke(["-L", str(example.root), "check", "-f", "json"], env={"CI": "true"})
    assert result.exit_code == 1
    assert [p["code"] for p in json.loads(result.stdout)] == ["toml-syntax"]


def test_out_of_range_scoring_inputs_are_scoring_range_once(example: Ledger) -> None:
    rice, ice = "ACME-1M6T2", "ACME-8S0Z6"
    for req_id, old, new in (
        (rice, "impact = 2\n", "impact = 1.5\n"),
        (rice, "effort = 3\n", "effort = 0\n"),
        (ice, "ease = 7\n", "ease = 11\n"),
    ):
        path = example.path_for(req_id)
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = invoke(["-L", str(example.root), "check", "-f", "json"], env={"CI": "true"})
    assert result.exit_code == 1
    found = [(p["code"], p["path"], p["field"]) for p in json.loads(result.stdout)]
    assert found == [
        ("scoring-range", str(example.path_for(rice)), "rice.impact"),
        ("scoring-range", str(example.path_for(rice)), "rice.effort"),
        ("scoring-range", str(example.path_for(ice)), "ice.ease"),
    ]
    # A value of the wrong type is a schema error, as any field's.
    path = example.path_for(ice)
    path.write_text(
        path.read_text(encoding="utf-8").replace("ease = 11\n", "ease = true\n"), encoding="utf-8"
    )
    codes = {(p.code, p.field) for p in check_ledger(example, git=False).problems}
    assert ("schema", "ice.ease") in codes
    assert ("scoring-range", "ice.ease") not in codes


@pytest.fixture
def committed(example: Ledger) -> Ledger:
    """The example ledger in a git repository, everything committed."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(example.root, "init", "-q")
    git(example.root, "config", "user.name", "Test User")
    git(example.root, "config", "user.email", "test@example.invalid")
    commit_all(example.root, "base")
    return example


def test_diff_leaves_a_file_unreadable_on_one_side_out_of_both_rankings(
    committed: Ledger,
) -> None:
    example = committed
    root = example.root
    broken = "ACME-F6JR1"
    path = example.path_for(broken)
    good = path.read_text(encoding="utf-8")
    args = ["-L", str(root), "diff", "--as-of", "2026-11-20"]
    path.write_text(good + "bad = \n", encoding="utf-8")
    data = json.loads(invoke([*args, "-f", "json"]).stdout)
    assert [p["path"] for p in data["problems"]] == [f"requirements/{broken}.toml"]
    assert (data["added"], data["removed"], data["changed"]) == ([], [], [])
    assert data["rank_moves"] == []
    text = invoke(args).stdout
    assert "left the ranking" not in text and "Rank moves" not in text
    # Broken in the old revision, repaired in the new one: nothing entered.
    commit_all(root, "break it")
    path.write_text(good, encoding="utf-8")
    data = json.loads(invoke([*args, "-f", "json"]).stdout)
    assert [p["revision"] for p in data["problems"]] == ["HEAD"]
    assert data["rank_moves"] == [] and data["added"] == []
    # A real move beside the broken file is still reported, without phantoms.
    commit_all(root, "repair it")
    path.write_text(good + "bad = \n", encoding="utf-8")
    ok(["-L", str(root), "set", "ACME-HB2H8", "priority=critical"])
    moves = json.loads(invoke([*args, "-f", "json"]).stdout)["rank_moves"]
    assert broken not in {m["id"] for m in moves}
    assert moves[0]["id"] == "ACME-HB2H8" and moves[0]["term"] == "priority"


def test_check_and_fmt_give_the_column_of_a_toml_error_and_the_real_id(example: Ledger) -> None:
    root = str(example.root)
    path = example.path_for(DEPENDENCY)
    _append(path, "x = \n")
    line = len(path.read_text(encoding="utf-8").splitlines())
    listed = invoke(["-L", root, "list"])
    # As list and rank say it, from the same parser: line and column.
    assert f"{DEPENDENCY}.toml:{line}:5: not valid TOML" in listed.stderr
    result = invoke(["-L", root, "check"], env={"CI": "true"})
    assert result.exit_code == 1
    assert f"requirements/{DEPENDENCY}.toml:{line}:5: error: not valid TOML" in result.stdout
    assert f"fix: fix the TOML syntax (or `pmledger edit {DEPENDENCY}`)" in result.stdout
    assert "pmledger edit ID" not in result.stdout
    zh = invoke(["--lang", "zh", "-L", root, "check"], env={"CI": "true"})
    assert f"`pmledger edit {DEPENDENCY}`" in zh.stdout and ":5：" in zh.stdout
    formatted = invoke(["-L", root, "fmt"])
    assert f"requirements/{DEPENDENCY}.toml:{line}:5: not valid TOML" in formatted.stderr
    # JSON keeps its fields (no column); its fix names the ID too.
    (found,) = json.loads(invoke(["-L", root, "check", "-f", "json"]).stdout)
    assert set(found) == {"severity", "code", "message", "path", "line", "field", "fix"}
    assert found["fix"] == f"fix the TOML syntax (or `pmledger edit {DEPENDENCY}`)"
    # `edit` opens requirements only: a goal's fix does not send one there.
    goal_file = next((example.root / "goals").glob("*.toml"))
    _append(goal_file, "x = \n")
    goal = next(p for p in check_ledger(example, git=False).problems if p.path == goal_file)
    assert goal.fix == "fix the TOML syntax"


def test_check_groups_each_files_problems_in_line_order(example: Ledger) -> None:
    first, second = "ACME-1M6T2", "ACME-2N9V5"
    path = example.path_for(first)
    text = path.read_text(encoding="utf-8")
    # A dangling goal (line 16, found across files) and an unknown key on the
    # last line (found in the file itself) in the first file ...
    path.write_text(
        text.replace('goal = "Q4-retention"', 'goal = "No-such-goal"') + "colour = 1\n",
        encoding="utf-8",
    )
    # ... then a second file with a problem of its own and a duplicate ID.
    copy = example.requirements_dir / "ACME-ZZZZZ.toml"
    copy.write_text(example.path_for(second).read_text(encoding="utf-8"), encoding="utf-8")
    _append(example.path_for(second), "colour = 2\n")
    expected = [
        (first, "dangling-goal"),
        (first, "unknown-key"),
        (second, "unknown-key"),
        (second, "duplicate-id"),
        ("ACME-ZZZZZ", "file-name"),
        ("ACME-ZZZZZ", "duplicate-id"),
    ]
    problems = check_ledger(example, git=False).problems
    assert [(p.path.stem if p.path else None, p.code) for p in problems] == expected
    root = str(example.root)
    result = invoke(["-L", root, "check", "-f", "json"], env={"CI": "true"})
    assert result.exit_code == 1
    assert [(Path(p["path"]).stem, p["code"]) for p in json.loads(result.stdout)] == expected
    text_out = invoke(["-L", root, "check"], env={"CI": "true"})
    assert text_out.exit_code == 1
    lines = [line for line in text_out.stdout.splitlines() if not line.startswith(" ")]
    named = [Path(line.split(".toml:")[0]).name for line in lines]
    assert named == [stem for stem, _code in expected]


@pytest.mark.parametrize("how", ["copy under another name", "permission denied"])
def test_diff_counts_a_file_list_cannot_read_as_unreadable_not_added(
    committed: Ledger, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = committed
    root = example.root
    source = example.path_for("ACME-F6JR1")
    if how == "copy under another name":
        # A copy whose id names another requirement: list and check refuse it.
        target = source.with_name("ACME-ZZZZ9.toml")
        shutil.copyfile(source, target)
    else:
        target = source
        source.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        real = Path.read_bytes

        def refusing(self: Path) -> bytes:
            if self.name == target.name:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", refusing)
    result = invoke(["-L", str(root), "diff", "--as-of", "2026-11-20", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [p["path"] for p in data["problems"]] == [f"requirements/{target.name}"]
    assert (data["added"], data["removed"], data["rank_moves"]) == ([], [], [])
