"""The reaction acts a message may say about a shown pick, and one reaction resolved to its
pick: the types the act reader (`reactions`), the pick resolver (`on_screen`) and the dialogue
share."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Act(str, Enum):
    """What a reaction says about a shown pick."""

    ACCEPT = "accept"
    SEEN = "seen"
    SEEN_LIKED = "seen_liked"
    SEEN_DISLIKED = "seen_disliked"
    NOT_SEEN = "not_seen"
    REJECT = "reject"
    MORE_LIKE = "more_like"

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value

    @property
    def polarity(self) -> bool | None:
        """True: a positive signal for the profile, False a negative one, None neither."""
        if self in {Act.ACCEPT, Act.SEEN_LIKED, Act.MORE_LIKE}:
            return True
        if self in {Act.SEEN_DISLIKED, Act.REJECT}:
            return False
        return None


@dataclass(frozen=True)
class Reaction:
    """One reaction to one shown pick. ``ref`` is the position it was pointed at by (0: "it",
    the pick in focus) or None when the pick was named by title; ``item`` is the catalog index
    of a pick named by title (else None); ``index`` is the pick, resolved either way (None when
    nothing is on screen to resolve against). ``wants`` marks a not-seen pick the user says they
    will try ("haven't seen it, I'll check it out"): a weak positive."""

    act: Act
    ref: int | None = None
    item: int | None = None
    index: int | None = None
    wants: bool = False

    @property
    def positive(self) -> bool | None:
        """The profile signal: True like, False dislike, None nothing to store."""
        if self.act is Act.NOT_SEEN:
            return True if self.wants else None
        return self.act.polarity
