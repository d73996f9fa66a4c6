"""What the understanding stage hands to the dialogue: a `ParsedMessage`.

`Intent` is the dialogue act a message performs; `PreferenceDelta` is what the message states
about the items wanted. Both are produced here and consumed by `chatrec.dialogue`, which owns
the accumulated state (`chatrec.dialogue.state.Preferences`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from chatrec.understand.reactions import Reaction
from chatrec.understand.titles import TitleMention


class Intent(str, Enum):
    """What a message asks chatrec to do. Members compare and hash equal to their values."""

    RECOMMEND = "recommend"
    REFINE = "refine"
    MORE_LIKE = "more_like"
    LIKE_TITLE = "like_title"
    DISLIKE_TITLE = "dislike_title"
    FEEDBACK_REF = "feedback_ref"
    WHY = "why"
    PROFILE = "profile"
    FORGET = "forget"
    GREETING = "greeting"
    THANKS = "thanks"
    SMALLTALK = "smalltalk"
    HELP = "help"
    UNKNOWN = "unknown"
    INVALID = "invalid"  # the message could not be read at all (empty, too long); never parsed

    __hash__ = str.__hash__  # so {"recommend"} == {Intent.RECOMMEND}

    def __str__(self) -> str:
        return self.value

    @property
    def states_preferences(self) -> bool:
        """Whether the message can change what is wanted (and so leads to new picks)."""
        return self in _STATING

    @property
    def has_targets(self) -> bool:
        """Whether titles in the message are items it asks about or compares with."""
        return self in _STATING or self is Intent.WHY

    @property
    def is_social(self) -> bool:
        """Greetings, thanks, small talk, help and the unknown: answered from a template."""
        return self in _SOCIAL


_STATING = frozenset({Intent.RECOMMEND, Intent.REFINE, Intent.MORE_LIKE, Intent.LIKE_TITLE,
                      Intent.DISLIKE_TITLE, Intent.FEEDBACK_REF})
_SOCIAL = frozenset({Intent.GREETING, Intent.THANKS, Intent.SMALLTALK, Intent.HELP,
                     Intent.UNKNOWN})
INTENTS: tuple[Intent, ...] = tuple(i for i in Intent if i is not Intent.INVALID)  # parseable


@dataclass(frozen=True)
class PreferenceDelta:
    """What one message states. ``genres_ok``/``avoid_ok`` lift earlier exclusions/avoids;
    ``liked``/``disliked`` are item indices named in words; ``wish`` is free descriptive text;
    ``era_source`` says how the year bounds were found ("explicit": "from the 90s", "relative":
    "older"); incidental years (next to a title, a viewing date) never become bounds."""

    genres_in: tuple[str, ...] = ()
    genres_out: tuple[str, ...] = ()
    genres_ok: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    liked: tuple[int, ...] = ()
    disliked: tuple[int, ...] = ()
    avoid: tuple[str, ...] = ()
    avoid_ok: tuple[str, ...] = ()
    wish: str = ""
    era_source: str = ""  # how the year bounds were found: "explicit" or "relative"

    def is_empty(self) -> bool:
        """Whether the message stated no preference at all."""
        return self == PreferenceDelta()


@dataclass(frozen=True)
class ParsedMessage:
    """One user message, understood.

    ``intent`` is an `Intent`. ``refs`` are 1-based positions in the
    last shown list (-1 last, -2 second to last, 0 "that one": the item in focus), with
    ``ref_polarities`` aligned to them and ``ref_liked`` the first of those. ``targets`` are
    item indices the message asks about or compares to ("why Heat?", "more like Fargo").
    ``invalid_refs`` are positions beyond ``shown_count``. ``intent_score`` is 1.0 for a rule,
    else the classifier's cosine. ``reactions`` are its acts on the picks on screen
    (`chatrec.understand.reactions`).
    """

    text: str
    intent: Intent
    delta: PreferenceDelta = field(default_factory=PreferenceDelta)
    refs: tuple[int, ...] = ()
    ref_polarities: tuple[bool | None, ...] = ()
    titles: tuple[TitleMention, ...] = ()
    targets: tuple[int, ...] = ()
    why_not: bool = False
    invalid_refs: tuple[int, ...] = ()
    intent_score: float = 1.0
    reactions: tuple[Reaction, ...] = ()
    seen: tuple[int, ...] = ()  # titles the user has seen, with no verdict: not to suggest

    def __post_init__(self) -> None:
        object.__setattr__(self, "intent", Intent(self.intent))  # a plain string is accepted

    @property
    def ref_liked(self) -> bool | None:
        """Polarity of the first reference: True liked, False disliked, None not said."""
        return self.ref_polarities[0] if self.ref_polarities else None

    @property
    def wish(self) -> str:
        """The free-text wish for the semantic query ("" when none)."""
        return self.delta.wish

    @property
    def ambiguous_titles(self) -> tuple[TitleMention, ...]:
        """Mentions the dialogue should ask about ("which Scarlet Letter: 1926 or 1995?")."""
        return tuple(m for m in self.titles if m.ambiguous)

    @property
    def uncertain_titles(self) -> tuple[TitleMention, ...]:
        """Loose matches the message would store a verdict on: asked about first ("Do you
        mean *Saw (2004)*?"), never stored silently."""
        verdicts = set(self.delta.liked) | set(self.delta.disliked)
        if self.intent is Intent.MORE_LIKE:  # "more like X" stores X as liked
            verdicts |= set(self.targets)
        return tuple(m for m in self.titles if not m.confident and not m.ambiguous
                     and m.matches[0].index in verdicts)

    @property
    def clarify(self) -> bool:
        """Whether the reply should ask which title was meant."""
        return bool(self.ambiguous_titles or self.uncertain_titles)
