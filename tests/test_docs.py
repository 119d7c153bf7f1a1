"""Docs that cannot drift: every command has help and a documented section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from pmledger.cli import COMMANDS, app

from .cli_helpers import EXAMPLE, invoke
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


def _commands() -> list[tuple[str, object]]:
    """Every command, a group's subcommands by their full name (`goal add`)."""
    found: list[tuple[str, object]] = []
    for name, command in CLICK.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            found += [(f"{name} {sub}", cmd) for sub, cmd in subcommands.items()]
        else:
            found.append((name, command))
    return found


@pytest.mark.parametrize("name", [name for name, _ in _commands() if " " in name])
def test_every_subcommand_option_is_documented(name: str) -> None:
    command = dict(_commands())[name]
    section = _section(name.split()[0])
    assert f"pmledger {name}" in section, f"docs/commands.md does not document {name}"
    for param in command.params:  # type: ignore[attr-defined]
        if param.param_type_name == "option" and param.opts[0] != "--help":
            assert param.help, f"{name} {param.opts[0]} has no help"
            assert param.opts[0] in section, (
                f"docs/commands.md does not document {name} {param.opts[0]}"
            )


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_short_options_are_documented(name: str) -> None:
    # A short option named in --help but not in the docs is one a reader of the docs never learns.
    command = dict(_commands())[name]
    section = _section(name.split()[0])
    missing = [
        f"{param.opts[0]}/{short}"
        for param in command.params  # type: ignore[attr-defined]
        if param.param_type_name == "option" and param.opts[0] != "--help"
        for short in param.opts
        if not short.startswith("--") and f"{param.opts[0]}/{short}" not in section
    ]
    assert not missing, f"docs/commands.md does not name {name} {', '.join(missing)}"


def _short_options() -> dict[str, dict[str, set[str]]]:
    """Each short option: the long option it stands for, and the commands that have it."""
    found: dict[str, dict[str, set[str]]] = {}
    for name, command in _commands():
        for param in command.params:  # type: ignore[attr-defined]
            if param.param_type_name == "option" and param.opts[0] != "--help":
                for short in param.opts[1:]:
                    if not short.startswith("--"):
                        found.setdefault(short, {}).setdefault(param.opts[0], set()).add(name)
    return found


def test_short_options_keep_one_meaning_as_documented() -> None:
    # docs/commands.md promises one meaning per short option and lists where the
    # less common ones exist; a new -a or -o elsewhere must be listed there too.
    paragraph = DOC[DOC.index("A short option means the same thing") :]
    paragraph = " ".join(paragraph[: paragraph.index("\n\n")].split())
    shorts = _short_options()
    for short, longs in shorts.items():
        if short != "-n":  # documented as "a count": rank --top, board --limit
            assert len(longs) == 1, f"{short} means {sorted(longs)}"
    for match in re.finditer(r"`(-\w)` [^(`]*\(([^)]*)\)", paragraph):
        short, inside = match.groups()
        # `goal add` is a command; `rank --top` a command and its option.
        listed = {m.split(" -")[0] for m in re.findall(r"`([^`]+)`", inside) if m[0] != "-"}
        actual = {cmd for cmds in shorts[short].values() for cmd in cmds}
        assert listed == actual, (
            f"docs/commands.md lists {short} for {sorted(listed)}, not {sorted(actual)}"
        )


def test_readme_names_the_formats_each_command_takes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("Every command that depends on today")
    paragraph = " ".join(readme[start : readme.index("JSON is the model as stored", start)].split())
    claims = re.findall(
        r"((?:`[a-z ]+`(?:, | and )?)+)\s*(?:take\s+)?`(?:--format\s+)?([a-z]+(?:\|[a-z]+)+)`",
        paragraph,
    )
    assert claims
    args = {"show": ["ACME-9RT3V"], "goal show": ["Q4-margin"], "sprint show": ["2026-S23"]}
    args["plan"] = ["-c", "5"]
    for names, formats in claims:
        for name in re.findall(r"`([a-z ]+)`", names):
            result = invoke(["-L", str(EXAMPLE), *name.split(), *args.get(name, []), "-f", "zzz"])
            assert result.exit_code == 2, (name, result.output)
            accepted = result.stderr.split("choose one of ", 1)[1].strip()
            assert accepted.split(", ") == formats.split("|"), f"README: {name} takes {formats}"


def test_file_format_table_lists_every_known_key_in_file_order() -> None:
    # "a fixed key order: the order of the table above" (docs/file-format.md).
    from pmledger.ledger.model import KEY_ORDER

    text = (REPO / "docs" / "file-format.md").read_text(encoding="utf-8")
    keys = [
        key
        for row in re.findall(r"^\| (`[^|]+`) \|", text, re.M)
        for key in re.findall(r"`([a-z_]+)`", row)
    ]
    assert [k for k in keys if k in KEY_ORDER] == list(KEY_ORDER)


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_options_that_repeat_say_so(name: str) -> None:
    # `--owner A --owner B` lists both; help that said "Only this owner." hid it.
    command = dict(_commands())[name]
    for param in command.params:  # type: ignore[attr-defined]
        if param.param_type_name == "option" and param.multiple:
            assert re.search(r"repeat|all given", param.help), (name, param.opts[0])


_PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", _PAGES, ids=lambda p: p.name)
def test_files_and_modules_the_docs_name_exist(page: Path) -> None:
    # reports.md sent readers to benchmarks/bench.py after it was renamed generate.py.
    import importlib

    text = page.read_text(encoding="utf-8")
    paths = re.findall(
        r"`((?:benchmarks|scripts|tests|src/pmledger|docs|examples|\.ci)/[^`\s*]+)`", text
    )
    missing = [p for p in paths if not (REPO / p.split("::")[0]).exists()]
    assert not missing, f"{page.name} names files that do not exist: {missing}"
    for name in set(re.findall(r"`(pmledger(?:\.[A-Za-z_]\w*)+)", text)) - {"pmledger.toml"}:
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj: object = importlib.import_module(".".join(parts[:cut]))
                break
            except ImportError:
                continue
        for attr in parts[cut:]:
            assert hasattr(obj, attr), f"{page.name} names {name}, which does not exist"
            obj = getattr(obj, attr)


def _command_lines(text: str) -> list[list[str]]:
    """Every `pmledger ...` command line of a page (code and inline code), as words."""
    import shlex

    found = []
    for match in re.finditer(r"(?:^|`|\$ |&& |\| )(pmledger(?: [^`\n#|;>&]+))", text, re.M):
        try:
            found.append(shlex.split(match.group(1)))
        except ValueError:  # an unpaired quote in prose
            continue
    return found


@pytest.mark.parametrize("page", _PAGES, ids=lambda p: p.name)
def test_options_in_the_docs_examples_exist(page: Path) -> None:
    # An option renamed in the code but not in an example is one a reader types in vain.
    own = {o for p in CLICK.params for o in p.opts + p.secondary_opts}
    wrong = []
    for words in _command_lines(page.read_text(encoding="utf-8")):
        i = 1
        while i < len(words) and words[i].startswith("-"):
            i += 2 if words[i] in ("--ledger", "-L", "--lang") else 1
        command = CLICK.commands.get(words[i]) if i < len(words) else None  # type: ignore[attr-defined]
        i += 1
        if command is not None and getattr(command, "commands", None):
            command = command.commands.get(words[i]) if i < len(words) else None
            i += 1
        if command is None:
            continue
        known = own | {"-h"} | {o for p in command.params for o in p.opts + p.secondary_opts}
        for word in words[i:]:
            name = word.split("=")[0]
            # i18n.md's --limt is an example of a mistyped option.
            if re.fullmatch(r"--?[a-z][a-z-]*", name) and name not in known | {"--limt"}:
                wrong.append(f"{' '.join(words)}: {name}")
    assert not wrong, f"{page.name}: options no command has: {wrong}"
