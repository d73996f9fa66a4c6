"""User-based collaborative filtering with the seed article's formulas.

sim(u, v) = cos(r_u, r_v) over rating vectors; the prediction for item i is the
similarity-weighted sum of the ``k`` nearest neighbours' ratings of i, divided by the sum of
their similarities. A chat user is not in the matrix: their history becomes a rating vector
and is placed among the existing users by the same cosine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from chatrec.candidates.base import Query, TrainingData, history_weights, implicit


class UserKNNSource:
    """User-based CF over ``values`` (the 0/1 matrix by default, or ratings / 5)."""

    name = "userknn"

    def __init__(self, k: int = 50, use_ratings: bool = False) -> None:
        self.k = k
        self.use_ratings = use_ratings

    def fit(self, data: TrainingData) -> UserKNNSource:
        """Keep the user vectors, scaled to unit length for cosine."""
        ratings = sp.csr_matrix(data.ratings, dtype=np.float32)
        values = ratings / 5.0 if self.use_ratings else implicit(ratings)
        self._values = sp.csr_matrix(values, dtype=np.float32)
        norms = np.sqrt(np.asarray(self._values.multiply(self._values).sum(axis=1)).ravel())
        self._unit = sp.csr_matrix(sp.diags(1.0 / np.where(norms == 0, 1.0, norms))
                                   @ self._values)
        return self

    def _neighbours(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` most similar users with positive similarity, and those similarities."""
        n_items = self._values.shape[1]
        history, weights = history_weights(query, n_items)
        vector = np.zeros(n_items, dtype=np.float32)
        np.add.at(vector, history, weights if self.use_ratings else 1.0)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        sims = self._unit @ (vector / norm)
        k = min(self.k, sims.size)
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[sims[top] > 0]
        return top, sims[top].astype(np.float32)

    def score(self, query: Query) -> np.ndarray:
        """sum_v sim(u, v) r_vi / sum_v sim(u, v) over the neighbours; zeros without any."""
        users, sims = self._neighbours(query)
        if users.size == 0:
            return np.zeros(self._values.shape[1], dtype=np.float32)
        scores = self._values[users].T @ sims / float(sims.sum())
        return np.asarray(scores, dtype=np.float32).ravel()

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``neighbors`` who rated the item and their mean ``similarity``."""
        items = np.asarray(items, dtype=np.int64)
        users, sims = self._neighbours(query)
        rated = self._values[users][:, items].toarray() > 0
        counts = rated.sum(axis=0)
        mean_sim = (sims @ rated) / np.maximum(counts, 1)
        return [{"neighbors": int(c), "similarity": round(float(s), 4)}
                for c, s in zip(counts, mean_sim, strict=True)]
