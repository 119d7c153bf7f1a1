"""pmledger: a requirements ledger of plain TOML files in git.

The core is importable without the CLI::

    from pmledger.ledger.ledger import Ledger
    ledger = Ledger.discover()
    result = ledger.load_all()
"""

__version__ = "0.1.0"
