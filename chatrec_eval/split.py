"""RecBole's default split: shuffle, then cut every user's interactions 80/10/10.

RecBole (``Dataset.split_by_ratio`` with ``group_by=user`` after a random shuffle) rounds each
part but the first *down*, gives the remainder to the first (training) part, and then moves
one interaction into every later part whose exact share is between 0 and 1, as long as the
training part keeps more than one. ``split_counts`` reproduces ``_calcu_split_ids`` exactly;
the shuffle uses numpy's seeded generator (not torch's), so the rows differ from RecBole's
but the per-user proportions are identical.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

DEFAULT_RATIOS = (0.8, 0.1, 0.1)


def split_counts(total: int, ratios: Sequence[float]) -> list[int]:
    """How many of ``total`` interactions go to each part (RecBole's ``_calcu_split_ids``)."""
    scale = sum(ratios)
    ratios = [r / scale for r in ratios]
    counts = [int(r * total) for r in ratios]
    counts[0] = total - sum(counts[1:])
    for i in range(1, len(ratios)):
        if counts[0] <= 1:
            break
        if 0 < ratios[-i] * total < 1:
            counts[-i] += 1
            counts[0] -= 1
    return counts


def split_by_ratio(interactions: pd.DataFrame, ratios: Sequence[float] = DEFAULT_RATIOS,
                   seed: int = 2020) -> list[pd.DataFrame]:
    """Shuffle with ``seed``, then split every user's interactions by ``ratios``.

    Returns one frame per ratio (train, valid, test by default), each in shuffled order.
    """
    rng = np.random.default_rng(seed)
    shuffled = interactions.iloc[rng.permutation(len(interactions))].reset_index(drop=True)
    users = shuffled["user"].to_numpy()
    # A stable sort by user keeps the shuffled order inside each user's group.
    order = np.argsort(pd.factorize(users)[0], kind="stable")
    codes = pd.factorize(users)[0][order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    sizes = np.diff(np.r_[starts, codes.size])
    part = np.empty(codes.size, dtype=np.int64)
    for start, size in zip(starts, sizes, strict=True):  # one small loop per user, offline only
        bounds = np.cumsum(split_counts(int(size), ratios))
        part[start:start + size] = np.searchsorted(bounds, np.arange(size), side="right")
    rows = shuffled.iloc[order]
    return [rows[part == p].reset_index(drop=True) for p in range(len(ratios))]
