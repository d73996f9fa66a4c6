"""`chatrec bench scale`: engine latency as the catalog grows, and the growth exponent.

Real catalogs (ml-100k, and ml-latest-small when its folder is present) run with the served
engine and their MiniLM item vectors, plus the scalable configuration below for comparison.
Synthetic catalogs (see `synthetic`) go up to 100k items and 1M interactions with the scalable
configuration only: EASE keeps a dense items x items matrix (100k^2 float32 = 40 GB) and
user-kNN and the neural source grow with users, so they are left out; item-kNN keeps its sparse
top-k neighbours, and item vectors are random unit vectors of dimension 384 (MiniLM's size).
The growth exponent b is the least-squares slope of log latency on log n_items (latency ~ n^b).
"""

from __future__ import annotations

import gc
import logging

import numpy as np

from chatrec.domain.loaders import CatalogError
from chatrec.rank.engine import EngineConfig
from chatrec_eval.engine_bench import run_engine_bench
from chatrec_eval.synthetic import synthetic_dataset, synthetic_item_vectors

log = logging.getLogger(__name__)

SCALABLE_SOURCES = ("popularity", "itemknn", "content", "semantic")
SIZES = (5_000, 20_000, 50_000, 100_000)
INTERACTIONS_PER_ITEM = 10  # 100k items -> 1M interactions
REAL_DATASETS = ("ml-100k", "ml-latest-small")


def fit_growth(n_items: list[float], latencies: list[float]) -> dict:
    """Fit latency = a * n^b by least squares in log-log space: exponent b, a and R^2."""
    x, y = np.log(np.asarray(n_items, float)), np.log(np.asarray(latencies, float))
    if x.size < 2:
        return {"exponent": None, "coefficient": None, "r2": None}
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    spread = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((residual**2).sum()) / spread if spread > 0 else 1.0
    return {"exponent": float(slope), "coefficient": float(np.exp(intercept)), "r2": r2}


def real_rows(n_queries: int, embedder: str | None, seed: int) -> tuple[list[dict], list[str]]:
    """Engine bench rows for the real catalogs (served and scalable configs), and skip notes."""
    from chatrec import Settings
    from chatrec.app.resources import load_resources

    rows, skipped = [], []
    for name in REAL_DATASETS:
        try:
            resources = load_resources(Settings.from_env(data=name, lm="none", embedder=embedder))
        except CatalogError as exc:
            skipped.append(f"{name}: skipped ({exc})")
            continue
        vectors, dataset = resources.item_vectors, resources.dataset
        for config_name, config in (("served", None), ("scalable", scalable_config())):
            row = run_engine_bench(dataset, vectors, n_queries, seed, config)
            rows.append({**row, "config": config_name, "synthetic": False,
                         "n_interactions": len(dataset.interactions)})
            log.info("scale: %s %s p95 %.1f ms", name, config_name, row["p95_ms"])
    return rows, skipped


def scalable_config() -> EngineConfig:
    """The engine without the sources whose memory or fit time grows quadratically."""
    return EngineConfig(sources=SCALABLE_SOURCES)


def synthetic_rows(sizes: tuple[int, ...], n_queries: int, seed: int) -> list[dict]:
    """Engine bench rows for synthetic catalogs of each size (10 interactions per item)."""
    rows = []
    for n_items in sizes:
        dataset = synthetic_dataset(n_items, n_items * INTERACTIONS_PER_ITEM, seed=seed)
        vectors = synthetic_item_vectors(n_items, seed=seed)
        row = run_engine_bench(dataset, vectors, n_queries, seed, scalable_config())
        rows.append({**row, "config": "scalable", "synthetic": True,
                     "n_interactions": len(dataset.interactions),
                     "n_users": len(dataset.user_ids)})
        log.info("scale: %s p95 %.1f ms (fit %.0f s)", dataset.name, row["p95_ms"], row["fit_s"])
        del dataset, vectors
        gc.collect()  # the next size needs the memory the previous engine held
    return rows


def run_scale_bench(sizes: tuple[int, ...] = SIZES, n_queries: int = 200, seed: int = 0,
                    embedder: str | None = None, real: bool = True) -> dict:
    """Real and synthetic rows plus the growth fit of p50 and p95 over the synthetic ones."""
    rows, skipped = real_rows(n_queries, embedder, seed) if real else ([], [])
    synthetic = synthetic_rows(tuple(sizes), n_queries, seed)
    n = [r["n_items"] for r in synthetic]
    return {"rows": rows + synthetic, "skipped": skipped, "scalable_sources":
            list(SCALABLE_SOURCES), "interactions_per_item": INTERACTIONS_PER_ITEM,
            "growth": {q: fit_growth(n, [r[f"{q}_ms"] for r in synthetic])
                       for q in ("p50", "p95")},
            "fit_growth": fit_growth(n, [r["fit_s"] for r in synthetic])}


def format_scale_bench(result: dict) -> str:
    """A table of every row, then the growth exponents."""
    lines = [f"{'catalog':<18}{'config':<10}{'items':>8}{'ratings':>9}{'fit s':>8}"
             f"{'p50 ms':>8}{'p95 ms':>8}"]
    for r in result["rows"]:
        lines.append(f"{r['dataset']:<18}{r['config']:<10}{r['n_items']:>8}"
                     f"{r['n_interactions']:>9}{r['fit_s']:>8.1f}{r['p50_ms']:>8.1f}"
                     f"{r['p95_ms']:>8.1f}")
    lines += result["skipped"]
    for q, fit in result["growth"].items():
        if fit["exponent"] is not None:
            lines.append(f"{q} latency ~ n_items^{fit['exponent']:.2f} (R^2 {fit['r2']:.3f}, "
                         f"synthetic, sources: {', '.join(result['scalable_sources'])})")
    fit = result["fit_growth"]
    if fit["exponent"] is not None:
        lines.append(f"fit time ~ n_items^{fit['exponent']:.2f} (R^2 {fit['r2']:.3f})")
    return "\n".join(lines)
