"""Feedback events: the only way a profile changes (appended to the store, replayed here).

Event vocabulary (``FeedbackEvent.signal``):
- ``like`` / ``dislike``: an item (``item_id``) from a source: ``thumb`` (👍/👎), ``stated``
  ("I loved X"), ``accepted`` (a shown pick the user wants: "sounds good") or ``import``
  (rating history; ``payload["rating"]`` on the 1–5 scale). The
  payload may carry ``genres`` (see `item_event`) so genre weights need no catalog at replay.
- ``clear``: undo either mark on ``item_id`` (clicking the same thumb again).
- ``shown``: ``payload["items"]`` were shown to the user, in order.
- ``constraints``: ``payload`` is the dialogue's ``Preferences.to_dict()``, replacing the last.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chatrec.domain.catalog import Catalog

SIGNALS = frozenset({"like", "dislike", "clear", "shown", "constraints"})
ITEM_SIGNALS = frozenset({"like", "dislike", "clear"})
# "accepted": a like from a pick the user said they want ("sounds good"), weaker than a thumb.
SOURCES = frozenset({"thumb", "stated", "accepted", "import", "system"})
EXPLICIT_SOURCES = frozenset({"thumb", "stated"})
IMPORT_LIKE_MIN = 3.0  # imported ratings below this (on 1–5) count as dislikes


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


def item_event(signal: str, item_id: str, catalog: Catalog, *, source: str = "thumb",
               rating: float | None = None) -> FeedbackEvent:
    """A like/dislike event carrying the item's genres, so replay needs no catalog."""
    payload: dict[str, Any] = {"genres": list(catalog.genres[catalog.index_of(item_id)])}
    if rating is not None:
        payload["rating"] = float(rating)
    return FeedbackEvent(signal, str(item_id), source=source, payload=payload)




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
