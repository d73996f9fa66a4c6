"""Catalog titles as matching keys, and the punctuation around a title typed in a sentence:
a trailing year ("Heat (1995)"), sentence ends that are not abbreviations ("Dr. Strangelove"),
Roman sequel numbers in digits, and popularity scaled for weighing a loose match."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from chatrec.domain.catalog import display_title, normalize_title
from chatrec.understand.cues import CONNECTORS
from chatrec.understand.lexicon import (
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    SENTIMENT_PHRASES,
    TITLE_QUESTION_NEXT,
    TITLE_QUESTION_WORDS,
    Token,
    phrase_at,
)

# "Heat (1995)", "Heat, 1995", and a parenthesised year after a title's own closing mark:
# "That Darn Cat! (1997)", "Shadows (Cienie) (1988)"; "heat from 1995" and "heat from '95" too.
_TRAILING_YEAR_RE = re.compile(r"(?:[)!?.'’]*\s*\(|\s*,?\s*(?:from\s+)?)((?:19|20)\d\d)\b\)?"
                               r"|\s+from\s+['’]?(\d\d)\b")
CENTURY_PIVOT = 30  # a two-digit year up to this is in the 2000s ("from 05"), else the 1900s
# A full stop after these ends no sentence ("M. Butterfly", "Mr. Holland's Opus").
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "jr", "sr", "mt", "ft", "vs"})
_SENTENCE_ENDS = frozenset({".", "!", "?", ";"})
# Chat interjections that close a first sentence like a full stop: "showgirls lol no. terrible".
_INTERJECTIONS = frozenset({"lol", "lmao", "haha", "hahaha", "lmfao", "rofl"})
_PART_RE = re.compile(r" part (?=(?:\d+|[ivx]+)\b)")
_ROMAN = {"ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}


def sentence_after(tokens: list[Token], j: int, question_starts: frozenset[str] = frozenset()
                   ) -> bool:
    """Whether ``tokens[j]`` ends the first sentence of a longer message ("fargo. more", "fargo
    lol ...", "titanic? never again"), a question or a verdict about it follows a comma
    ("matilda, is that too scary?", "waterworld, never again"), or a question about it follows
    without one ("casablanca how old is it")."""
    if j + 2 >= len(tokens):
        return False
    mark, then = tokens[j + 1].lower, tokens[j + 2].lower
    return mark in {".", "!", "?"} or mark in _INTERJECTIONS or (
        mark == "," and (then in question_starts or judges(tokens, j + 2))) or (
        mark in TITLE_QUESTION_WORDS and then in TITLE_QUESTION_NEXT)  # "casablanca how old"


def judges(tokens: list[Token], k: int) -> bool:
    """Whether a verdict opens at ``tokens[k]``: a sentiment word or phrase ("waterworld,
    never again", "casablanca, love it")."""
    words = [t.lower for t in tokens[k:k + 3]]
    return words[0] in POSITIVE_WORDS or words[0] in NEGATIVE_WORDS or bool(
        phrase_at(words, 0, SENTIMENT_PHRASES, 3))


def trailing_year(message: str, tokens: list[Token], end: int) -> tuple[int | None, int]:
    """A year written right after ``tokens[:end]`` ("Heat (1995)", "Heat, 1995") and the
    position of the first token after it (``end`` itself when there is no year)."""
    found = _TRAILING_YEAR_RE.match(message, tokens[end - 1].end)
    if not found:
        return None, end
    after = next((k for k in range(end, len(tokens)) if tokens[k].start >= found.end()),
                 len(tokens))
    if found.group(1):
        return int(found.group(1)), after
    short = int(found.group(2))
    return short + (2000 if short <= CENTURY_PIVOT else 1900), after


def ends_sentence(tokens: list[Token], j: int) -> bool:
    """Whether ``tokens[j]`` ends a sentence; a full stop glued to an initial or an
    abbreviation and followed by more words does not ("M. Butterfly", "Dr. Strangelove")."""
    if tokens[j].lower not in _SENTENCE_ENDS:
        return False
    if tokens[j].lower != "." or j == 0 or j + 1 >= len(tokens):
        return True
    prev = tokens[j - 1]
    glued = prev.end == tokens[j].start and tokens[j + 1].is_word
    return not (glued and (len(prev.lower) == 1 and prev.lower.isalpha()
                           or prev.lower in _ABBREVIATIONS))


def scaled_popularity(counts: Sequence[float] | np.ndarray | None, n: int
                       ) -> np.ndarray | None:
    """Rating counts as log(1 + count) over the largest one (0..1), or None when unknown."""
    if counts is None:
        return None
    logs = np.log1p(np.asarray(counts, dtype=float)[:n])
    top = float(logs.max()) if logs.size else 0.0
    return logs / top if top > 0 else None


def title_keys(title: str) -> set[str]:
    """Matching keys for one catalog title: main part, alternative title, and both; each also
    without its little words ("monty python holy grail") and with its Roman sequel numbers in
    digits ("godfather part 2")."""
    keys = plain_keys(title)
    if "'" in title:  # "It's a Wonderful Life" is typed "its a wonderful life"
        keys |= plain_keys(title.replace("'", ""))
    for key in list(keys):
        words = key.split()
        sparse = [w for w in words if w not in CONNECTORS]
        if len(words) >= 3 and len(sparse) >= 2 and len(sparse) < len(words):
            keys.add(" ".join(sparse))
        keys |= sequel_forms(key)
    return keys


def sequel_forms(key: str) -> set[str]:
    """A key with its Roman sequel numbers in digits, with and without "part" ("godfather part
    ii" -> "godfather part 2", "godfather 2"; "star trek iii ..." -> "star trek 3 ...")."""
    digits = roman_digits(key)
    return {digits, _PART_RE.sub(" ", digits), _PART_RE.sub(" ", key)}


def first_parts(keys: Iterable[str]) -> dict[str, str]:
    """Keys that name a first film by number ("godfather 1") because a sequel is keyed by its
    number ("godfather 2") and the first one by the bare name, mapped to that bare name."""
    keys = set(keys)
    return {f"{base} 1": base for base, _, num in (k.rpartition(" ") for k in keys)
            if num == "2" and base in keys and f"{base} 1" not in keys}


def roman_digits(key: str) -> str:
    """A key with its Roman sequel numbers in digits ("star trek ii" -> "star trek 2")."""
    words = key.split()
    return " ".join(_ROMAN.get(w, w) if k else w for k, w in enumerate(words))


def plain_keys(title: str) -> set[str]:
    """Main part, alternative title, and both, normalised."""
    head, _, rest = title.partition(" (")
    keys = {normalize_title(head), normalize_title(title)}
    if rest.endswith(")"):
        alt = normalize_title(display_title(rest[:-1]))
        keys.add(alt)
        first, _, tail = alt.partition(" ")
        if tail and first in {"la", "le", "les", "il", "el", "der", "die", "das", "l"}:
            keys.add(tail)  # "La Femme Nikita" is also typed "Femme Nikita"
    return {k for k in keys if k}
