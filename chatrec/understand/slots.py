"""Slot extraction from a tokenised message: genres with negation scope, soft avoids, references
to shown items, and clause polarity. Time expressions live in ``chatrec.understand.years``.

Every extractor skips tokens already claimed by a title mention (``mask``), so "Star Wars" never
yields the War genre, and reports the tokens it used so the rest can become the free-text wish.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatrec.understand.lexicon import (
    ALLOW_WORDS,
    AVOID_WORDS,
    CLAUSE_BREAKS,
    COMPARATIVES,
    FLIPPERS,
    GENRE_WORDS,
    NEGATIVE_BIGRAMS,
    NEGATIVE_EMOJI,
    NEGATIVE_WORDS,
    NEGATOR_PHRASES,
    NEGATORS,
    NUMBER_WORDS,
    ORDINALS,
    POSITIVE_EMOJI,
    POSITIVE_WORDS,
    REF_NOUNS,
    SCOPE_BREAKERS,
    SOFTENERS,
    Token,
    as_phrases,
    phrase_at,
)

_GENRE_PHRASES = as_phrases(GENRE_WORDS)
_AVOID_PHRASES = as_phrases(AVOID_WORDS)
_ALLOW_BEFORE = as_phrases(dict.fromkeys(
    ["don't mind", "dont mind", "do not mind", "ok with", "okay with", "fine with",
     "open to", "happy with", "cool with"], True))
_SENTIMENT_LIKE_BEFORE = frozenset({"i", "we", "really", "also", "totally", "did", "do", "didn't",
                                    "don't", "dont", "didnt", "actually", "kinda", "both",
                                    "genuinely", "definitely", "you", "they", "still", "not"})
_REF_PREFIXES = frozenset({"#", "number", "nr", "option", "item", "choice", "pick", "movie",
                           "film", "suggestion", "rec", "no"})
_DETERMINERS = frozenset({"the", "that", "this", "your", "ur", "those", "these"})
NEGATION_WINDOW = 6


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


def negated_at(tokens: list[Token], i: int) -> str | None:
    """The negator whose scope covers ``tokens[i]`` ("no", "anything but", ...), else None."""
    j, seen = i - 1, 0
    while j >= 0 and seen < NEGATION_WINDOW:
        low = tokens[j].lower
        for start in (j - 1, j - 2, j - 3):
            length = phrase_at([t.lower for t in tokens], start, NEGATOR_PHRASES) \
                if start >= 0 else 0
            if length and start + length - 1 == j:
                return " ".join(t.lower for t in tokens[start:j + 1])
        if low in NEGATORS:
            return low
        if low in CLAUSE_BREAKS or low in SCOPE_BREAKERS:
            return None
        j, seen = j - 1, seen + 1
    return None


def _after_says(tokens: list[Token], end: int) -> str:
    """"ok" for "horror is fine", "no" for "horror is not my thing"/"westerns are boring"."""
    nxt = [t.lower for t in tokens[end:end + 4]]
    if nxt[:1] and nxt[0] in {"is", "are", "would", "'s", "seems", "sounds"}:
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


def extract_genres(tokens: list[Token], mask: set[int], genre_names: tuple[str, ...]
                   ) -> GenreSlots:
    """Genres asked for, excluded or allowed again, plus soft avoids, from one message."""
    slots, words, i = GenreSlots(), [t.lower for t in tokens], 0
    while i < len(tokens):
        length = 0 if i in mask else phrase_at(words, i, _GENRE_PHRASES)
        avoid_len = 0 if i in mask or length else phrase_at(words, i, _AVOID_PHRASES)
        if length:
            genres = tuple(g for g in GENRE_WORDS[" ".join(words[i:i + length])]
                           if g in genre_names)
            _place(slots, tokens, i, i + length, genres, "")
        elif avoid_len:
            avoid = AVOID_WORDS[" ".join(words[i:i + avoid_len])]
            _place(slots, tokens, i, i + avoid_len, (), avoid)
        elif words[i] in COMPARATIVES and i not in mask:
            add, lift = COMPARATIVES[words[i]]
            slots.add(slots.avoid, [add] if add else [])
            slots.add(slots.avoid_ok, [lift] if lift else [])
            slots.used.add(i)
        i += max(1, length, avoid_len)
    return slots


def _place(slots: GenreSlots, tokens: list[Token], i: int, end: int,
           genres: tuple[str, ...], avoid: str) -> None:
    """File a genre (or soft-avoid) phrase at ``tokens[i:end]`` by its negation and context."""
    negator = negated_at(tokens, i)
    after = _after_says(tokens, end)
    before = tokens[i - 1].lower if i > 0 else ""
    soft = negator == "less" or (negator is not None and before in SOFTENERS) \
        or before in {"too", "overly"}
    slots.used.update(range(i, end))
    if _describes_someone(tokens, i):
        return  # "you're funny", "that was hilarious": a remark, not a request
    if after == "ok" or _allowed_before(tokens, i):
        slots.add(slots.genres_ok, genres)
        slots.add(slots.avoid_ok, [avoid])
    elif avoid and (negator or before in {"too", "less", "overly"} or after == "no"):
        slots.add(slots.avoid, [avoid])
    elif soft:
        slots.add(slots.avoid, [avoid or tokens[i].lower])
    elif negator or after == "no":
        slots.add(slots.genres_out, genres)
        slots.negated.update(range(i, end))
    elif before == "more" and avoid:
        slots.add(slots.avoid_ok, [avoid])
    else:
        slots.add(slots.genres_in, genres)
        slots.positive.update(range(i, end))  # "something dark" or "a mystery": in the wish


def _describes_someone(tokens: list[Token], i: int) -> bool:
    """Whether the word at ``i`` follows "you're", "that was", "it's" and so describes that."""
    before = tuple(t.lower for t in tokens[max(0, i - 2):i])
    return bool(before) and (before[-1] in {"you're", "youre", "ur", "that's", "thats", "it's"}
                             or before in {("you", "are"), ("that", "was"), ("it", "was")})


def extract_refs(tokens: list[Token], mask: set[int]) -> tuple[list[tuple[int, int]], set[int]]:
    """Shown items the message points at, as (position, token index) pairs, and tokens used.

    Positions are 1-based; -1 is the last item (-2 the one before), 0 is "that one".
    """
    refs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i in range(len(tokens)):
        if i in mask or i in used:
            continue
        found = _ref_at(tokens, i, bool(refs))
        if found:
            positions, span = found
            refs.extend((p, i) for p in positions if p not in {r for r, _ in refs})
            used.update(span)
    if not refs:
        return _focus_ref(tokens, mask)
    return refs, used


def _ref_at(tokens: list[Token], i: int, after_ref: bool
            ) -> tuple[list[int], range] | None:
    """A reference at ``tokens[i]``: "#3", "number 2", "the second one", "the first two"."""
    low = tokens[i].lower
    nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
    prev = tokens[i - 1].lower if i > 0 else ""
    if low in _REF_PREFIXES and i + 1 < len(tokens):
        k = i + 2 if nxt == "." and low == "no" and i + 2 < len(tokens) else i + 1
        if tokens[k].lower.isdigit() and 0 < int(tokens[k].lower) <= 20 and (
                low != "no" or k == i + 2):
            return [int(tokens[k].lower)], range(i, k + 1)
    if low not in ORDINALS:
        return None
    listed = after_ref and prev in {"and", "or", ","}
    if not (prev in _DETERMINERS or nxt in REF_NOUNS or listed):
        return None
    if nxt in NUMBER_WORDS and nxt != "one":  # "the first two", "the last three"
        count = NUMBER_WORDS[nxt]
        first = ORDINALS[low]
        positions = list(range(1, count + 1)) if first > 0 else list(range(-count, 0))
        return positions, range(i, i + 2)
    if nxt and tokens[i + 1].is_word and nxt not in REF_NOUNS | {"and", "or", "but", "was",
                                                                  "is", "too", "sounds", "looks"}:
        return None  # "the first time", "last night"
    return [ORDINALS[low]], range(i, i + 2 if nxt in REF_NOUNS else i + 1)


def _focus_ref(tokens: list[Token], mask: set[int]) -> tuple[list[tuple[int, int]], set[int]]:
    """ "that one" / "this movie" -> position 0: the item in focus, resolved by the dialogue."""
    for i in range(len(tokens) - 1):
        if i not in mask and tokens[i].lower in {"that", "this"} \
                and tokens[i + 1].lower in {"one", "movie", "film"}:
            return [(0, i)], {i, i + 1}
    return [], set()


def clause_polarities(tokens: list[Token], skip: set[int]) -> list[bool | None]:
    """Sentiment of the clause each token belongs to: True liked, False disliked, None unknown.

    A clause without sentiment inherits the previous one, and a bare "not"/"except" clause
    flips it: "I loved Heat and Fargo but not Alien" -> Alien disliked.
    """
    bounds = [i for i, t in enumerate(tokens)
              if t.lower in CLAUSE_BREAKS and i not in skip] + [len(tokens)]
    starts = [0] + [b + 1 for b in bounds[:-1]]
    clauses = [range(start, end + 1) for start, end in zip(starts, bounds, strict=True)]
    values: list[bool | None] = []
    for clause in clauses:
        polarity = _sentiment(tokens, clause, skip)
        previous = next((v for v in reversed(values) if v is not None), None)
        if polarity is None and any(tokens[k].lower in {"not", "except", "no", "nope"}
                                    for k in clause if k < len(tokens)):
            polarity = previous is False
        values.append(polarity if polarity is not None else previous)
    for n in range(len(values) - 1):  # "seen Heat, loved it": "it" carries the verdict back
        later = [k for k in clauses[n + 1] if k < len(tokens)]
        refers = {"it", "that"} & {tokens[k].lower for k in later}
        if values[n] is None and (refers or _bare_verdict(tokens, clauses[n], later, skip)):
            values[n] = values[n + 1]
    return [v for clause, v in zip(clauses, values, strict=True) for k in clause if k < len(tokens)]


def _bare_verdict(tokens: list[Token], clause: range, later: list[int], skip: set[int]) -> bool:
    """"Jaws (1975)? a classic": a clause that only names something (all of it skipped) and a
    next clause that names nothing else, so its verdict can only be about the first."""
    named = [k for k in clause if k < len(tokens) and tokens[k].is_word]
    return bool(named) and all(k in skip for k in named) and not any(k in skip for k in later)


def _sentiment(tokens: list[Token], clause: range, skip: set[int]) -> bool | None:
    """The polarity of the first sentiment word or emoji in a clause, after negation."""
    for k in clause:
        if k >= len(tokens) or k in skip:
            continue
        low = tokens[k].lower
        prev = tokens[k - 1].lower if k > 0 else ""
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if (prev, low) in NEGATIVE_BIGRAMS or (low == "too" and nxt is not None and nxt.is_word):
            return False  # "couldn't stand it", "too long"
        positive = low in POSITIVE_WORDS or any(ch in POSITIVE_EMOJI for ch in low)
        negative = low in NEGATIVE_WORDS or any(ch in NEGATIVE_EMOJI for ch in low)
        if low == "like" and like_is_comparison(tokens, k):
            continue  # "something like Heat" compares, it does not praise
        if positive or negative:
            flipped = any(tokens[j].lower in FLIPPERS for j in range(max(clause.start, k - 3), k))
            return positive != flipped
    return None


def like_is_comparison(tokens: list[Token], i: int) -> bool:
    """Whether the "like" at ``tokens[i]`` compares ("movies like X") rather than praises."""
    return i == 0 or tokens[i - 1].lower not in _SENTIMENT_LIKE_BEFORE
