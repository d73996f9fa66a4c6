"""Similarity search over item vectors: exact for small catalogs, an IVF index for large ones.

The engine z-normalises every signal over all allowed items, so a vector signal must still give
every item a score with the right spread, not just a top list. ``ExactIndex`` is the dense
product. ``IVFIndex`` (faiss' inverted-file index) scores exactly the ``k`` nearest items among
the ``n_probe`` nearest clusters, and every other item by its cluster centroid, with the
deviations scaled so the whole vector has the exact mean (q·mean) and spread (sqrt(q^T Σ q)) of
the exact scores; those estimates are capped at the k-th exact score, so an estimated item
never outranks a retrieved one. Per query that is ~n_lists + n_probe x n/n_lists dot products
plus an n-long gather, instead of n.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp

EXACT_RESULTS = 512  # items scored exactly per query by the IVF index


class VectorIndex(Protocol):
    """Scores every item by inner product with a query vector (exact or approximate)."""

    approximate: bool

    def scores(self, query: np.ndarray) -> np.ndarray:
        """A float32 score per item for one unit query vector."""
        ...


class ExactIndex:
    """The dense product: exact, and the fastest choice below ~20k items."""

    approximate = False

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors

    def scores(self, query: np.ndarray) -> np.ndarray:
        """vectors @ query."""
        return (self.vectors @ np.asarray(query, dtype=np.float32).ravel()).astype(np.float32)

    def state(self) -> dict[str, np.ndarray]:
        """Nothing to save: the vectors are the index."""
        return {}


class IVFIndex:
    """faiss ``IndexIVFFlat`` (inner product) plus centroid estimates for the other items."""

    approximate = True

    def __init__(self, vectors: np.ndarray, state: dict[str, np.ndarray] | None = None,
                 n_probe: int = 16, k: int = EXACT_RESULTS, seed: int = 0) -> None:
        import faiss

        self._faiss, self.n_probe, self.k = faiss, n_probe, k
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if state is None:
            state = self._build(seed)
        self._index = faiss.deserialize_index(np.asarray(state["index"], dtype=np.uint8))
        if self._index.ntotal != len(self._vectors):
            raise ValueError(f"index holds {self._index.ntotal} items, not {len(vectors)}")
        self._index.nprobe = n_probe
        self._state = state

    def _build(self, seed: int) -> dict[str, np.ndarray]:
        """Train the coarse quantiser (k-means), add every item, and keep the moments."""
        faiss, vectors = self._faiss, self._vectors
        n, dim = vectors.shape
        n_lists = max(1, min(int(np.sqrt(n)), n // 39))  # faiss wants >= 39 points a list
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, n_lists,
                                   faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        index.train(vectors)
        index.add(vectors)
        _, assign = index.quantizer.search(vectors, 1)
        assign = assign.ravel().astype(np.int32)
        # faiss keeps unit centroids for inner product; the estimates need each list's mean.
        members = sp.csr_matrix((np.ones(n, np.float32), (assign, np.arange(n))),
                                shape=(n_lists, n))
        sizes = np.maximum(np.bincount(assign, minlength=n_lists), 1)[:, None]
        centroids = np.asarray(members @ vectors / sizes, dtype=np.float32)
        mean = vectors.mean(axis=0, dtype=np.float64)
        centred = vectors - mean.astype(np.float32)
        between = centroids[assign] - mean.astype(np.float32)
        return {"index": faiss.serialize_index(index), "centroids": centroids,
                "assign": assign, "mean": mean,
                "covariance": centred.T.astype(np.float64) @ centred / n,
                "between": between.T.astype(np.float64) @ between / n}

    def state(self) -> dict[str, np.ndarray]:
        """The serialised faiss index, centroids, assignment and score moments (to cache)."""
        return self._state

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Exact scores of the ``k`` retrieved items; calibrated centroid estimates elsewhere."""
        s = self._state
        q = np.asarray(query, dtype=np.float32).ravel()
        q64 = q.astype(np.float64)
        centre = float(s["mean"] @ q64)
        total, coarse_var = q64 @ s["covariance"] @ q64, q64 @ s["between"] @ q64
        stretch = np.sqrt(total / coarse_var) if coarse_var > 1e-12 else 1.0
        coarse = centre + stretch * (s["centroids"] @ q - centre)
        out = coarse.astype(np.float32)[s["assign"]]
        found, ids = self._index.search(q[None, :], min(self.k, len(out)))
        keep = ids[0] >= 0
        if keep.any():
            np.minimum(out, found[0][keep].min(), out=out)
            out[ids[0][keep]] = found[0][keep]
        return out


def build_index(vectors: np.ndarray, approximate: bool,
                state: dict[str, np.ndarray] | None = None) -> ExactIndex | IVFIndex:
    """An IVF index when ``approximate`` (from ``state`` when given), else the exact one."""
    return IVFIndex(vectors, state) if approximate else ExactIndex(vectors)
