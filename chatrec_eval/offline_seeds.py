"""The offline evaluation over several split seeds: mean and spread of every model.

One split seed gives one draw of the 80/10/10 split; two models a few thousandths apart may
swap places on another draw. ``run_offline_seeds`` repeats `run_offline_eval` (each seed tunes
EASE's lambda and the blend on its own validation part) and reports, per model and metric,
the mean over seeds and their spread, plus the paired per-seed margin of the hybrid over EASE:
the same split under both, so the split-to-split variation mostly cancels out of it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from chatrec.domain.catalog import Dataset
from chatrec_eval.metrics import METRICS
from chatrec_eval.offline import run_offline_eval

SUMMED = (*METRICS, "fit_s", "score_ms_per_user")  # what is averaged over seeds


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"2020,2021"`` -> (2020, 2021); a clear message for anything else."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        seeds = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"--seeds takes comma-separated integers, not {text!r}") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds needs at least one seed and no repeats, not {text!r}")
    return seeds


def spread(values: list[float]) -> dict[str, float]:
    """Mean, sample standard deviation (0 for one value), minimum and maximum."""
    array = np.asarray(values, dtype=np.float64)
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return {"mean": float(array.mean()), "std": std, "min": float(array.min()),
            "max": float(array.max())}


def aggregate_runs(runs: list[dict], versus: tuple[str, str] = ("hybrid", "ease")) -> dict:
    """Combine single-seed results: ``models`` holds means (the single-seed shape, so tables
    and reports read it unchanged), ``spread`` every metric's spread, ``margin`` the paired
    per-seed differences of ``versus[0]`` minus ``versus[1]``, and ``per_seed`` each run."""
    seeds = [run["protocol"]["seed"] for run in runs]
    names = [m for m in runs[0]["models"] if all(m in run["models"] for run in runs)]
    spreads = {m: {k: spread([run["models"][m][k] for run in runs]) for k in SUMMED}
               for m in names}
    models = {m: {k: s["mean"] for k, s in spreads[m].items()} for m in names}
    margin = {}
    if all(v in names for v in versus):
        for metric in METRICS:
            diffs = [run["models"][versus[0]][metric] - run["models"][versus[1]][metric]
                     for run in runs]
            margin[metric] = {**spread(diffs), "per_seed": diffs,
                              "beats_noise": beats_noise(diffs, spreads[versus[1]][metric])}
    protocol = {**runs[0]["protocol"], "seeds": seeds,
                "blend_per_seed": [run["protocol"]["blend"] for run in runs],
                "ease_lambda_per_seed": [run["protocol"]["ease_lambda"] for run in runs],
                "cease_side_per_seed": [run["protocol"].get("cease_side") for run in runs],
                "cease_emb_per_seed": [run["protocol"].get("cease_emb") for run in runs]}
    return {"protocol": protocol, "models": models, "spread": spreads,
            "margin": {"of": list(versus), **margin},
            "per_seed": {str(s): run["models"] for s, run in zip(seeds, runs, strict=True)}}


def beats_noise(diffs: list[float], baseline: dict[str, float]) -> bool:
    """Whether a paired margin clears the split noise: positive on every seed, and its mean
    above both the baseline's seed-to-seed spread and two standard errors of the margin."""
    if not diffs:
        return False
    mean = float(np.mean(diffs))
    se = float(np.std(diffs, ddof=1)) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
    return min(diffs) > 0 and mean > max(baseline["std"], 2 * se)


def run_offline_seeds(dataset: Dataset, vectors: np.ndarray | None, seeds: tuple[int, ...],
                      json_path: str | Path | None = None) -> tuple[dict, list[dict]]:
    """`run_offline_eval` once per seed; the aggregate (optionally written) and every run."""
    runs = [run_offline_eval(dataset, vectors, seed=seed) for seed in seeds]
    result = aggregate_runs(runs)
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2))
    return result, runs


def format_seeds_table(result: dict) -> str:
    """Mean ± standard deviation over seeds of Recall@10 and NDCG@10, and the paired margin."""
    seeds = result["protocol"]["seeds"]
    lines = [f"{'model':<22}{'recall@10':>20}{'ndcg@10':>20}   ({len(seeds)} seeds: "
             f"{', '.join(map(str, seeds))})"]
    for name, row in result["spread"].items():
        cells = "".join(f"{row[m]['mean']:>12.4f} ± {row[m]['std']:.4f}" for m in
                        ("recall", "ndcg"))
        lines.append(f"{name:<22}{cells}")
    margin = result["margin"]
    for metric in ("recall", "ndcg"):
        if metric in margin:
            m = margin[metric]
            lines.append(f"{margin['of'][0]} - {margin['of'][1]} {metric}@10: "
                         f"{m['mean']:+.4f} ± {m['std']:.4f} (per seed "
                         f"{', '.join(f'{d:+.4f}' for d in m['per_seed'])}); "
                         f"beats the noise: {m['beats_noise']}")
    return "\n".join(lines)
