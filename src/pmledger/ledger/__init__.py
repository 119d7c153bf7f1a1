"""The ledger on disk: the requirement model, its file format (and its fast
reader), settings, IDs, the caches (parsed files, the summary index, the
title store) and the :class:`Ledger` folder that ties them together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmledger.ledger.ledger import Ledger
    from pmledger.ledger.scan import LoadResult

__all__ = ["Ledger", "LoadResult"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the merge driver, which git starts once per
    # file, needs the model and the file format but not the Ledger class.
    if name in __all__:
        from pmledger.ledger import ledger

        return getattr(ledger, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
