"""Hard filters: the items a request's genres and years allow, and the quality floor.

Several asked genres are AND-ed when enough items have all of them (``genre_matches`` counts
how many each item has); ``filter_mask`` itself keeps any-genre matches, the fallback. The
quality floor hides items whose average rating is in the catalog's bottom fifth, among items
with enough ratings to tell.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import tomllib

from chatrec.candidates.base import Query
from chatrec.domain.catalog import Catalog

FLOOR_QUANTILE = 0.2  # the bottom fifth of average ratings ...
FLOOR_MIN_RATINGS = 10  # ... among items rated at least this often
FLOOR_FILE = Path(__file__).resolve().parent / "quality_floor.toml"
_NON_WORD = re.compile(r"[^\w]+")


def _words(text: str) -> str:
    return " " + " ".join(_NON_WORD.sub(" ", text.lower()).split()) + " "


@cache
def _lift_phrases() -> tuple[str, ...]:
    with FLOOR_FILE.open("rb") as handle:
        return tuple(_words(p) for p in tomllib.load(handle)["lift"])


def lifts_floor(text: str) -> bool:
    """Whether a request asks for poorly rated items on purpose ("so bad it's good")."""
    words = _words(text)
    return any(phrase in words for phrase in _lift_phrases())


def _genre_columns(catalog: Catalog, genres: frozenset[str]) -> list[int]:
    lookup = {g.lower(): j for j, g in enumerate(catalog.genre_names)}
    return [lookup[g.lower()] for g in genres if g.lower() in lookup]


def genre_matches(catalog: Catalog, genres: frozenset[str]) -> np.ndarray:
    """How many of ``genres`` each item has (genres the catalog lacks match nothing)."""
    cols = _genre_columns(catalog, genres)
    return np.asarray(catalog.genre_matrix[:, cols].sum(axis=1)).ravel().astype(np.int64)


def filter_mask(catalog: Catalog, query: Query) -> np.ndarray:
    """Items passing the hard filters (any of genres_in / none of genres_out / year range)."""
    mask = np.ones(len(catalog), dtype=bool)
    if query.genres_in:
        mask &= genre_matches(catalog, query.genres_in) > 0
    if query.genres_out:
        mask &= genre_matches(catalog, query.genres_out) == 0
    years = catalog.years
    if query.year_min is not None:
        mask &= (years >= query.year_min) & (years > 0)
    if query.year_max is not None:
        mask &= (years <= query.year_max) & (years > 0)
    return mask


def poorly_rated(ratings: sp.spmatrix, quantile: float = FLOOR_QUANTILE,
                 min_ratings: int = FLOOR_MIN_RATINGS) -> np.ndarray:
    """Items whose mean rating is in the bottom ``quantile`` of items with ``min_ratings``+.

    Items with fewer ratings are never floored: a mean of three ratings tells too little.
    Implicit data (every rating the same) floors nothing.
    """
    csc = sp.csc_matrix(ratings)
    counts = np.diff(csc.indptr)
    sums = np.asarray(csc.sum(axis=0)).ravel()
    means = np.divide(sums, counts, out=np.zeros(counts.size), where=counts > 0)
    rated = counts >= min_ratings
    if not rated.any() or np.ptp(means[rated]) == 0:
        return np.zeros(counts.size, dtype=bool)
    cut = float(np.quantile(means[rated], quantile))
    return rated & (means < cut)
