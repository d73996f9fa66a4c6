"""What chatrec knows about one user, rebuilt by replaying that user's feedback events.

A profile is never edited directly: every change is a `FeedbackEvent` appended to the store's log
and applied here by pure functions, so a profile can always be rebuilt from the log (and a snapshot
is only a cache of that replay).

Precedence: the latest explicit (thumb or stated) mark wins; an import never overrides one.
The constraints payload is kept as stored: only the dialogue interprets it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chatrec.domain.catalog import Catalog
from chatrec.profile.events import EXPLICIT_SOURCES, ITEM_SIGNALS, FeedbackEvent, item_event

PROFILE_VERSION = 1
GENRE_LIKE_STEP = 0.1  # each liked item nudges its genres up a little...
GENRE_DISLIKE_STEP = 0.25  # ...each dislike beyond the first in a genre pushes it down more
GENRE_WEIGHT_MIN, GENRE_WEIGHT_MAX = 0.0, 2.0


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


def thumb_event(profile: UserProfile, item_id: str, up: bool, catalog: Catalog) -> FeedbackEvent:
    """The event for a 👍 (``up``) or 👎 click: the same thumb again toggles it off (``clear``)."""
    current = profile.liked if up else profile.disliked
    if str(item_id) in current:
        return FeedbackEvent("clear", str(item_id), source="thumb")
    return item_event("like" if up else "dislike", item_id, catalog, source="thumb")
