"""`check` and `fmt`: validate a whole ledger, reporting every problem at once,
and rewrite record files canonically.

Each file is checked on its own first (``files``: syntax, conflict markers,
schema, workflow, file name, unknown keys, scoring ranges, canonical form);
those results are cached by size and modification time like parsed
requirements, so a warm check of 10k files only stats them. Checks across
files (``ledger``: duplicate IDs, dangling references, dependency cycles)
then run on small per-file facts. Nothing here prints: the CLI renders the
report.
"""

from pmledger.check.files import (
    CheckReport,
    Problem,
    Severity,
    check_text,
    conflict_problems,
    schema_problems,
)
from pmledger.check.fmt import FormatResult, format_files
from pmledger.check.ledger import check_ledger, driver_warnings, record_files

__all__ = [
    "CheckReport",
    "FormatResult",
    "Problem",
    "Severity",
    "check_ledger",
    "check_text",
    "conflict_problems",
    "driver_warnings",
    "format_files",
    "record_files",
    "schema_problems",
]
