"""Percentile bootstrap confidence intervals for per-user metric columns.

Resampling users (rows) keeps each user's turns together, so the interval of "SR after turn 3"
reflects how much the mean depends on which users happened to be sampled.
"""

from __future__ import annotations

import numpy as np

DEFAULT_RESAMPLES = 1000


def bootstrap_ci(values: np.ndarray, resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                 level: float = 0.95) -> list[list[float]]:
    """``[[lo, hi], ...]`` per column of a users × columns array (a 1-d array is one column).

    Percentile intervals of the column means over ``resamples`` draws of the rows with
    replacement, from a generator seeded with ``seed``. No rows give ``[0, 0]`` intervals.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    n, columns = values.shape
    if n == 0:
        return [[0.0, 0.0] for _ in range(columns)]
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=(resamples, n))
    # One (resamples × columns) matrix of resampled means; users × turns is small.
    means = values[rows].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail], axis=0)
    return [[float(a), float(b)] for a, b in zip(lo, hi, strict=True)]
