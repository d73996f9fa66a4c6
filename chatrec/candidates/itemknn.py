"""Item-based collaborative filtering: cosine similarity over the users × items matrix.

Every item keeps only its ``k`` most similar items (as RecBole's ItemKNN does), and a query is
scored by summing, over its history, the similarity of each history item to each target item.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from chatrec.candidates.base import (
    Query,
    TrainingData,
    history_weights,
    implicit,
    item_item_evidence,
    liked_matrix,
)

CHUNK = 1024  # target items per block when building the similarity, to bound memory


def pruned_cosine(binary: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Item × item cosine similarity keeping, for each target column, its ``k`` best rows."""
    n = binary.shape[1]
    norms = np.sqrt(np.asarray(binary.multiply(binary).sum(axis=0)).ravel())
    scaled = (binary @ sp.diags(1.0 / np.where(norms == 0, 1.0, norms))).tocsc()
    rows, cols, vals = [], [], []
    for start in range(0, n, CHUNK):  # a loop over blocks at fit time, not per request
        block = (scaled.T @ scaled[:, start:start + CHUNK]).toarray()
        width = block.shape[1]
        block[start + np.arange(width), np.arange(width)] = 0.0
        keep = min(k, n - 1)
        top = np.argpartition(-block, keep - 1, axis=0)[:keep] if keep > 0 else np.zeros((0, width))
        top = top.astype(np.int64)
        values = np.take_along_axis(block, top, axis=0)
        rows.append(top.ravel())
        cols.append(np.broadcast_to(start + np.arange(width), top.shape).ravel())
        vals.append(values.ravel())
    sim = sp.csr_matrix((np.concatenate(vals).astype(np.float32),
                         (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    sim.eliminate_zeros()
    return sim


class ItemKNNSource:
    """Item-based CF seeded by the query's history (ratings weight each history item)."""

    name = "itemknn"
    STATE_VERSION = 1  # bump when ``pruned_cosine`` changes, so cached similarities are rebuilt
    uses_item_vectors = False

    def __init__(self, k: int = 100) -> None:
        self.k = k

    def fit(self, data: TrainingData) -> ItemKNNSource:
        """Build the pruned cosine similarity and the liked matrix for evidence."""
        sim = pruned_cosine(implicit(data.ratings), self.k)
        return self.load_state(data, {"data": sim.data, "indices": sim.indices,
                                      "indptr": sim.indptr})

    def state(self) -> dict[str, np.ndarray]:
        """The similarity's CSR arrays: seconds to build on ml-latest-small, so cached."""
        return {"data": self._sim.data, "indices": self._sim.indices, "indptr": self._sim.indptr}

    def load_state(self, data: TrainingData, state: dict[str, np.ndarray]) -> ItemKNNSource:
        """Adopt a built (or cached) similarity; the liked matrix is rebuilt from ``data``."""
        n_items = data.ratings.shape[1]
        if state["indptr"].shape != (n_items + 1,):
            raise ValueError(f"similarity has {state['indptr'].size - 1} rows, not {n_items}")
        self._sim = sp.csr_matrix((state["data"], state["indices"], state["indptr"]),
                                  shape=(n_items, n_items))
        self._liked = liked_matrix(data.ratings)
        return self

    def score(self, query: Query) -> np.ndarray:
        """sum_h w_h * sim(h, i) for every item i; zeros for an empty history."""
        history, weights = history_weights(query, self._sim.shape[0])
        return np.asarray(self._sim[history].T @ weights, dtype=np.float32).ravel()

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``because``, ``co_raters`` and the best history-item ``similarity``."""
        items = np.asarray(items, dtype=np.int64)
        history, weights = history_weights(query, self._sim.shape[0])
        sims = self._sim[history][:, items].toarray()
        out = item_item_evidence(sims * weights[:, None], history, items, self._liked)
        for m, ev in enumerate(out):
            ev["similarity"] = round(float(sims[:, m].max()), 4) if history.size else 0.0
        return out
