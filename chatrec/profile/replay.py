"""What chatrec knows about one user, rebuilt by replaying that user's feedback events.

A profile is never edited directly: every change is a `FeedbackEvent` appended to the store's log
and applied here by pure functions, so a profile can always be rebuilt from the log (and a snapshot
is only a cache of that replay).

Event vocabulary (``FeedbackEvent.signal``):
- ``like`` / ``dislike``: an item (``item_id``) from a source: ``thumb`` (👍/👎), ``stated``
  ("I loved X") or ``import`` (rating history; ``payload["rating"]`` on the 1–5 scale). The
  payload may carry ``genres`` (see `item_event`) so genre weights need no catalog at replay.
- ``clear``: undo either mark on ``item_id`` (clicking the same thumb again).
- ``shown``: ``payload["items"]`` were shown to the user, in order.
- ``constraints``: ``payload`` is the dialogue layer's current constraints, replacing the last.
  Keys read here use Query's names: ``genres_in``, ``genres_out``, ``year_min``, ``year_max``,
  ``text``.

Precedence: the latest explicit (thumb or stated) mark wins; an import never overrides one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from chatrec.domain.catalog import Catalog

SIGNALS = frozenset({"like", "dislike", "clear", "shown", "constraints"})
ITEM_SIGNALS = frozenset({"like", "dislike", "clear"})
SOURCES = frozenset({"thumb", "stated", "import", "system"})
EXPLICIT_SOURCES = frozenset({"thumb", "stated"})
PROFILE_VERSION = 1
IMPORT_LIKE_MIN = 3.0  # imported ratings below this (on 1–5) count as dislikes
GENRE_LIKE_STEP = 0.1  # each liked item nudges its genres up a little...
GENRE_DISLIKE_STEP = 0.25  # ...each dislike beyond the first in a genre pushes it down more
GENRE_WEIGHT_MIN, GENRE_WEIGHT_MAX = 0.0, 2.0


@dataclass(frozen=True)
class FeedbackEvent:
    """One entry of a user's feedback log; ``id`` is assigned by the store."""

    signal: str
    item_id: str | None = None
    source: str = "thumb"
    payload: dict[str, Any] | None = None
    created_at: float = field(default_factory=time.time)
    id: int | None = None

    def __post_init__(self) -> None:
        if self.signal not in SIGNALS:
            raise ValueError(f"unknown feedback signal {self.signal!r}; expected {sorted(SIGNALS)}")
        if self.source not in SOURCES:
            raise ValueError(f"unknown feedback source {self.source!r}; expected {sorted(SOURCES)}")
        if self.signal in ITEM_SIGNALS and not self.item_id:
            raise ValueError(f"a {self.signal!r} event needs an item_id")
        if self.signal in ("shown", "constraints") and not isinstance(self.payload, dict):
            raise ValueError(f"a {self.signal!r} event needs a dict payload")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (for export)."""
        return {"id": self.id, "signal": self.signal, "item_id": self.item_id,
                "source": self.source, "payload": self.payload, "created_at": self.created_at}


@dataclass(frozen=True)
class Mark:
    """Why and when an item is liked or disliked."""

    source: str
    at: float
    rating: float | None = None
    genres: tuple[str, ...] = ()


@dataclass
class UserProfile:
    """A user's likes, dislikes, genre weights, constraints and shown items (ids, in order).

    ``liked``/``disliked`` keep insertion order, oldest first; a re-marked item moves to the end.
    ``event_count``/``last_event_id`` say how much of the log this profile has absorbed.
    """

    liked: dict[str, Mark] = field(default_factory=dict)
    disliked: dict[str, Mark] = field(default_factory=dict)
    genre_weights: dict[str, float] = field(default_factory=dict)
    constraints: dict[str, Any] = field(default_factory=dict)
    shown: list[str] = field(default_factory=list)
    event_count: int = 0
    last_event_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; `from_dict` reverses it."""
        marks = {
            name: {i: {"source": m.source, "at": m.at, "rating": m.rating, "genres": list(m.genres)}
                   for i, m in getattr(self, name).items()}
            for name in ("liked", "disliked")
        }
        return {"version": PROFILE_VERSION, **marks, "genre_weights": dict(self.genre_weights),
                "constraints": self.constraints, "shown": list(self.shown),
                "event_count": self.event_count, "last_event_id": self.last_event_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UserProfile:
        """Rebuild from `to_dict` output; raises ``ValueError`` for another profile version."""
        if data.get("version") != PROFILE_VERSION:
            raise ValueError(f"profile version {data.get('version')!r} != {PROFILE_VERSION}")
        marks = {
            name: {i: Mark(m["source"], m["at"], m.get("rating"), tuple(m.get("genres", ())))
                   for i, m in data.get(name, {}).items()}
            for name in ("liked", "disliked")
        }
        return cls(**marks, genre_weights=dict(data.get("genre_weights", {})),
                   constraints=dict(data.get("constraints", {})), shown=list(data.get("shown", [])),
                   event_count=int(data.get("event_count", 0)),
                   last_event_id=int(data.get("last_event_id", 0)))


def item_event(signal: str, item_id: str, catalog: Catalog, *, source: str = "thumb",
               rating: float | None = None) -> FeedbackEvent:
    """A like/dislike event carrying the item's genres, so replay needs no catalog."""
    payload: dict[str, Any] = {"genres": list(catalog.genres[catalog.index_of(item_id)])}
    if rating is not None:
        payload["rating"] = float(rating)
    return FeedbackEvent(signal, str(item_id), source=source, payload=payload)


def thumb_event(profile: UserProfile, item_id: str, up: bool, catalog: Catalog) -> FeedbackEvent:
    """The event for a 👍 (``up``) or 👎 click: the same thumb again toggles it off (``clear``)."""
    current = profile.liked if up else profile.disliked
    if str(item_id) in current:
        return FeedbackEvent("clear", str(item_id), source="thumb")
    return item_event("like" if up else "dislike", item_id, catalog, source="thumb")


def import_events(matched: Iterable[tuple[int, float]], catalog: Catalog) -> list[FeedbackEvent]:
    """Events for imported (item index, 1–5 rating) pairs: low ratings become dislikes."""
    return [item_event("like" if rating >= IMPORT_LIKE_MIN else "dislike", catalog.item_ids[i],
                       catalog, source="import", rating=rating)
            for i, rating in matched]


def shown_event(item_ids: Iterable[str]) -> FeedbackEvent:
    """Record that these items were shown (so they are not shown again)."""
    return FeedbackEvent("shown", source="system", payload={"items": [str(i) for i in item_ids]})


def constraints_event(constraints: Mapping[str, Any]) -> FeedbackEvent:
    """Record the dialogue's current constraints (a JSON-able dict snapshot)."""
    return FeedbackEvent("constraints", source="stated", payload=dict(constraints))


def apply_event(profile: UserProfile, event: FeedbackEvent) -> UserProfile:
    """A new profile with ``event`` applied; ``profile`` is left unchanged."""
    return replay([event], profile)


def replay(events: Iterable[FeedbackEvent], base: UserProfile | None = None) -> UserProfile:
    """Apply events in log order to a copy of ``base`` (or an empty profile)."""
    profile = _copy(base) if base is not None else UserProfile()
    for event in events:
        _apply_in_place(profile, event)
    return profile


def _copy(profile: UserProfile) -> UserProfile:
    return replace(profile, liked=dict(profile.liked), disliked=dict(profile.disliked),
                   genre_weights=dict(profile.genre_weights),
                   constraints=dict(profile.constraints), shown=list(profile.shown))


def _apply_in_place(profile: UserProfile, event: FeedbackEvent) -> None:
    payload = event.payload or {}
    if event.signal in ITEM_SIGNALS:
        _apply_mark(profile, event, payload)
        profile.genre_weights = _genre_weights(profile)
    elif event.signal == "shown":
        profile.shown = list(dict.fromkeys([*profile.shown, *map(str, payload.get("items", ()))]))
    elif event.signal == "constraints":
        profile.constraints = dict(payload)
    profile.event_count += 1
    if event.id is not None:
        profile.last_event_id = max(profile.last_event_id, int(event.id))


def _apply_mark(profile: UserProfile, event: FeedbackEvent, payload: Mapping[str, Any]) -> None:
    item = str(event.item_id)
    current = profile.liked.get(item) or profile.disliked.get(item)
    if event.source == "import" and current is not None and current.source in EXPLICIT_SOURCES:
        return  # a re-imported file must not overrule what the user said in the chat
    profile.liked.pop(item, None)
    profile.disliked.pop(item, None)
    if event.signal == "clear":
        return
    rating = payload.get("rating")
    mark = Mark(event.source, event.created_at, None if rating is None else float(rating),
                tuple(payload.get("genres", ())))
    (profile.liked if event.signal == "like" else profile.disliked)[item] = mark


def _genre_weights(profile: UserProfile) -> dict[str, float]:
    """Weights derived from the current explicit marks, so undo restores them exactly.

    Imports are left out: a few hundred imported ratings would saturate every genre.
    """
    likes: dict[str, int] = {}
    dislikes: dict[str, int] = {}
    for marks, counts in ((profile.liked, likes), (profile.disliked, dislikes)):
        for mark in marks.values():
            if mark.source in EXPLICIT_SOURCES:
                for genre in mark.genres:
                    counts[genre] = counts.get(genre, 0) + 1
    weights = {}
    for genre in sorted(likes.keys() | dislikes.keys()):
        raw = (1.0 + GENRE_LIKE_STEP * likes.get(genre, 0)
               - GENRE_DISLIKE_STEP * max(0, dislikes.get(genre, 0) - 1))
        weight = round(min(GENRE_WEIGHT_MAX, max(GENRE_WEIGHT_MIN, raw)), 4)
        if weight != 1.0:
            weights[genre] = weight
    return weights


class QueryParts(NamedTuple):
    """The profile's share of a `candidates.base.Query` (all arrays of catalog indices)."""

    history: np.ndarray
    history_ratings: np.ndarray
    disliked: np.ndarray
    exclude: np.ndarray


class Filters(NamedTuple):
    """The hard filters in a constraints dict, normalised."""

    genres_in: frozenset[str]
    genres_out: frozenset[str]
    year_min: int | None
    year_max: int | None


def constraint_filters(constraints: Mapping[str, Any] | None) -> Filters:
    """Read ``genres_in``/``genres_out``/``year_min``/``year_max`` from a constraints dict."""
    c = constraints or {}

    def genres(key: str) -> frozenset[str]:
        value = c.get(key) or ()
        return frozenset([value] if isinstance(value, str) else value)  # one genre, not letters

    year_min, year_max = c.get("year_min"), c.get("year_max")
    return Filters(genres("genres_in"), genres("genres_out"),
                   None if year_min is None else int(year_min),
                   None if year_max is None else int(year_max))


def era_label(year_min: int | None, year_max: int | None) -> str | None:
    """Plain words for a year range: ``1990s``, ``1980–1995``, ``from 1990``, ``before 2000``."""
    if year_min is None and year_max is None:
        return None
    if year_min is None:
        return f"up to {year_max}"
    if year_max is None:
        return f"from {year_min}"
    if year_min % 10 == 0 and year_max == year_min + 9:
        return f"{year_min}s"
    return str(year_min) if year_min == year_max else f"{year_min}–{year_max}"


def _indices(item_ids: Iterable[str], catalog: Catalog) -> np.ndarray:
    """Catalog indices of the ids the catalog knows (a profile may outlive a catalog change)."""
    return np.array([catalog.index_of(i) for i in item_ids if catalog.has(i)], dtype=np.int64)


def to_query_parts(profile: UserProfile, catalog: Catalog) -> QueryParts:
    """History (oldest first) with ratings — 5 for thumbs/stated, the rating for imports —
    dislikes, and everything never to show again (shown, disliked, liked)."""
    known = [(i, m) for i, m in profile.liked.items() if catalog.has(i)]
    history = _indices([i for i, _ in known], catalog)
    ratings = np.array([m.rating if m.source == "import" and m.rating is not None else 5.0
                        for _, m in known], dtype=np.float32)
    disliked = _indices(profile.disliked, catalog)
    shown = _indices(profile.shown, catalog)
    exclude = np.unique(np.concatenate([shown, disliked, history])).astype(np.int64)
    return QueryParts(history, ratings, disliked, exclude)


def profile_vector(profile: UserProfile, item_vectors: np.ndarray, catalog: Catalog,
                   wish_vector: np.ndarray | None = None, alpha: float = 1.0, beta: float = 0.75,
                   gamma: float = 0.25) -> np.ndarray | None:
    """Rocchio taste vector: alpha·wish + beta·mean(liked) − gamma·mean(disliked), L2-normalised.

    ``None`` when no wish or liked item is known (dislikes only refine a direction) or the
    terms cancel out.
    """
    total = np.zeros(item_vectors.shape[1], dtype=np.float64)
    known = False
    if wish_vector is not None:
        total += alpha * np.asarray(wish_vector, dtype=np.float64)
        known = True
    for marks, weight in ((profile.liked, beta), (profile.disliked, -gamma)):
        rows = _indices(marks, catalog)
        if rows.size:
            total += weight * item_vectors[rows].astype(np.float64).mean(axis=0)
            known = known or weight > 0
    # Dislikes alone give no direction to move towards: "away from these three 90s thrillers"
    # points away from every 90s thriller, the very thing asked for (measured in eval chat).
    norm = float(np.linalg.norm(total))
    if not known or norm < 1e-9:
        return None
    return (total / norm).astype(np.float32)


def summary(profile: UserProfile, catalog: Catalog) -> dict[str, Any]:
    """What chatrec believes about the user, in plain (unescaped) words, most recent first."""
    def explicit(marks: Mapping[str, Mark]) -> list[str]:
        ids = [i for i, m in reversed(marks.items()) if m.source in EXPLICIT_SOURCES]
        return [catalog.label(catalog.index_of(i)) if catalog.has(i) else f"item {i}" for i in ids]

    def imported(marks: Mapping[str, Mark]) -> int:
        return sum(m.source == "import" for m in marks.values())

    filters = constraint_filters(profile.constraints)
    return {
        "liked": explicit(profile.liked),
        "disliked": explicit(profile.disliked),
        "imported_liked": imported(profile.liked),
        "imported_disliked": imported(profile.disliked),
        "genres_wanted": sorted(filters.genres_in),
        "genres_excluded": sorted(filters.genres_out),
        "era": era_label(filters.year_min, filters.year_max),
        "wish": profile.constraints.get("text") or None,
        "genre_weights": dict(profile.genre_weights),
        "shown": len(profile.shown),
    }
