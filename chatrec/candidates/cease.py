"""EASE with side information (collective EASE, Jeunen, Van Balen & Goethals, RecSys 2020).

Every content token of the catalog (a genre, a decade, a director...) joins the training
matrix as a pseudo-user who "rated" every item having it, weighted by ``side``: the Gram matrix
becomes X^T X + side * F F^T (F = items × tokens, 0/1), and B is EASE's closed form on it.
Items that share attributes then predict each other a little even where few users co-rated
them, which a small catalog's sparse columns need. Free tags are left out: on MovieLens they
are applied by the very users being evaluated (and measured no gain on ml-latest-small's
validation split). A separate source from ``ease``, so the offline protocol keeps RecBole's
EASE as its baseline; ``side`` is chosen on the validation split at EASE's lambda.
"""

from __future__ import annotations

import numpy as np

from chatrec.candidates.base import TrainingData
from chatrec.candidates.content import token_matrix
from chatrec.candidates.ease import DEFAULT_LAMBDA, EASESource, ease_weights, gram_matrix
from chatrec.domain.catalog import Catalog

DEFAULT_SIDE = 3.0  # best on the ml-100k validation split (grid 1, 3, 10); flat on mls
UNUSED_KINDS = frozenset({"tag"})


def side_gram(catalog: Catalog, weight: float) -> np.ndarray:
    """``weight`` x F F^T: how many content tokens each pair of items shares, dense float32."""
    features, _ = token_matrix(catalog, drop=UNUSED_KINDS)
    return (weight * (features @ features.T)).toarray().astype(np.float32, copy=False)


def cease_weights(gram: np.ndarray, catalog: Catalog, lam: float, side: float) -> np.ndarray:
    """Collective EASE's item weights: EASE's closed form on X^T X + ``side`` x F F^T."""
    return ease_weights(gram + side_gram(catalog, side), lam)


class CEASESource(EASESource):
    """EASE's scoring and evidence over weights fitted with content tokens as pseudo-users."""

    name = "cease"
    STATE_VERSION = 1  # bump when ``fit`` changes, so cached B matrices are rebuilt

    def __init__(self, lam: float = DEFAULT_LAMBDA, side: float = DEFAULT_SIDE) -> None:
        super().__init__(lam)
        self.side = side

    def fit(self, data: TrainingData, gram: np.ndarray | None = None) -> CEASESource:
        """Solve for B; pass a precomputed ratings ``gram`` (X^T X) to try several settings."""
        gram = gram_matrix(data) if gram is None else gram
        return self.load_state(data, {"b": cease_weights(gram, data.catalog, self.lam,
                                                         self.side)})
