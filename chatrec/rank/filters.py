"""Hard filters: the items a request's genres and years allow."""

from __future__ import annotations

import numpy as np

from chatrec.candidates.base import Query
from chatrec.domain.catalog import Catalog


def filter_mask(catalog: Catalog, query: Query) -> np.ndarray:
    """Items passing the hard filters (genres_in / genres_out / year range)."""
    mask = np.ones(len(catalog), dtype=bool)
    lookup = {g.lower(): j for j, g in enumerate(catalog.genre_names)}
    if query.genres_in:
        cols = [lookup[g.lower()] for g in query.genres_in if g.lower() in lookup]
        mask &= np.asarray(catalog.genre_matrix[:, cols].sum(axis=1)).ravel() > 0
    if query.genres_out:
        cols = [lookup[g.lower()] for g in query.genres_out if g.lower() in lookup]
        mask &= np.asarray(catalog.genre_matrix[:, cols].sum(axis=1)).ravel() == 0
    years = catalog.years
    if query.year_min is not None:
        mask &= (years >= query.year_min) & (years > 0)
    if query.year_max is not None:
        mask &= (years <= query.year_max) & (years > 0)
    return mask

