"""Load everything a `Settings` names: the dataset, item embeddings, the embedder, the LM and
the fitted engine.

`prepare` fills the caches (with progress bars) so that serving starts fast; it is a no-op when
they are up to date. Models load lazily, so a warm start does not pay for what it does not use,
and the engine's slow sources (EASE, neural, item-kNN) are restored from their cached state.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from chatrec.app.artifacts import EngineCache, item_vectors
from chatrec.app.settings import Settings
from chatrec.domain.catalog import Dataset
from chatrec.domain.loaders import load_dataset
from chatrec.models.embedder import Embedder, load_embedder
from chatrec.models.lm import (
    LanguageModel,
    LMOptions,
    convert_smollm2,
    load_language_model,
    parse_lm_spec,
)

if TYPE_CHECKING:  # the engine pulls in torch; commands that only need data should not
    from chatrec.rank.engine import Engine, EngineConfig

log = logging.getLogger(__name__)
# Sources of the large-catalog engine (from LARGE_CATALOG_ITEMS items on). Dropped, by
# measurement (README "Scaling up"): EASE (dense items^2 matrix and an O(n^3) solve: 300 s and
# 5.0 GB at 20k items, ~15 GB per matrix at 62k), the neural model (trains on every item for
# every user: 414 s at 5k items, hours at 25M ratings) and user-kNN (blend weight 0, yet two
# copies of the rating matrix).
LARGE_CATALOG_SOURCES = ("popularity", "itemknn", "als", "content", "semantic", "quality",
                         "keywords")


def engine_config(n_items: int) -> EngineConfig:
    """The default engine for a catalog of ``n_items``: every source, or the scalable set.

    The large configuration gives ALS the weight EASE has in the small one (both are the main
    collaborative signal); the other weights are the small configuration's.
    """
    from chatrec.candidates.base import LARGE_CATALOG_ITEMS
    from chatrec.rank.engine import BlendConfig, EngineConfig

    if n_items < LARGE_CATALOG_ITEMS:
        return EngineConfig()
    blend = BlendConfig(ease=0.0, neural=0.0, userknn=0.0, als=BlendConfig.ease)
    return EngineConfig(sources=LARGE_CATALOG_SOURCES, blend=blend)


@dataclass
class Resources:
    """The loaded dataset plus lazily built models for one `Settings`."""

    settings: Settings
    dataset: Dataset
    _embedder: Embedder | None = field(default=None, repr=False)
    items_embedded: int = 0  # items whose text was new to the vector store on this load

    @property
    def embedder(self) -> Embedder:
        """The sentence embedder named in settings, built on first use."""
        if self._embedder is None:
            s = self.settings
            self._embedder = load_embedder(s.embedder, s.lm, s.cache_dir, s.allow_downloads)
        return self._embedder

    @cached_property
    def item_vectors(self) -> np.ndarray:
        """Catalog embeddings from the cache (computed once per dataset and model)."""
        s = self.settings
        cached = item_vectors(self.dataset, self._embedder_key(), s.cache_dir,
                              lambda: self.embedder)
        self.items_embedded = cached.embedded
        return cached.vectors

    @cached_property
    def language_model(self) -> LanguageModel | None:
        """The reply-phrasing LM, or ``None`` when settings say ``none``."""
        s = self.settings
        return load_language_model(s.lm, s.cache_dir, s.allow_downloads, lm_options(s))

    @property
    def engine_cache(self) -> EngineCache:
        """Where fitted source state for this dataset is cached."""
        return EngineCache.for_dataset(self.settings.cache_dir, self.dataset)

    def engine(self, config: EngineConfig | None = None, vectors: np.ndarray | None = None,
               progress: bool = False) -> Engine:
        """The engine fitted on the whole dataset, slow sources restored from the cache.

        Without a ``config``, `engine_config` picks the sources by catalog size. ``vectors``
        replaces the cached item embeddings (tests inject their own).
        """
        from chatrec.candidates import training_data
        from chatrec.rank.engine import build_engine

        vectors = self.item_vectors if vectors is None else vectors
        data = training_data(self.dataset, item_vectors=vectors)
        config = config or engine_config(len(self.dataset.catalog))
        return build_engine(data, config, cache=self.engine_cache, progress=progress)

    def _embedder_key(self) -> str:
        s = self.settings
        return f"lm-pooled-{s.lm}" if s.embedder == "lm-pooled" else s.embedder


def load_resources(settings: Settings, embedder: Embedder | None = None,
                   dataset: Dataset | None = None) -> Resources:
    """Load the dataset; models stay unloaded until used. Either may be injected (tests)."""
    set_torch_threads(settings.torch_threads)
    return Resources(settings, dataset or load_dataset(settings.data), embedder)


def lm_options(settings: Settings) -> LMOptions:
    """The LM backend options that settings carry besides the ``lm`` spec."""
    return LMOptions(threads=settings.lm_threads, model=settings.lm_model,
                     connect_timeout_s=settings.lm_connect_timeout_s,
                     read_timeout_s=settings.lm_read_timeout_s, api_key=settings.lm_api_key)


def set_torch_threads(threads: int) -> None:
    """Apply the settings' torch thread count (process-wide, so it is set in one place)."""
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


def prepare(settings: Settings) -> dict[str, float]:
    """Build every cache the app needs and return how long each step took, in seconds."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    resources = load_resources(settings)
    timings["load_dataset_s"] = time.perf_counter() - start
    step = time.perf_counter()
    _ = resources.item_vectors
    timings["item_vectors_s"] = time.perf_counter() - step
    timings["items_embedded"] = float(resources.items_embedded)
    step = time.perf_counter()
    resources.engine(progress=True)  # fits and caches only what is missing or stale
    timings["engine_s"] = time.perf_counter() - step
    if parse_lm_spec(settings.lm) == parse_lm_spec("smollm2"):  # llama: reads the GGUF as is
        step = time.perf_counter()
        convert_smollm2(settings.cache_dir)
        timings["lm_cache_s"] = time.perf_counter() - step
    timings["total_s"] = time.perf_counter() - start
    return timings
