"""`pmledger watch`: a background watcher so that commands on a large ledger
need not check every file (:mod:`pmledger.watch`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from pmledger.cli.common import Format, check_format, open_ledger
from pmledger.cli.errors import handle_errors
from pmledger.cli.language import HelpGroup
from pmledger.i18n import _

if TYPE_CHECKING:
    from pmledger.watch.control import WatchStatus

app = typer.Typer(
    help=(
        "A watcher for large ledgers: start, stop, status.\n\n"
        "Each command checks every requirement file for changes (one `stat` each: "
        "≈ 0.3 s at 100,000 files). A watcher started here follows the changes "
        "as they happen (Linux's inotify), and commands ask it instead: as fresh, "
        "much faster.\n\nExample:\n\n  pmledger watch start"
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=HelpGroup,
)


def _json(current: WatchStatus | None, folder: str) -> dict[str, Any]:
    if current is None:
        return {"running": False, "folder": folder}
    return {
        "running": True,
        "folder": str(current.folder),
        "pid": current.pid,
        "files": current.files if current.files >= 0 else None,
        "since": current.since.isoformat(timespec="seconds"),
        "answered": current.answered,
        "version": current.version,
    }


def _described(current: WatchStatus) -> str:
    from pmledger.i18n import ngettext
    from pmledger.report.text import number

    if current.files < 0:
        return _("Watching {folder}, which does not exist now (process {pid})").format(
            folder=current.folder, pid=current.pid
        )
    return ngettext(
        "Watching {count} requirement file in {folder} (process {pid})",
        "Watching {count} requirement files in {folder} (process {pid})",
        current.files,
    ).format(count=number(current.files), folder=current.folder, pid=current.pid)


@app.command("start")
@handle_errors
def start(ctx: typer.Context) -> None:
    """Start this ledger's watcher (once: a running one is kept).

    It runs in the background until `pmledger watch stop` or the machine
    restarts. Linux only; refused on a network folder.

    Example:

      pmledger watch start
    """
    from pmledger.cli.output import write
    from pmledger.watch import control

    ledger = open_ledger(ctx)
    current, started = control.start(ledger.requirements_dir)
    write(_described(current))
    if started:
        write(
            _("Commands now ask it instead of checking every file; `pmledger watch stop` ends it.")
        )
    else:
        write(_("It was already running."))


@app.command("stop")
@handle_errors
def stop(ctx: typer.Context) -> None:
    """Stop this ledger's watcher (nothing to do if none runs).

    Example:

      pmledger watch stop
    """
    from pmledger.cli.output import write
    from pmledger.watch import control

    ledger = open_ledger(ctx)
    stopped = control.stop(ledger.requirements_dir)
    if stopped is None:
        write(_("No watcher runs for {folder}").format(folder=ledger.requirements_dir))
        return
    write(
        _("Stopped the watcher of {folder} (process {pid})").format(
            folder=stopped.folder, pid=stopped.pid
        )
    )


@app.command("status")
@handle_errors
def status(ctx: typer.Context, fmt: Format = "table") -> None:
    """Whether a watcher runs for this ledger, since when, and how often it answered.

    Exit 0 either way; `--format json` says "running": true or false.

    Example:

      pmledger watch status
    """
    from pmledger.cli.output import Doc, Line, render
    from pmledger.i18n import ngettext
    from pmledger.watch import control

    fmt = check_format(fmt, ("table", "json"))
    ledger = open_ledger(ctx)
    current = control.status(ledger.requirements_dir)
    data = _json(current, str(ledger.requirements_dir))
    if current is None:
        text = [
            Line().add(_("No watcher runs for {folder}").format(folder=ledger.requirements_dir)),
            Line().add(
                _("Commands check every file themselves; `pmledger watch start` starts one.")
            ),
        ]
    else:
        since = current.since.astimezone().strftime("%Y-%m-%d %H:%M")
        text = [
            Line().add(_described(current)),
            Line().add(
                ngettext(
                    "Since {time}; answered {count} command; pmledger {version}",
                    "Since {time}; answered {count} commands; pmledger {version}",
                    current.answered,
                ).format(time=since, count=current.answered, version=current.version)
            ),
        ]
    render(fmt, Doc(blocks=list(text), json=data))
