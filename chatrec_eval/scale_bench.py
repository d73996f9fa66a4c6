"""`chatrec bench scale`: `prepare` time, peak memory and turn latency from 1M to 25M ratings.

Each size is a synthetic MovieLens folder (`synthetic.write_movielens`: 60k items like
MovieLens-25M's 62k, 154 ratings per user, power-law popularity, fixed seed) on which fresh
interpreters run exactly what a user runs: ``prepare`` (item embeddings with the real embedder,
every engine source fitted), ``prepare`` again (must be a no-op), and then the app with
``--lm none`` answering `turn_bench` turns. The sizes of one run share a cache, so only the
first embeds the (shared) catalog; run a size alone for a fully cold figure. Peak RSS is each
child's kernel high-water mark (VmHWM). Growth exponents are least-squares slopes in log-log
space.

The source-fit table times each heavy source alone, in its own process, on in-memory synthetic
catalogs of growing item counts (100 ratings per item): the measurement behind
``LARGE_CATALOG_ITEMS`` and the large-catalog source set.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from chatrec_eval.synthetic import write_movielens

log = logging.getLogger(__name__)

SIZES = (1_000_000, 5_000_000, 25_000_000)
N_ITEMS = 60_000
FIT_ITEMS = (2_500, 5_000, 10_000, 20_000)
FIT_SOURCES = ("ease", "als", "itemknn", "neural", "userknn")
# Sources whose fit time or memory grows too fast to time at every size (minutes at 10k).
FIT_MAX_ITEMS = {"neural": 5_000, "userknn": 10_000}
RATINGS_PER_ITEM = 100
MARK = "CHATREC_SCALE "
CHILD_TIMEOUT_S = 3600.0
TARGETS = {"prepare_s": 1800.0, "peak_rss_mb": 12 * 1024.0, "turn_p95_ms": 100.0}

_PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""
PREPARE_SCRIPT = _PEAK + f"""
import json
from chatrec.app.resources import prepare
from chatrec.app.settings import Settings
timings = prepare(Settings.from_env())
print({MARK!r} + json.dumps({{**timings, "peak_rss_mb": peak_mb()}}))
"""
TURN_SCRIPT = _PEAK + f"""
import json, os, time
start = time.perf_counter()
from chatrec import ChatRecommender
from chatrec.app.settings import Settings
from chatrec_eval.turn_bench import run_turn_bench
rec = ChatRecommender.from_settings(Settings.from_env())
build_s = time.perf_counter() - start
result = run_turn_bench(rec, turns=int(os.environ["SCALE_TURNS"]))
print({MARK!r} + json.dumps({{"build_s": build_s, "turn": result["turn"],
      "stages": result["stages"], "sources": list(rec.ranker.engine.sources),
      "peak_rss_mb": peak_mb()}}))
"""
FIT_SCRIPT = _PEAK + f"""
import json, os, time
from chatrec.candidates import make_source, training_data
from chatrec_eval.synthetic import synthetic_dataset
n = int(os.environ["SCALE_ITEMS"])
data = training_data(synthetic_dataset(n, n * int(os.environ["SCALE_PER_ITEM"]), seed=0))
before = peak_mb()
start = time.perf_counter()
make_source(os.environ["SCALE_SOURCE"]).fit(data)
print({MARK!r} + json.dumps({{"fit_s": time.perf_counter() - start, "peak_rss_mb": peak_mb(),
      "data_rss_mb": before, "n_ratings": int(data.ratings.nnz)}}))
"""


def fit_growth(n: list[float], values: list[float]) -> dict:
    """Fit value = a * n^b by least squares in log-log space: exponent b, a and R^2."""
    x, y = np.log(np.asarray(n, float)), np.log(np.asarray(values, float))
    if x.size < 2:
        return {"exponent": None, "coefficient": None, "r2": None}
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    spread = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((residual**2).sum()) / spread if spread > 0 else 1.0
    return {"exponent": float(slope), "coefficient": float(np.exp(intercept)), "r2": r2}


def run_child(script: str, env: dict[str, str], timeout: float = CHILD_TIMEOUT_S) -> dict:
    """Run ``script`` in a fresh interpreter; its marked JSON line plus the wall seconds."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - start
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"scale child failed ({done.returncode}): {done.stderr[-2000:]}")
    return {**json.loads(lines[-1][len(MARK):]), "wall_s": wall}


def app_env(folder: Path, cache: Path, embedder: str, threads: int) -> dict[str, str]:
    """This environment with the app pointed at a synthetic folder and its own caches."""
    return {**os.environ, "CHATREC_DATA": str(folder), "CHATREC_LM": "none",
            "CHATREC_EMBEDDER": embedder, "CHATREC_CACHE_DIR": str(cache),
            "CHATREC_DB_URL": f"sqlite:///{cache / 'bench.db'}",
            "CHATREC_TORCH_THREADS": str(threads), "TQDM_DISABLE": "1"}


def size_row(n_ratings: int, n_items: int, work: Path, embedder: str, turns: int,
             threads: int, seed: int = 0) -> dict:
    """Write one synthetic folder, prepare it and prepare it again, and time turns on it.

    Every size of one run shares ``work/cache``: the folders share their catalog (and name),
    so only the first size embeds its items and later ones find every text in the vector
    store (the row's ``items_embedded`` says which); engine state is keyed by the data.
    """
    start = time.perf_counter()
    folder = write_movielens(work / f"ratings-{n_ratings}" / f"synthetic-{n_items}", n_items,
                             n_ratings, seed=seed)
    write_s = time.perf_counter() - start
    cache = work / "cache"
    env = {**app_env(folder, cache, embedder, threads), "SCALE_TURNS": str(turns)}
    cold = run_child(PREPARE_SCRIPT, env)
    log.info("scale: %d ratings prepared in %.0f s, peak %.0f MiB", n_ratings, cold["wall_s"],
             cold["peak_rss_mb"])
    warm = run_child(PREPARE_SCRIPT, env)
    served = run_child(TURN_SCRIPT, env)
    log.info("scale: %d ratings turn p95 %.1f ms", n_ratings, served["turn"]["p95_ms"])
    shutil.rmtree(folder, ignore_errors=True)  # gigabytes at 25M; the figures are kept
    return {"n_ratings": n_ratings, "n_items": n_items, "embedder": embedder,
            "torch_threads": threads, "write_s": write_s, "prepare": cold,
            "prepare_again": warm, "serve": served}


def fit_rows(items: tuple[int, ...], sources: tuple[str, ...] = FIT_SOURCES,
             per_item: int = RATINGS_PER_ITEM) -> list[dict]:
    """Fit time and peak memory of each source alone, per catalog size, in fresh processes."""
    rows = []
    for n in items:
        for source in sources:
            if n > FIT_MAX_ITEMS.get(source, n):
                continue
            env = {**os.environ, "SCALE_ITEMS": str(n), "SCALE_SOURCE": source,
                   "SCALE_PER_ITEM": str(per_item), "TQDM_DISABLE": "1"}
            row = run_child(FIT_SCRIPT, env)
            rows.append({"source": source, "n_items": n, **row})
            log.info("scale: %s on %d items: %.1f s, peak %.0f MiB", source, n, row["fit_s"],
                     row["peak_rss_mb"])
    return rows


def growth(rows: list[dict]) -> dict:
    """Exponents over n_ratings of prepare time, engine fit time, peak RSS and turn p95."""
    n = [r["n_ratings"] for r in rows]
    series = {"prepare_s": [r["prepare"]["total_s"] for r in rows],
              "prepare_without_embedding_s": [r["prepare"]["total_s"] -
                                              r["prepare"]["item_vectors_s"] for r in rows],
              "engine_s": [r["prepare"]["engine_s"] for r in rows],
              "peak_rss_mb": [r["prepare"]["peak_rss_mb"] for r in rows],
              "turn_p95_ms": [r["serve"]["turn"]["p95_ms"] for r in rows]}
    return {name: fit_growth(n, values) for name, values in series.items()}


def fit_growth_by_source(fits: list[dict]) -> dict:
    """Per source: fit seconds ~ n_items^b over the catalog sizes it was timed at."""
    out = {}
    for source in dict.fromkeys(r["source"] for r in fits):
        mine = [r for r in fits if r["source"] == source]
        out[source] = fit_growth([r["n_items"] for r in mine], [r["fit_s"] for r in mine])
    return out


def targets(rows: list[dict]) -> dict:
    """The issue's goals checked at the largest size measured."""
    if not rows:
        return {}
    top = max(rows, key=lambda r: r["n_ratings"])
    figures = {"prepare_s": top["prepare"]["total_s"],
               "peak_rss_mb": max(top["prepare"]["peak_rss_mb"], top["serve"]["peak_rss_mb"]),
               "turn_p95_ms": top["serve"]["turn"]["p95_ms"]}
    return {name: {"value": v, "limit": TARGETS[name], "met": v <= TARGETS[name],
                   "n_ratings": top["n_ratings"]} for name, v in figures.items()}


def run_scale_bench(sizes: tuple[int, ...] = SIZES, n_items: int = N_ITEMS,
                    fit_items: tuple[int, ...] = FIT_ITEMS, turns: int = 200,
                    embedder: str = "minilm", threads: int = 2,
                    workdir: str | Path | None = None,
                    fit_sources: tuple[str, ...] = FIT_SOURCES) -> dict:
    """Every size row, the source-fit table, growth exponents and the goals."""
    with tempfile.TemporaryDirectory(prefix="chatrec-scale-", dir=workdir) as tmp:
        rows = [size_row(n, n_items, Path(tmp), embedder, turns, threads)
                for n in sorted(sizes)]
    fits = fit_rows(tuple(fit_items), fit_sources)
    return {"rows": rows, "fits": fits, "growth": growth(rows),
            "fit_growth": fit_growth_by_source(fits), "targets": targets(rows),
            "ratings_per_item_in_fits": RATINGS_PER_ITEM}


def format_scale_bench(result: dict) -> str:
    """One line per size, the source-fit table, the exponents and the goals."""
    lines = [f"{'ratings':>10}{'items':>8}{'prepare s':>11}{'engine s':>10}{'embed s':>9}"
             f"{'peak MiB':>10}{'again s':>9}{'turn p50':>10}{'turn p95':>10}"]
    for r in result["rows"]:
        p, s = r["prepare"], r["serve"]
        lines.append(f"{r['n_ratings']:>10}{r['n_items']:>8}{p['total_s']:>11.1f}"
                     f"{p['engine_s']:>10.1f}{p['item_vectors_s']:>9.1f}{p['peak_rss_mb']:>10.0f}"
                     f"{r['prepare_again']['total_s']:>9.1f}{s['turn']['p50_ms']:>10.1f}"
                     f"{s['turn']['p95_ms']:>10.1f}")
    for name, fit in result["growth"].items():
        if fit["exponent"] is not None:
            lines.append(f"{name} ~ n_ratings^{fit['exponent']:.2f} (R^2 {fit['r2']:.3f})")
    lines.append(f"{'source':<10}{'items':>8}{'ratings':>10}{'fit s':>9}{'peak MiB':>10}")
    for f in result["fits"]:
        lines.append(f"{f['source']:<10}{f['n_items']:>8}{f['n_ratings']:>10}{f['fit_s']:>9.1f}"
                     f"{f['peak_rss_mb']:>10.0f}")
    for source, fit in result["fit_growth"].items():
        if fit["exponent"] is not None:
            lines.append(f"{source} fit ~ n_items^{fit['exponent']:.2f} (R^2 {fit['r2']:.3f})")
    for name, t in result["targets"].items():
        lines.append(f"goal {name}: {t['value']:.1f} vs {t['limit']:g} at {t['n_ratings']} "
                     f"ratings -> {'met' if t['met'] else 'MISSED'}")
    return "\n".join(lines)
