"""``--as-of`` for the reporting commands (goal, report, stats, board).

It accepts the option's value as text (``pmledger.cli.common.AsOf`` on main)
or as an already parsed date (the option parser of the output branch), so
these commands keep working whichever lands first.
"""

from __future__ import annotations

from datetime import date


def as_of_date(value: str | date | None) -> date:
    """The as-of date: the given date, a date expression, or today."""
    if isinstance(value, date):
        return value
    today = date.today()
    if not value:
        return today
    from pmledger.dates import parse_date

    return parse_date(value, today=today)
