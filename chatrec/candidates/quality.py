"""Quality-aware popularity: how many rated an item, blended with how well they rated it.

The cold-start source. Plain popularity ranks by rating count alone, so a widely seen but
poorly liked item outranks a well loved one. Here each item's share of high ratings (``>=``
``like_fraction`` of the top rating: 4 of 5) is a Bayesian average, shrunk towards the
catalog's share by ``prior_count`` pseudo-ratings so three 5★ ratings do not top the list, and
the score is log(1 + reach) + ``like_weight`` x log(shrunk share): with weight 1, the log of the
expected number of people who like it. ``reach`` counts raters one person, one vote: each
rating weighs 1 / (that user's number of ratings) ^ ``user_norm``, scaled so the weights sum
to the number of ratings, so a few very active raters, who rate nearly everything popular, do
not decide what a newcomer sees (``user_norm`` 0: the plain count). The Bayesian-average star
rating and the plain count are the evidence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from chatrec.candidates.base import Query, TrainingData


def bayesian_average(sums: np.ndarray, counts: np.ndarray, prior_count: float) -> np.ndarray:
    """(sum + m·C) / (count + m): each mean shrunk towards the global mean C by m ratings."""
    total = float(counts.sum())
    global_mean = float(sums.sum()) / total if total else 0.0
    return ((sums + prior_count * global_mean) / (counts + prior_count)).astype(np.float32)


def user_weighted_counts(ratings: sp.spmatrix, user_norm: float) -> np.ndarray:
    """Per-item rating counts with each user's ratings weighed 1 / n_ratings ^ ``user_norm``,
    rescaled to the plain total (so the log keeps the scale of a count)."""
    csr = sp.csr_matrix(ratings)
    per_user = np.diff(csr.indptr).astype(np.float64)
    weight = np.repeat(1.0 / np.maximum(per_user, 1.0) ** user_norm, np.diff(csr.indptr))
    reach = np.bincount(csr.indices, weights=weight, minlength=csr.shape[1])
    return (reach * csr.nnz / max(float(reach.sum()), 1e-12)).astype(np.float32)


class QualitySource:
    """Scores items by log(1 + reach) + ``like_weight`` x log(Bayesian share of high ratings).

    ``reach`` is the rating count with each user's ratings weighed 1 / n_ratings ^ ``user_norm``.
    """

    name = "quality"

    # like_weight 1 and user_norm 1: the log of the expected number of likers, one vote per
    # rater; chosen on `eval chat --split valid` (cold turns 1-2, see blend_weights.toml).
    def __init__(self, prior_count: float = 20.0, like_weight: float = 1.0,
                 like_fraction: float = 0.8, user_norm: float = 1.0) -> None:
        self.prior_count = prior_count
        self.like_weight = like_weight
        self.like_fraction = like_fraction
        self.user_norm = user_norm

    def fit(self, data: TrainingData) -> QualitySource:
        """Per-item rating counts, sums and high-rating counts from the training matrix."""
        csc = sp.csc_matrix(data.ratings)
        counts = np.diff(csc.indptr).astype(np.float32)
        sums = np.asarray(csc.sum(axis=0)).ravel().astype(np.float32)
        top = float(csc.data.max()) if csc.nnz else 1.0
        liked = sp.csc_matrix(csc >= self.like_fraction * top, dtype=np.float32)
        likes = np.asarray(liked.sum(axis=0)).ravel().astype(np.float32)
        share = bayesian_average(likes, counts, self.prior_count)
        self._counts = counts
        self._average = bayesian_average(sums, counts, self.prior_count)
        with np.errstate(divide="ignore"):  # a catalog without any high rating: share 0
            quality = np.where(share > 0, np.log(np.maximum(share, 1e-12)), 0.0)
        reach = user_weighted_counts(data.ratings, self.user_norm)
        self._scores = (np.log1p(reach) + self.like_weight * quality).astype(np.float32)
        return self

    def score(self, query: Query) -> np.ndarray:
        """The same score for every query (copied so callers may mask it)."""
        return self._scores.copy()

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``n_ratings`` and the Bayesian-average ``mean_rating``."""
        items = np.asarray(items, dtype=np.int64)
        return [{"n_ratings": int(self._counts[i]),
                 "mean_rating": round(float(self._average[i]), 2)} for i in items]
