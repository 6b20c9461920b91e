"""Exact-key look-ups (ids, titles) as sorted arrays of 64-bit hashes, not Python dicts.

A table is two arrays that are saved with the model and memory-mapped on load, so opening a
model of a million records builds nothing; a look-up is a binary search.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["KeyTable", "lookup_hash", "lookup_hash_int", "lookup_hashes_of_parts"]


def lookup_hash(key: str) -> np.uint64:
    """A stable 64-bit hash of a key (the same on every run and platform)."""
    return np.uint64(lookup_hash_int(key))


def lookup_hash_int(key: str) -> int:
    """:func:`lookup_hash` as a Python int (cheaper to make a million of)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def lookup_hashes_of_parts(heads: Sequence[bytes], tails: bytes, offsets: Sequence[int]) -> list[int]:
    """:func:`lookup_hash_int` of keys given in two parts, the UTF-8 bytes of each key's head
    and its tail ``tails[offsets[i]:offsets[i + 1]]``: keys made a block at a time, hashed
    without being made one by one."""
    view = memoryview(tails)
    out = []
    for head, start, end in zip(heads, offsets, offsets[1:]):
        digest = hashlib.blake2b(head, digest_size=8)
        digest.update(view[start:end])
        out.append(int.from_bytes(digest.digest(), "little"))
    return out


class KeyTable:
    """A multimap from string keys to integers: ``hashes`` sorted, ``values`` beside them."""

    def __init__(self, hashes: np.ndarray, values: np.ndarray) -> None:
        self.hashes = hashes
        self.values = values

    @classmethod
    def build(cls, items: Iterable[tuple[str, int]]) -> KeyTable:
        hashes: list[int] = []
        values: list[int] = []
        for key, value in items:
            if key:
                hashes.append(lookup_hash_int(key))
                values.append(value)
        return cls.from_hashes(np.array(hashes, dtype=np.uint64), np.array(values, dtype=np.int64))

    @classmethod
    def from_hashes(cls, hashes: np.ndarray, values: np.ndarray) -> KeyTable:
        """A table of keys already hashed with :func:`lookup_hash`."""
        hashes = np.asarray(hashes, dtype=np.uint64).reshape(-1)
        values = np.asarray(values).astype(np.int64).reshape(-1)
        order = np.lexsort((values, hashes))
        hashes, values = hashes[order], values[order]
        # Sorted by hash, then value: a repeated (key, value) is kept once.
        new = np.ones(len(hashes), dtype=bool)
        new[1:] = (hashes[1:] != hashes[:-1]) | (values[1:] != values[:-1])
        return cls(hashes[new], values[new])

    def to_arrays(self) -> dict[str, np.ndarray]:
        """What to save: ``hash`` (sorted uint64) and ``value`` (int64 beside each)."""
        return {"hash": np.asarray(self.hashes, dtype=np.uint64), "value": np.asarray(self.values, dtype=np.int64)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> KeyTable:
        """The table :meth:`to_arrays` gave (already sorted: nothing is rebuilt)."""
        return cls(arrays["hash"], arrays["value"])

    def get(self, key: str) -> list[int]:
        """Every value stored under the key (a hash collision may add a stray one; callers
        that cannot tolerate it check the value)."""
        h = lookup_hash(key)
        lo = np.searchsorted(self.hashes, h, side="left")
        hi = np.searchsorted(self.hashes, h, side="right")
        return self.values[lo:hi].tolist()
