"""The contract every candidate source implements, and the data it sees.

A source is fitted once on training data, then asked per request. It scores *every* item in one
vectorised call (`score`), and explains only the few it returns (`evidence`), so the per-turn path
has no Python loop over the catalog. Items are catalog indices here; ids are for the outside.

Evidence keys (shared with `chatrec.explain`; a source uses only the ones that apply):
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

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from chatrec.catalog import Catalog

EMPTY = np.zeros(0, dtype=np.int64)


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
    genres_in / genres_out / year_min / year_max: hard attribute filters.
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
