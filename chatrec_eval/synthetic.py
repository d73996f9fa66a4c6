"""Seeded synthetic catalogs for scale benchmarks: up to 100k items and 1M interactions.

The shape imitates MovieLens where it matters for speed: item popularity follows a power law
(Zipf weights over a random item order, so a few items get most ratings), users fall into latent
taste clusters that prefer their cluster's items (so item-item co-occurrence has structure and
the kNN neighbourhoods are not uniform noise), items carry 1-3 genres drawn mostly from their
cluster's genres, a year skewed towards recent decades and one cluster tag. Item vectors are
random unit vectors (the real ones come from an embedder, which costs minutes at 100k items and
does not change the engine's per-request arithmetic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chatrec.domain.catalog import Dataset, build_catalog

GENRES = ("Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
          "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
          "Thriller", "War", "Western")  # ml-100k's vocabulary, so genre filters mean the same
START_TIME = 946_684_800  # 2000-01-01; ratings spread over five years after it
SPAN_SECONDS = 5 * 365 * 86_400
MAX_TOP_UPS = 20  # sampling rounds to replace duplicate (user, item) pairs


def zipf_weights(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Power-law popularity weights (rank^-exponent) assigned to items in a random order."""
    weights = np.arange(1, n + 1, dtype=np.float64) ** -exponent
    return weights[rng.permutation(n)]


def _catalog(n_items: int, clusters: np.ndarray, n_clusters: int, rng: np.random.Generator):
    """Titles, years, cluster-biased genres and a cluster tag for every item."""
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
    records = [{"item_id": str(i + 1), "title": f"Synthetic Film {i + 1}", "year": int(years[i]),
                "genres": [GENRES[g] for g in sorted(set(picks[i, :n_genres[i]].tolist()))],
                "tags": [f"theme {clusters[i]}"]}
               for i in range(n_items)]  # generation time only
    return build_catalog(records)


def _sample_pairs(n: int, users: np.ndarray, user_cluster: np.ndarray, cluster_p: np.ndarray,
                  rng: np.random.Generator) -> pd.DataFrame:
    """``n`` (user, item) draws: users by activity, items by their cluster's distribution."""
    drawn_users = rng.choice(users.size, size=n, p=users / users.sum())
    items = np.empty(n, dtype=np.int64)
    for c in range(cluster_p.shape[0]):  # a loop over clusters, vectorised within each
        rows = np.flatnonzero(user_cluster[drawn_users] == c)
        items[rows] = rng.choice(cluster_p.shape[1], size=rows.size, p=cluster_p[c])
    return pd.DataFrame({"user": drawn_users, "item": items})


def synthetic_dataset(n_items: int, n_interactions: int, n_users: int | None = None,
                      n_clusters: int = 20, exponent: float = 0.9, seed: int = 0) -> Dataset:
    """A catalog of ``n_items`` and exactly ``n_interactions`` distinct (user, item) ratings.

    ``n_users`` defaults to one per 60 interactions (ml-100k has ~106, ml-latest-small ~165).
    In-cluster items are 10x likelier for a cluster's users, on top of global popularity.
    """
    n_users = n_users or max(20, n_interactions // 60)
    if n_interactions > n_users * n_items:
        raise ValueError("more interactions requested than distinct (user, item) pairs")
    rng = np.random.default_rng(seed)
    clusters = rng.integers(n_clusters, size=n_items)
    popularity = zipf_weights(n_items, exponent, rng)
    boost = 1.0 + 9.0 * (clusters[None, :] == np.arange(n_clusters)[:, None])
    cluster_p = popularity[None, :] * boost
    cluster_p /= cluster_p.sum(axis=1, keepdims=True)
    activity = rng.lognormal(0.0, 1.0, n_users)  # a long tail of heavy raters, as in MovieLens
    user_cluster = rng.integers(n_clusters, size=n_users)
    pairs = pd.DataFrame({"user": [], "item": []}, dtype=np.int64)
    for _ in range(MAX_TOP_UPS):  # duplicates are dropped, then topped up with fresh draws
        missing = n_interactions - len(pairs)
        if missing <= 0:
            break
        fresh = _sample_pairs(int(missing * 1.3) + 10, activity, user_cluster, cluster_p, rng)
        pairs = pd.concat([pairs, fresh]).drop_duplicates(ignore_index=True)
    pairs = pairs.iloc[:n_interactions]
    in_cluster = clusters[pairs["item"].to_numpy()] == user_cluster[pairs["user"].to_numpy()]
    rating = np.clip(np.round(3.2 + 1.0 * in_cluster + rng.normal(0, 0.9, len(pairs))), 1, 5)
    frame = pd.DataFrame({
        "user": "u" + pairs["user"].astype(str),
        "item": pairs["item"].to_numpy(np.int64),
        "rating": rating.astype(np.float32),
        "timestamp": START_TIME + rng.integers(0, SPAN_SECONDS, len(pairs)),
    })
    catalog = _catalog(n_items, clusters, n_clusters, rng)
    name = f"synthetic-{n_items // 1000}k"
    return Dataset(name, catalog, frame, f"synthetic-{n_items}-{n_interactions}-{seed}")


def synthetic_item_vectors(n_items: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    """Random unit vectors, float32, the size of MiniLM's (384)."""
    vectors = np.random.default_rng(seed).standard_normal((n_items, dim), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
