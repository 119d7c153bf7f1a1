"""What the reading views (list, show, rank, plan, matrix) share for their language.

Machine formats (JSON, CSV) never change with the language: they are built
while English is spoken, whatever ``--lang`` says. Tables and markdown, for
people, show Chinese dates, priorities and status labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

MACHINE_FORMATS = ("json", "csv")


@contextmanager
def language_for(fmt: str) -> Iterator[None]:
    """English while a machine format is built; the reader's language otherwise."""
    if fmt not in MACHINE_FORMATS:
        yield
        return
    from pmledger.i18n import using

    with using("en"):
        yield
