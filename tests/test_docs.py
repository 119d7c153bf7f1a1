"""Docs that cannot drift: every command has help and a documented section."""

from __future__ import annotations

import re

import pytest
import typer.main

from pmledger.cli import COMMANDS, app

from .conftest import REPO

DOC = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
CLICK = typer.main.get_command(app)


def _section(name: str) -> str:
    match = re.search(rf"^## `pmledger {name}`\n(.*?)(?=^## |\Z)", DOC, re.S | re.M)
    assert match, f"docs/commands.md has no section for `pmledger {name}`"
    return match.group(1)


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_every_command_has_help_and_docs(name: str) -> None:
    command = CLICK.commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"{name} has no help text"
    section = _section(name)
    for param in command.params:
        if param.param_type_name == "option":
            assert param.help, f"{name} {param.opts[0]} has no help"
            assert param.opts[0] in section, (
                f"docs/commands.md does not document {name} {param.opts[0]}"
            )


def test_readme_names_the_exit_codes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in readme
