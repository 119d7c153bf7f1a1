"""Ranking: scoring models, the ranked order and its tie-break, sprint
planning and the urgent x important matrix."""

from pmledger.ranking.order import RankedItem, Ranking, rank

__all__ = ["RankedItem", "Ranking", "rank"]
