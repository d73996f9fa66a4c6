"""Popularity with a recency boost: the cold-start source and the baseline every model must beat.

Each training rating counts once, plus a bonus that halves every ``half_life_days`` before the
newest rating, so a catalog spanning decades leans towards what people watch lately.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chatrec.candidates.base import Query, TrainingData, implicit

SECONDS_PER_DAY = 86_400.0


class PopularitySource:
    """Scores items by log(1 + recency-weighted rating count); the query only filters."""

    name = "popularity"

    def __init__(self, half_life_days: float = 365.0, recency_weight: float = 0.5) -> None:
        self.half_life_days = half_life_days
        self.recency_weight = recency_weight

    def fit(self, data: TrainingData) -> PopularitySource:
        """Count ratings per item, with and without recency decay."""
        binary = implicit(data.ratings)
        self._counts = np.asarray(binary.sum(axis=0)).ravel().astype(np.float32)
        sums = np.asarray(data.ratings.sum(axis=0)).ravel()
        self._means = np.divide(sums, self._counts, out=np.zeros_like(self._counts),
                                where=self._counts > 0)
        weighted = self._counts + self.recency_weight * self._recent_counts(data)
        self._scores = np.log1p(weighted).astype(np.float32)
        return self

    def _recent_counts(self, data: TrainingData) -> np.ndarray:
        """Per-item sum of 2^(-age / half-life), rescaled to the total of the plain counts."""
        stamps = data.timestamps
        ratings = data.ratings.tocsr()
        if stamps is None or len(stamps) != ratings.nnz or ratings.nnz == 0:
            return self._counts
        age_days = (stamps.max() - np.asarray(stamps, dtype=np.float64)) / SECONDS_PER_DAY
        decay = np.exp2(-age_days / self.half_life_days)
        recent = np.bincount(ratings.indices, weights=decay, minlength=ratings.shape[1])
        return (recent * self._counts.sum() / max(recent.sum(), 1e-12)).astype(np.float32)

    def score(self, query: Query) -> np.ndarray:
        """The same popularity score for every query (copied so callers may mask it)."""
        return self._scores.copy()

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``n_ratings`` and ``mean_rating`` from the training matrix."""
        items = np.asarray(items, dtype=np.int64)
        return [{"n_ratings": int(self._counts[i]), "mean_rating": round(float(self._means[i]), 2)}
                for i in items]
