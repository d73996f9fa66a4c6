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
from chatrec.candidates.content import ContentSource
from chatrec.candidates.ease import EASESource
from chatrec.candidates.itemknn import ItemKNNSource
from chatrec.candidates.neural import NeuralSource
from chatrec.candidates.popularity import PopularitySource
from chatrec.candidates.semantic import SemanticSource
from chatrec.candidates.userknn import UserKNNSource
from chatrec.domain.catalog import Dataset

SOURCES: dict[str, type] = {
    "popularity": PopularitySource,
    "itemknn": ItemKNNSource,
    "userknn": UserKNNSource,
    "ease": EASESource,
    "content": ContentSource,
    "semantic": SemanticSource,
    "neural": NeuralSource,
    "als": ALSSource,
}
SOURCE_NAMES = tuple(SOURCES)
CF_SOURCES = frozenset({"itemknn", "userknn", "ease", "neural", "als"})


def make_source(name: str, **params: Any) -> CandidateSource:
    """An unfitted source by name; ``params`` go to its constructor."""
    try:
        return SOURCES[name](**params)
    except KeyError:
        raise ValueError(f"unknown source {name!r}; choose from {', '.join(SOURCES)}") from None


def training_data(dataset: Dataset, interactions: pd.DataFrame | None = None,
                  item_vectors: np.ndarray | None = None) -> TrainingData:
    """TrainingData from a dataset's interactions (or a subset), newest rating per pair kept.

    Timestamps are aligned with the CSR's ``data`` by building the matrix over row positions.
    """
    frame = dataset.interactions if interactions is None else interactions
    frame = frame.sort_values("timestamp", kind="stable").drop_duplicates(
        ["user", "item"], keep="last")
    rows = pd.Categorical(frame["user"], categories=dataset.user_ids).codes
    position = np.arange(1, len(frame) + 1, dtype=np.float64)
    shape = (len(dataset.user_ids), len(dataset.catalog))
    pointer = sp.csr_matrix((position, (rows, frame["item"].to_numpy())), shape=shape)
    order = pointer.data.astype(np.int64) - 1
    ratings = sp.csr_matrix((frame["rating"].to_numpy(np.float32)[order], pointer.indices,
                             pointer.indptr), shape=shape)
    return TrainingData(catalog=dataset.catalog, ratings=ratings, item_vectors=item_vectors,
                        timestamps=frame["timestamp"].to_numpy(np.int64)[order])


__all__ = ["CF_SOURCES", "SOURCE_NAMES", "SOURCES", "make_source", "training_data"]
