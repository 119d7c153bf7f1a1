"""--help of every command: fits 80 columns in Chinese, shows placeholders people read.

Typer prints Python types (``<bool>``, ``<list[str]>``, ``{ID}``, ``<float
range> [x>=0]``) unless told otherwise; pmledger.cli.language replaces them
with the metavar (``DATE``) and nothing for a flag, for every command at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing

from pmledger.cli import app
from pmledger.cli.common import FilterOptions, filter_options

from .cli_helpers import invoke, isolate_env, ok

# Commands whose help has no Example: paragraph yet: wave 2 of issue 12 adds
# them module by module (the owner of each command). Drop names as they land;
# the integrator empties the set.
EXAMPLE_PENDING: frozenset[str] = frozenset()

# Typer's type names and click's required-argument braces.
TYPE_NAME = re.compile(r"<[a-z][a-z\[\], |]*>|\{[A-Z_-]+\}|\[x[<>]=?|range\]")


@pytest.fixture(autouse=True)
def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_env(monkeypatch, tmp_path)


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        out += _paths(sub, (*path, name))
    return out


COMMAND_PATHS = _paths(typer.main.get_command(app))


def cells(line: str) -> int:
    """Terminal columns of ``line``: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_cells_counts_cjk_as_two() -> None:
    assert cells("需求 ab") == 7


def test_every_command_is_walked() -> None:
    assert ("list",) in COMMAND_PATHS and () in COMMAND_PATHS
    assert len(COMMAND_PATHS) > 15


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "pmledger")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_help_fits_80_columns_without_type_names(path: tuple[str, ...], lang: str) -> None:
    result = ok(["--lang", lang, *path, "--help"], env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert len(lines) > 3
    too_wide = [line for line in lines if cells(line) > 80]
    assert not too_wide, f"wider than 80 columns: {too_wide}"
    # rich cuts a run without spaces (Chinese) with an ellipsis unless folded.
    assert "…" not in result.stdout, result.stdout
    found = TYPE_NAME.findall(result.stdout)
    assert not found, f"type names in --help: {found}\n{result.stdout}"


@pytest.mark.parametrize(
    "path", [p for p in COMMAND_PATHS if p], ids=lambda p: " ".join(p) or "pmledger"
)
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    if path[0] in EXAMPLE_PENDING:
        pytest.xfail("its Example: paragraph lands with its module's wave-2 branch")
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert re.search(r"^\s*Examples?\b", command.help or "", re.M), f"{path} has no example"
    result = ok([*path, "--help"], env={"COLUMNS": "80"})
    assert "pmledger " + " ".join(path) in result.stdout.split("Usage:", 1)[1]


def test_flags_show_no_type_and_values_show_a_placeholder() -> None:
    out = ok(["list", "--help"], env={"COLUMNS": "200"}).stdout
    # The option row, not an example line that happens to use the flag.
    overdue = next(line for line in out.splitlines() if "--overdue " in line and "Only" in line)
    assert re.search(r"--overdue\s+Only", overdue)
    assert re.search(r"--as-of\s+DATE\s", out)
    assert "[SEARCH]..." in out


def test_help_panels_and_help_option_in_chinese() -> None:
    out = ok(["--lang", "zh", "show", "--help"], env={"COLUMNS": "80"}).stdout
    assert "选项" in out and "参数" in out
    assert "显示本帮助并退出。" in out
    assert "[必填]" in out
    # And back to English in the same process.
    again = ok(["show", "--help"], env={"COLUMNS": "80"}).stdout
    assert "Options" in again and "选项" not in again


def test_pmledger_alone_lists_the_commands_and_succeeds() -> None:
    result = invoke([])
    assert result.exit_code == 0
    assert "list" in result.stdout and "rank" in result.stdout


def test_ledger_option_after_the_command(tmp_path: Path) -> None:
    from .cli_helpers import EXAMPLE

    before = ok(["-L", str(EXAMPLE), "list", "-f", "json", "--as-of", "2026-11-20"]).stdout
    after = ok(["list", "-L", str(EXAMPLE), "-f", "json", "--as-of", "2026-11-20"]).stdout
    long_form = ok(["list", f"--ledger={EXAMPLE}", "-f", "json", "--as-of", "2026-11-20"]).stdout
    assert before == after == long_form
    assert before.startswith("[") and len(before) > 100


def test_short_filter_options_mean_the_same_everywhere() -> None:
    root = typer.main.get_command(app)
    meaning: dict[str, set[str]] = {}
    for name in ("list", "rank", "plan", "export"):
        command = root.commands[name]  # type: ignore[attr-defined]
        opts = {o: p.name for p in command.params for o in p.opts}
        assert opts.get("-r") == "requester" and opts.get("-g") == "goal"
        assert opts.get("-d") == "department"
        for opt, param in opts.items():
            if len(opt) == 2:
                meaning.setdefault(opt, set()).add(str(param))
    clashes = {opt: names for opt, names in meaning.items() if len(names) > 1}
    assert not clashes


def test_the_listing_filters_are_one_declaration() -> None:
    """list, rank, plan, export and report take the filters of cli.common.FilterOptions."""
    root = typer.main.get_command(app)
    every = [f.name for f in fields(FilterOptions)]
    shapes: dict[str, list[tuple[str, ...]]] = {}
    for name in ("list", "rank", "plan", "export", "report"):
        command = root.commands[name]  # type: ignore[attr-defined]
        params = {p.name: p for p in command.params}
        offered = [n for n in every if n in params]
        # report covers done and closed work: every filter but --all.
        assert offered == (every[:-1] if name == "report" else every), name
        for n in offered:
            param = params[n]
            shape = (*param.opts, str(getattr(param, "help", "")), str(param.default))
            assert shapes.setdefault(n, [shape]) == [shape], (name, n)
        # Shell completion comes with the declaration.
        assert params["owner"]._custom_shell_complete is not None


def test_a_filtered_command_receives_one_filter_object() -> None:
    seen: list[FilterOptions] = []

    @filter_options("search", "owner", "include_inactive")
    def probe(ctx: typer.Context, where: FilterOptions, limit: int = 3) -> None:
        seen.append(where)
        assert limit == 5

    single = typer.Typer()
    single.command()(probe)
    result = typer.testing.CliRunner().invoke(
        single, ["crm", "export", "--owner", "王芳", "--all", "--limit", "5"]
    )
    assert result.exit_code == 0, result.output
    assert seen == [FilterOptions(search=["crm", "export"], owner=["王芳"], include_inactive=True)]
