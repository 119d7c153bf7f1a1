"""The merge driver's own entry point: ``python -m pmledger.git merge-file``.

git starts the driver once per file that changed on both sides, so a merge
touching 100 requirements starts it 100 times. Going through the full CLI
would build every command (typer, rich) for each file; this entry point
imports only the merge and the record kinds. Same arguments and exit codes
as ``pmledger merge-file``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

USAGE = "usage: python -m pmledger.git merge-file [--marker-size N] BASE OURS THEIRS PATH\n"


def main(argv: list[str]) -> int:
    """Run the driver; 0 merged, 1 conflict, 2 usage."""
    args = list(argv)
    if not args or args[0] != "merge-file":
        sys.stderr.write(USAGE)
        return 2
    args.pop(0)
    marker_size = 7
    if args and args[0] == "--marker-size":
        try:
            marker_size = int(args[1])
        except (IndexError, ValueError):
            sys.stderr.write(USAGE)
            return 2
        del args[:2]
    if len(args) != 4:
        sys.stderr.write(USAGE)
        return 2
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from pmledger.git.merge import driver_message, run_driver

    base, ours, theirs, name = args
    try:
        code, result = run_driver(
            Path(base), Path(ours), Path(theirs), name, marker_size=marker_size
        )
    except OSError as exc:
        # As `pmledger merge-file` says it (git passes files that exist; a
        # person trying the command by hand may not).
        from pmledger.errors import os_reason
        from pmledger.i18n import _

        where, why = exc.filename or name, os_reason(exc)
        sys.stderr.write(_("pmledger: {where}: {message}").format(where=where, message=why) + "\n")
        return 1
    message = driver_message(name, result)
    if message:
        sys.stderr.write(message + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
