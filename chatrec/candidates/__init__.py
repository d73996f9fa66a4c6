"""Candidate sources: one algorithm per module, all behind the `CandidateSource` contract.

`make_source` builds one by name; `training_data` turns a `Dataset` (or a subset of its
interactions) into the `TrainingData` every source fits on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chatrec.candidates.als import ALSSource
from chatrec.candidates.base import CandidateSource, TrainingData
from chatrec.candidates.cease import CEASESource
from chatrec.candidates.content import ContentSource
from chatrec.candidates.ease import EASESource
from chatrec.candidates.itemknn import ItemKNNSource
from chatrec.candidates.keywords import KeywordSource
from chatrec.candidates.neural import NeuralSource
from chatrec.candidates.popularity import PopularitySource
from chatrec.candidates.quality import QualitySource
from chatrec.candidates.semantic import SemanticSource
from chatrec.candidates.userknn import UserKNNSource
from chatrec.domain.catalog import Dataset

SOURCES: dict[str, type] = {
    "popularity": PopularitySource,
    "itemknn": ItemKNNSource,
    "userknn": UserKNNSource,
    "ease": EASESource,
    "cease": CEASESource,
    "content": ContentSource,
    "semantic": SemanticSource,
    "neural": NeuralSource,
    "als": ALSSource,
    "quality": QualitySource,
    "keywords": KeywordSource,
}
SOURCE_NAMES = tuple(SOURCES)
CF_SOURCES = frozenset({"itemknn", "userknn", "ease", "cease", "neural", "als"})


def make_source(name: str, **params: Any) -> CandidateSource:
    """An unfitted source by name; ``params`` go to its constructor."""
    try:
        return SOURCES[name](**params)
    except KeyError:
        raise ValueError(f"unknown source {name!r}; choose from {', '.join(SOURCES)}") from None


def training_data(dataset: Dataset, interactions: pd.DataFrame | None = None,
                  item_vectors: np.ndarray | None = None) -> TrainingData:
    """TrainingData from a dataset's interactions (or a subset), newest rating per pair kept.

    One stable sort by (user, item, timestamp) finds the newest rating of every pair (the later
    line on a tie) and leaves the pairs in CSR order, so the matrix is built directly and the
    timestamps line up with its ``data``. Numpy only: at 25M ratings a pandas sort plus
    ``drop_duplicates`` over the user strings took minutes and gigabytes.
    """
    frame = dataset.interactions if interactions is None else interactions
    n_users, n_items = len(dataset.user_ids), len(dataset.catalog)
    rows = pd.Categorical(frame["user"], categories=dataset.user_ids).codes.astype(np.int64)
    key = rows * n_items + frame["item"].to_numpy(np.int64)
    stamps = frame["timestamp"].to_numpy(np.int64)
    order = np.lexsort((stamps, key))
    key = key[order]
    last = np.r_[key[1:] != key[:-1], True] if key.size else np.zeros(0, dtype=bool)
    newest, key = order[last], key[last]
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(key // n_items, minlength=n_users), out=indptr[1:])
    ratings = sp.csr_matrix((frame["rating"].to_numpy(np.float32)[newest],
                             (key % n_items).astype(np.int32), indptr), shape=(n_users, n_items))
    return TrainingData(catalog=dataset.catalog, ratings=ratings, item_vectors=item_vectors,
                        timestamps=stamps[newest])


__all__ = ["CF_SOURCES", "SOURCE_NAMES", "SOURCES", "make_source", "training_data"]
