"""Distinct (event type, webhook id) pairs, counted exactly in little memory.

``X-Webhook-Id`` is a UUID. A chunk of ids in the canonical form (36 characters: lower-case hex
digits and four dashes) is checked and packed with a few whole-string operations
(``binascii.unhexlify`` over the chunk): 16 bytes per id and 2 for its type's code, appended to two
byte arrays, with no Python object per id. Duplicates are removed when counting, by sorting the
pairs with numpy (imported only then, in the process that counts: the streaming workers never
load it), or with a set for a few pairs. Any other id is kept as it is, with its type, in a
set. Only the canonical spelling is packed, so one id can never be counted twice.
"""

from __future__ import annotations

import binascii
import re
import struct
from array import array
from typing import Any

_UUID_LENGTH = 36
_HEX_LENGTH = 32
_UUID_BYTES = 16
_DASHES = (8, 13, 18, 23)
_CANONICAL = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PACK_AT = 4096
"""Pairs gathered as strings before they are packed."""
_SORT_FROM = 65536
"""Pairs from which duplicates are removed by sorting with numpy rather than with a set."""
_COMPACT_AT = 1 << 21
"""Packed pairs (36 MB) after which duplicates are removed on the way (a long serial run)."""


class DistinctIds:
    """Distinct webhook ids per event type, exact (no probabilistic counting)."""

    def __init__(self) -> None:
        self.kinds: dict[str, int] = {}  # event type -> its code
        self._kinds: list[str] = []
        self._ids: list[str] = []  # pairs not packed yet
        self._codes: list[int] = []
        self._uuids = bytearray()  # 16 bytes per packed pair
        self._uuid_codes = array("H")  # its type code
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
        for kind in set(kinds).difference(codes):
            self._code(kind)
        self._codes += map(codes.__getitem__, kinds)
        self._ids += webhook_ids
        if len(self._ids) >= _PACK_AT:
            self._pack()

    def merge(self, other: DistinctIds) -> None:
        """Add another part's pairs (its type codes translated to this one's)."""
        other._pack()
        self._others |= other._others
        recode = [self._code(kind) for kind in other._kinds]
        self._uuids += other._uuids
        if recode == list(range(len(recode))):
            self._uuid_codes += other._uuid_codes
        else:
            self._uuid_codes += array("H", map(recode.__getitem__, other._uuid_codes))
        if len(self._uuid_codes) >= _COMPACT_AT:
            self._compact()
        elif len(self._uuid_codes) >= _SORT_FROM:
            import numpy  # noqa: F401  (loaded now, while the other workers may still run)

    def counts(self) -> tuple[dict[str, int], int]:
        """Distinct ids per event type, and distinct ids over every type."""
        self._pack()
        per_code, uuids = _count(self._uuids, self._uuid_codes, len(self._kinds))
        per_kind = dict(zip(self._kinds, per_code, strict=True))
        for kind, _ in self._others:
            per_kind[kind] += 1
        return per_kind, uuids + len({webhook_id for _, webhook_id in self._others})

    def __getstate__(self) -> dict[str, Any]:
        """Pickled packed: a worker sends its byte arrays, not its pending strings."""
        self._pack()
        return self.__dict__.copy()

    def _code(self, kind: str) -> int:
        code = self.kinds.get(kind)
        if code is None:
            if len(self._kinds) > 0xFFFF:
                raise ValueError("more than 65,536 event types")
            code = self.kinds[kind] = len(self._kinds)
            self._kinds.append(kind)
        return code

    def _pack(self) -> None:
        """Gathered pairs -> the byte arrays (ids that are not canonical UUIDs: the set)."""
        ids, codes = self._ids, self._codes
        if not ids:
            return
        packed = _packed(ids)
        if packed is not None:
            self._uuids += packed
            self._uuid_codes.frombytes(struct.pack(f"={len(codes)}H", *codes))
        else:  # some id in another form: each id on its own
            for code, webhook_id in zip(codes, ids, strict=True):
                one = _packed_one(webhook_id)
                if one is None:
                    self._others.add((self._kinds[code], webhook_id))
                else:
                    self._uuids += one
                    self._uuid_codes.append(code)
        ids.clear()
        codes.clear()
        if len(self._uuid_codes) >= _COMPACT_AT:
            self._compact()

    def _compact(self) -> None:
        """Drop the duplicate pairs (numpy), so a very long log keeps each pair once."""
        self._uuids, self._uuid_codes = _distinct(self._uuids, self._uuid_codes)


def _packed(ids: list[str]) -> bytes | None:
    """The ids as 16 bytes each, or None unless every one is a canonical UUID."""
    count = len(ids)
    joined = "".join(ids)
    if len(joined) != _UUID_LENGTH * count or min(map(len, ids)) != _UUID_LENGTH:
        return None  # (no id shorter and the right total: each is 36 characters long)
    try:
        text = joined.encode("ascii")
    except UnicodeEncodeError:
        return None
    if len(text.translate(None, b"ABCDEF")) != len(text):  # one spelling per id
        return None
    if any(text[at::_UUID_LENGTH] != b"-" * count for at in _DASHES):
        return None
    digits = text.translate(None, b"-")
    if len(digits) != _HEX_LENGTH * count:
        return None
    try:
        return binascii.unhexlify(digits)  # every other character must be a hex digit
    except binascii.Error:
        return None


def _packed_one(webhook_id: str) -> bytes | None:
    """One id as 16 bytes, or None unless it is a canonical UUID."""
    if _CANONICAL.fullmatch(webhook_id) is None:
        return None
    return binascii.unhexlify(webhook_id.replace("-", ""))


def _count(uuids: bytearray, codes: array[int], kinds: int) -> tuple[list[int], int]:
    """Distinct pairs per type code, and distinct UUIDs, of the packed pairs."""
    if len(codes) < _SORT_FROM:
        pairs = {
            (bytes(uuids[at * _UUID_BYTES : (at + 1) * _UUID_BYTES]), code)
            for at, code in enumerate(codes)
        }
        per_code = [0] * kinds
        for _, code in pairs:
            per_code[code] += 1
        return per_code, len({uuid for uuid, _ in pairs})
    import numpy as np  # only here: the streaming workers never load it

    keys = _sorted_keys(uuids, codes)
    pairs_per_code = np.bincount(keys[:, 2].astype(np.intp), minlength=kinds)
    new_id = np.ones(len(keys), dtype=bool)
    new_id[1:] = (keys[1:, 0] != keys[:-1, 0]) | (keys[1:, 1] != keys[:-1, 1])
    return [int(n) for n in pairs_per_code], int(new_id.sum())


def _distinct(uuids: bytearray, codes: array[int]) -> tuple[bytearray, array[int]]:
    """The packed pairs, each once."""
    keys = _sorted_keys(uuids, codes)
    return bytearray(keys[:, :2].tobytes()), array("H", keys[:, 2].astype("uint16").tobytes())


def _sorted_keys(uuids: bytearray, codes: array[int]) -> Any:
    """One row per distinct pair: the UUID as two ``uint64``, then the type code, sorted as
    24 bytes (``memcmp`` order, in place) so that the rows of one id are next to each other."""
    import numpy as np

    keys = np.empty((len(codes), 3), dtype=np.uint64)
    keys[:, :2] = np.frombuffer(uuids, dtype=np.uint64).reshape(-1, 2)
    keys[:, 2] = np.frombuffer(codes, dtype=np.uint16)
    keys.view("S24").sort(axis=0)
    new = np.ones(len(keys), dtype=bool)
    new[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    return keys if new.all() else keys[new]
