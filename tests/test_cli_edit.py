"""`pmledger edit`: the editor loop never saves an invalid file.

EDITOR is a small Python script (see ``cli_helpers.editor_env``) that edits
the file it is given, and may behave differently on its second call.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pmledger.ledger import fileformat

from .cli_helpers import (
    add,
    assert_clean_error,
    editor_calls,
    editor_env,
    invoke,
    ok,
    read_req,
    req_path,
)


@pytest.fixture
def rid(root: Path) -> str:
    return add("Customer list export", "-p", "high", "-t", "crm", "--owner", "Li Lei")


def test_edit_valid_change_is_saved_canonically(tmp_path: Path, root: Path, rid: str) -> None:
    # The "user" rewrites the file by hand: keys out of order, an alias, odd spacing.
    env = editor_env(
        tmp_path,
        "import tomllib\n"
        "data = tomllib.loads(text)\n"
        "lines = [\n"
        "    'owner    =   \"王芳\"',\n"
        "    'priority = \"P0\"',\n"
        "    f'created = {data[\"created\"].isoformat()}',\n"
        '    f\'title = "{data["title"]} (v2)"\',\n'
        '    \'tags = ["crm",   "export"]\',\n'
        '    f\'id = "{data["id"]}"\',\n'
        "    'status = \"accepted\"',\n"
        "]\n"
        "path.write_text('\\n'.join(lines) + '\\n', encoding='utf-8')\n",
    )
    result = ok(["edit", rid.lower()], env=env)
    assert result.stdout.strip() == rid
    path = req_path(root, rid)
    text = path.read_text(encoding="utf-8")
    assert fileformat.dumps(fileformat.loads(text, path)) == text
    assert text.startswith(f'id = "{rid}"\ntitle = "Customer list export (v2)"\n')
    data = read_req(root, rid)
    assert data["priority"] == "critical"
    assert data["owner"] == "王芳"
    assert data["status"] == "accepted"
    assert data["tags"] == ["crm", "export"]
    assert editor_calls(tmp_path) == 1


def test_edit_without_a_change(tmp_path: Path, root: Path, rid: str) -> None:
    before = req_path(root, rid).read_bytes()
    result = ok(["edit", rid], env=editor_env(tmp_path, "pass"))
    assert "unchanged" in result.stdout
    assert req_path(root, rid).read_bytes() == before


def test_edit_invalid_then_fixed_is_saved(tmp_path: Path, root: Path, rid: str) -> None:
    env = editor_env(
        tmp_path,
        "if call == 1:\n"
        "    path.write_text(text.replace('priority = \"high\"', 'priority = \"urgent\"'),"
        " encoding='utf-8')\n"
        "else:\n"
        "    assert text.startswith('# pmledger: '), text  # the error is shown on top\n"
        "    assert 'priority' in text.splitlines()[0], text\n"
        "    path.write_text(text.replace('priority = \"urgent\"', 'priority = \"low\"'),"
        " encoding='utf-8')\n",
    )
    result = ok(["edit", rid], env=env)
    assert result.stdout.strip() == rid
    assert editor_calls(tmp_path) == 2
    data = read_req(root, rid)
    assert data["priority"] == "low"
    text = req_path(root, rid).read_text(encoding="utf-8")
    assert "# pmledger" not in text


def test_edit_broken_toml_then_fixed_is_saved(tmp_path: Path, root: Path, rid: str) -> None:
    env = editor_env(
        tmp_path,
        "if call == 1:\n"
        "    path.write_text(text.replace('owner = \"Li Lei\"', 'owner = \"Li Lei'),"
        " encoding='utf-8')\n"
        "else:\n"
        "    path.write_text(text.replace('owner = \"Li Lei\\n', 'owner = \"Han Meimei\"\\n'),"
        " encoding='utf-8')\n",
    )
    ok(["edit", rid], env=env)
    assert editor_calls(tmp_path) == 2
    assert read_req(root, rid)["owner"] == "Han Meimei"


# An unknown status, English or a Chinese word that is no label ("飞行中"):
# re-opened with the error, then saved unchanged, so abandoned.
@pytest.mark.parametrize("status", ["flying", "飞行中"])
def test_edit_invalid_saved_unchanged_twice_abandons(
    tmp_path: Path, root: Path, rid: str, status: str
) -> None:
    path = req_path(root, rid)
    before = path.read_bytes()
    env = editor_env(
        tmp_path,
        "if call == 1:\n"
        "    path.write_text(text.replace('status = \"proposed\"', "
        f"'status = \"{status}\"'), encoding='utf-8')\n",
    )
    result = invoke(["edit", rid], env=env)
    assert_clean_error(result, 1)
    assert "not changed" in result.stderr and status in result.stderr
    assert editor_calls(tmp_path) == 2
    assert path.read_bytes() == before
    assert list(path.parent.glob(".pmledger-*")) == []


def test_edit_emptied_file_abandons(tmp_path: Path, root: Path, rid: str) -> None:
    path = req_path(root, rid)
    before = path.read_bytes()
    result = invoke(["edit", rid], env=editor_env(tmp_path, "path.write_text('')"))
    assert_clean_error(result, 1)
    assert path.read_bytes() == before


def test_edit_changing_the_id_is_refused(tmp_path: Path, root: Path, rid: str) -> None:
    path = req_path(root, rid)
    before = path.read_bytes()
    env = editor_env(
        tmp_path,
        f"if call == 1:\n    path.write_text(text.replace('{rid}', 'REQ-AAAAA'), encoding='utf-8')\n",
    )
    result = invoke(["edit", rid], env=env)
    assert_clean_error(result, 1)
    assert path.read_bytes() == before
    assert not req_path(root, "REQ-AAAAA").exists()


def test_edit_editor_failure_leaves_the_file(tmp_path: Path, root: Path, rid: str) -> None:
    path = req_path(root, rid)
    before = path.read_bytes()
    env = editor_env(
        tmp_path,
        "path.write_text(text.replace('Li Lei', 'Someone'), encoding='utf-8')\nsys.exit(3)\n",
    )
    result = invoke(["edit", rid], env=env)
    assert_clean_error(result, 1)
    assert "3" in result.stderr
    assert path.read_bytes() == before


def test_edit_missing_editor_is_a_clean_error(
    tmp_path: Path, root: Path, rid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = req_path(root, rid)
    before = path.read_bytes()
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    result = invoke(["edit", rid])
    assert_clean_error(result, 1)
    assert "EDITOR" in result.stderr
    assert path.read_bytes() == before


def test_edit_visual_wins_over_editor(tmp_path: Path, root: Path, rid: str) -> None:
    visual = editor_env(
        tmp_path,
        "path.write_text(text.replace('Li Lei', 'Visual'), encoding='utf-8')",
        name="visual.py",
    )
    env = editor_env(tmp_path, "raise SystemExit(9)")
    env["VISUAL"] = visual["EDITOR"]
    ok(["edit", rid], env=env)
    assert read_req(root, rid)["owner"] == "Visual"
    assert editor_calls(tmp_path) == 0


def test_edit_invalid_and_unknown_ids(tmp_path: Path, root: Path) -> None:
    env = editor_env(tmp_path, "raise SystemExit(0)")
    assert_clean_error(invoke(["edit", "../../etc/passwd"], env=env), 2)
    assert_clean_error(invoke(["edit", "REQ-ZZZZZ"], env=env), 1)
    assert editor_calls(tmp_path) == 0


def test_edit_repairs_a_broken_file(tmp_path: Path, root: Path) -> None:
    path = req_path(root, "REQ-BAD00")
    path.write_text(
        'id = "REQ-BAD00"\ntitle = "Broken\nstatus = "proposed"\npriority = "high"\n'
        "created = 2026-01-01T09:00:00+00:00\n",
        encoding="utf-8",
    )
    assert_clean_error(invoke(["show", "bad00"]), 1)
    env = editor_env(
        tmp_path,
        "path.write_text(text.replace('\"Broken\\n', '\"Repaired\"\\n'), encoding='utf-8')",
    )
    ok(["edit", "bad00"], env=env)
    assert read_req(root, "REQ-BAD00")["title"] == "Repaired"
    assert ok(["show", "bad00"]).stdout


def test_edit_refuses_to_overwrite_a_change_made_meanwhile(
    tmp_path: Path, root: Path, rid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    kept_dir = tmp_path / "kept"
    kept_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(kept_dir))
    # While the editor is open, another terminal records a note on the same file.
    env = editor_env(
        tmp_path,
        "import subprocess\n"
        f"subprocess.run([sys.executable, '-m', 'pmledger', 'note', {rid!r}, '销售部又催了'],"
        " check=True)\n"
        "path.write_text(text.replace('Li Lei', 'Han Meimei'), encoding='utf-8')\n",
    )
    result = invoke(["edit", rid], env=env)
    assert_clean_error(result, 1)
    assert "changed on disk" in result.stderr
    # The other terminal's note stays; the user's edit is not written over it.
    data = read_req(root, rid)
    assert data["owner"] == "Li Lei"
    assert [n["text"] for n in data["notes"]] == ["销售部又催了"]
    # The edited text is kept in the file the message names.
    kept = list(kept_dir.glob(f"pmledger-{rid}-*.toml"))
    assert len(kept) == 1
    assert str(kept[0]) in result.stderr.replace("\n", "")
    assert 'owner = "Han Meimei"' in kept[0].read_text(encoding="utf-8")


def test_edit_error_header_line_numbers_match_the_buffer(
    tmp_path: Path, root: Path, rid: str
) -> None:
    # Second call: the header names a line; that line of the buffer the editor
    # shows must be the faulty one.
    env = editor_env(
        tmp_path,
        "import re\n"
        "if call == 1:\n"
        "    path.write_text(text.replace('priority = \"high\"', 'priority = \"urgent\"'),"
        " encoding='utf-8')\n"
        "else:\n"
        "    number = int(re.search(r'line (\\d+):', text.splitlines()[0]).group(1))\n"
        "    line = text.splitlines()[number - 1]\n"
        f"    Path({str(tmp_path / 'seen.txt')!r}).write_text(line, encoding='utf-8')\n"
        "    path.write_text(text.replace('priority = \"urgent\"', 'priority = \"low\"'),"
        " encoding='utf-8')\n",
    )
    ok(["edit", rid], env=env)
    assert (tmp_path / "seen.txt").read_text(encoding="utf-8") == 'priority = "urgent"'


def test_edit_toml_error_line_numbers_match_the_buffer(
    tmp_path: Path, root: Path, rid: str
) -> None:
    env = editor_env(
        tmp_path,
        "import re\n"
        "if call == 1:\n"
        "    path.write_text(text.replace('owner = \"Li Lei\"', 'owner = = 1'),"
        " encoding='utf-8')\n"
        "else:\n"
        "    number = int(re.search(r'line (\\d+):', text.splitlines()[0]).group(1))\n"
        f"    Path({str(tmp_path / 'seen.txt')!r}).write_text(text.splitlines()[number - 1],"
        " encoding='utf-8')\n"
        "    path.write_text(text.replace('owner = = 1', 'owner = \"Li Lei\"'),"
        " encoding='utf-8')\n",
    )
    ok(["edit", rid], env=env)
    assert (tmp_path / "seen.txt").read_text(encoding="utf-8") == "owner = = 1"


def test_edit_shows_every_problem_each_at_its_line(tmp_path: Path, root: Path, rid: str) -> None:
    # It showed only the first; `check` lists them all.
    seen = tmp_path / "seen.txt"
    env = editor_env(
        tmp_path,
        "import re\n"
        "if call == 1:\n"
        "    text = text.replace('priority = \"high\"', 'priority = \"urgentish\"')\n"
        "    text = text.replace('status = \"proposed\"', 'status = \"doing\"')\n"
        "    path.write_text(text + 'effort = \"five\"\\n', encoding='utf-8')\n"
        "else:\n"
        "    lines = text.splitlines()\n"
        "    found = [re.match(r'# pmledger: line (\\d+): (.*)', l) for l in lines]\n"
        "    shown = [f'{lines[int(m[1]) - 1]} | {m[2]}' for m in found if m]\n"
        f"    Path({str(seen)!r}).write_text('\\n'.join(shown), encoding='utf-8')\n"
        "    sys.exit(1)\n",
    )
    result = invoke(["edit", rid], env=env)
    assert_clean_error(result, 1)
    shown = seen.read_text(encoding="utf-8").splitlines()
    assert [s.split(" | ")[0] for s in shown] == [
        'status = "doing"',
        'priority = "urgentish"',
        'effort = "five"',
    ]
    assert "status 'doing' is not in the workflow" in shown[0]
    assert "effort must be a number, got 'five'" in shown[2]


def test_edit_names_an_invalid_date_by_its_key(tmp_path: Path, root: Path, rid: str) -> None:
    seen = tmp_path / "seen.txt"
    env = editor_env(
        tmp_path,
        "if call == 1:\n"
        "    path.write_text(text + 'due = 2026-13-45\\n', encoding='utf-8')\n"
        "else:\n"
        f"    Path({str(seen)!r}).write_text(text.splitlines()[0], encoding='utf-8')\n"
        "    sys.exit(1)\n",
    )
    assert_clean_error(invoke(["edit", rid], env=env), 1)
    assert seen.read_text(encoding="utf-8").endswith(
        ": due: 2026-13-45 is not a valid date (YYYY-MM-DD)"
    )


def test_edit_saves_a_chinese_status_by_its_name_like_a_priority(
    tmp_path: Path, root: Path, rid: str
) -> None:
    # `edit` took 紧急 but refused 进行中, which `status`, `set` and `list` take.
    env = editor_env(
        tmp_path,
        "text = text.replace('priority = \"high\"', 'priority = \"紧急\"')\n"
        "text = text.replace('status = \"proposed\"', 'status = \"进行中\"  # 周一开工')\n"
        "path.write_text(text, encoding='utf-8')\n",
    )
    result = ok(["edit", rid], env=env)
    assert result.stdout.strip() == rid
    text = req_path(root, rid).read_text(encoding="utf-8")
    # Files hold the canonical names only (docs/file-format.md).
    assert 'status = "in-progress"  # 周一开工\npriority = "critical"\n' in text
    assert editor_calls(tmp_path) == 1


def test_edit_does_not_blame_a_chinese_status_among_other_errors(
    tmp_path: Path, root: Path, rid: str
) -> None:
    seen = tmp_path / "seen.txt"
    env = editor_env(
        tmp_path,
        "if call == 1:\n"
        "    text = text.replace('priority = \"high\"', 'priority = \"urgentish\"')\n"
        "    path.write_text(text.replace('status = \"proposed\"', 'status = \"进行中\"'),"
        " encoding='utf-8')\n"
        "else:\n"
        f"    Path({str(seen)!r}).write_text(text, encoding='utf-8')\n"
        "    path.write_text(text.replace('\"urgentish\"', '\"low\"'), encoding='utf-8')\n",
    )
    ok(["edit", rid], env=env)
    header = [
        line for line in seen.read_text(encoding="utf-8").splitlines() if line.startswith("# pm")
    ]
    assert len(header) == 2, header
    assert "priority" in header[0]
    data = read_req(root, rid)
    assert (data["status"], data["priority"]) == ("in-progress", "low")


def test_edit_a_blank_visual_counts_as_unset(tmp_path: Path, root: Path, rid: str) -> None:
    # `export VISUAL=" "` in a start-up file: the next variable names the editor.
    env = editor_env(tmp_path, "path.write_text(text.replace('Li Lei', 'Blank'), encoding='utf-8')")
    env["VISUAL"] = "  "
    ok(["edit", rid], env=env)
    assert read_req(root, rid)["owner"] == "Blank"


def test_edit_an_editor_variable_with_an_open_quote_is_a_clean_error(
    tmp_path: Path, root: Path, rid: str
) -> None:
    before = req_path(root, rid).read_bytes()
    result = invoke(["edit", rid], env={"EDITOR": '"code --wait', "VISUAL": None})
    assert_clean_error(result, 1)
    assert "$EDITOR" in result.stderr and "quotes" in result.stderr
    assert req_path(root, rid).read_bytes() == before


def test_edit_a_missing_visual_names_visual_not_editor(
    tmp_path: Path, root: Path, rid: str
) -> None:
    # $VISUAL wins, so telling the person to set $EDITOR would change nothing.
    env = editor_env(tmp_path, "raise SystemExit(0)")
    env["VISUAL"] = str(tmp_path / "no-such-visual")
    result = invoke(["edit", rid], env=env)
    assert_clean_error(result, 1)
    assert "set $VISUAL" in result.stderr.replace("\n", " ")
    assert editor_calls(tmp_path) == 0


def test_edit_that_cannot_be_saved_keeps_the_edited_text(
    tmp_path: Path, root: Path, rid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    from pmledger.ledger.ledger import Ledger

    kept_dir = tmp_path / "kept"
    kept_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(kept_dir))

    def read_only(*args: object, **kwargs: object) -> Path:
        raise OSError(errno.EROFS, "Read-only file system", str(req_path(root, rid)))

    # A ledger on a read-only mount (root writes through chmod, so the save is made to fail).
    monkeypatch.setattr(Ledger, "save", read_only)
    env = editor_env(
        tmp_path, "path.write_text(text.replace('Li Lei', '韩梅梅'), encoding='utf-8')"
    )
    result = invoke(["edit", rid], env=env)
    assert_clean_error(result, 1)
    kept = list(kept_dir.glob(f"pmledger-{rid}-*.toml"))
    assert len(kept) == 1
    assert str(kept[0]) in result.stderr.replace("\n", "")
    assert 'owner = "韩梅梅"' in kept[0].read_text(encoding="utf-8")
    assert read_req(root, rid)["owner"] == "Li Lei"
