"""One turn's working set and the small helpers every handler shares.

`TurnContext` holds the conversation, the profile (read from the store at most once per turn and
kept in step with what the turn commits) and the seconds spent per stage. Positions ("the second
one", "#-1", "it") resolve against the picks on screen here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from chatrec.dialogue.state import Conversation
from chatrec.profile.events import FeedbackEvent
from chatrec.profile.replay import UserProfile, replay
from chatrec.profile.store import ProfileStore


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Add the seconds spent in the block to ``timings[stage]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


@dataclass
class TurnContext:
    """One turn's working set: the conversation, the profile (loaded at most once, then kept
    in step with what the turn commits) and the seconds per stage."""

    user_id: str
    conversation: Conversation
    store: ProfileStore
    timings: dict[str, float] = field(default_factory=dict)
    loaded: UserProfile | None = None

    @property
    def profile(self) -> UserProfile:
        """The user's profile, read from the store on first use in this turn."""
        if self.loaded is None:
            with timed(self.timings, "store"):
                self.loaded = self.store.load_profile(self.user_id)
        return self.loaded

    @property
    def seed(self) -> str:
        """Picks a template variant per user and turn."""
        return f"{self.user_id}:{self.conversation.turns}"

    def commit(self, events: Sequence[FeedbackEvent]) -> None:
        """Append events (committed when this returns) and apply them to the loaded profile."""
        if not events:
            return
        with timed(self.timings, "store"):
            ids = self.store.append_many(self.user_id, events)
        if self.loaded is not None:  # else the first read sees them in the store
            self.loaded = replay([replace(e, id=i) for e, i in zip(events, ids, strict=True)],
                                 self.loaded)


def in_range(conv: Conversation, ref: int) -> bool:
    """Whether a position points at a pick on screen."""
    return ref == 0 or -len(conv.shown) <= ref <= len(conv.shown)


def resolve_ref(conv: Conversation, ref: int) -> int:
    """Position 1.. from the top, -1.. from the bottom, 0 for the item in focus."""
    if ref == 0:
        return conv.shown[0] if conv.focus is None else conv.focus
    return conv.shown[ref - 1] if ref > 0 else conv.shown[ref]


def join_texts(first: str | None, second: str) -> str:
    """Two reply parts as paragraphs; the second alone when the first is empty."""
    return f"{first}\n\n{second}" if first else second
