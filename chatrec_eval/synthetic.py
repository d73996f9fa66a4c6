"""Seeded synthetic catalogs for scale benchmarks, in memory or as MovieLens CSV files.

The shape imitates MovieLens where it matters for speed: item popularity follows a power law
(Zipf weights over a random item order, so a few items get most ratings), user activity is
log-normal (a long tail of heavy raters), users fall into latent taste clusters that prefer
their cluster's items (so item-item co-occurrence has structure and the kNN neighbourhoods are
not uniform noise), items carry 1-3 genres drawn mostly from their cluster's genres, a year
skewed towards recent decades and one cluster tag. The catalog depends only on ``n_items``,
``n_clusters`` and the seed, so every size of one benchmark shares the same items (and texts).
Item vectors for in-memory benches are random unit vectors of MiniLM's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from chatrec.domain.catalog import Dataset, build_catalog

GENRES = ("Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
          "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
          "Thriller", "War", "Western")  # ml-100k's vocabulary, so genre filters mean the same
START_TIME = 946_684_800  # 2000-01-01; ratings spread over five years after it
SPAN_SECONDS = 5 * 365 * 86_400
MAX_TOP_UPS = 20  # sampling rounds to replace duplicate (user, item) pairs
ML25M_RATINGS_PER_USER = 154  # MovieLens-25M: 25.0M ratings by 162.5k users


@dataclass(frozen=True)
class SyntheticRatings:
    """Distinct (user, item) ratings as aligned arrays; users and items are 0-based."""

    user: np.ndarray  # int32
    item: np.ndarray  # int32
    rating: np.ndarray  # float32, 1..5
    timestamp: np.ndarray  # int64
    n_users: int


def zipf_weights(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Power-law popularity weights (rank^-exponent) assigned to items in a random order."""
    weights = np.arange(1, n + 1, dtype=np.float64) ** -exponent
    return weights[rng.permutation(n)]


def _item_clusters(n_items: int, n_clusters: int, seed: int) -> np.ndarray:
    return np.random.default_rng([seed, 1]).integers(n_clusters, size=n_items)


def synthetic_records(n_items: int, n_clusters: int = 20, seed: int = 0) -> list[dict]:
    """Titles, years, cluster-biased genres and a cluster tag for every item."""
    rng = np.random.default_rng([seed, 2])
    clusters = _item_clusters(n_items, n_clusters, seed)
    favourite = np.stack([rng.choice(len(GENRES), size=3, replace=False)
                          for _ in range(n_clusters)])
    years = np.clip(np.round(2015 - rng.exponential(18.0, n_items)), 1920, 2020).astype(int)
    # Column 0 is the cluster's main genre; up to two more, 70% of them also the cluster's.
    own = favourite[clusters[:, None], rng.integers(0, 3, (n_items, 3))]
    own[:, 0] = favourite[clusters, 0]
    anywhere = rng.integers(len(GENRES), size=(n_items, 3))
    picks = np.where(rng.random((n_items, 3)) < 0.7, own, anywhere)
    picks[:, 0] = own[:, 0]
    n_genres = rng.integers(1, 4, n_items)
    return [{"item_id": str(i + 1), "title": f"Synthetic Film {i + 1}", "year": int(years[i]),
             "genres": [GENRES[g] for g in sorted(set(picks[i, :n_genres[i]].tolist()))],
             "tags": [f"theme {clusters[i]}"]}
            for i in range(n_items)]  # generation time only


def _sample_pairs(n: int, activity: np.ndarray, user_cluster: np.ndarray,
                  cluster_p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of user * n_items + item: users by activity, items by their cluster."""
    n_items = cluster_p.shape[1]
    users = rng.choice(activity.size, size=n, p=activity / activity.sum())
    keys = users.astype(np.int64) * n_items
    clusters = user_cluster[users]
    for c in range(cluster_p.shape[0]):  # a loop over clusters, vectorised within each
        rows = np.flatnonzero(clusters == c)
        keys[rows] += rng.choice(n_items, size=rows.size, p=cluster_p[c])
    return keys


def _distinct_keys(n_interactions: int, activity: np.ndarray, user_cluster: np.ndarray,
                   cluster_p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Exactly ``n_interactions`` distinct pair keys, in the order they were first drawn."""
    keys = np.zeros(0, dtype=np.int64)
    for _ in range(MAX_TOP_UPS):  # duplicates are dropped, then topped up with fresh draws
        missing = n_interactions - keys.size
        if missing <= 0:
            break
        fresh = _sample_pairs(int(missing * 1.3) + 10, activity, user_cluster, cluster_p, rng)
        keys = np.concatenate([keys, fresh])
        _, first = np.unique(keys, return_index=True)
        keys = keys[np.sort(first)]
    return keys[:n_interactions]


def synthetic_ratings(n_items: int, n_interactions: int, n_users: int | None = None,
                      n_clusters: int = 20, exponent: float = 0.9, seed: int = 0,
                      activity_sigma: float = 1.0) -> SyntheticRatings:
    """Exactly ``n_interactions`` distinct (user, item) ratings over ``n_items`` items.

    ``n_users`` defaults to one per 60 interactions (ml-100k has ~106, ml-latest-small ~165).
    In-cluster items are 10x likelier for a cluster's users, on top of global popularity, and
    rate about one star higher.
    """
    n_users = n_users or max(20, n_interactions // 60)
    if n_interactions > n_users * n_items:
        raise ValueError("more interactions requested than distinct (user, item) pairs")
    rng = np.random.default_rng(seed)
    clusters = _item_clusters(n_items, n_clusters, seed)
    popularity = zipf_weights(n_items, exponent, rng)
    cluster_p = np.empty((n_clusters, n_items))
    for c in range(n_clusters):
        cluster_p[c] = popularity * np.where(clusters == c, 10.0, 1.0)
    cluster_p /= cluster_p.sum(axis=1, keepdims=True)
    activity = rng.lognormal(0.0, activity_sigma, n_users)
    user_cluster = rng.integers(n_clusters, size=n_users)
    keys = _distinct_keys(n_interactions, activity, user_cluster, cluster_p, rng)
    user, item = (keys // n_items).astype(np.int32), (keys % n_items).astype(np.int32)
    del keys
    in_cluster = clusters[item] == user_cluster[user]
    noise = rng.normal(0, 0.9, user.size).astype(np.float32)
    rating = np.clip(np.round(3.2 + in_cluster + noise), 1, 5).astype(np.float32)
    timestamp = START_TIME + rng.integers(0, SPAN_SECONDS, user.size)
    return SyntheticRatings(user, item, rating, timestamp, n_users)


def synthetic_dataset(n_items: int, n_interactions: int, n_users: int | None = None,
                      n_clusters: int = 20, exponent: float = 0.9, seed: int = 0) -> Dataset:
    """The catalog and ratings of `synthetic_ratings` as an in-memory `Dataset`."""
    r = synthetic_ratings(n_items, n_interactions, n_users, n_clusters, exponent, seed)
    names = np.array([f"u{u}" for u in range(r.n_users)], dtype=object)
    frame = pd.DataFrame({"user": names[r.user], "item": r.item.astype(np.int64),
                          "rating": r.rating, "timestamp": r.timestamp})
    catalog = build_catalog(synthetic_records(n_items, n_clusters, seed))
    name = f"synthetic-{n_items // 1000}k"
    return Dataset(name, catalog, frame, f"synthetic-{n_items}-{n_interactions}-{seed}")


def write_movielens(folder: str | Path, n_items: int, n_interactions: int,
                    n_users: int | None = None, seed: int = 0) -> Path:
    """Write a synthetic catalog as MovieLens CSV files (movies, ratings, tags); the folder.

    Users default to MovieLens-25M's ratio (154 ratings per user) with its heavier tail of
    activity (log-normal sigma 1.2).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    records = synthetic_records(n_items, seed=seed)
    pd.DataFrame({
        "movieId": [r["item_id"] for r in records],
        "title": [f"{r['title']} ({r['year']})" for r in records],
        "genres": ["|".join(r["genres"]) for r in records]}).to_csv(folder / "movies.csv",
                                                                   index=False)
    pd.DataFrame({"userId": 1, "movieId": [r["item_id"] for r in records],
                  "tag": [r["tags"][0] for r in records], "timestamp": START_TIME}
                 ).to_csv(folder / "tags.csv", index=False)
    n_users = n_users or max(20, n_interactions // ML25M_RATINGS_PER_USER)
    r = synthetic_ratings(n_items, n_interactions, n_users, seed=seed, activity_sigma=1.2)
    pd.DataFrame({"userId": r.user + 1, "movieId": r.item + 1, "rating": r.rating,
                  "timestamp": r.timestamp}).to_csv(folder / "ratings.csv", index=False,
                                                    chunksize=1_000_000)
    return folder


def synthetic_item_vectors(n_items: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    """Random unit vectors, float32, the size of MiniLM's (384)."""
    vectors = np.random.default_rng(seed).standard_normal((n_items, dim), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
