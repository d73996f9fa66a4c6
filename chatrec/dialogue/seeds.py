"""How much each like counts as a seed, read from ``seeds.toml`` (package data).

A like's source decides its seed rating (a named title 5, a 👍 0.3, an accepted pick 0.25,
an import its own rating); once a title is named, thumbs and accepts together are capped to a
small share of it. The same table holds how far learnt genre weights move the ranking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomllib

from chatrec.profile.replay import Mark

SEEDS_FILE = Path(__file__).resolve().parent / "seeds.toml"
UNKNOWN_SOURCE_RATING = 5.0  # a like of a source the table does not know counts in full


@dataclass(frozen=True)
class SeedTable:
    """Seed ratings by like source, the cap on weak likes once a title is named, and the
    score shift per unit of learnt genre weight."""

    ratings: Mapping[str, float]
    named: frozenset[str]
    weak: frozenset[str]
    share: float
    genre_effect: float

    @classmethod
    def read(cls, path: Path = SEEDS_FILE) -> SeedTable:
        """Parse a seeds file (``seeds.toml`` by default)."""
        with Path(path).open("rb") as handle:
            raw = tomllib.load(handle)
        cap = raw["cap"]
        return cls({k: float(v) for k, v in raw["rating"].items()}, frozenset(cap["named"]),
                   frozenset(cap["weak"]), float(cap["share"]),
                   float(raw["nudge"]["genre_effect"]))

    def rating(self, mark: Mark) -> float:
        """One like's seed rating before any cap: by source, the rating itself for imports."""
        if mark.source == "import" and mark.rating is not None:
            return float(mark.rating)
        return self.ratings.get(mark.source, UNKNOWN_SOURCE_RATING)

    def seed_ratings(self, marks: Sequence[Mark]) -> np.ndarray:
        """Every like's seed rating, the weak ones scaled down together so they carry at most
        ``share`` of what the named ones do (untouched while nothing is named)."""
        ratings = np.array([self.rating(m) for m in marks], dtype=np.float64)
        weak = np.array([m.source in self.weak for m in marks], dtype=bool)
        named = float(ratings[[m.source in self.named for m in marks]].sum()) if marks else 0.0
        total = float(ratings[weak].sum()) if marks else 0.0
        if named > 0 and total > self.share * named:
            ratings[weak] *= self.share * named / total
        return ratings

    def genre_shift(self, genre_weights: Mapping[str, float],
                    asked: frozenset[str] = frozenset()) -> dict[str, float]:
        """Score shift per genre from learnt weights, leaving out the genres asked for:
        thumbs-down on several comedies after "a comedy please" mean "not these comedies",
        not "fewer comedies"."""
        return {g: self.genre_effect * (w - 1.0) for g, w in genre_weights.items()
                if g not in asked and w != 1.0}


SEEDS = SeedTable.read()  # read once, when the module loads
