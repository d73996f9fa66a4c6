"""EASE (Steck, 2019): a closed-form linear item × item model.

B = I - P diag(1 / diag(P)) with P = (X^T X + lambda I)^-1, so B has a zero diagonal and a
query scores items by summing the rows of B for its history. lambda is picked on a validation
split (``chatrec.evaluation.offline``); a few hundred suits MovieLens-sized matrices.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from chatrec.candidates.base import (
    Query,
    TrainingData,
    history_weights,
    implicit,
    item_item_evidence,
    liked_matrix,
)

DEFAULT_LAMBDA = 500.0  # best on the ml-100k validation split (grid 100..1000)


def gram_matrix(data: TrainingData) -> np.ndarray:
    """X^T X of the implicit matrix as dense float64, the input of ``ease_weights``."""
    binary = implicit(data.ratings)
    return (binary.T @ binary).toarray().astype(np.float64)


def ease_weights(gram: np.ndarray, lam: float) -> np.ndarray:
    """The EASE item weights B for a Gram matrix and regulariser, as float32."""
    g = gram.copy()
    g[np.diag_indices_from(g)] += lam
    # Cholesky-based inverse: G is symmetric positive definite, and this is ~2x faster than inv.
    factor, _ = scipy.linalg.lapack.dpotrf(g, lower=False, overwrite_a=True)
    p, _ = scipy.linalg.lapack.dpotri(factor, lower=False, overwrite_c=True)
    p = np.triu(p) + np.triu(p, 1).T
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return b.astype(np.float32)


class EASESource:
    """EASE scores: weighted sum of B's rows over the history."""

    name = "ease"

    def __init__(self, lam: float = DEFAULT_LAMBDA) -> None:
        self.lam = lam

    def fit(self, data: TrainingData, gram: np.ndarray | None = None) -> EASESource:
        """Solve for B; pass a precomputed ``gram`` to try several lambdas cheaply."""
        self._b = ease_weights(gram_matrix(data) if gram is None else gram, self.lam)
        self._liked = liked_matrix(data.ratings)
        return self

    def score(self, query: Query) -> np.ndarray:
        """sum_h w_h * B[h, i]; zeros for an empty history."""
        history, weights = history_weights(query, self._b.shape[0])
        return (weights @ self._b[history]).astype(np.float32)

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``because`` (history items with the largest weight into the item) and ``co_raters``."""
        items = np.asarray(items, dtype=np.int64)
        history, weights = history_weights(query, self._b.shape[0])
        contrib = self._b[np.ix_(history, items)] * weights[:, None]
        return item_item_evidence(contrib, history, items, self._liked)
