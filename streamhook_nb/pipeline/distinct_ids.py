"""Distinct (event type, webhook id) pairs, counted exactly in little memory.

``X-Webhook-Id`` is a UUID: in its canonical form (36 characters, lower-case hex and four
dashes) it is kept as 16 bytes, two ``uint64``, in sorted numpy arrays, about 24 bytes a pair
with its type code instead of about 120 for a Python string in a set. Any other id is kept as
it is, in a set. Both spell one id one way, so no id can be counted twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

_UUID_LENGTH = 36
_DASHES = [8, 13, 18, 23]
_HEX_DIGITS = [at for at in range(_UUID_LENGTH) if at not in _DASHES]
_NOT_HEX = 255
_NIBBLES = np.full(256, _NOT_HEX, dtype=np.uint8)
"""Byte -> its value as a lower-case hex digit (:data:`_NOT_HEX` for any other byte)."""
_NIBBLES[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)
_PACK_AT = 4096
"""Pairs gathered as Python objects before they are packed into arrays."""
_SORT_AT = 65536
"""Packed pairs gathered before they are merged into the sorted ones (or as many as those)."""

Keys = npt.NDArray[np.uint64]
"""One row per pair: the UUID's 16 bytes as two ``uint64``, then the type code. Sorted as 24
bytes (``memcmp`` order, in place), the rows of one id are next to each other."""
_KEY = np.dtype("S24")


class DistinctIds:
    """Distinct webhook ids per event type, exact (no probabilistic counting)."""

    def __init__(self) -> None:
        self.kinds: dict[str, int] = {}  # event type -> its code in the keys
        self._kinds: list[str] = []
        self._ids: list[str] = []  # pairs not packed yet
        self._codes: list[int] = []
        self._unsorted: list[Keys] = []
        self._unsorted_rows = 0
        self._sorted: Keys = np.empty((0, 3), dtype=np.uint64)  # unique rows, sorted
        self._others: set[tuple[str, str]] = set()  # (type, id) for ids that are not UUIDs

    def add(self, kind: str, webhook_id: str) -> None:
        """Remember that an event of type ``kind`` has this id."""
        self._codes.append(self._code(kind))
        self._ids.append(webhook_id)
        if len(self._ids) >= _PACK_AT:
            self._pack()

    def add_many(self, kinds: list[str], webhook_ids: list[str]) -> None:
        """Remember ``webhook_ids[i]`` for type ``kinds[i]``."""
        codes = self.kinds
        if not all(kind in codes for kind in set(kinds)):
            for kind in kinds:
                self._code(kind)
        self._codes += map(codes.__getitem__, kinds)
        self._ids += webhook_ids
        if len(self._ids) >= _PACK_AT:
            self._pack()

    def merge(self, other: DistinctIds) -> None:
        """Add another part's pairs (its type codes translated to this one's)."""
        other._settle()
        self._others |= other._others
        if not len(other._sorted):
            return
        recode = np.array([self._code(kind) for kind in other._kinds], dtype=np.uint64)
        keys = other._sorted
        if (recode != np.arange(len(recode), dtype=np.uint64)).any():
            keys = keys.copy()
            keys[:, 2] = recode[keys[:, 2]]  # the order within one id may change: re-sorted
        elif not len(self._sorted) and not self._unsorted_rows:
            self._sorted = keys  # the first part, with the same codes: taken as it is
            return
        self._unsorted.append(keys)
        self._unsorted_rows += len(keys)
        self._sort()

    def counts(self) -> tuple[dict[str, int], int]:
        """Distinct ids per event type, and distinct ids over every type."""
        self._settle()
        keys = self._sorted
        per_code = np.bincount(keys[:, 2].astype(np.intp), minlength=len(self._kinds))
        per_kind = {kind: int(per_code[code]) for code, kind in enumerate(self._kinds)}
        new_id = np.ones(len(keys), dtype=bool)
        new_id[1:] = (keys[1:, 0] != keys[:-1, 0]) | (keys[1:, 1] != keys[:-1, 1])
        for kind, _ in self._others:
            per_kind[kind] = per_kind.get(kind, 0) + 1
        return per_kind, int(new_id.sum()) + len({webhook_id for _, webhook_id in self._others})

    def __getstate__(self) -> dict[str, Any]:
        """Pickled settled: a worker sends its sorted arrays, not its pending strings."""
        self._settle()
        return self.__dict__.copy()

    def _code(self, kind: str) -> int:
        code = self.kinds.get(kind)
        if code is None:
            code = self.kinds[kind] = len(self._kinds)
            self._kinds.append(kind)
        return code

    def _settle(self) -> None:
        """Pack and sort everything gathered so far."""
        self._pack()
        self._sort(force=True)

    def _pack(self) -> None:
        """Gathered pairs -> rows of :data:`Keys` (ids that are not canonical UUIDs: a set)."""
        ids, codes = self._ids, self._codes
        if not ids:
            return
        joined = "".join(ids)
        if set(map(len, ids)) == {_UUID_LENGTH} and joined.isascii():
            uuids = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
            candidates = np.arange(len(ids))
        else:  # some id of another length or alphabet
            candidates = np.array(
                [at for at, i in enumerate(ids) if len(i) == _UUID_LENGTH and i.isascii()],
                dtype=np.intp,
            )
            text = "".join(ids[at] for at in candidates.tolist())
            uuids = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        rows = uuids.reshape(-1, _UUID_LENGTH)
        nibbles = _NIBBLES[rows[:, _HEX_DIGITS]]
        canonical = (nibbles != _NOT_HEX).all(axis=1) & (rows[:, _DASHES] == ord("-")).all(axis=1)
        packed = (nibbles[canonical, 0::2] << 4) | nibbles[canonical, 1::2]
        keys = np.empty((len(packed), 3), dtype=np.uint64)
        keys[:, :2] = np.ascontiguousarray(packed).view(np.uint64)
        keys[:, 2] = np.array(codes, dtype=np.uint64)[candidates[canonical]]
        if len(keys) < len(ids):
            is_uuid = np.zeros(len(ids), dtype=bool)
            is_uuid[candidates[canonical]] = True
            kinds = self._kinds
            self._others.update(
                (kinds[code], webhook_id)
                for code, webhook_id, uuid in zip(codes, ids, is_uuid.tolist(), strict=True)
                if not uuid
            )
        ids.clear()
        codes.clear()
        self._unsorted.append(keys)
        self._unsorted_rows += len(keys)
        self._sort()

    def _sort(self, *, force: bool = False) -> None:
        """Merge the packed rows into the sorted unique ones, once there are enough of them."""
        if not self._unsorted_rows or (
            not force and self._unsorted_rows < max(_SORT_AT, len(self._sorted))
        ):
            return
        keys = np.concatenate([self._sorted, *self._unsorted])
        self._unsorted = []
        keys.view(_KEY).sort(axis=0)  # in place, by id, then type
        new = np.ones(len(keys), dtype=bool)
        new[1:] = (keys[1:] != keys[:-1]).any(axis=1)
        self._sorted = keys if new.all() else keys[new]
        self._unsorted_rows = 0
