"""Diversity: maximal marginal relevance over item embeddings."""

from __future__ import annotations

import numpy as np

from chatrec.models.embedder import l2_normalize


def mmr(candidates: np.ndarray, relevance: np.ndarray, vectors: np.ndarray | None,
        lam: float, k: int) -> np.ndarray:
    """Maximal marginal relevance: greedily pick lam*rel - (1-lam)*max cosine to those picked.

    ``candidates`` come sorted by relevance; relevance is rescaled to [0, 1] so it is
    commensurate with cosine. Loops over the k picks only, never over items.
    """
    k = min(k, candidates.size)
    if vectors is None or lam >= 1.0 or k <= 1:
        return candidates[:k]
    span = np.ptp(relevance)
    rel = (relevance - relevance.min()) / (span if span > 0 else 1.0)
    unit = l2_normalize(vectors[candidates])
    sims = unit @ unit.T
    chosen = [0]
    closest = sims[0].copy()
    for _ in range(k - 1):
        gain = lam * rel - (1.0 - lam) * closest
        gain[chosen] = -np.inf
        pick = int(np.argmax(gain))
        chosen.append(pick)
        closest = np.maximum(closest, sims[pick])
    return candidates[np.asarray(chosen)]

