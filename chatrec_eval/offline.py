"""Offline evaluation with RecBole's default protocol, every source alone and blended.

Every rating is a positive; each user's interactions are split 80/10/10 at random (seed 2020).
Models fit on training interactions only. Validation picks EASE's lambda, the side-information
and embedding weights of collective EASE (``cease``), the blend's anchor (the best source
alone) and weights; the test split is touched once, at the end. At test time all items except
the user's train and valid items are ranked, by the blend tuned on validation alone: the app's
quality floor and fading quality prior are off (``hybrid_app`` keeps them). Metrics @10 are
averaged over users with >= 1 held-out item.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from chatrec.candidates import SOURCE_NAMES, make_source, training_data
from chatrec.candidates.base import Query, TrainingData, implicit
from chatrec.candidates.ease import gram_matrix
from chatrec.domain.catalog import Dataset
from chatrec.models.embedder import l2_normalize
from chatrec.rank.engine import BlendConfig, Engine, EngineConfig
from chatrec_eval.metrics import METRICS, ranking_metrics
from chatrec_eval.offline_tune import (
    MIN_Z,
    K,
    anchored_blend,
    top_items,
    tune_ease,
    tune_emb,
    tune_side,
)
from chatrec_eval.split import DEFAULT_RATIOS, split_by_ratio

TIMED_USERS = 200  # users whose per-source scoring is timed


@dataclass(frozen=True)
class EvalSplit:
    """Training data plus users × items 0/1 matrices of each part of the split."""

    data: TrainingData
    train: sp.csr_matrix
    valid: sp.csr_matrix
    test: sp.csr_matrix

    def query(self, user: int, exclude_valid: bool, floor: bool = False) -> Query:
        """The user's training history as a chat-like query (profile = mean item vector).

        The protocol ranks every item but the user's own, so the engine's quality floor (a
        product rule: no bottom-fifth items in a chat) is lifted unless ``floor`` asks for it.
        """
        history = self.train[user].indices.astype(np.int64)
        vectors = self.data.item_vectors
        profile = None
        if vectors is not None and history.size:
            profile = l2_normalize(vectors[history].mean(axis=0))
        exclude = self.valid[user].indices.astype(np.int64) if exclude_valid else None
        return Query(history=history, profile_vector=profile, allow_poor=not floor,
                     exclude=exclude if exclude is not None else np.zeros(0, np.int64))


def make_split(dataset: Dataset, vectors: np.ndarray | None, seed: int) -> EvalSplit:
    """Split the dataset and build the training data and per-part matrices."""
    parts = split_by_ratio(dataset.interactions, DEFAULT_RATIOS, seed)
    data = training_data(dataset, parts[0], vectors)
    train, valid, test = (implicit(training_data(dataset, p).ratings) for p in parts)
    return EvalSplit(data, train, valid, test)


def fit_sources(split: EvalSplit, lam: float, side: float = 3.0, emb: float = 0.0
                ) -> tuple[dict[str, Any], dict[str, float]]:
    """Fit every source on the training part (EASE and collective EASE with the tuned
    ``lam``, ``side`` and ``emb``); returns sources and fit seconds."""
    sources, fit_s = {}, {}
    for name in SOURCE_NAMES:
        if name == "semantic" and split.data.item_vectors is None:
            continue
        if name == "keywords":  # matches a chat wish's words; offline queries have no text
            continue
        start = time.perf_counter()
        params = {"ease": {"lam": lam},
                  "cease": {"lam": lam, "side": side, "emb": emb}}.get(name, {})
        sources[name] = make_source(name, **params).fit(split.data)
        fit_s[name] = time.perf_counter() - start
    return sources, fit_s


def collect_signals(engine: Engine, split: EvalSplit, users: np.ndarray, test: bool
                    ) -> dict[str, np.ndarray]:
    """users × items normalised scores of every signal, as ``Engine.signals`` computes them."""
    first = engine.signals(split.query(int(users[0]), test), np.ones(split.train.shape[1], bool))
    out = {name: np.zeros((users.size, split.train.shape[1]), np.float32) for name in first}
    for row, user in enumerate(users):
        query = split.query(int(user), test)
        for name, values in engine.signals(query, engine.allowed(query)).items():
            out[name][row] = values
    return out


def score_ms(source: Any, split: EvalSplit, users: np.ndarray) -> float:
    """Mean milliseconds of one ``score`` call over ``users``."""
    queries = [split.query(int(u), True) for u in users]
    start = time.perf_counter()
    for query in queries:
        source.score(query)
    return (time.perf_counter() - start) * 1000 / max(len(queries), 1)


def evaluate_engine(engine: Engine, split: EvalSplit, users: np.ndarray,
                    floor: bool = False) -> tuple[dict[str, float], float]:
    """Test metrics of ``engine.recommend`` and its mean milliseconds per user."""
    top = np.full((users.size, K), -1, dtype=np.int64)
    start = time.perf_counter()
    for row, user in enumerate(users):
        query = split.query(int(user), True, floor)
        items = [r.item_index for r in engine.recommend(query, K)]
        top[row, :len(items)] = items
    elapsed = (time.perf_counter() - start) * 1000 / max(users.size, 1)
    return ranking_metrics(top, split.test[users], K), elapsed


def offline_blend(weights: dict[str, float], signals: tuple[str, ...], mmr_lambda: float,
                  app_rules: bool = False) -> BlendConfig:
    """The engine blend that ranks with ``weights`` (0 for the other ``signals``, no wish).

    The tuning saw the weighted signals only, so by default so does the test; ``app_rules``
    keeps the quality prior the app adds and fades with the history's length
    (``cold_quality``, a conversation-time knob: weight ~0.1 at 18 history items).
    """
    return BlendConfig(**{n: weights.get(n, 0.0) for n in signals}, wish=0.0,
                       mmr_lambda=mmr_lambda,
                       cold_quality=BlendConfig.cold_quality if app_rules else 0.0)


def evaluate_blend(split: EvalSplit, sources: dict[str, Any], fit_s: dict[str, float],
                   weights: dict[str, float], mmr_lambda: float, users: np.ndarray,
                   app_rules: bool = False) -> dict:
    """Test metrics, fit seconds and ms per user of an Engine with these blend weights
    (``app_rules``: with the app's quality floor and fading prior, see `offline_blend`)."""
    blend = offline_blend(weights, (*sources, "profile"), mmr_lambda, app_rules)
    engine = Engine(split.data, list(sources.values()), EngineConfig(tuple(sources), blend=blend))
    metrics, ms = evaluate_engine(engine, split, users, floor=app_rules)
    return {**metrics, "fit_s": sum(fit_s[n] for n in weights if n in fit_s),
            "score_ms_per_user": ms}


def run_offline_eval(dataset: Dataset, embedder_vectors: np.ndarray | None = None,
                     seed: int = 2020, json_path: str | Path | None = None) -> dict:
    """Evaluate every source and the tuned hybrid; optionally write the result as JSON."""
    split = make_split(dataset, embedder_vectors, seed)
    valid_users = np.flatnonzero(np.diff(split.valid.indptr) > 0)
    test_users = np.flatnonzero(np.diff(split.test.indptr) > 0)
    gram = gram_matrix(split.data)
    lam, curve = tune_ease(split, valid_users, gram=gram)
    side, side_curve = tune_side(split, valid_users, lam, gram=gram)
    emb, emb_curve = tune_emb(split, valid_users, lam, side, gram=gram)
    del gram  # an items x items buffer; the fits below build their own
    sources, fit_s = fit_sources(split, lam, side, emb)
    every = BlendConfig(**dict.fromkeys(sources, 1.0), profile=1.0, wish=0.0, mmr_lambda=1.0)
    probe = Engine(split.data, list(sources.values()), EngineConfig(tuple(sources), blend=every))
    valid_signals = collect_signals(probe, split, valid_users, test=False)
    test_signals = collect_signals(probe, split, test_users, test=True)
    seen = split.train + split.valid
    models = {}
    for name, source in sources.items():
        metrics = ranking_metrics(top_items(test_signals[name], seen[test_users]),
                                  split.test[test_users])
        models[name] = {**metrics, "fit_s": fit_s[name],
                        "score_ms_per_user": score_ms(source, split, test_users[:TIMED_USERS])}
    blends, anchors = {}, {}
    for label, names in (("hybrid", [n for n in valid_signals if n != "neural"]),
                         ("hybrid+neural", list(valid_signals))):
        weights, objective, anchors[label] = anchored_blend(
            valid_signals, names, split.train[valid_users], split.valid[valid_users])
        blends[label] = (weights, objective)
    use_neural = blends["hybrid+neural"][1] > blends["hybrid"][1] + 1e-3
    chosen, other = ("hybrid+neural", "hybrid") if use_neural else ("hybrid", "hybrid+neural")
    runs = (("hybrid", chosen, 1.0), ("hybrid_mmr", chosen, BlendConfig.mmr_lambda),
            ("hybrid_without_neural" if use_neural else "hybrid_with_neural", other, 1.0))
    for label, blend_name, mmr_lambda in runs:
        weights = blends[blend_name][0]
        models[label] = evaluate_blend(split, sources, fit_s, weights, mmr_lambda, test_users)
    # What the app ranks: the same blend behind the quality floor and the fading prior.
    models["hybrid_app"] = evaluate_blend(split, sources, fit_s, blends[chosen][0], 1.0,
                                          test_users, app_rules=True)
    result = {"protocol": {
        "dataset": dataset.name, "seed": seed, "ratios": list(DEFAULT_RATIOS), "k": K,
        "positives": "every rating", "split": "per-user random ratio split (RecBole RO_RS)",
        "ranking": "all items except the user's train and valid items (hybrid_app: and "
                   "the quality floor's items, with the app's fading quality prior)",
        "n_test_users": int(test_users.size), "ease_lambda": lam,
        "ease_lambda_valid_ndcg": {str(k): v for k, v in curve.items()},
        "cease_side": side, "cease_side_valid_ndcg": {str(k): v for k, v in side_curve.items()},
        "cease_emb": emb, "cease_emb_valid_ndcg": {str(k): v for k, v in emb_curve.items()},
        "blend": blends[chosen][0], "blend_anchor": anchors[chosen], "blend_min_z": MIN_Z,
        "blend_valid_objective": {k: v[1] for k, v in blends.items()},
        "neural_in_blend": use_neural,
        "embeddings": embedder_vectors is not None}, "models": models}
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2))
    return result


def format_offline_table(result: dict) -> str:
    """A fixed-width table of every model's metrics, fit seconds and ms per user."""
    header = f"{'model':<16}" + "".join(f"{m + '@10':>13}" for m in METRICS)
    header += f"{'fit_s':>9}{'ms/user':>9}"
    lines = [header, "-" * len(header)]
    for name, row in result["models"].items():
        cells = "".join(f"{row[m]:>13.4f}" for m in METRICS)
        lines.append(f"{name:<16}{cells}{row['fit_s']:>9.2f}{row['score_ms_per_user']:>9.2f}")
    protocol = result["protocol"]
    lines.append(f"EASE lambda={protocol['ease_lambda']:g}; cease side="
                 f"{protocol['cease_side']:g} emb={protocol.get('cease_emb', 0.0):g}; "
                 f"blend={protocol['blend']} (anchor "
                 f"{protocol['blend_anchor']}); neural in blend: {protocol['neural_in_blend']}")
    return "\n".join(lines)
