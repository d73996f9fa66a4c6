"""The dialogue's state: what a conversation has asked for (`Preferences`) and what is on screen
(`Conversation`).

`Preferences` is the only representation of the user's constraints: `merge` applies one
message's `PreferenceDelta` (the latest explicit statement wins: "no horror" after "horror
please" moves Horror out, "actually horror is fine" lifts it), `to_dict`/`from_dict` store it
with the profile, and `chatrec.dialogue.query` turns it into the engine's `Query`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chatrec.rank.engine import RankedItem
from chatrec.understand.message import PreferenceDelta


def _union(old: tuple, add: tuple, remove: tuple = ()) -> tuple:
    """``old`` minus ``remove`` plus ``add``, in first-seen order without duplicates."""
    kept = [v for v in old if v not in remove]
    return tuple(kept + [v for v in dict.fromkeys(add) if v not in kept])



@dataclass(frozen=True)
class Preferences:
    """The constraints a conversation has accumulated (immutable; ``merge`` returns a new one).

    ``avoid`` holds soft avoids ("violent", "dark", "sad", "long", "scary", ...) that should
    lower a score rather than filter; ``wish`` is the latest descriptive request, for the
    semantic query.
    """

    genres_in: tuple[str, ...] = ()
    genres_out: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    liked: tuple[int, ...] = ()
    disliked: tuple[int, ...] = ()
    avoid: tuple[str, ...] = ()
    wish: str = ""
    era_source: str = ""  # "explicit" / "relative": how the year bounds were asked for

    def merge(self, delta: PreferenceDelta) -> Preferences:
        """Apply one message's delta; on any conflict the delta (the newer statement) wins."""
        year_min, year_max = self._years(delta)
        return replace(
            self,
            genres_in=_union(self.genres_in, delta.genres_in, delta.genres_out),
            genres_out=_union(self.genres_out, delta.genres_out,
                              delta.genres_in + delta.genres_ok),
            year_min=year_min,
            year_max=year_max,
            liked=_union(self.liked, delta.liked, delta.disliked),
            disliked=_union(self.disliked, delta.disliked, delta.liked),
            avoid=_union(self.avoid, delta.avoid, delta.avoid_ok),
            wish=delta.wish or self.wish,
            era_source=(delta.era_source or self.era_source) if (year_min, year_max) != (
                None, None) else "",
        )

    def _years(self, delta: PreferenceDelta) -> tuple[int | None, int | None]:
        """New year bounds: stated ones replace old ones; an old bound that now contradicts
        the new one is dropped ("90s" then "older" keeps no lower bound above the new cap)."""
        year_min = delta.year_min if delta.year_min is not None else self.year_min
        year_max = delta.year_max if delta.year_max is not None else self.year_max
        if year_min is not None and year_max is not None and year_min > year_max:
            if delta.year_min is None:
                year_min = None
            else:
                year_max = None
        return year_min, year_max

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able snapshot stored in the profile (stated likes live in the profile)."""
        return {"genres_in": list(self.genres_in), "genres_out": list(self.genres_out),
                "year_min": self.year_min, "year_max": self.year_max, "text": self.wish,
                "avoid": list(self.avoid), "era_source": self.era_source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Preferences:
        """Restore preferences saved by `to_dict` (missing keys mean no constraint)."""
        c = data or {}

        def names(key: str) -> tuple[str, ...]:
            value = c.get(key) or ()
            return (value,) if isinstance(value, str) else tuple(value)  # one genre, not letters

        def year(key: str) -> int | None:
            return None if c.get(key) is None else int(c[key])

        return cls(genres_in=names("genres_in"), genres_out=names("genres_out"),
                   year_min=year("year_min"), year_max=year("year_max"),
                   avoid=names("avoid"), wish=str(c.get("text") or ""),
                   era_source=str(c.get("era_source") or ""))


@dataclass
class Conversation:
    """What chatrec remembers between turns of one user's chat."""

    preferences: Preferences = field(default_factory=Preferences)
    shown: list[int] = field(default_factory=list)  # on screen now; position = list index + 1
    ranked: dict[int, RankedItem] = field(default_factory=dict)  # evidence of all shown items
    last_question: str | None = None
    focus: int | None = None  # the item "that one" refers to (last explained)
    turns: int = 0
    pending: tuple[int, bool] | None = None  # (item, liked) asked about: "Do you mean X?"
