"""`pmledger init` and how every command finds its ledger."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from .cli_helpers import add, assert_clean_error, invoke, make_ledger, ok


def test_init_creates_settings_and_requirements_folder(tmp_path: Path) -> None:
    result = ok(["init"])
    assert (tmp_path / "pmledger.toml").is_file()
    assert (tmp_path / "requirements").is_dir()
    settings = tomllib.loads((tmp_path / "pmledger.toml").read_text(encoding="utf-8"))
    assert settings["ledger"]["id_prefix"] == "REQ"
    assert "pmledger add" in result.stdout


def test_init_in_a_named_folder_with_a_prefix(tmp_path: Path) -> None:
    ok(["init", "sub/crm", "--prefix", "CRM"])
    root = tmp_path / "sub" / "crm"
    assert (root / "requirements").is_dir()
    settings = tomllib.loads((root / "pmledger.toml").read_text(encoding="utf-8"))
    assert settings["ledger"]["id_prefix"] == "CRM"


def test_init_refuses_a_second_time_and_keeps_the_settings(tmp_path: Path) -> None:
    ok(["init"])
    config = tmp_path / "pmledger.toml"
    config.write_text(config.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    before = config.read_bytes()
    result = invoke(["init"])
    assert_clean_error(result, 1)
    assert "already" in result.stderr
    assert config.read_bytes() == before


def test_init_refuses_a_bad_prefix(tmp_path: Path) -> None:
    result = invoke(["init", "x", "--prefix", "../evil"])
    assert result.exit_code == 2  # a bad value on the command line
    assert "Traceback" not in result.output
    assert not (tmp_path / "x" / "pmledger.toml").exists()


def test_outside_any_ledger_one_sentence_naming_init(tmp_path: Path) -> None:
    for args in (["list"], ["add", "x", "--no-input"], ["rank"], ["show", "REQ-4K7PM"]):
        result = invoke(args)
        assert_clean_error(result, 1)
        assert "pmledger init" in result.stderr
        assert result.stdout == ""
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("pmledger: ")


def test_ledger_option_points_to_the_ledger(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    req_id = add("Export customers")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)
    result = ok(["--ledger", str(root), "list", "--format", "json"])
    assert req_id in result.stdout
    result = ok(["-L", str(root), "show", req_id, "--format", "json"])
    assert req_id in result.stdout


def test_ledger_option_to_a_folder_without_settings(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke(["--ledger", str(tmp_path / "empty"), "list"])
    assert_clean_error(result, 1)
    assert "pmledger init" in result.stderr


def test_pmledger_dir_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_ledger(tmp_path)
    req_id = add("From the variable")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PMLEDGER_DIR", str(root))
    result = ok(["list", "--format", "json"])
    assert req_id in result.stdout


def test_ledger_option_wins_over_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_ledger(tmp_path, "first")
    first_id = add("In the first ledger")
    second = make_ledger(tmp_path, "second")
    second_id = add("In the second ledger")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PMLEDGER_DIR", str(first))
    result = ok(["--ledger", str(second), "list", "--format", "json"])
    assert second_id in result.stdout
    assert first_id not in result.stdout


def test_variable_wins_over_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_ledger(tmp_path, "first")
    first_id = add("In the first ledger")
    make_ledger(tmp_path, "second")  # the cwd is now the second ledger
    monkeypatch.setenv("PMLEDGER_DIR", str(first))
    result = ok(["list", "--format", "json"])
    assert first_id in result.stdout


def test_pmledger_dir_without_settings_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMLEDGER_DIR", str(tmp_path / "nowhere"))
    result = invoke(["list"])
    assert_clean_error(result, 1)
    assert "PMLEDGER_DIR" in result.stderr


def test_nearest_parent_ledger_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_ledger(tmp_path)
    req_id = add("Found from below")
    deep = root / "requirements" / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    result = ok(["list", "--format", "json"])
    assert req_id in result.stdout
    new_id = add("Added from below")
    assert (root / "requirements" / f"{new_id}.toml").is_file()
    assert not list(deep.iterdir())


def test_broken_settings_file_is_a_clean_error(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    (root / "pmledger.toml").write_text("[ledger\nid_prefix = 'X'\n", encoding="utf-8")
    result = invoke(["list"])
    assert_clean_error(result, 1)
    assert "pmledger.toml" in result.stderr


def test_unknown_setting_is_a_clean_error(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    config = root / "pmledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("id_length = 5", "id_lenght = 5"),
        encoding="utf-8",
    )
    result = invoke(["add", "x", "--no-input"])
    assert_clean_error(result, 1)
    assert "id_lenght" in result.stderr
    assert list((root / "requirements").glob("*.toml")) == []


def test_init_on_a_file_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    result = invoke(["init", "notes.txt"])
    assert result.exit_code in (1, 2), result.stderr
    assert "internal error" not in result.stderr
    assert "notes.txt" in result.stderr


def test_requirements_folder_that_is_a_file(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    (root / "requirements" / ".gitkeep").unlink()
    (root / "requirements").rmdir()
    (root / "requirements").write_text("oops", encoding="utf-8")
    for args in (["list"], ["add", "x", "--no-input"]):
        result = invoke(args)
        assert_clean_error(result, 1)
        assert "internal error" not in result.stderr


@pytest.mark.parametrize("inside", ["requirements", "pmledger.toml"])
def test_a_ledger_option_inside_a_ledger_names_the_ledger(tmp_path: Path, inside: str) -> None:
    # It used to say "create one there with `pmledger init …/requirements`":
    # a second ledger inside the first.
    root = make_ledger(tmp_path)
    os.chdir(tmp_path)
    cases: list[tuple[list[str], dict[str, str | None] | None]] = [
        (["-L", str(root / inside), "list"], None),
        (["list"], {"PMLEDGER_DIR": str(root / inside)}),
    ]
    for args, env in cases:
        result = invoke(args, env=env)
        assert_clean_error(result, 1)
        assert f"inside the ledger {root}; point it to {root}" in " ".join(result.stderr.split())
        assert "pmledger init" not in result.stderr


def test_a_ledger_option_naming_a_file_says_so(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("x", encoding="utf-8")
    result = invoke(["-L", str(target), "list"])
    assert_clean_error(result, 1)
    assert "which is a file" in result.stderr and "pmledger init" not in result.stderr
