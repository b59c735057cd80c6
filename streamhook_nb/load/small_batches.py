"""Small reader batches gathered to be made Arrow together.

A folder of one file per delivery (a tool, or a bucket, that keeps each request on its own)
gives one reader batch per file. Making a batch Arrow columns costs about 0.6 ms however few
its rows (:func:`~streamhook_nb.load.columns.record_batch_of`), so consecutive small batches of
one format are made Arrow as one, each keeping its own rejected records in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from streamhook_nb.load.batch import DeliveryBatch

SMALL_ROWS = 256
"""A batch with fewer deliveries than this is gathered with its neighbours."""
GROUP_ROWS = 4096
"""The most deliveries gathered into one group."""


def groups(
    batches: Iterable[DeliveryBatch], most: int = GROUP_ROWS
) -> Iterator[list[DeliveryBatch]]:
    """The batches in order, consecutive small ones of one format and time field together (up
    to ``most`` deliveries), any other on its own."""
    group: list[DeliveryBatch] = []
    rows = 0
    for batch in batches:
        small = len(batch) < SMALL_ROWS
        if group and (not small or rows + len(batch) > most or not _alike(group[0], batch)):
            yield group
            group, rows = [], 0
        if not small:
            yield [batch]
            continue
        group.append(batch)
        rows += len(batch)
    if group:
        yield group


def _alike(first: DeliveryBatch, other: DeliveryBatch) -> bool:
    return (first.format, first.time_field) == (other.format, other.time_field)
