"""Semantic matching in embedding space: the free-text wish and the taste profile.

Item vectors are L2-normalised, so a dot product is a cosine. Without a wish or a profile the
profile falls back to the mean vector of the history; with nothing at all, or no item vectors,
the source has no opinion and returns ``-inf`` everywhere (documented in the contract). From
``LARGE_CATALOG_ITEMS`` on, scores come from an IVF index (`vector_index`), whose state is
cached with the engine's other fitted sources.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chatrec.candidates.base import LARGE_CATALOG_ITEMS, Query, TrainingData, history_weights
from chatrec.candidates.vector_index import ExactIndex, IVFIndex, build_index
from chatrec.models.embedder import l2_normalize


class SemanticSource:
    """``text_weight`` * cos(item, wish) + (1 - text_weight) * cos(item, profile).

    ``approximate``: use the IVF index; ``None`` decides by catalog size.
    """

    name = "semantic"
    STATE_VERSION = 1  # bump when the index changes, so cached ones are rebuilt

    def __init__(self, text_weight: float = 0.6, approximate: bool | None = None) -> None:
        self.text_weight = text_weight
        self.approximate = approximate

    def fit(self, data: TrainingData) -> SemanticSource:
        """Keep the item vectors and index them (``None`` vectors make the source abstain)."""
        return self.load_state(data, None)

    def state(self) -> dict[str, np.ndarray]:
        """The index (empty for the exact one) plus the item count, for the engine cache."""
        state = {} if self.index is None else self.index.state()
        return {**state, "n_items": np.array([self._n])}

    def load_state(self, data: TrainingData, state: dict[str, np.ndarray] | None
                   ) -> SemanticSource:
        """Adopt a cached index, or build one when ``state`` is ``None``."""
        self._n = len(data.catalog)
        if state is not None and int(state["n_items"][0]) != self._n:
            raise ValueError(f"index is for {int(state['n_items'][0])} items, not {self._n}")
        vectors = data.item_vectors
        self._vectors = None if vectors is None else l2_normalize(vectors)
        self.index: ExactIndex | IVFIndex | None = None
        if self._vectors is not None:
            approximate = self._n >= LARGE_CATALOG_ITEMS if self.approximate is None \
                else self.approximate
            cached = state if state is not None and "index" in state else None
            self.index = build_index(self._vectors, approximate and self._n > 1, cached)
        return self

    def _direction(self, query: Query) -> np.ndarray | None:
        """The weighted sum of the unit wish and profile vectors that are available."""
        if self._vectors is None:
            return None
        profile = query.profile_vector
        if profile is None:
            history, weights = history_weights(query, self._n)
            profile = weights @ self._vectors[history] if history.size else None
        parts = [(self.text_weight, query.text_vector), (1.0 - self.text_weight, profile)]
        usable = [(w, l2_normalize(np.asarray(v, dtype=np.float32)).ravel())
                  for w, v in parts if v is not None and np.size(v) == self._vectors.shape[1]]
        usable = [(w, v) for w, v in usable if np.any(v)]
        total = sum(w for w, _ in usable)
        return sum(w / total * v for w, v in usable) if total > 0 else None

    def score(self, query: Query) -> np.ndarray:
        """Weighted cosine to the wish and the profile; ``-inf`` everywhere when it abstains."""
        direction = self._direction(query)
        if direction is None:
            return np.full(self._n, -np.inf, dtype=np.float32)
        return self.index.scores(direction)

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``similarity`` to the wish (with the ``wish`` text) or else to the profile (exact)."""
        items = np.asarray(items, dtype=np.int64)
        if self._vectors is None or items.size == 0:
            return [{} for _ in items]
        wish = query.text_vector is not None and np.size(query.text_vector) == \
            self._vectors.shape[1]
        if wish:
            sims = self._vectors[items] @ l2_normalize(np.asarray(query.text_vector)).ravel()
            return [{"wish": query.text, "similarity": round(float(s), 4)} for s in sims]
        direction = self._direction(query)
        if direction is None:
            return [{} for _ in items]
        sims = self._vectors[items] @ direction
        return [{"similarity": round(float(s), 4)} for s in sims]
