"""pmledger: a requirements ledger of plain TOML files in git.

The core is importable without the CLI; it never prints, prompts or exits::

    from datetime import date
    from pathlib import Path

    from pmledger.ledger import Ledger
    from pmledger.ranking import rank

    ledger = Ledger.discover(Path("my-ledger"))  # no path: $PMLEDGER_DIR, then upward
    loaded = ledger.load_all()  # .requirements, .problems (files that could not be read)
    ranking = rank(loaded.requirements, settings=ledger.settings, as_of=date.today())

Entry points: ``pmledger.ledger.Ledger`` (read, create, save, write_lock),
``pmledger.changes`` (new_requirement, apply_assignments, with_status,
with_note), ``pmledger.query.filters`` (Filter, select), ``pmledger.ranking``
(rank), ``pmledger.report`` (data.build_report, markdown, html),
``pmledger.io`` (readers, planner, export), ``pmledger.git`` (repo, diff,
history), ``pmledger.check``. Errors: ``pmledger.errors.PmledgerError`` and
its subclasses. A tour with the rules (clock, environment, language, files,
threads): docs/api.md.
"""

__version__ = "0.1.0"
