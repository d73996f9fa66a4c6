"""Release-year constraints from a message: decades, years, ranges and relative words.

"the 90s", "early 80s", "1980s", "'70s", "the eighties", "between 1980 and 1990",
"from the 60s to the 80s", "after 2000", "before the 90s", "nothing older than 1990",
"older"/"classic" and "recent"/"newer" (relative to the catalog's newest year).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from chatrec.understand.lexicon import (
    AGE_NOUNS,
    EXPERIENCE_VERBS,
    OLD_SPAN,
    OLD_WORDS,
    RECENT_SPAN,
    RECENT_WORDS,
    Lexicon,
    Token,
)
from chatrec.understand.polarity import negated_at

_DECADE_WORDS = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950,
                 "sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990}
_POINT = (r"(?:(?:early|mid|late)[\s-]*)?(?:the\s+)?(?:(?:1\d|20)\d0\s?'?s|'?\d0\s?'?s|"
          + "|".join(_DECADE_WORDS) + r"|(?:19|20)\d\d|'\d\d)\b")
_NEG = r"(?P<neg>\b(?:nothing|not|no|none)\s+(?:\w+\s+)?)?"
_PATTERNS = [  # (kind, regex); the first that matches a stretch of text claims it
    ("range", re.compile(rf"\b(?:between|from)\s+(?P<a>{_POINT})\s*(?:and|to|till|until|"
                         rf"through|-|–)\s*(?P<b>{_POINT})")),
    ("range", re.compile(rf"(?P<a>{_POINT})\s*(?:-|–|to|through)\s*(?P<b>{_POINT})")),
    ("range", re.compile(rf"(?P<a>{_POINT})\s*,?\s*(?:or|and|/)\s*(?P<b>{_POINT})")),
    ("min_lo", re.compile(rf"{_NEG}\bfrom\s+(?P<a>{_POINT})\s*(?:on|onwards?|forward|and later|"
                          rf"or later|and up|\+)")),
    # "nothing from the 50s or earlier" flips its side like "nothing before 1960"
    ("min_lo", re.compile(rf"{_NEG}(?P<a>{_POINT})\s*(?:or|and)\s+(?:later|newer|up|after)")),
    ("max_hi", re.compile(rf"{_NEG}(?P<a>{_POINT})\s*(?:or|and)\s+(?:earlier|older|before)")),
    ("min_lo", re.compile(rf"{_NEG}\b(?:since)\s+(?P<a>{_POINT})")),
    ("min_next", re.compile(rf"{_NEG}\b(?:after|post|newer than|later than|more recent than)"
                            rf"\s*-?\s*(?P<a>{_POINT})")),
    ("max_prev", re.compile(rf"{_NEG}\b(?:before|pre|older than|earlier than|prior to)"
                            rf"\s*-?\s*(?P<a>{_POINT})")),
    ("max_hi", re.compile(rf"{_NEG}\b(?:until|till|up to|up until|through)\s+(?P<a>{_POINT})")),
    ("point", re.compile(rf"(?:\b(?:from|in|of)\s+)?(?P<a>{_POINT})")),
    ("calendar", re.compile(r"\b(?:from\s+|of\s+)?(?P<a>last|this|past)\s+year\b")),
]
# Before a year, these say it is when something happened to the user, not an era asked for:
# "saw it in 1989", "back when I was 20", "born in 1975", an age ("they're in their 60s").
# (within one clause: "casablanca seen. any musicals from the 50s?" and "mib seen, got anything
# from the 80s" ask for the decade)
_INCIDENTAL_BEFORE = re.compile(r"\b(saw|seen|watched|read|born|since i|when i|"
                                r"age|aged|i'm|im|turned|in (their|his|her|my|our|your))"
                                r"[^\w.!?;,]+(?:\w+[^\w.!?;,]+){0,2}$")
# A single year (not a decade) further after a viewing is when it was seen: "watched it in music
# class in 2003", "my aunt walked out of it in 1996" ("watched a lot of 90s stuff" asks).
_VIEWED_BEFORE = re.compile(r"\b(saw|seen|watched|walked out|went to see|rewatched)"
                            r"[^\w.!?;,]+(?:\w+[^\w.!?;,]+){0,5}$")
# Before a year, these say it is the one not wanted: "mid 80s instead of 90s".
_REPLACED_BEFORE = re.compile(r"\b(instead of|rather than|not)\s+(the\s+)?$")
# Relative words only read as time before a noun ("old movies", "new releases": the lexicon's
# time nouns), since "something new" or "a classic" rarely mean a year range.
_ALWAYS_TIME = frozenset({"older", "newer", "recent", "latest", "newest", "modern", "classics",
                          "oldies", "vintage", "retro", "recently", "contemporary"})


@dataclass
class YearSlots:
    """Year bounds stated in a message; ``used`` holds the token positions read."""

    year_min: int | None = None
    year_max: int | None = None
    used: set[int] = field(default_factory=set)
    source: str = ""  # how the bounds were found: "explicit" ("from the 90s"), "relative"
    # ("older", "recent"); incidental years (next to a title, a viewing date) set no bound
    excluding: bool = False  # the bounds only exclude: "nothing before 1975", "nothing too old"


def point_bounds(text: str) -> tuple[int, int]:
    """First and last year of "1995", "the 90s", "early 80s", "the eighties", "2000s"."""
    text = text.lower().replace("the ", "").replace("'", "").replace(" ", "")
    modifier = next((m for m in ("early", "mid", "late") if text.startswith(m)), "")
    text = text[len(modifier):].lstrip("-")
    if text in _DECADE_WORDS:
        lo = _DECADE_WORDS[text]
    elif len(text) == 4 and text.isdecimal():
        return int(text), int(text)
    elif len(text) == 5 and text[:2] not in {"19", "20"} and text.endswith("00s"):
        lo = int(text[:4])  # "the 1600s": a century
        return lo, lo + 99
    elif len(text) == 2 and text.isdecimal():  # "'77"
        year = (1900 if int(text) >= 20 else 2000) + int(text)
        return year, year
    else:
        digits = text.rstrip("s")
        century = 1900 if int(digits) >= 20 else 2000  # "10s" and "00s" are this century's
        lo = int(digits) if len(digits) == 4 else century + int(digits)
    spans = {"early": (0, 3), "mid": (4, 6), "late": (7, 9), "": (0, 9)}[modifier]
    return lo + spans[0], lo + spans[1]


def extract_years(text: str, tokens: list[Token], mask: set[int], lexicon: Lexicon,
                  titles: set[int] | None = None) -> YearSlots:
    """Year bounds from explicit expressions, then from relative words ("older", "recent");
    ``titles`` are the token positions of title mentions (part of ``mask``), next to which a
    year is incidental."""
    slots = YearSlots()
    masked = _mask_text(text, tokens, mask)
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for found in pattern.finditer(masked):
            if any(found.start() < e and s < found.end() for s, e in taken):
                continue
            taken.append(found.span())
            span = [i for i, t in enumerate(tokens)
                    if t.start >= found.start() and t.end <= found.end()]
            slots.used.update(span)
            if kind == "point" and (_incidental(masked, found, span,
                                                mask if titles is None else titles)
                                    or _REPLACED_BEFORE.search(masked[:found.start("a")])):
                continue  # "the 1941 maltese falcon", "heat from 1995", "instead of 90s"
            _apply(slots, kind, found)
            slots.source = "explicit"
    before = (slots.year_min, slots.year_max)
    _relative_words(slots, tokens, mask | slots.used, lexicon)
    if not slots.source and (slots.year_min, slots.year_max) != before:
        slots.source = "relative"
    _claim_verbs(slots, tokens, mask, lexicon)
    return slots


def _incidental(masked: str, found: re.Match[str], span: list[int], mask: set[int]) -> bool:
    """Whether a single year or decade is incidental: right next to a title mention, or a
    date in the user's life ("when I saw it in 1989"). Decades asked for ("from the 90s")
    and ranges are never incidental."""
    if not span:
        return False
    before, after = span[0] - 1, span[-1] + 1
    next_to_title = before in mask or after in mask
    if next_to_title and not found.group("a").rstrip().endswith("s"):
        return True
    head = masked[:found.start()]
    single = not found.group("a").rstrip().endswith("s")
    return bool(_INCIDENTAL_BEFORE.search(head) or (single and _VIEWED_BEFORE.search(head)))


def _claim_verbs(slots: YearSlots, tokens: list[Token], mask: set[int], lexicon: Lexicon
                 ) -> None:
    """Add the verbs right before each time expression ("made in the 80s") to ``used``, so
    they do not leak into the free-text wish."""
    for i in sorted(slots.used):
        k = i - 1
        while k >= 0 and k not in slots.used and k not in mask \
                and tokens[k].lower in lexicon.time_verbs:
            slots.used.add(k)
            k -= 1


def _apply(slots: YearSlots, kind: str, found: re.Match[str]) -> None:
    """Turn one matched expression into bounds; a leading "nothing"/"not" flips its side."""
    if kind == "calendar":  # "last year", "this year": the real calendar's
        year = datetime.date.today().year - (found.group("a") != "this")
        slots.year_min, slots.year_max = year, year
        return
    lo, hi = point_bounds(found.group("a"))
    if kind == "range":
        slots.year_min, slots.year_max = lo, point_bounds(found.group("b"))[1]
        return
    negated = bool(found.groupdict().get("neg"))
    if kind == "point":
        slots.year_min, slots.year_max = lo, hi
    elif kind in {"min_lo", "min_next"} and not negated:
        slots.year_min = lo if kind == "min_lo" else hi + 1
    elif kind in {"max_prev", "max_hi"} and not negated:
        slots.year_max = lo - 1 if kind == "max_prev" else hi
    elif kind in {"min_lo", "min_next"}:  # "nothing after 2000"
        slots.excluding = True
        slots.year_max = lo - 1 if kind == "min_lo" else hi
    else:  # "nothing before 1980", "nothing older than 1990"
        slots.excluding = True
        slots.year_min = lo if kind == "max_prev" else hi + 1


def _relative_words(slots: YearSlots, tokens: list[Token], skip: set[int], lexicon: Lexicon
                    ) -> None:
    """"older"/"classic" cap the year, "recent"/"newer" raise it; negation swaps the side."""
    newest = lexicon.vocabulary.year_max
    for i, token in enumerate(tokens):
        low = token.lower
        nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
        if i in skip or (low not in _ALWAYS_TIME and nxt not in lexicon.time_nouns) or (
                nxt in AGE_NOUNS):  # "for older kids", "my younger brother": an age
            continue
        if low == "recently" and any(t.lower in EXPERIENCE_VERBS for t in tokens[max(0, i - 4):i]):
            continue  # "saw gattaca recently": when it was watched, no era asked for
        old, recent = low in OLD_WORDS, low in RECENT_WORDS
        if not (old or recent):
            continue
        slots.used.add(i)
        # "nothing too recent" caps the year, "not too old" raises it
        caps = old != bool(negated_at(tokens, i))
        if slots.source == "explicit" and (slots.year_max if caps else slots.year_min):
            continue  # "old musicals before 1960", "newer, after 1990": the year says how
        slots.excluding = slots.excluding or bool(negated_at(tokens, i))
        if caps:
            slots.year_max = newest - (OLD_SPAN if old else RECENT_SPAN)
        else:
            slots.year_min = newest - (OLD_SPAN if old else RECENT_SPAN)


def _mask_text(text: str, tokens: list[Token], mask: set[int]) -> str:
    """Lower-case text with masked tokens (title mentions) blanked out, offsets kept."""
    chars = list(text.lower())
    for i in mask:
        chars[tokens[i].start:tokens[i].end] = " " * (tokens[i].end - tokens[i].start)
    return "".join(chars)
