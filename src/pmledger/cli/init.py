"""`pmledger init`: create a ledger (and set up git for it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pmledger.cli.common import state
from pmledger.i18n import _


def init(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="FOLDER",
            help="Folder of the new ledger (created if missing; default: --ledger, else here).",
            show_default=False,
        ),
    ] = None,
    prefix: Annotated[
        str, typer.Option("--prefix", metavar="PREFIX", help="ID prefix, e.g. REQ or CRM.")
    ] = "REQ",
    git: Annotated[
        bool | None,
        typer.Option(
            "--git/--no-git",
            help="Outside a git repository: create one (--git) or not (--no-git); "
            "by default ask on a terminal, else do not.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create a ledger: a documented pmledger.toml, the requirements folder and git's merge driver.

    Examples:

        pmledger init crm --prefix CRM --git

        pmledger init
    """
    from pmledger.cli.output import write
    from pmledger.git.repo import Repo
    from pmledger.git.setup import init_repository, setup
    from pmledger.ledger.ledger import Ledger

    target = directory if directory is not None else (state(ctx).ledger_dir or Path("."))
    ledger = Ledger.init(target, prefix=prefix)
    write(_("Created ledger in {folder}").format(folder=ledger.root))
    write(_("  settings:     {path}").format(path=ledger.root / "pmledger.toml"))
    write(_("  requirements: {path}").format(path=ledger.requirements_dir))
    repo = Repo.find_or_none(ledger.root)
    if repo is None and git is not False:
        create = git if git is not None else _ask_for_git(ledger.root)
        if create:
            repo = init_repository(ledger.root)
            write(_("  git:          created a repository in {folder}").format(folder=repo.top))
    if repo is not None:
        setup(ledger.root, ledger.settings, repo)
        write(_("  merge driver: registered (.gitattributes + the repository's git config)"))
    write(_('Next: pmledger add "First requirement" -p high --due +2w'))


def _ask_for_git(root: Path) -> bool:
    if not sys.stdin.isatty():
        return False
    from pmledger.cli.interview import confirm

    return confirm(
        _("{folder} is not in a git repository; create one (history, review, merges)?").format(
            folder=root
        ),
        default=True,
    )
