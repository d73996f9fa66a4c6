"""The contract every candidate source implements, and the data it sees.

A source is fitted once on training data, then asked per request. It scores *every* item in one
vectorised call (`score`), and explains only the few it returns (`evidence`), so the per-turn path
has no Python loop over the catalog. Items are catalog indices here; ids are for the outside.

Evidence keys (shared with `chatrec.explain.reasons`; a source uses only the ones that apply):
- ``because``: list of history item indices that drove the score, strongest first.
- ``co_raters``: dict {history item index: number of training users who rated both it and this
  item highly (rating >= 4)}; must match the training matrix exactly.
- ``similarity``: float, cosine similarity behind the score (item-item, user-user or semantic).
- ``neighbors``: int, similar users who rated this item (user-based CF).
- ``genres``: list of the item's genres that match the request's ``genres_in``.
- ``shared``: dict {"director"|"actor"|"writer": [history item indices sharing one]}.
- ``tags``: list of matched tag strings.
- ``wish``: the free-text wish matched (semantic); with ``similarity``.
- ``n_ratings`` / ``mean_rating``: popularity facts from the training matrix.
- ``year``: the item's year when a year filter was part of the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from chatrec.domain.catalog import Catalog

EMPTY = np.zeros(0, dtype=np.int64)
# From this many items on, the engine runs its large-catalog configuration: ALS instead of
# EASE / the neural model / user-kNN, and an IVF index for vector search. Measured: EASE's
# dense items x items solve took 300 s and 5.0 GB at 20k items (ALS: 21 s, 0.45 GB), growing
# as n^2.1 (`chatrec bench scale`, README "Scaling up").
LARGE_CATALOG_ITEMS = 20_000
# The least weight a history item keeps: positive, and small enough that the dialogue's cap on
# thumbs once a title is named (a 1% share) is not floored away.
MIN_WEIGHT = 1e-4


@dataclass(frozen=True)
class TrainingData:
    """What sources fit on: the catalog, a users × items rating matrix, and item embeddings."""

    catalog: Catalog
    ratings: sp.csr_matrix
    item_vectors: np.ndarray | None = None  # (n_items, dim), L2-normalised
    timestamps: np.ndarray | None = None  # per-rating times aligned with ratings.data, optional


@dataclass(frozen=True)
class Query:
    """One request: who the user is (their history) and what they asked for.

    history: item indices the user likes (stated, 👍, imported or training ratings).
    history_ratings: aligned ratings (1..5); a missing rating counts as 5 for chat likes.
    disliked: item indices the user dislikes; sources may push away from them.
    exclude: item indices never to return (already seen, shown, disliked).
    text / text_vector: a free-text wish and its embedding.
    profile_vector: the user's taste vector in embedding space (stated wishes + likes - dislikes).
    genres_in / genres_out / year_min / year_max: hard attribute filters (several genres_in
    prefer items having all of them).
    allow_poor: lift the quality floor ("so bad it's good").
    genre_shift: genre -> score shift learnt from thumbs, averaged over an item's genres and
    added to its blended score before the diversity step (asked genres are left out).
    """

    history: np.ndarray = field(default_factory=lambda: EMPTY)
    history_ratings: np.ndarray | None = None
    disliked: np.ndarray = field(default_factory=lambda: EMPTY)
    exclude: np.ndarray = field(default_factory=lambda: EMPTY)
    text: str = ""
    text_vector: np.ndarray | None = None
    profile_vector: np.ndarray | None = None
    genres_in: frozenset[str] = frozenset()
    genres_out: frozenset[str] = frozenset()
    year_min: int | None = None
    year_max: int | None = None
    allow_poor: bool = False
    genre_shift: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """One scored item with the structured evidence an explanation is later built from."""

    item_index: int
    score: float
    source: str
    evidence: dict[str, Any]


@runtime_checkable
class CandidateSource(Protocol):
    """A candidate generator: fit once, then score all items per query."""

    name: str

    def fit(self, data: TrainingData) -> CandidateSource:
        """Learn from training data and return self."""
        ...

    def score(self, query: Query) -> np.ndarray:
        """A float score per catalog item (higher is better); ``-inf`` where it has no opinion."""
        ...

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """Structured reasons for each of ``items`` (a short list), in the same order."""
        ...


def _as_indices(indices: object, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """``indices`` as a flat array plus a mask of the entries that are valid item indices."""
    array = np.asarray(EMPTY if indices is None else indices).ravel()
    if array.size == 0 or not np.issubdtype(array.dtype, np.number):
        return array, np.zeros(array.size, dtype=bool)
    safe = np.where(np.isfinite(array), array, -1)
    mask = (safe >= 0) & (safe < n_items) & (safe == np.floor(safe))
    return array, mask


def valid_items(indices: object, n_items: int) -> np.ndarray:
    """The in-range integer item indices of ``indices`` (unknown or negative ones dropped)."""
    array, mask = _as_indices(indices, n_items)
    return array[mask].astype(np.int64)


def history_weights(query: Query, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """The query's valid history items and a weight in [MIN_WEIGHT, 1] for each (rating / 5).

    A missing rating counts as 5. Chat likes carry a rating by source (`chatrec.dialogue.seeds`:
    a thumb 0.3, so 0.06, and far less once a title is named).
    """
    array, mask = _as_indices(query.history, n_items)
    items = array[mask].astype(np.int64)
    ratings = query.history_ratings
    if ratings is None or len(ratings) != array.size:
        return items, np.ones(items.size, dtype=np.float32)
    weights = np.asarray(ratings, dtype=np.float32).ravel()[mask] / 5.0
    return items, np.clip(np.nan_to_num(weights, nan=1.0), MIN_WEIGHT, 1.0)


def blocked_items(query: Query, n_items: int) -> np.ndarray:
    """Items a source must never return: history, ``exclude`` and ``disliked``."""
    parts = [valid_items(x, n_items) for x in (query.history, query.exclude, query.disliked)]
    return np.unique(np.concatenate(parts))


def top_k(scores: np.ndarray, exclude: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best finite scores, best first, never one of ``exclude``."""
    scores = np.array(scores, dtype=np.float32, copy=True)
    scores[exclude] = -np.inf
    finite = np.flatnonzero(np.isfinite(scores))
    if k <= 0 or finite.size == 0:
        return EMPTY
    if finite.size > k:
        finite = finite[np.argpartition(-scores[finite], k - 1)[:k]]
    return finite[np.argsort(-scores[finite], kind="stable")].astype(np.int64)


def candidates(source: CandidateSource, query: Query, k: int) -> list[Candidate]:
    """A source's ``k`` best candidates for ``query`` with their evidence, best first."""
    scores = source.score(query)
    items = top_k(scores, blocked_items(query, scores.size), k)
    evidence = source.evidence(query, items) if items.size else []
    return [Candidate(int(i), float(scores[i]), source.name, ev)
            for i, ev in zip(items, evidence, strict=True)]


def implicit(ratings: sp.spmatrix) -> sp.csr_matrix:
    """The 0/1 float32 "interacted" matrix: every stored rating is a positive."""
    binary = sp.csr_matrix(ratings, dtype=np.float32, copy=True)
    binary.eliminate_zeros()
    binary.data[:] = 1.0
    return binary


def liked_matrix(ratings: sp.spmatrix, threshold: float = 4.0) -> sp.csc_matrix:
    """Users × items 0/1 CSC of ratings ``>= threshold``, for ``co_raters`` evidence."""
    liked = sp.csr_matrix(ratings >= threshold, dtype=np.float32)
    return liked.tocsc()


def item_item_evidence(contrib: np.ndarray, history: np.ndarray, items: np.ndarray,
                       liked: sp.csc_matrix, top: int = 3) -> list[dict[str, Any]]:
    """``because`` and ``co_raters`` for item-item models.

    contrib[j, m] is how much history[j] added to the score of items[m]; the ``top`` largest
    positive ones become ``because``, and ``co_raters`` counts the training users who liked
    both (one sparse product over the liked matrix, so it matches the matrix exactly).
    """
    items = np.asarray(items, dtype=np.int64)
    if history.size == 0:
        return [{"because": [], "co_raters": {}} for _ in items]
    co = (liked[:, history].T @ liked[:, items]).toarray()
    order = np.argsort(-contrib, axis=0, kind="stable")[:top]
    out: list[dict[str, Any]] = []
    for m in range(items.size):  # the few returned items only
        rows = order[:, m][contrib[order[:, m], m] > 0]
        out.append({"because": [int(h) for h in history[rows]],
                    "co_raters": {int(history[r]): int(co[r, m]) for r in rows}})
    return out
