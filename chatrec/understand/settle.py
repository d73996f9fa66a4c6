"""The last word on recommend versus refine, once the rules have chosen an intent.

Both lead to new picks; what tells them apart is what is on screen and what the message adds.
With picks on screen a request changes them ("ok now war films", "also add some romance":
refine); with nothing on screen a request that asks for something of its own ("gangster
stuff, the older the better") is a new recommendation, while a bare change ("no horror",
"give me 4", "any era is fine") still refines.
"""

from __future__ import annotations

from chatrec.understand.message import Intent
from chatrec.understand.roles import Found

# Intents a count or a dropped constraint turns into "refine": they ask for nothing else.
_PLAIN = frozenset({Intent.RECOMMEND, Intent.UNKNOWN, Intent.SMALLTALK, Intent.HELP,
                    Intent.OFF_TOPIC, Intent.GREETING, Intent.LIKE_TITLE, Intent.DISLIKE_TITLE})
_PICKS = frozenset({Intent.RECOMMEND, Intent.REFINE})


def settle(intent: Intent, found: Found, on_screen: bool, changes: bool = False,
           request: bool = False) -> Intent:
    """The intent after counts, drops and the screen have had their say: "any era is fine",
    "give me 4" refine; a request with picks ``on_screen`` refines them; a refinement with
    nothing on screen that asks for genres, years or titles is a recommendation unless its
    words change an earlier ask (``changes``: "only comedies", "older ones"), and one that
    only excludes ("anything apart from comedy") stays a refinement unless it is phrased as a
    ``request`` ("what should i watch, nothing scary")."""
    if found.drop.kinds and intent in _PLAIN | {Intent.FORGET}:
        return Intent.REFINE
    new = asks_anew(found)
    if found.count.value is not None and intent in _PLAIN and not (new or found.wish):
        return Intent.REFINE
    if intent not in _PICKS:
        return intent
    if on_screen:
        return Intent.REFINE
    if intent is Intent.REFINE and new and not changes:
        return Intent.RECOMMEND
    g = found.genres
    if intent is Intent.RECOMMEND and not new and not request and (
            g.genres_out or found.years.excluding):
        return Intent.REFINE
    return intent


def asks_anew(found: Found) -> bool:
    """Whether a message asks for something of its own: genres, an era it does not only
    exclude ("nothing before 1975" excludes), or titles it judges."""
    g, y, roles = found.genres, found.years, found.roles
    years = bool(y.year_min or y.year_max) and not y.excluding
    return bool(g.genres_in or years or roles.liked or roles.disliked)
