"""What the offline protocol tunes on the validation split: EASE's lambda, collective EASE's
side-information weight and the blend (anchors and weights), and the objective they maximise.

Everything here sees training histories and validation items only; ``chatrec_eval.offline``
touches the test split once, with what these functions chose.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from chatrec.candidates.cease import cease_weights
from chatrec.candidates.ease import ease_weights, gram_matrix
from chatrec_eval.metrics import hit_matrix, ranking_metrics, user_metrics

if TYPE_CHECKING:
    from chatrec_eval.offline import EvalSplit

K = 10
EASE_GRID = (100.0, 200.0, 300.0, 400.0, 500.0, 750.0, 1000.0)
SIDE_GRID = (1.0, 3.0, 10.0)  # collective EASE's pseudo-user weight, at EASE's lambda
EMB_GRID = (0.0, 10.0, 30.0, 100.0, 300.0)  # collective EASE's embedding weight, after the side
# (300 closes the grid: validation NDCG@10 peaks at 30-100 and falls from 300 on every seed of
# both catalogs, docs/results/offline_emb_grid.txt)
WEIGHT_GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
# A blend step must beat the current blend by two standard errors of the paired per-user
# difference on validation (a conventional bar, fixed a priori, not tuned on test).
MIN_Z = 2.0
MAX_STEPS = 20  # steps of the blend search; each one changes one weight
ANCHORS = 2  # blend searches, each anchored on one of the best sources alone ...
BASE_ANCHOR = "ease"  # ... and always the earlier fixed anchor, so no search is lost


def top_items(scores: np.ndarray, blocked: sp.spmatrix | np.ndarray, k: int = K) -> np.ndarray:
    """Row-wise top-k item indices of a users × items score matrix, ``blocked`` removed."""
    mask = blocked.toarray() > 0 if sp.issparse(blocked) else blocked
    scores = np.where(mask, -np.inf, scores)
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)

def user_objective(scores: np.ndarray, blocked: np.ndarray, relevant: sp.csr_matrix
                   ) -> np.ndarray:
    """What tuning maximises, per user with a relevant item: Recall@10 + NDCG@10."""
    keep = np.diff(relevant.indptr) > 0
    hits = hit_matrix(top_items(scores[keep], blocked[keep]), relevant[keep])
    per_user = user_metrics(hits, np.diff(relevant.indptr)[keep], K)
    return per_user["recall"] + per_user["ndcg"]

def significant_gain(new: np.ndarray, old: np.ndarray, min_z: float = MIN_Z) -> float:
    """The mean per-user gain of ``new`` over ``old``, or 0 unless it beats ``min_z`` paired SEs.

    Paired: both are the same users' objectives, so the user-to-user spread cancels out.
    """
    diff = new - old
    if diff.size == 0:
        return 0.0
    se = float(diff.std(ddof=1)) / math.sqrt(diff.size) if diff.size > 1 else 0.0
    gain = float(diff.mean())
    return gain if gain > max(min_z * se, 1e-6) else 0.0

def validation_curve(split: EvalSplit, users: np.ndarray, solve: Any, grid: tuple[float, ...]
                     ) -> tuple[float, dict[float, float]]:
    """The grid value whose item weights ``solve(value)`` give the best validation NDCG@10,
    and NDCG@10 for every value tried."""
    history = split.train[users]
    curve = {}
    for value in grid:
        scores = np.asarray(history @ solve(value))
        curve[value] = ranking_metrics(top_items(scores, history), split.valid[users])["ndcg"]
    return max(curve, key=curve.get), curve

def tune_ease(split: EvalSplit, users: np.ndarray, grid: tuple[float, ...] = EASE_GRID,
              gram: np.ndarray | None = None) -> tuple[float, dict[float, float]]:
    """The lambda with the best validation NDCG@10, and NDCG@10 for every lambda tried."""
    gram = gram_matrix(split.data) if gram is None else gram
    return validation_curve(split, users, lambda lam: ease_weights(gram, lam), grid)

def tune_side(split: EvalSplit, users: np.ndarray, lam: float,
              grid: tuple[float, ...] = SIDE_GRID, gram: np.ndarray | None = None
              ) -> tuple[float, dict[float, float]]:
    """Collective EASE's side-information weight with the best validation NDCG@10 at EASE's
    ``lam``, and NDCG@10 for every weight tried."""
    gram = gram_matrix(split.data) if gram is None else gram
    catalog = split.data.catalog
    return validation_curve(split, users, lambda w: cease_weights(gram, catalog, lam, w), grid)

def tune_emb(split: EvalSplit, users: np.ndarray, lam: float, side: float,
             grid: tuple[float, ...] = EMB_GRID, gram: np.ndarray | None = None
             ) -> tuple[float, dict[float, float]]:
    """Collective EASE's embedding weight with the best validation NDCG@10 at ``lam`` and
    ``side`` (0 without item vectors), and NDCG@10 for every weight tried."""
    vectors = split.data.item_vectors
    if vectors is None:
        return 0.0, {}
    gram = gram_matrix(split.data) if gram is None else gram
    catalog = split.data.catalog
    return validation_curve(split, users,
                            lambda w: cease_weights(gram, catalog, lam, side, vectors, w), grid)

def best_singles(signals: dict[str, np.ndarray], names: list[str], blocked: sp.csr_matrix,
                 relevant: sp.csr_matrix, n: int = ANCHORS) -> list[str]:
    """The ``n`` signals among ``names`` with the best mean validation objective alone."""
    mask = blocked.toarray() > 0
    alone = {s: float(user_objective(signals[s], mask, relevant).mean()) for s in names}
    return sorted(names, key=lambda s: -alone[s])[:n]

def anchored_blend(signals: dict[str, np.ndarray], names: list[str], blocked: sp.csr_matrix,
                   relevant: sp.csr_matrix) -> tuple[dict[str, float], float, str]:
    """`tune_blend` anchored on each of the best sources alone (`best_singles`) and on
    ``BASE_ANCHOR`` (the earlier search: on ml-100k the two best singles were collective EASE
    and ALS, and the EASE-anchored blend, better on validation, was never tried); the result
    with the best validation objective, and its anchor. Each ascent takes only significant
    steps, so where two sources are about equal alone (EASE and collective EASE) the one
    another source adds to can end higher, which one anchor would never try."""
    anchors = best_singles(signals, names, blocked, relevant)
    anchors += [BASE_ANCHOR] if BASE_ANCHOR in names and BASE_ANCHOR not in anchors else []
    runs = {a: tune_blend(signals, names, blocked, relevant, anchor=a) for a in anchors}
    anchor = max(runs, key=lambda a: runs[a][1])
    return (*runs[anchor], anchor)

def tune_blend(signals: dict[str, np.ndarray], names: list[str], blocked: sp.csr_matrix,
               relevant: sp.csr_matrix, min_z: float = MIN_Z, anchor: str = "ease"
               ) -> tuple[dict[str, float], float]:
    """Steepest significant ascent over ``WEIGHT_GRID`` on validation, ``anchor``'s weight
    fixed at 1 (the run tries the best sources alone as anchors, `anchored_blend`).

    Each step tries every single-weight change and takes the one with the largest mean
    per-user gain, but only a gain above ``min_z`` paired standard errors counts: accepting any
    gain (first improvement, in source order) fitted validation noise on ml-latest-small and
    lost to EASE alone on test. Returns the weights (zeros dropped) and the mean objective.
    """
    mask = blocked.toarray() > 0

    def value(w: dict[str, float]) -> np.ndarray:
        return user_objective(sum(x * signals[n] for n, x in w.items() if x), mask, relevant)

    weights = {**dict.fromkeys(names, 0.0), anchor: 1.0}
    current = value(weights)
    for _ in range(MAX_STEPS):
        trials = [{**weights, n: x} for n in names if n != anchor for x in WEIGHT_GRID
                  if x != weights[n]]
        scored = [(value(trial), trial) for trial in trials]
        gains = [significant_gain(values, current, min_z) for values, _ in scored]
        if not gains or max(gains) <= 0.0:
            break
        current, weights = scored[int(np.argmax(gains))]
    return {n: w for n, w in weights.items() if w}, float(current.mean())
