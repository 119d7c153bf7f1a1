"""The command-line interface: parse, call one core function, render.

Each command group lives in its own module; they import the core lazily so
that ``pmledger add`` pays only for what it uses (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pmledger import __version__
from pmledger.cli.common import State
from pmledger.cli.language import check_language
from pmledger.cli.lazy import LazyGroup

# Every command, as "module:function" (or "module:app" for a group) inside
# pmledger.cli: a run imports and builds only the one it invokes
# (cli/lazy.py). A function or Typer app object works here too. Listed in
# the order of --help: commands, then groups.
COMMANDS: list[tuple[str, Any]] = [
    ("init", "init:init"),
    ("add", "add:add"),
    ("list", "listing:list_"),
    ("show", "show:show"),
    ("set", "change:set_"),
    ("status", "change:status"),
    ("note", "change:note"),
    ("edit", "edit:edit"),
    ("remove", "remove:remove"),
    ("rank", "rank:rank"),
    ("plan", "plan:plan"),
    ("check", "check:check"),
    ("fmt", "fmt:fmt"),
    ("diff", "diff:diff"),
    ("history", "history:history"),
    ("git-setup", "git_setup:git_setup"),
    ("merge-file", "git_setup:merge_file"),
    ("export", "export:export"),
    ("import", "import_:import_"),
    ("report", "report:report"),
    ("stats", "stats:stats"),
    ("board", "board:board"),
    ("goal", "goal:app"),
    ("sprint", "sprint:app"),
    ("watch", "watch:app"),
]


class _Commands(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    name="pmledger",
    help="A requirements ledger: plain TOML files in git, ranked by priority and urgency.",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    cls=_Commands,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pmledger {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    ledger: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            "-L",
            help="The ledger folder (default: $PMLEDGER_DIR, then the nearest pmledger.toml upward).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar="PMLEDGER_LANG",
            metavar="LANG",
            callback=check_language,
            help="Language of messages and help: en or zh (default: the locale, then the ledger's language setting).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """pmledger: capture, track and rank requirements in a git-tracked folder."""
    ctx.obj = State(ledger_dir=ledger, debug=debug)


def main() -> None:
    """Console-script entry point."""
    # A short-lived process whose data has no reference cycles: the cyclic
    # collector would only rescan 100k loaded requirements again and again
    # (docs/performance.md). Reference counting still frees everything.
    gc.disable()
    # pydantic scans every installed package's entry points for plugins the
    # first time it builds a model (~8 ms); the CLI uses none. A user who
    # sets the variable keeps their value.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # This process is ours: a large ledger's work may be shared with a helper.
    from pmledger import parallel

    parallel.allow()
    code: int = 0
    try:
        app()
    except SystemExit as exc:
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
            code = 1
        else:
            code = exc.code or 0
    except OSError as exc:
        # Outside any command (--help or --version written to a full disk),
        # typer lets a write error through: one sentence, not a traceback.
        from pmledger.errors import os_reason

        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"pmledger: {os_reason(exc)}\n")
        code = 1
    # Everything is saved by now: flush what was written and leave without
    # freeing a million objects one by one (0.4 s at 100k requirements).
    # Only here, in the console script: a library caller keeps its process.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
