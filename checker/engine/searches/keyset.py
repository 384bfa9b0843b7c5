"""The visited set: packed keys -> state ids, as sorted arrays in buckets.

A key is (bucket, word): the bucket is the packed state's extra part when it has one, else
`HASH_BITS` bits of a multiplicative hash of the word (so a merge copies one bucket at a time).
Each bucket keeps its words sorted (`uint64`) with the matching state ids (`int32`): 12 bytes a
state. New keys wait in a small set of their own (`RecentKeys`: without an extra part one array,
sorted by the mixed word, so that a small add is one insert) and are merged into the buckets once
they are an eighth as many; look-ups are vectorised `searchsorted`.
"""

from __future__ import annotations

import numpy as np

HASH_BITS = 6
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_UNMIX = np.uint64(pow(0x9E3779B97F4A7C15, -1, 1 << 64))  # word * _GOLDEN * _UNMIX == word (mod 2**64)


def bucket_of(word: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    """The bucket of each key."""
    if extra is not None:
        return extra.astype(np.uint16)  # small integers: numpy's stable sort is a radix sort for them
    return ((word * _GOLDEN) >> np.uint64(64 - HASH_BITS)).astype(np.uint16)


def _split(bucket: np.ndarray, word: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, distinct buckets, segment starts) grouping positions by bucket; with `word`, each
    bucket's positions in word order."""
    if word is None:
        order = np.argsort(bucket, kind="stable")
    else:
        by_word = np.argsort(word)
        order = by_word[np.argsort(bucket[by_word], kind="stable")]
    sb = bucket[order]
    starts = np.flatnonzero(np.r_[True, sb[1:] != sb[:-1]]) if len(sb) else np.zeros(0, dtype=np.int64)
    return order, sb[starts], np.r_[starts, len(sb)]


class SortedKeys:
    """Sorted words and ids per bucket."""

    def __init__(self) -> None:
        self.words: dict[int, np.ndarray] = {}
        self.ids: dict[int, np.ndarray] = {}
        self.size = 0

    def find(self, word: np.ndarray, extra: np.ndarray | None, out: np.ndarray | None = None) -> np.ndarray:
        """The id of each key, -1 where absent (or left as it is in `out`)."""
        out = np.full(len(word), -1, dtype=np.int64) if out is None else out
        if not self.size:
            return out
        order, buckets, bounds = _split(bucket_of(word, extra))
        for k, b in enumerate(buckets.tolist()):
            words = self.words.get(b)
            if words is None or not len(words):
                continue
            pos = order[bounds[k]:bounds[k + 1]]
            q = word[pos]
            at = np.searchsorted(words, q)
            at[at == len(words)] = 0
            hit = words[at] == q
            out[pos[hit]] = self.ids[b][at[hit]]
        return out

    def add(self, word: np.ndarray, extra: np.ndarray | None, ids: np.ndarray) -> None:
        """Insert keys known to be absent and distinct."""
        order, buckets, bounds = _split(bucket_of(word, extra), word)
        for k, b in enumerate(buckets.tolist()):
            pos = order[bounds[k]:bounds[k + 1]]
            self._insert(b, word[pos], ids[pos].astype(np.int32))
        self.size += len(word)

    def _insert(self, b: int, w: np.ndarray, i: np.ndarray) -> None:
        """Sorted words `w` (absent so far) and their ids into bucket `b`."""
        old = self.words.get(b)
        if old is None:
            self.words[b], self.ids[b] = w, i
            return
        at = np.searchsorted(old, w)
        self.words[b] = np.insert(old, at, w)
        self.ids[b] = np.insert(self.ids[b], at, i)

    def merge(self, other: SortedKeys) -> None:
        """Take every key of `other` (absent here), emptying it bucket by bucket."""
        for b in sorted(other.words):
            self._insert(b, other.words.pop(b), other.ids.pop(b))
        self.size += other.size
        other.size = 0

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.words.values()) + sum(a.nbytes for a in self.ids.values())


class RecentKeys:
    """The keys added lately. Without an extra part, one array sorted by the mixed word
    (`word * _GOLDEN`: a bijection, whose top bits are the bucket), so that adding a few keys is one
    insert, not one a bucket; with one, bucketed like the settled keys."""

    def __init__(self) -> None:
        self.mixed = np.zeros(0, dtype=np.uint64)
        self.ids = np.zeros(0, dtype=np.int32)
        self.bucketed = SortedKeys()
        self.size = 0

    def find(self, word: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
        if extra is not None or not len(self.mixed):
            return self.bucketed.find(word, extra)
        mixed = word * _GOLDEN
        at = np.searchsorted(self.mixed, mixed)
        at[at == len(self.mixed)] = 0
        hit = self.mixed[at] == mixed
        return np.where(hit, self.ids[at], -1)

    def add(self, word: np.ndarray, extra: np.ndarray | None, ids: np.ndarray) -> None:
        if extra is not None:
            self.bucketed.add(word, extra, ids)
        else:
            mixed = word * _GOLDEN
            order = np.argsort(mixed)
            at = np.searchsorted(self.mixed, mixed[order])
            self.mixed = np.insert(self.mixed, at, mixed[order])
            self.ids = np.insert(self.ids, at, ids[order].astype(np.int32))
        self.size += len(word)

    def drain_into(self, keys: SortedKeys) -> None:
        """Hand every key over to `keys` (absent there), bucket by bucket."""
        keys.merge(self.bucketed)
        if len(self.mixed):
            word = self.mixed * _UNMIX
            bucket = (self.mixed >> np.uint64(64 - HASH_BITS)).astype(np.int64)  # ascending
            bounds = np.searchsorted(bucket, np.arange((1 << HASH_BITS) + 1))
            for b in np.flatnonzero(np.diff(bounds)).tolist():
                part = slice(bounds[b], bounds[b + 1])
                order = np.argsort(word[part])
                keys._insert(b, word[part][order], self.ids[part][order])
            keys.size += len(self.mixed)
            self.mixed, self.ids = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int32)
        self.size = 0

    def nbytes(self) -> int:
        return self.mixed.nbytes + self.ids.nbytes + self.bucketed.nbytes()


class KeySet(SortedKeys):
    """The visited set: the settled keys, and the keys added lately in a small set of their own,
    merged in once it holds an eighth as many (so adding a few keys never copies every bucket)."""

    def __init__(self) -> None:
        super().__init__()
        self.recent = RecentKeys()

    def find(self, word: np.ndarray, extra: np.ndarray | None, out: np.ndarray | None = None) -> np.ndarray:
        out = super().find(word, extra, out)
        if self.recent.size:
            missing = np.flatnonzero(out < 0)
            if len(missing):
                out[missing] = self.recent.find(word[missing], None if extra is None else extra[missing])
        return out

    def add(self, word: np.ndarray, extra: np.ndarray | None, ids: np.ndarray) -> None:
        self.recent.add(word, extra, ids)
        if self.recent.size > max(1 << 16, self.size // 8):
            self.settle()

    def settle(self) -> None:
        """Merge the recent keys in: `words` and `ids` then hold every key."""
        self.recent.drain_into(self)

    def __len__(self) -> int:
        return self.size + self.recent.size

    def nbytes(self) -> int:
        return super().nbytes() + self.recent.nbytes()
