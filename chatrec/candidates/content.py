"""Content-based scoring: TF-IDF cosine over genres, tags, decade and people.

Each item is a bag of tokens ("genre:crime", "tag:heist", "decade:1990s" and ml-100k's
"director:m.x" / "actor:m.y" / "writer:m.z"); the query is the weighted sum of its history's
TF-IDF rows, and an item scores its cosine with that profile.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from chatrec.candidates.base import Query, TrainingData, history_weights
from chatrec.domain.catalog import Catalog

ROLES = ("director", "actor", "writer")


def item_tokens(catalog: Catalog, index: int) -> list[str]:
    """The content tokens of one item."""
    tokens = [f"genre:{g.lower()}" for g in catalog.genres[index]]
    tokens += [f"tag:{t}" for t in catalog.tags[index]]
    year = int(catalog.years[index])
    if year:
        tokens.append(f"decade:{year // 10 * 10}s")
    return tokens + list(catalog.attributes[index])


def token_matrix(catalog: Catalog, drop: frozenset[str] = frozenset()
                 ) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Items × tokens 0/1 matrix and its vocabulary, without tokens of the ``drop`` kinds
    (a kind is the part before the colon: "genre", "tag", "decade", "director", ...)."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i in range(len(catalog)):  # fit time only
        for token in set(item_tokens(catalog, i)):
            if token.partition(":")[0] not in drop:
                rows.append(i)
                cols.append(vocab.setdefault(token, len(vocab)))
    ones = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((ones, (rows, cols)), shape=(len(catalog), len(vocab))), vocab


def tfidf_matrix(catalog: Catalog) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Items × tokens TF-IDF (binary tf, smoothed idf) with unit rows, and the vocabulary."""
    counts, vocab = token_matrix(catalog)
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log((1.0 + len(catalog)) / (1.0 + df)) + 1.0
    weighted = counts @ sp.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ weighted), vocab


class ContentSource:
    """Cosine between each item's TF-IDF row and the history's profile."""

    name = "content"

    def fit(self, data: TrainingData) -> ContentSource:
        """Build the TF-IDF matrix of the catalog (ratings are not used)."""
        self._catalog = data.catalog
        self._tfidf, _ = tfidf_matrix(data.catalog)
        return self

    def score(self, query: Query) -> np.ndarray:
        """cos(item, profile); zeros for an empty history."""
        history, weights = history_weights(query, self._tfidf.shape[0])
        profile = np.asarray(self._tfidf[history].T @ weights).ravel()
        norm = float(np.linalg.norm(profile))
        if norm == 0.0:
            return np.zeros(self._tfidf.shape[0], dtype=np.float32)
        return np.asarray(self._tfidf @ (profile / norm), dtype=np.float32).ravel()

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``similarity``, ``shared`` people, matched ``tags`` and requested ``genres``."""
        items = np.asarray(items, dtype=np.int64)
        history, _ = history_weights(query, self._tfidf.shape[0])
        scores = self.score(query)
        return [self._one(int(i), history, query, float(scores[i])) for i in items]

    def _one(self, item: int, history: np.ndarray, query: Query, similarity: float
             ) -> dict[str, Any]:
        catalog = self._catalog
        people = set(catalog.attributes[item])
        shared: dict[str, list[int]] = {}
        for h in history:
            for token in people.intersection(catalog.attributes[h]):
                role = token.partition(":")[0]
                if role in ROLES and int(h) not in shared.setdefault(role, []):
                    shared[role].append(int(h))
        history_tags = {t for h in history for t in catalog.tags[h]}
        return {"similarity": round(similarity, 4), "shared": shared,
                "tags": [t for t in catalog.tags[item] if t in history_tags][:5],
                "genres": [g for g in catalog.genres[item] if g in query.genres_in]}
