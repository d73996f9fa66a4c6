"""Implicit-feedback matrix factorisation (Hu, Koren & Volinsky, 2008) via ``implicit``'s ALS.

The collaborative source for large catalogs: EASE's dense items x items matrix is 15 GB at
MovieLens-25M's 62k movies, while ALS keeps an items x ``factors`` table and fits in time
linear in the ratings. Every rating is a positive with confidence ``alpha``. A chat user is not
in the training matrix, so their factor is solved from their history exactly as ALS solves a
training user's (``fold_in``); scoring is then one items x factors product.

The item table may also come from Spark MLlib (``chatrec train-spark``): the state is the same
array, so serving needs neither Spark nor a refit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from chatrec.candidates.base import (
    Query,
    TrainingData,
    history_weights,
    implicit,
    item_item_evidence,
    liked_matrix,
)
from chatrec.models.embedder import l2_normalize


def normal_equations(item_factors: np.ndarray, gram: np.ndarray, items: np.ndarray,
                     confidence: np.ndarray, regularization: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) of one ALS user step for ``items`` rated with these confidences.

    A = Y^T Y + lambda I + sum_h (c_h - 1) y_h y_h^T and b = sum_h c_h y_h: every unrated item
    has confidence 1 and preference 0, exactly as in training; the user factor is A^-1 b.
    """
    rows = item_factors[items].astype(np.float64)
    a = gram + regularization * np.eye(gram.shape[0]) + (rows.T * (confidence - 1.0)) @ rows
    return a, rows.T @ confidence


class ALSSource:
    """Weighted-regularised ALS on the 0/1 matrix; chat users folded in per query."""

    name = "als"
    STATE_VERSION = 1  # bump when ``fit`` changes, so cached factors are rebuilt
    uses_item_vectors = False

    def __init__(self, factors: int = 64, regularization: float = 50.0, alpha: float = 10.0,
                 iterations: int = 15, seed: int = 0) -> None:
        self.factors, self.regularization, self.alpha = factors, regularization, alpha
        self.iterations, self.seed = iterations, seed

    def fit(self, data: TrainingData) -> ALSSource:
        """Factorise the training matrix and keep the item factors."""
        from implicit.cpu.als import AlternatingLeastSquares

        # implicit parallelises over users itself; a multi-threaded BLAS inside each of its
        # threads only oversubscribes the cores (implicit warns about exactly this).
        with threadpool_limits(limits=1, user_api="blas"):
            model = AlternatingLeastSquares(
                factors=self.factors, regularization=self.regularization, alpha=self.alpha,
                iterations=self.iterations, random_state=self.seed)
            model.fit(implicit(data.ratings), show_progress=False)
        return self.load_state(data, {"item_factors": np.asarray(model.item_factors)})

    def state(self) -> dict[str, np.ndarray]:
        """The item factor table (the same array ``train-spark`` writes)."""
        return {"item_factors": self._items}

    def load_state(self, data: TrainingData, state: dict[str, np.ndarray]) -> ALSSource:
        """Adopt item factors (fitted here, cached, or trained by Spark)."""
        items = np.asarray(state["item_factors"], dtype=np.float32)
        expected = (data.ratings.shape[1], self.factors)
        if items.shape != expected:
            raise ValueError(f"item factors are {items.shape}, expected {expected}")
        self._items = items
        self._gram = items.T.astype(np.float64) @ items
        self._unit = l2_normalize(items)
        self._liked = liked_matrix(data.ratings)
        return self

    def _system(self, query: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """History items, their confidences and the fold-in system (A, b) for them."""
        history, weights = history_weights(query, self._items.shape[0])
        confidence = self.alpha * weights.astype(np.float64)
        a, b = normal_equations(self._items, self._gram, history, confidence,
                                self.regularization)
        return history, confidence, a, b

    def score(self, query: Query) -> np.ndarray:
        """Item factors · the folded-in user factor; zeros for an empty history."""
        history, _, a, b = self._system(query)
        if history.size == 0:
            return np.zeros(self._items.shape[0], dtype=np.float32)
        user = np.linalg.solve(a, b).astype(np.float32)
        return (self._items @ user).astype(np.float32)

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``because`` / ``co_raters`` from each history item's exact share of the score.

        The score is linear in b = sum_h c_h y_h, so history item h contributes
        c_h y_i^T A^-1 y_h to item i; ``similarity`` is the best cosine in factor space.
        """
        items = np.asarray(items, dtype=np.int64)
        history, confidence, a, _ = self._system(query)
        rows = self._items[history].astype(np.float64)
        shares = np.linalg.solve(a, rows.T).T * confidence[:, None] if history.size else rows
        contrib = shares @ self._items[items].T.astype(np.float64)
        out = item_item_evidence(contrib, history, items, self._liked)
        sims = self._unit[history] @ self._unit[items].T
        for m, ev in enumerate(out):
            ev["similarity"] = round(float(sims[:, m].max()), 4) if history.size else 0.0
        return out
