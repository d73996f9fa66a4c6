"""Top-k ranking metrics, RecBole's definitions, averaged over users with a relevant item.

recall = hits / #relevant; precision = hits / k; hit = any hit; mrr = 1 / rank of the first
hit; ndcg = DCG / ideal DCG with the ideal truncated at min(#relevant, k); f1 = the per-user
harmonic mean of precision and recall (0 when both are 0).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

METRICS = ("recall", "ndcg", "hit", "precision", "mrr", "f1")


def hit_matrix(top: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Boolean users × k matrix: is the item at each rank relevant to that user?"""
    rows = np.repeat(np.arange(top.shape[0]), top.shape[1])
    values = np.asarray(relevant[rows, top.ravel()]).ravel()
    return values.reshape(top.shape) > 0


def ranking_metrics(top: np.ndarray, relevant: sp.csr_matrix, k: int = 10) -> dict[str, float]:
    """Mean ``METRICS`` @k over users with >= 1 relevant item.

    top: users × (>= k) recommended item indices, best first (``-1`` pads a short list).
    relevant: users × items with nonzero entries for the held-out items.
    """
    top = np.asarray(top, dtype=np.int64)[:, :k]
    n_relevant = np.diff(relevant.indptr)
    keep = n_relevant > 0
    top, n_relevant = top[keep], n_relevant[keep]
    hits = hit_matrix(np.where(top < 0, 0, top), relevant[keep]) & (top >= 0)
    per_user = user_metrics(hits, n_relevant, k)
    return {name: float(values.mean()) if values.size else 0.0
            for name, values in per_user.items()}


def user_metrics(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-user metric arrays from a users × k hit matrix."""
    n_hits = hits.sum(axis=1)
    recall = n_hits / n_relevant
    precision = n_hits / k
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = hits @ discounts
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, k) - 1]
    first = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, np.inf)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    return {"recall": recall, "ndcg": dcg / ideal, "hit": hits.any(axis=1).astype(float),
            "precision": precision, "mrr": 1.0 / first, "f1": f1}
