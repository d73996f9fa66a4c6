"""Blend, filter and diversify: turn every source's scores into one ranked, explained list.

Per request: each enabled source scores all items; scores are z-normalised over the items the
user may still get, so weights mean the same across sources. A pool (~200) is the union of
every source's best items; its blended score is the weighted sum of normalised source scores
plus ``profile`` x cosine(item vector, the user's profile / wish vector). Hard filters and
exclusions are applied before the pool is drawn, so a narrow genre still fills the list. The
query's learnt genre shift (from thumbs) moves the blended scores, MMR then trades relevance for
embedding diversity, and only the ``k`` survivors are explained.

Several asked genres narrow the allowed items to those having all of them when at least
``MIN_FULL_MATCHES`` do; otherwise any-genre matches stay, fuller matches rank first, and each
`RankedItem` names the asked genres it lacks (``missing_genres``) so the reply can say so.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from threadpoolctl import ThreadpoolController
from tqdm.auto import tqdm

from chatrec.candidates import CF_SOURCES, make_source
from chatrec.candidates.base import (
    LARGE_CATALOG_ITEMS,
    CandidateSource,
    Query,
    TrainingData,
    blocked_items,
    history_weights,
    top_k,
)
from chatrec.candidates.vector_index import build_index
from chatrec.models.embedder import l2_normalize
from chatrec.rank.blend import BlendConfig, normalise
from chatrec.rank.diversity import mmr
from chatrec.rank.filters import filter_mask, genre_matches, poorly_rated

__all__ = ["BlendConfig", "Engine", "EngineConfig", "RankedItem", "SourceCache", "build_engine",
           "filter_mask", "mmr", "normalise"]

MIN_FULL_MATCHES = 10  # items with every asked genre needed before partial matches drop out
FULL_EVIDENCE = 1.0  # history evidence (sum of rating / 5) at which CF has its full weight


class SourceCache(Protocol):
    """Restores a fitted source from saved state, or fits and saves it (the app's artifacts)."""

    def fit(self, source: CandidateSource, data: TrainingData) -> CandidateSource: ...


@dataclass(frozen=True)
class EngineConfig:
    """Which sources run (ablations), their parameters, the blend, and whether to rerank.

    ``use_rerank=False`` ranks the pool by the unweighted mean of normalised source scores:
    no tuned weights, no embedding term, no MMR (hard filters and exclusions still apply).
    """

    # Collective EASE runs only when the shipped blend weighs it: at weight 0 it would add a
    # fit and a second items x items matrix to every start-up for nothing.
    sources: tuple[str, ...] = ("popularity", "itemknn", "userknn", "ease", "content",
                                "semantic", "neural", "quality", "keywords",
                                *(("cease",) if BlendConfig().cease else ()))
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    blend: BlendConfig = BlendConfig()
    use_rerank: bool = True

    @classmethod
    def variant(cls, name: str) -> EngineConfig:
        """Benchmark ablations: ``full``, ``no_rerank``, ``no_cf``, ``pop_filter``,
        ``no_quality``."""
        base = cls()
        variants = {
            "full": base,
            "no_rerank": cls(use_rerank=False),
            "no_cf": cls(sources=tuple(s for s in base.sources if s not in CF_SOURCES)),
            "pop_filter": cls(sources=("popularity",), use_rerank=False),
            "no_quality": cls(sources=tuple(s for s in base.sources if s != "quality")),
        }
        if name not in variants:
            raise ValueError(f"unknown variant {name!r}; choose from {', '.join(variants)}")
        return variants[name]


@dataclass(frozen=True)
class RankedItem:
    """One recommendation: its final score, what each source contributed, and why.

    contributions: source -> weight x normalised score (plus ``profile``), for ordering reasons.
    scores: source -> normalised (z) score. evidence: source -> that source's evidence dict.
    """

    item_index: int
    score: float
    contributions: dict[str, float]
    scores: dict[str, float]
    evidence: dict[str, dict[str, Any]]
    missing_genres: tuple[str, ...] = ()  # asked genres it lacks (too few items had them all)


class Engine:
    """Fitted sources + blend: ``recommend(query, k)`` is the whole per-turn ranking path."""

    def __init__(self, data: TrainingData, sources: list[CandidateSource],
                 config: EngineConfig) -> None:
        self.catalog = data.catalog
        self.sources = {s.name: s for s in sources}
        self.config = config
        self.vectors = None if data.item_vectors is None else l2_normalize(data.item_vectors)
        # The wish / profile signals share the semantic source's index (IVF on large catalogs).
        self.index = getattr(self.sources.get("semantic"), "index", None)
        if self.index is None and self.vectors is not None:
            self.index = build_index(self.vectors, len(self.catalog) >= LARGE_CATALOG_ITEMS)
        self._threads = ThreadpoolController()
        self.poor = poorly_rated(data.ratings)  # the quality floor

    def evidence(self, query: Query | None) -> float:
        """How much the query's history says about the user: the sum of its like weights
        (rating / 5, so a named title or an imported 5★ counts 1 and a 👍 0.1); -1 for none."""
        if query is None:
            return -1.0
        _, weights = history_weights(query, len(self.catalog))
        return float(weights.sum())

    def ramp(self, query: Query | None) -> float:
        """How far the personalised sources are ramped in, 0 (no evidence) to 1 (at
        ``FULL_EVIDENCE``, and for no query at all: offline scoring)."""
        evidence = self.evidence(query)
        return 1.0 if evidence < 0 else min(1.0, evidence / FULL_EVIDENCE)

    def weights(self, query: Query | None = None) -> dict[str, float]:
        """Signal -> blend weight actually used (equal source weights without rerank).

        The personalised (collaborative) sources ramp in with the history's evidence, reaching
        their weight at ``FULL_EVIDENCE`` (one named title): with nothing to personalise on
        their z-scores are noise, and one 👍 should not hand them the whole list. Meanwhile
        popularity gets at least ``cold_popularity`` x (1 - ramp), and the quality source at
        least ``cold_quality``, halved after ``evidence_half`` of evidence: with nothing to
        personalise on, what is popular *and* well rated within the filters is the best guess.
        """
        blend = self.config.blend
        if not self.config.use_rerank:
            return {name: 1.0 / len(self.sources) for name in self.sources}
        weights = {name: blend.weight(name) for name in self.sources}
        evidence, ramp = self.evidence(query), self.ramp(query)
        if blend.cold_quality > 0:
            # The neural model's bias-only score is a weaker popularity, so with no evidence
            # the popularity and quality sources rank alone.
            weights = {n: (w * ramp if n in CF_SOURCES else w) for n, w in weights.items()}
        if "popularity" in weights:
            weights["popularity"] = max(weights["popularity"], blend.cold_popularity * (1 - ramp))
        if evidence >= 0 and "quality" in weights:
            fade = blend.evidence_half / (blend.evidence_half + evidence)
            weights["quality"] = max(weights["quality"], blend.cold_quality * fade)
        if not any(weights.values()):  # an ablation left only zero-weight sources
            weights = {name: 1.0 for name in self.sources}
        if self.vectors is not None:
            weights.update(profile=blend.profile, wish=blend.wish)
        return {name: w for name, w in weights.items() if w != 0.0}

    def mmr_lambda(self, query: Query) -> float:
        """MMR's relevance share: ``cold_mmr_lambda`` (none) with no evidence, moving to
        ``mmr_lambda`` as the evidence ramps the personalised sources in."""
        if not self.config.use_rerank:
            return 1.0
        blend = self.config.blend
        return blend.cold_mmr_lambda + (blend.mmr_lambda - blend.cold_mmr_lambda) * self.ramp(
            query)

    def allowed(self, query: Query) -> np.ndarray:
        """Items that pass the hard filters and the quality floor and are not history,
        excluded or disliked; with several asked genres, only items having all of them
        unless fewer than ``MIN_FULL_MATCHES`` do."""
        mask = filter_mask(self.catalog, query)
        if not query.allow_poor:
            mask &= ~self.poor
        mask[blocked_items(query, len(self.catalog))] = False
        if len(query.genres_in) > 1:
            full = mask & (genre_matches(self.catalog, query.genres_in) == len(query.genres_in))
            if int(full.sum()) >= MIN_FULL_MATCHES:
                return full
        return mask

    def signals(self, query: Query, allowed: np.ndarray) -> dict[str, np.ndarray]:
        """Normalised score vectors of every weighted signal (sources, profile, wish)."""
        out = {}
        for name in self.weights(query):
            if name in self.sources:
                raw = self.sources[name].score(query)
                if name == "keywords" and not np.isfinite(raw).any():
                    continue  # no wish words to match: no pool slots for an abstainer
            else:
                vector = query.profile_vector if name == "profile" else query.text_vector
                if vector is None or np.size(vector) != self.vectors.shape[1]:
                    continue
                raw = self.index.scores(vector)
            out[name] = normalise(raw, allowed)
        return out

    def recommend(self, query: Query, k: int = 10,
                  timings: dict[str, float] | None = None) -> list[RankedItem]:
        """The ``k`` best items for ``query``, blended, filtered, diversified and explained.

        When ``timings`` is given, seconds spent in ``candidates`` (filters and every source's
        scores) and ``rerank`` (pool, blend, MMR, evidence) are added to it.
        """
        # The per-turn products are small: multi-threaded BLAS only adds hand-off cost, and on
        # a busy 2-core machine it measured 5x slower at p95, so BLAS runs single-threaded here;
        # so does OpenMP, which faiss' IVF search (large catalogs) would otherwise fan out.
        with self._threads.limit(limits=1):
            return self._recommend(query, k, {} if timings is None else timings)

    def _recommend(self, query: Query, k: int, timings: dict[str, float]) -> list[RankedItem]:
        start = time.perf_counter()
        allowed = self.allowed(query)
        signals = self.signals(query, allowed)
        timings["candidates"] = timings.get("candidates", 0.0) + time.perf_counter() - start
        start = time.perf_counter()
        try:
            return self._rank(query, k, allowed, signals)
        finally:
            timings["rerank"] = timings.get("rerank", 0.0) + time.perf_counter() - start

    def _rank(self, query: Query, k: int, allowed: np.ndarray,
              signals: dict[str, np.ndarray]) -> list[RankedItem]:
        weights = self.weights(query)
        pool = self._pool(signals, allowed)
        if pool.size == 0:
            return []
        blended = sum(weights[name] * signals[name][pool] for name in signals)
        blended = blended + self._genre_nudge(query, pool)
        if len(query.genres_in) > 1:  # partial matches allowed: every fuller one first
            matches = genre_matches(self.catalog, query.genres_in)[pool]
            blended = blended + (float(np.ptp(blended)) + 1.0) * matches
        order = np.argsort(-blended, kind="stable")
        pool, blended = pool[order], blended[order]
        picked = mmr(pool, blended, self.vectors, self.mmr_lambda(query), k)
        return self._explain(query, picked, signals, weights)

    def _genre_nudge(self, query: Query, pool: np.ndarray) -> np.ndarray:
        """Each pool item's mean ``genre_shift`` over its genres (0 without any): added before
        MMR, so a genre the thumbs pushed down also loses its diversity slots."""
        shift = query.genre_shift
        if not shift:
            return np.zeros(pool.size)
        genres = self.catalog.genres
        return np.array([sum(shift.get(g, 0.0) for g in genres[i]) / max(len(genres[i]), 1)
                         for i in pool.tolist()])

    def _pool(self, signals: dict[str, np.ndarray], allowed: np.ndarray) -> np.ndarray:
        """Union of every signal's best allowed items, ~``pool_size`` in all."""
        blocked = np.flatnonzero(~allowed)
        quota = math.ceil(self.config.blend.pool_size / max(len(signals), 1))
        tops = [top_k(values, blocked, quota) for values in signals.values()]
        return np.unique(np.concatenate(tops)) if tops else np.zeros(0, dtype=np.int64)

    def _explain(self, query: Query, picked: np.ndarray, signals: dict[str, np.ndarray],
                 weights: dict[str, float]) -> list[RankedItem]:
        """RankedItems with contributions and each source's evidence for the picked items."""
        evidence = {name: self.sources[name].evidence(query, picked)
                    for name in signals if name in self.sources}
        out = []
        for m, item in enumerate(picked):
            contributions = {n: float(weights[n] * signals[n][item]) for n in signals}
            out.append(RankedItem(
                item_index=int(item), score=float(sum(contributions.values())),
                contributions=contributions,
                scores={n: float(signals[n][item]) for n in signals},
                evidence={n: ev[m] for n, ev in evidence.items()},
                missing_genres=self._missing_genres(query, int(item))))
        return out

    def _missing_genres(self, query: Query, item: int) -> tuple[str, ...]:
        """The asked genres this item lacks (empty unless several were asked)."""
        if len(query.genres_in) < 2:
            return ()
        has = {g.lower() for g in self.catalog.genres[item]}
        return tuple(sorted(g for g in query.genres_in if g.lower() not in has))


def build_engine(data: TrainingData, config: EngineConfig | None = None,
                 cache: SourceCache | None = None, progress: bool = False) -> Engine:
    """Fit every source named in ``config`` on ``data`` and wrap them in an Engine.

    With a ``cache``, sources that can save their state (EASE, neural, item-kNN) are restored
    from it instead of refitted, and saved to it after a fit; ``progress`` shows a tqdm bar.
    """
    config = config or EngineConfig()
    bar = tqdm(config.sources, desc="Fitting sources", unit="source", disable=not progress)
    sources = []
    for name in bar:
        bar.set_postfix_str(name)
        source = make_source(name, **config.params.get(name, {}))
        sources.append(source.fit(data) if cache is None else cache.fit(source, data))
    return Engine(data, sources, config)
