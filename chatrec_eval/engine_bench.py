"""Per-turn latency of the engine: candidate generation + blend + filters + MMR + evidence.

Queries look like chat turns: one to five liked movies (drawn by popularity, as people name
films they know), a free-text wish vector half of the time, a genre filter a third of the
time, and the liked items excluded.
"""

from __future__ import annotations

import time

import numpy as np

from chatrec.candidates import training_data
from chatrec.candidates.base import Query
from chatrec.domain.catalog import Dataset
from chatrec.models.embedder import l2_normalize
from chatrec.rank.engine import Engine, EngineConfig, build_engine

WARMUP = 5


def chat_queries(dataset: Dataset, item_vectors: np.ndarray | None, n: int, seed: int
                 ) -> list[Query]:
    """``n`` random chat-like queries over the dataset's catalog."""
    rng = np.random.default_rng(seed)
    counts = np.bincount(dataset.interactions["item"], minlength=len(dataset.catalog)) + 1.0
    genres = dataset.catalog.genre_names
    queries = []
    for _ in range(n):
        liked = rng.choice(counts.size, size=rng.integers(1, 6), replace=False,
                           p=counts / counts.sum())
        wish = profile = None
        if item_vectors is not None:
            profile = l2_normalize(item_vectors[liked].mean(axis=0))
            if rng.random() < 0.5:
                noise = rng.normal(0, 0.05, item_vectors.shape[1]).astype(np.float32)
                wish = l2_normalize(item_vectors[rng.integers(counts.size)] + noise)
        wanted = frozenset({str(rng.choice(genres))}) if rng.random() < 1 / 3 else frozenset()
        queries.append(Query(history=liked, exclude=liked, text="a wish" if wish is not None
                             else "", text_vector=wish, profile_vector=profile,
                             genres_in=wanted))
    return queries


def time_engine(engine: Engine, queries: list[Query], k: int = 10) -> np.ndarray:
    """Milliseconds of ``engine.recommend`` for each query (after a short warm-up)."""
    for query in queries[:WARMUP]:
        engine.recommend(query, k)
    times = np.empty(len(queries))
    for i, query in enumerate(queries):
        start = time.perf_counter()
        engine.recommend(query, k)
        times[i] = (time.perf_counter() - start) * 1000
    return times


def run_engine_bench(dataset: Dataset, item_vectors: np.ndarray | None, n_queries: int = 200,
                     seed: int = 0, config: EngineConfig | None = None) -> dict:
    """Fit the engine on the whole dataset and time ``n_queries`` chat-like turns."""
    start = time.perf_counter()
    engine = build_engine(training_data(dataset, item_vectors=item_vectors), config)
    fit_s = time.perf_counter() - start
    times = time_engine(engine, chat_queries(dataset, item_vectors, n_queries, seed))
    return {"dataset": dataset.name, "n_items": len(dataset.catalog),
            "n_queries": n_queries, "sources": list(engine.sources), "fit_s": fit_s,
            "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)),
            "mean_ms": float(times.mean()), "max_ms": float(times.max())}


def format_engine_bench(result: dict) -> str:
    """One readable line per figure."""
    return "\n".join([
        f"engine latency on {result['dataset']} ({result['n_items']} items, "
        f"{result['n_queries']} queries; sources: {', '.join(result['sources'])})",
        f"  fit {result['fit_s']:.1f} s",
        f"  p50 {result['p50_ms']:.1f} ms   p95 {result['p95_ms']:.1f} ms   "
        f"mean {result['mean_ms']:.1f} ms   max {result['max_ms']:.1f} ms",
    ])
