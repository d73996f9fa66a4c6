"""Semantic matching in embedding space: the free-text wish and the taste profile.

Item vectors are L2-normalised, so a dot product is a cosine. Without a wish or a profile the
profile falls back to the mean vector of the history; with nothing at all, or no item vectors,
the source has no opinion and returns ``-inf`` everywhere (documented in the contract).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chatrec.candidates.base import Query, TrainingData, history_weights
from chatrec.models.embedder import l2_normalize


class SemanticSource:
    """``text_weight`` * cos(item, wish) + (1 - text_weight) * cos(item, profile)."""

    name = "semantic"

    def __init__(self, text_weight: float = 0.6) -> None:
        self.text_weight = text_weight

    def fit(self, data: TrainingData) -> SemanticSource:
        """Keep the item vectors (``None`` makes the source abstain)."""
        self._n = len(data.catalog)
        vectors = data.item_vectors
        self._vectors = None if vectors is None else l2_normalize(vectors)
        return self

    def _targets(self, query: Query) -> list[tuple[float, np.ndarray]]:
        """(weight, unit vector) pairs for the wish and the profile that are available."""
        if self._vectors is None:
            return []
        profile = query.profile_vector
        if profile is None:
            history, weights = history_weights(query, self._n)
            profile = weights @ self._vectors[history] if history.size else None
        parts = [(self.text_weight, query.text_vector), (1.0 - self.text_weight, profile)]
        usable = [(w, l2_normalize(np.asarray(v, dtype=np.float32)).ravel())
                  for w, v in parts if v is not None and np.size(v) == self._vectors.shape[1]]
        usable = [(w, v) for w, v in usable if np.any(v)]
        total = sum(w for w, _ in usable)
        return [(w / total, v) for w, v in usable] if total > 0 else []

    def score(self, query: Query) -> np.ndarray:
        """Weighted cosine to the wish and the profile; ``-inf`` everywhere when it abstains."""
        targets = self._targets(query)
        if not targets:
            return np.full(self._n, -np.inf, dtype=np.float32)
        direction = sum(w * v for w, v in targets)
        return (self._vectors @ direction).astype(np.float32)

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``similarity`` to the wish (with the ``wish`` text) or else to the profile."""
        items = np.asarray(items, dtype=np.int64)
        if self._vectors is None or items.size == 0:
            return [{} for _ in items]
        wish = query.text_vector is not None and np.size(query.text_vector) == \
            self._vectors.shape[1]
        if wish:
            sims = self._vectors[items] @ l2_normalize(np.asarray(query.text_vector)).ravel()
            return [{"wish": query.text, "similarity": round(float(s), 4)} for s in sims]
        scores = self.score(query)
        return [{"similarity": round(float(scores[i]), 4)} if np.isfinite(scores[i]) else {}
                for i in items]
