"""Keyword matching of a free-text wish against each item's tags and description.

"with a twist", "pixar", "vampires": words a genre filter cannot express but a catalog's tags
(MovieLens tags.csv and tag genome, free tags) and descriptions often hold. Items are bags of
word keys from that text, TF-IDF weighted; the wish's keys score each item by cosine. Words
found in more than ``max_share`` of the items say nothing (the catalog's own stop words);
nor do the catalog's genre words (the genre filter's job). Where tags are sparse (ml-latest-small:
689 of 9,125 films tagged, no word on more than 33) document frequency cannot tell "the" or
"good" from "twist", so everyday words of the language (``EVERYDAY_ZIPF``, from the word-frequency
data in ``chatrec.domain.commonness``) count as stop words too. A word in at most ``MIN_COMMON``
items counts otherwise, for small catalogs. Abstains (``-inf``) without a matching wish.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import scipy.sparse as sp

from chatrec.candidates.base import Query, TrainingData
from chatrec.domain.catalog import Catalog
from chatrec.domain.commonness import zipf

_WORD = re.compile(r"[^\W_]+")
MIN_COMMON = 5
# Zipf 5.75 and up: "the" 7.7, "for" 7.0, "good" 6.1, "best" 5.8, "something" 5.8; below it stay
# wish words such as "bad" 5.5, "funny" 5.0, "dark" 5.0, "twist" 4.2, "pixar", "vampire".
EVERYDAY_ZIPF = 5.75


def word_keys(text: str) -> list[str]:
    """Lower-cased word keys, a plural "s" dropped so "vampires" meets "vampire"."""
    words = (w.lower() for w in _WORD.findall(text))
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in words if len(w) > 1]


def item_words(catalog: Catalog, index: int) -> set[str]:
    """The word keys of one item's tags and description."""
    return set(word_keys(" ".join(catalog.tags[index]) + " " + catalog.descriptions[index]))


class KeywordSource:
    """Cosine between the wish's word keys and each item's tag/description words."""

    name = "keywords"

    def __init__(self, max_share: float = 0.1) -> None:
        self.max_share = max_share

    def fit(self, data: TrainingData) -> KeywordSource:
        """TF-IDF rows over the catalog's tag and description words (ratings unused)."""
        catalog = data.catalog
        self._catalog = catalog
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i in range(len(catalog)):  # fit time only
            for key in item_words(catalog, i):
                rows.append(i)
                cols.append(vocab.setdefault(key, len(vocab)))
        counts = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                               shape=(len(catalog), len(vocab)))
        df = np.asarray(counts.sum(axis=0)).ravel()
        idf = np.log((1.0 + len(catalog)) / (1.0 + df)) + 1.0
        idf[df > max(self.max_share * len(catalog), MIN_COMMON)] = 0.0  # too common to tell
        for key, j in vocab.items():
            if zipf(key) >= EVERYDAY_ZIPF:
                idf[j] = 0.0
        # Genre words are the genre filter's job: "thrillers" must not favour items tagged
        # "thriller" over the rest of the asked genre (eval chat --split valid, turn 1).
        for key in word_keys(" ".join(catalog.genre_names)):
            if key in vocab:
                idf[vocab[key]] = 0.0
        weighted = sp.csr_matrix(counts @ sp.diags(idf.astype(np.float32)))
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        self._tfidf = sp.csr_matrix(sp.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ weighted)
        self._vocab, self._idf = vocab, idf
        return self

    def _wish(self, query: Query) -> np.ndarray | None:
        """The wish as a unit TF-IDF vector over known, informative keys; ``None`` if none."""
        keys = {self._vocab[k] for k in word_keys(query.text or "") if k in self._vocab}
        vector = np.zeros(len(self._vocab), dtype=np.float32)
        for j in keys:
            vector[j] = self._idf[j]
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else None

    def score(self, query: Query) -> np.ndarray:
        """cos(item words, wish words); ``-inf`` everywhere when the wish matches no key."""
        wish = self._wish(query)
        if wish is None:
            return np.full(len(self._catalog), -np.inf, dtype=np.float32)
        return np.asarray(self._tfidf @ wish, dtype=np.float32).ravel()

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``tags``: each item's tags sharing a word with the wish; the ``wish`` text."""
        wanted = {k for k in word_keys(query.text or "")
                  if k in self._vocab and self._idf[self._vocab[k]] > 0}
        out = []
        for i in np.asarray(items, dtype=np.int64):
            tags = [t for t in self._catalog.tags[i] if wanted & set(word_keys(t))]
            out.append({"tags": tags[:5], "wish": query.text} if tags else {})
        return out
