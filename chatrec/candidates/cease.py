"""EASE with side information (collective EASE, Jeunen, Van Balen & Goethals, RecSys 2020).

Every content token of the catalog (a genre, a decade, a director...) joins the training
matrix as a pseudo-user who "rated" every item having it, weighted by ``side``: the Gram matrix
becomes X^T X + side * F F^T (F = items × tokens, 0/1), and B is EASE's closed form on it.
Items that share attributes then predict each other a little even where few users co-rated
them, which a small catalog's sparse columns need. Free tags are left out: on MovieLens they
are applied by the very users being evaluated (and measured no gain on ml-latest-small's
validation split). A separate source from ``ease``, so the offline protocol keeps RecBole's
EASE as its baseline; ``side`` is chosen on the validation split at EASE's lambda.

With ``emb`` > 0 and item embeddings in the training data, the embeddings join too: the Gram
gains ``emb`` x (V V^T)^8 (an elementwise power of the cosine matrix, which keeps it positive
semi-definite by the Schur product theorem and leaves only close pairs of texts with weight:
cosine 0.43 -> 0.001, 0.71 -> 0.06). On ml-latest-small's validation part (seeds 2020 and 2022,
lambda 200, side 10) ``emb`` 30 lifted NDCG@10 0.2152 -> 0.2184 and 0.2084 -> 0.2164, Recall@10
0.1786 -> 0.1819 and 0.1776 -> 0.1800; embeddings of the texts without their free tags gave the
same lift (0.2180 / 0.1804 and 0.2164 / 0.1804), so it is not the tags' leak. Power 16 gained
nothing. ``emb`` is chosen on the validation split after ``side``.
"""

from __future__ import annotations

import numpy as np

from chatrec.candidates.base import TrainingData
from chatrec.candidates.content import token_matrix
from chatrec.candidates.ease import DEFAULT_LAMBDA, EASESource, ease_weights, gram_matrix
from chatrec.domain.catalog import Catalog

DEFAULT_SIDE = 3.0  # best on the ml-100k validation split (grid 1, 3, 10); flat on mls
UNUSED_KINDS = frozenset({"tag"})
DEFAULT_EMB = 0.0  # the app's engine fits cease only when its blend weight is non-zero
EMB_POWER = 8


def side_gram(catalog: Catalog, weight: float) -> np.ndarray:
    """``weight`` x F F^T: how many content tokens each pair of items shares, dense float32."""
    features, _ = token_matrix(catalog, drop=UNUSED_KINDS)
    return (weight * (features @ features.T)).toarray().astype(np.float32, copy=False)


def embedding_gram(vectors: np.ndarray, weight: float) -> np.ndarray:
    """``weight`` x (V V^T)^EMB_POWER, elementwise: positive semi-definite, dense float32."""
    unit = np.asarray(vectors, dtype=np.float32)
    return (weight * np.power(unit @ unit.T, EMB_POWER)).astype(np.float32, copy=False)


def cease_weights(gram: np.ndarray, catalog: Catalog, lam: float, side: float,
                  vectors: np.ndarray | None = None, emb: float = 0.0) -> np.ndarray:
    """Collective EASE's item weights: EASE's closed form on X^T X + ``side`` x F F^T
    (+ ``emb`` x (V V^T)^8 when ``vectors`` are given and ``emb`` > 0)."""
    total = gram + side_gram(catalog, side)
    if vectors is not None and emb > 0:
        total += embedding_gram(vectors, emb)
    return ease_weights(total, lam)


class CEASESource(EASESource):
    """EASE's scoring and evidence over weights fitted with content tokens as pseudo-users."""

    name = "cease"
    STATE_VERSION = 2  # bump when ``fit`` changes, so cached B matrices are rebuilt

    def __init__(self, lam: float = DEFAULT_LAMBDA, side: float = DEFAULT_SIDE,
                 emb: float = DEFAULT_EMB) -> None:
        super().__init__(lam)
        self.side = side
        self.emb = emb

    @property
    def uses_item_vectors(self) -> bool:  # type: ignore[override]
        """Whether the fit reads the embeddings (the engine cache then keys on them)."""
        return self.emb > 0

    def fit(self, data: TrainingData, gram: np.ndarray | None = None) -> CEASESource:
        """Solve for B; pass a precomputed ratings ``gram`` (X^T X) to try several settings."""
        gram = gram_matrix(data) if gram is None else gram
        return self.load_state(data, {"b": cease_weights(gram, data.catalog, self.lam,
                                                         self.side, data.item_vectors,
                                                         self.emb)})
