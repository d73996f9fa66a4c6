"""Genres and soft avoids from a tokenised message, with negation scope.

"no horror but something funny", "anything but comedy", "horror is fine", "not too violent",
"lighter". Genre words come from the catalog's `Lexicon` (its own genre names and the slang
that applies to them). Tokens claimed by a title mention (``mask``) are skipped, so "Star Wars"
never yields the War genre; the tokens read are reported so the rest can become the wish.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatrec.understand.lexicon import (
    ALLOW_WORDS,
    AVOID_WORDS,
    CLAUSE_BREAKS,
    COMPARATIVES,
    NEGATIVE_WORDS,
    SOFTENERS,
    VERDICT_VERBS,
    Lexicon,
    Token,
    as_phrases,
    phrase_at,
    verb_at,
)
from chatrec.understand.polarity import negated_at

_AVOID_PHRASES = as_phrases(AVOID_WORDS)
_LIST_WORDS = frozenset({"and", "or", "nor", ",", "&", "/"})
VERDICT_REACH = 6  # words between a title's verdict verb and a word that describes the title
_ALLOW_BEFORE = as_phrases(dict.fromkeys(
    ["don't mind", "dont mind", "do not mind", "ok with", "okay with", "fine with",
     "open to", "happy with", "cool with"], True))


@dataclass
class GenreSlots:
    """Genres and soft avoids stated in one message; ``used`` holds the token positions read."""

    genres_in: list[str] = field(default_factory=list)
    genres_out: list[str] = field(default_factory=list)
    genres_ok: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    avoid_ok: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    negated: set[int] = field(default_factory=set)
    positive: set[int] = field(default_factory=set)  # genre words asked for, kept in the wish

    def add(self, bucket: list[str], values: tuple[str, ...] | list[str]) -> None:
        """Append values to one of the lists, keeping order and uniqueness."""
        bucket.extend(v for v in values if v and v not in bucket)


def extract_genres(tokens: list[Token], mask: set[int], lexicon: Lexicon) -> GenreSlots:
    """Genres asked for, excluded or allowed again, plus soft avoids, from one message; a
    genre listed right after an excluded one is excluded too ("no action and sci fi")."""
    slots, i = GenreSlots(), 0
    words = [t.lower if k in mask else lexicon.genre_spelling(t.lower)
             for k, t in enumerate(tokens)]  # "recomend a good thriler"
    excluded_to = -1  # where the last excluded genre or avoid phrase ended
    while i < len(tokens):
        length = 0 if i in mask else lexicon.genre_at(words, i)
        avoid_len = 0 if i in mask or length else phrase_at(words, i, _AVOID_PHRASES)
        listed = excluded_to >= 0 and _listed(words[excluded_to:i])
        if (length or avoid_len) and describes_title(tokens, i, mask):
            pass  # "the big lebowsky is hilarious": the words judge the title, left to polarity
        elif length:
            genres = lexicon.genre_phrases[tuple(words[i:i + length])]
            if _place(slots, tokens, i, i + length, genres, "", listed):
                excluded_to = i + length
        elif avoid_len:
            avoid = AVOID_WORDS[" ".join(words[i:i + avoid_len])]
            if _place(slots, tokens, i, i + avoid_len, (), avoid, listed):
                excluded_to = i + avoid_len
        elif words[i] in COMPARATIVES and i not in mask:
            add, lift = COMPARATIVES[words[i]]
            slots.add(slots.avoid, [add] if add else [])
            slots.add(slots.avoid_ok, [lift] if lift else [])
            slots.used.add(i)
        i += max(1, length, avoid_len)
    return slots


def _listed(between: list[str]) -> bool:
    """Whether only a list separator stands between two phrases ("and", "or", a comma)."""
    return 1 <= len(between) <= 2 and all(w in _LIST_WORDS for w in between)


def _place(slots: GenreSlots, tokens: list[Token], i: int, end: int,
           genres: tuple[str, ...], avoid: str, listed: bool = False) -> bool:
    """File a genre (or soft-avoid) phrase at ``tokens[i:end]`` by its negation and context
    (``listed``: it follows an excluded phrase in a list); True when it was excluded."""
    negator = negated_at(tokens, i) or ("and" if listed else None)
    after = _after_says(tokens, end)
    before = tokens[i - 1].lower if i > 0 else ""
    soft = negator == "less" or (negator is not None and before in SOFTENERS) \
        or before in {"too", "overly"}
    slots.used.update(range(i, end))
    if _describes_someone(tokens, i):
        return False  # "you're funny", "that was hilarious": a remark, not a request
    if after == "ok" or _allowed_before(tokens, i):
        slots.add(slots.genres_ok, genres)
        slots.add(slots.avoid_ok, [avoid])
    elif avoid and (negator or before in {"too", "less", "overly"} or after == "no"):
        slots.add(slots.avoid, [avoid])
        return True
    elif soft:
        slots.add(slots.avoid, [avoid or tokens[i].lower])
    elif negator or after == "no":
        slots.add(slots.genres_out, genres)
        slots.negated.update(range(i, end))
        return True
    elif before == "more" and avoid:
        slots.add(slots.avoid_ok, [avoid])
    else:
        slots.add(slots.genres_in, genres)
        slots.positive.update(range(i, end))  # "something dark" or "a mystery": in the wish
    return False


def describes_title(tokens: list[Token], i: int, titles: set[int]) -> bool:
    """Whether ``tokens[i]`` sits in a verdict on a title (positions ``titles``) said just
    before it in the same clause: "Austin Powers wasn't funny", "Fools Rush In is a cute romcom",
    "dumb and dumber made me laugh"."""
    j = i - 1
    while j >= 0 and j not in titles and i - j <= VERDICT_REACH:
        if tokens[j].lower in CLAUSE_BREAKS:
            return False
        j -= 1
    verb = verb_at(tokens, j + 1)  # "mrs doubtfire always makes me laugh"
    return j >= 0 and j in titles and verb < i and tokens[verb].lower in VERDICT_VERBS


def _after_says(tokens: list[Token], end: int) -> str:
    """"ok" for "horror is fine", "no" for "horror is not my thing"/"westerns are boring"."""
    nxt = [t.lower for t in tokens[end:end + 4]]
    if nxt[:1] and nxt[0] in {"is", "are", "would", "'s", "seems", "sounds"}:
        nxt = nxt[1:]
        if nxt[:1] == ["a"]:  # "musicals are a no from me"
            nxt = nxt[1:]
    elif not nxt or nxt[0] not in {"isn't", "aren't", "not", "no", "ok", "okay", "fine"}:
        return ""
    if nxt and nxt[0] in ALLOW_WORDS | {"be"} and "not" not in nxt[:2]:
        return "ok"
    if nxt and (nxt[0] in {"not", "isn't", "aren't", "no"} or nxt[0] in NEGATIVE_WORDS):
        return "no"
    return ""


def _allowed_before(tokens: list[Token], i: int) -> bool:
    """Whether "don't mind" / "ok with" / "open to" comes right before position ``i``."""
    words = [t.lower for t in tokens]
    return any(phrase_at(words, i - n, _ALLOW_BEFORE) == n for n in (2, 3) if i - n >= 0)


def _describes_someone(tokens: list[Token], i: int) -> bool:
    """Whether the word at ``i`` follows "you're", "that was", "it's" and so describes that."""
    before = tuple(t.lower for t in tokens[max(0, i - 2):i])
    return bool(before) and (before[-1] in {"you're", "youre", "ur", "that's", "thats", "it's"}
                             or before in {("you", "are"), ("that", "was"), ("it", "was")})
