"""What the extractors found in one message, and the role each title mention plays in it
(liked, disliked, compared with, asked about, seen): the slots `Parser` turns into a
`ParsedMessage` and its `PreferenceDelta`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from chatrec.understand.chat_acts import Drop
from chatrec.understand.counts import CountSlot
from chatrec.understand.genres import GenreSlots
from chatrec.understand.intents import Signals
from chatrec.understand.lexicon import CLAUSE_BREAKS, Token
from chatrec.understand.message import PreferenceDelta
from chatrec.understand.polarity import like_is_comparison
from chatrec.understand.reactions import ActReader, Reaction
from chatrec.understand.titles import WHOLE_MESSAGE, TitleMention
from chatrec.understand.years import YearSlots

# Cues that compare with a title rather than judge it ("more like Heat", "better than Fargo").
_SIMILAR_CUES = frozenset({"similar to", "same as", "vein of", "style of", "lines of", "me of",
                           "than", "compared to", "close to", "kind of", "good as", "unlike",
                           "vs", "versus"})
# Comparatives before "than" that judge the title said first ("X is better than Y").
COMPARED = frozenset({"better", "worse", "funnier", "scarier", "sadder", "weaker", "stronger"})
_SUBJECT_CUES = frozenset({"why", "about", "recommend", "recommended", "picked", "chose",
                           "suggested", "included", "include", "suggest", "pick", "choose"})
_SIMILAR_RE = re.compile(r"\b(similar|in the vein of|along the lines of|same vibe|in the style of|"
                         r"reminiscent of|more of (that|those|this|these|the same))\b")


@dataclass
class TitleRoles:
    """Item indices by the role their mention plays in the message."""

    liked: list[int] = field(default_factory=list)
    disliked: list[int] = field(default_factory=list)
    similar: list[int] = field(default_factory=list)
    subject: list[int] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)  # "I've seen Heat already": not again


def preference_delta(found: Found, roles: TitleRoles, wish: str) -> PreferenceDelta:
    """The preference change a message states, from what the extractors found."""
    g, y = found.genres, found.years
    return PreferenceDelta(
        genres_in=tuple(g.genres_in), genres_out=tuple(g.genres_out),
        genres_ok=tuple(g.genres_ok), year_min=y.year_min, year_max=y.year_max,
        liked=tuple(roles.liked), disliked=tuple(roles.disliked), avoid=tuple(g.avoid),
        avoid_ok=tuple(g.avoid_ok), wish=wish, era_source=y.source)


@dataclass
class Found:
    """Everything the extractors read from one message, before the intent is decided."""

    mentions: tuple[TitleMention, ...]
    genres: GenreSlots
    years: YearSlots
    refs: list[tuple[int, int]]
    polarity: list[bool | None]
    roles: TitleRoles
    wish: str
    similar: bool
    reactions: tuple[Reaction, ...] = ()
    drop: Drop = field(default_factory=Drop)
    count: CountSlot = field(default_factory=CountSlot)
    named: tuple[int, ...] = ()  # shown picks named by (part of) their title ("crumb?")

    def ref_polarity(self, ref: int, token: int) -> bool | None:
        """The verdict on a referenced pick: its reaction's, else its clause's."""
        for reaction in self.reactions:
            if reaction.ref == ref:
                return reaction.positive
        return self.polarity[token] if token >= 0 else None

    def signals(self) -> Signals:
        """The summary the intent rules read."""
        g, y = self.genres, self.years
        return Signals(liked=bool(self.roles.liked), disliked=bool(self.roles.disliked),
                       similar=self.similar, refs=bool(self.refs), genres=bool(g.genres_in),
                       wish=bool(self.wish), years=bool(y.year_min or y.year_max),
                       exclusions=bool(g.genres_out or g.genres_ok),
                       soft=bool(g.avoid or g.avoid_ok))


def title_roles(tokens: list[Token], mentions: tuple[TitleMention, ...],
                 polarity: list[bool | None], acts: ActReader) -> TitleRoles:
    """Sort mentions into liked / disliked / compared-with / asked-about by cue and clause;
    a title the user has not seen ("never saw Alien") gets no verdict, whatever the words."""
    roles, previous = TitleRoles(), None
    for mention in mentions:
        first = next(i for i, t in enumerate(tokens) if t.start >= mention.span[0])
        role = _role(mention.cue, tokens, first, polarity[first])
        clause = _clause(tokens, first)
        if role in {"liked", "disliked"} and acts.has("not_seen", clause):
            role = "subject"
        elif role == "subject" and acts.has_seen(clause) and not acts.has("not_seen", clause):
            role = "seen"  # seen, no verdict: never suggested again, no like or dislike
        if mention.cue == "and" and previous:
            role = previous  # "loved Heat and Fargo": a listed title shares the first one's role
        if role == "similar" and previous and _yardstick(mention.cue, tokens, first):
            continue  # "aliens is way better than alien": the verdict is on Aliens alone
        if role == "subject" and not mention.confident:
            continue  # a loose match nobody judges or asks about is left out, not guessed
        getattr(roles, role).append(mention.matches[0].index)
        previous = role
    return roles


def _yardstick(cue: str, tokens: list[Token], first: int) -> bool:
    """Whether a title after "than" is what a judged title is measured against ("better than
    alien", "worse than the original")."""
    return cue == "than" and first >= 2 and tokens[first - 2].lower in COMPARED


def unambiguous(roles: TitleRoles, mentions: tuple[TitleMention, ...]) -> TitleRoles:
    """The roles without titles the user must first say which of ("i liked star trek"): no
    verdict is stored on a guess."""
    unsure = {m.matches[0].index for m in mentions if m.ambiguous}
    if not unsure:
        return roles
    return replace(roles, liked=[i for i in roles.liked if i not in unsure],
                   disliked=[i for i in roles.disliked if i not in unsure])


def _clause(tokens: list[Token], k: int) -> str:
    """The normalised words of the clause around ``tokens[k]``."""
    lo, hi = k, k
    while lo > 0 and tokens[lo - 1].lower not in CLAUSE_BREAKS:
        lo -= 1
    while hi + 1 < len(tokens) and tokens[hi + 1].lower not in CLAUSE_BREAKS:
        hi += 1
    return " ".join(t.lower for t in tokens[lo:hi + 1])


def _role(cue: str, tokens: list[Token], first: int, polarity: bool | None) -> str:
    """The role of one mention: "similar", "subject", "liked" or "disliked"."""
    cue_at = first - 1 if first > 0 and tokens[first - 1].lower == cue else None
    if cue == WHOLE_MESSAGE:
        return "similar"  # "Casablanca" alone: more like it
    if cue in _SIMILAR_CUES or (cue == "like" and cue_at is not None
                                and like_is_comparison(tokens, cue_at)):
        return "similar"
    if cue in _SUBJECT_CUES or polarity is None:
        return "subject"
    return "liked" if polarity else "disliked"


def similar_phrase(text: str, tokens: list[Token]) -> bool:
    """"similar ones", "in the vein of", or a comparing "like" before that/it/a reference."""
    if _SIMILAR_RE.search(text.lower()):
        return True
    return any(t.lower == "like" and like_is_comparison(tokens, i) and i + 1 < len(tokens)
               and tokens[i + 1].lower in {"that", "this", "those", "these", "it", "#", "the"}
               for i, t in enumerate(tokens))


def wish_text(tokens: list[Token], skip: set[int], not_wish: frozenset[str]) -> str:
    """The descriptive words left once titles, bounds, exclusions and filler are taken out."""
    segments, current = [], []
    for i, token in enumerate(tokens):
        if i in skip or not token.is_word:
            segments.append(current)
            current = []
        else:
            current.append(token)
    segments.append(current)
    parts = []
    for seg in segments:
        while seg and seg[0].lower in not_wish:
            seg = seg[1:]
        while seg and seg[-1].lower in not_wish:
            seg = seg[:-1]
        if seg:
            parts.append(" ".join(t.text for t in seg))
    return ", ".join(parts)
