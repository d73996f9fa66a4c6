"""Fuzzy search over title keys that touches only the keys that could pass the cutoff.

``rapidfuzz.fuzz.ratio`` is ``100 * (1 - d / (la + lb))`` with ``d`` the insert/delete
distance, so a cutoff bounds ``d`` for every key length ``lb``, and so the lengths a key may
have. Each deleted character destroys at most ``q`` of the query's q-grams and each inserted one
at most ``q - 1``, so a key within that distance shares at least a known number of q-grams
(counted with multiplicity) with the query. An inverted index from q-grams to keys counts the
shared q-grams; only keys of a possible length over that bound reach rapidfuzz, in their
original order, so the answer is exactly that of scanning every key (same scores, same order,
same ``limit``) at a fraction of the cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

GRAM_SIZES = (3, 2)  # trigrams where their bound is strong enough, else bigrams
MIN_TRIGRAM_BOUND = 2  # below this many shared trigrams, bigrams filter better
_NEVER = np.iinfo(np.int32).max  # the bound for a key length that cannot reach the cutoff


def grams(text: str, q: int) -> list[str]:
    """The q-grams of ``text``, the k-th repeat of a q-gram marked with k extra "\\x01" so that
    the set overlap of these tokens is the multiset overlap of the q-grams."""
    out = [text[i:i + q] for i in range(len(text) - q + 1)]
    if len(set(out)) == len(out):
        return out
    seen: dict[str, int] = {}
    for i, gram in enumerate(out):
        repeat = seen.get(gram, 0)
        seen[gram] = repeat + 1
        out[i] = gram + "\x01" * repeat
    return out


class Plan(NamedTuple):
    """How to filter keys for one query length and cutoff: q-gram size, the shared q-grams
    needed per key length (``bounds``), their minimum, and the possible key lengths."""

    q: int
    bounds: np.ndarray
    least: int
    shortest: int
    longest: int


@lru_cache(maxsize=2048)
def plan(la: int, cutoff: float, longest: int) -> Plan:
    """The `Plan` for a query of length ``la``: trigrams when a key must share at least
    ``MIN_TRIGRAM_BOUND`` of them, else bigrams."""
    for q in GRAM_SIZES:
        bounds = shared_bound(la, cutoff, q, longest)
        possible = np.flatnonzero(bounds < _NEVER)
        least = int(bounds.min())
        if least >= MIN_TRIGRAM_BOUND or q == GRAM_SIZES[-1]:
            if not possible.size:
                return Plan(q, bounds, least, 1, 0)
            return Plan(q, bounds, least, int(possible[0]), int(possible[-1]))
    raise AssertionError("unreachable")


def shared_bound(la: int, cutoff: float, q: int, longest: int) -> np.ndarray:
    """For each key length 0..``longest``: how many q-grams a key must share with a query of
    length ``la`` to score ``cutoff`` or more (``_NEVER`` where the length rules it out)."""
    bounds = np.full(longest + 1, _NEVER, dtype=np.int64)
    for lb in range(1, longest + 1):
        d = math.floor((100.0 - cutoff) * (la + lb) / 100.0 + 1e-6)
        delta = la - lb
        if abs(delta) > d:
            continue  # the length difference alone costs more than the cutoff allows
        deleted, inserted = (d + delta) / 2, (d - delta) / 2  # from the query's side
        query_side = (la - q + 1) - q * deleted - (q - 1) * inserted
        key_side = (lb - q + 1) - q * inserted - (q - 1) * deleted
        bounds[lb] = math.ceil(max(query_side, key_side) - 1e-9)
    return bounds


class Window(NamedTuple):
    """The keys (internal numbers ``lo``..``hi``) a query of one length may match, how many
    q-grams of size ``q`` each must share (``need``), and the least of those."""

    q: int
    least: int
    lo: int
    hi: int
    need: np.ndarray


class FuzzyIndex:
    """Keys searchable with ``fuzz.ratio`` above a cutoff; build once, query per span.

    Internally keys are numbered shortest first, so the keys of the possible lengths for a
    query are one contiguous range.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self._key_array = np.array(self.keys, dtype=object)  # fancy-indexed into choices
        order = sorted(range(len(self.keys)), key=lambda i: (len(self.keys[i]), i))
        self.original = np.array(order, dtype=np.intp)  # internal number -> key index
        self.lengths = np.array([len(self.keys[i]) for i in order], dtype=np.intp)
        self.longest = int(self.lengths[-1]) if order else 0
        # first[n]: the first internal number of a key at least n characters long
        self.first = np.searchsorted(self.lengths, np.arange(self.longest + 2)).tolist()
        self.postings = {q: _postings([self.keys[i] for i in order], q) for q in GRAM_SIZES}
        self._windows: dict[tuple[int, float], Window] = {}

    def window(self, la: int, cutoff: float) -> Window:
        """The `Window` of keys a query of length ``la`` may match (computed once per length
        and cutoff)."""
        window = self._windows.get((la, cutoff))
        if window is None:
            rule = plan(la, cutoff, self.longest)
            lo = self.first[min(rule.shortest, self.longest + 1)]
            hi = self.first[min(rule.longest + 1, self.longest + 1)]
            need = rule.bounds[self.lengths[lo:hi]].astype(np.int16)  # a few hundred at most
            window = Window(rule.q, rule.least, lo, hi, need)
            self._windows[la, cutoff] = window
        return window

    def extract(self, query: str, cutoff: float, limit: int) -> list[tuple[int, float]]:
        """(key index, score) of the best ``limit`` keys scoring ``cutoff`` or more, best
        first; what ``process.extract`` over all keys would return."""
        return self.search().extract(query, cutoff, limit)

    def search(self) -> Search:
        """A search for queries that may grow ("i loved" then "i loved heat"), reusing the
        q-gram counts of the shorter query; one per message (it is not thread-safe)."""
        return Search(self)


def _postings(keys: Sequence[str], q: int) -> dict[str, np.ndarray]:
    """q-gram token -> ascending numbers of the keys holding it."""
    token_ids: dict[str, int] = {}
    tokens: list[int] = []
    owners: list[int] = []
    for number, key in enumerate(keys):
        found = grams(key, q)
        tokens.extend(token_ids.setdefault(t, len(token_ids)) for t in found)
        owners.extend([number] * len(found))
    order = np.argsort(np.array(tokens, dtype=np.intp), kind="stable")  # keeps owners sorted
    grouped = np.array(owners, dtype=np.intp)[order]
    edges = np.searchsorted(np.array(tokens, dtype=np.intp)[order], np.arange(len(token_ids) + 1))
    return {t: grouped[edges[i]:edges[i + 1]] for t, i in token_ids.items()}


class Search:
    """Fuzzy lookups of successive queries in one `FuzzyIndex`; while each query extends the
    one before, only the new q-grams are counted, and the counts of a query that does not are
    cleared key by key rather than reallocated."""

    def __init__(self, index: FuzzyIndex) -> None:
        self.index = index
        self._counts = {q: _GrowingCounts(index, q) for q in GRAM_SIZES}

    def extract(self, query: str, cutoff: float, limit: int) -> list[tuple[int, float]]:
        """Like `FuzzyIndex.extract`."""
        if not self.index.keys or not query:
            return []
        candidates = self._candidates(query, cutoff)
        if not candidates.size:
            return []
        found = process.extract(query, self.index._key_array[candidates], scorer=fuzz.ratio,
                                score_cutoff=cutoff, limit=limit)
        return [(int(candidates[position]), float(score)) for _, score, position in found]

    def _candidates(self, query: str, cutoff: float) -> np.ndarray:
        """Key indices (ascending) of the keys of a possible length whose shared q-grams
        reach the bound."""
        index = self.index
        window = index.window(len(query), cutoff)
        if window.least <= 0:  # too short to filter: every key of a possible length
            return np.sort(index.original[window.lo:window.hi])
        counts = self._counts[window.q].count(query)
        numbers = np.flatnonzero(counts[window.lo:window.hi] >= window.need)
        return np.sort(index.original[numbers + window.lo])


class _GrowingCounts:
    """How many q-grams each key shares with the current query, updated in place when the
    next query extends it."""

    def __init__(self, index: FuzzyIndex, q: int) -> None:
        self.index, self.q = index, q
        self.text = ""
        self.counts = np.zeros(0, dtype=np.int64)
        self.seen: dict[str, int] = {}
        self.counted: list[np.ndarray] = []  # what to clear when the next query starts over

    def count(self, query: str) -> np.ndarray:
        """Shared q-gram counts for ``query`` by internal key number (updated by the next
        call)."""
        q = self.q
        if not self.counts.size:
            self.counts = np.zeros(len(self.index.keys), dtype=np.int64)
        elif not query.startswith(self.text):
            if self.counted:
                self.counts[np.concatenate(self.counted)] = 0
            self.text, self.seen, self.counted = "", {}, []
        postings, seen, hits = self.index.postings[q], self.seen, []
        for i in range(max(0, len(self.text) - q + 1), len(query) - q + 1):
            gram = query[i:i + q]
            repeat = seen.get(gram, 0)
            seen[gram] = repeat + 1
            ids = postings.get(gram + "\x01" * repeat if repeat else gram)
            if ids is not None:
                hits.append(ids)
        if hits:
            added = np.concatenate(hits)
            np.add.at(self.counts, added, 1)
            self.counted.append(added)
        self.text = query
        return self.counts
