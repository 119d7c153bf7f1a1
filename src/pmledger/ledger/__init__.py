"""The ledger on disk: the requirement model, its file format, settings, IDs,
the parse cache and the :class:`Ledger` folder that ties them together."""

from pmledger.ledger.ledger import Ledger, LoadResult

__all__ = ["Ledger", "LoadResult"]
