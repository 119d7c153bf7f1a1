"""The core never imports the CLI stack: every module, each in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pmledger

FORBIDDEN = ("typer", "rich", "click", "pmledger.cli")


def core_modules() -> list[str]:
    """Every pmledger module outside pmledger.cli, found by walking the package."""
    names = ["pmledger"]
    for info in pkgutil.walk_packages(pmledger.__path__, "pmledger."):
        if info.name == "pmledger.cli" or info.name.startswith(
            ("pmledger.cli.", "pmledger.__main__")
        ):
            continue
        names.append(info.name)
    return sorted(names)


def test_the_walk_finds_every_family() -> None:
    found = set(core_modules())
    for name in (
        "pmledger.changes",
        "pmledger.ledger.model",
        "pmledger.ledger.comments",
        "pmledger.ranking.scoring",
        "pmledger.query.filters",
    ):
        assert name in found


def test_no_core_module_loads_typer_rich_click_or_the_cli() -> None:
    # One interpreter; before each module, every pmledger module is dropped
    # from sys.modules, so each is imported as from a fresh start (a module
    # clean only because another was imported first cannot hide). A
    # forbidden import stays loaded, so the first offender is the one named.
    code = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'pmledger']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        f"    bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN[:3]!r} "
        "or m == 'pmledger.cli' or m.startswith('pmledger.cli.')]\n"
        "    if bad:\n"
        "        print(name, ','.join(sorted(bad)))\n"
        "        break\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *core_modules()], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
