"""Shown picks named in a message by (part of) their title, in any case and with small typos
("men in blak", "lebowski", "cuckoos nest", "star trek 3"), or found by the title matcher under
another name ("t2").

Matching only against the few picks on screen is what makes lower-case, partial titles safe
here: "raiders" can only mean the shown *Raiders of the Lost Ark*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from chatrec.domain.catalog import Catalog, normalize_title
from chatrec.domain.commonness import zipf
from chatrec.understand.lexicon import Token
from chatrec.understand.title_text import sequel_forms
from chatrec.understand.titles import TitleMention

STOP = frozenset({"the", "a", "an", "of", "and", "in", "on", "to", "for", "with", "me", "my",
                   "it", "is", "at", "or", "by", "from", "one", "you", "i", "we", "no", "not",
                   "all", "part", "ii", "iii", "2", "3", "this", "that", "some", "do"})
_DATED_NOUNS = frozenset({"one", "version", "film", "movie", "book", "edition"})  # "the 82 one"
WORD_CUTOFF = 80.0  # rapidfuzz ratio for a typo inside a multi-word run ("blak" ~ "black")
LONE_CUTOFF = 88.0  # for a single word standing for a title ("lebowski", "jumanji")
LONE_MIN = 5  # letters of a single word that may stand for a longer title
LONE_SHORT = 4  # a shorter one must be typed exactly and be rare (word frequency, Zipf)
LONE_SHORT_ZIPF = 3.7  # "gump" 3.0, "jaws" 3.6; "heat" 4.9 and "babe" 4.1 are everyday words
# A lone word read as a typo of a title word must be a rare spelling: "lebowsky" (0.0) is a
# typo, "singing" (4.6) is a word of its own and no typo of "Singin'".
LONE_TYPO_MAX_ZIPF = 3.0


@dataclass(frozen=True)
class ShownName:
    """A shown pick named in the message: its catalog index and the token positions used."""

    index: int
    tokens: frozenset[int]


def _keys(catalog: Catalog, index: int) -> list[list[str]]:
    """Word lists of a pick's title and its alternative title, apostrophes dropped."""
    title = catalog.titles[index].replace("'", "").replace("’", "")
    head, _, rest = title.partition(" (")
    keys = [normalize_title(head)]
    if rest.endswith(")"):
        keys.append(normalize_title(rest[:-1]))
    # its sequel number in digits: "star trek 3" names Star Trek III, not the other Treks
    keys += sorted(form for k in keys for form in sequel_forms(k) if form not in keys)
    words = [k.split() for k in keys if k]
    # its content words alone, as typed in a hurry: "good bad ugly"
    content = [[w for w in k if w not in STOP] for k in words]
    return words + [c for c, k in zip(content, words, strict=True) if len(c) >= 3 and c != k]


def _same(word: str, key: str, cutoff: float) -> bool:
    if word == key:
        return True
    return len(word) >= 4 and len(key) >= 4 and fuzz.ratio(word, key) >= cutoff


def _runs(words: list[str], key: list[str]) -> list[tuple[int, int, int]]:
    """(start in words, start in key, length) of runs of consecutive matching words."""
    runs = []
    for i in range(len(words)):
        for j in range(len(key)):
            n = 0
            while (i + n < len(words) and j + n < len(key)
                   and _same(words[i + n], key[j + n], WORD_CUTOFF if n or j + 1 < len(key)
                             else LONE_CUTOFF)):
                n += 1
            if n:
                runs.append((i, j, n))
    return runs


def _good_run(words: list[str], key: list[str], run: tuple[int, int, int],
              common: frozenset[str]) -> bool:
    """Enough of a title: all of it, two words with a content word, or one rare long word."""
    i, j, n = run
    matched = words[i:i + n]
    content = [w for w in matched if w not in STOP]
    if n == 1 and matched[0] != key[j] and zipf(matched[0]) > LONE_TYPO_MAX_ZIPF:
        return False  # "less singing" names no Singin' in the Rain
    if n == len(key) and n == 1 and matched[0] != key[j]:
        return len(matched[0]) >= LONE_MIN  # a short typo of a one-word title: "seen" ~ Seven
    if n == len(key):
        return len("".join(matched)) >= 3 or n >= 2
    if n >= 2 and content and (len("".join(matched)) >= 4 or j == 0):
        return True
    word = matched[0]
    if n == 1 and j == 0 and word == key[0] and word.isdigit() and len(word) >= 3:
        return True  # "2001 i turned off" names 2001: A Space Odyssey; no position is so big
    if n != 1 or word in STOP or word in common:
        return False
    if word == key[j] and len(word) >= LONE_SHORT and zipf(word) <= LONE_SHORT_ZIPF:
        return True  # a rare short word of a title on screen: "gump", "jaws"
    return len(word) >= LONE_MIN and fuzz.ratio(word, key[j]) >= LONE_CUTOFF


def _split_runs(words: list[str], key: list[str]) -> list[tuple[int, int, int]]:
    """A one-word title typed as two words ("copy cat", "golden eye"), as a run of two."""
    if len(key) != 1 or len(key[0]) < LONE_MIN + 2:
        return []
    return [(i, 0, 2) for i in range(len(words) - 1)
            if min(len(words[i]), len(words[i + 1])) >= 3
            and _same(words[i] + words[i + 1], key[0], LONE_CUTOFF)]


def named_picks(tokens: list[Token], shown: Sequence[int], catalog: Catalog,
                common: frozenset[str]) -> list[ShownName]:
    """Shown picks whose title (or enough of it) the message names; longest match first wins
    a token, so "the big sleep" is not also "big"."""
    positions = [k for k, t in enumerate(tokens) if t.is_word]
    words = [normalize_title(tokens[k].text.replace("'", "")) or tokens[k].lower
             for k in positions]
    words = ["and" if w == "n" else w for w in words]  # "dumb n dumber"
    found: list[tuple[int, int, int]] = []  # (-length, index, start)
    for index in dict.fromkeys(shown):
        best = None
        for key in _keys(catalog, index):
            runs = [r for r in _runs(words, key) if _good_run(words, key, r, common)]
            for run in runs + _split_runs(words, key):
                if best is None or run[2] > best[2]:
                    best = run
        if best is not None:
            found.append((-best[2], index, best[0]))
    taken: set[int] = set()
    out = []
    for neg, index, start in sorted(found):
        span = set(range(start, start - neg))
        if span & taken:
            continue
        taken |= span
        out.append(ShownName(index, frozenset(positions[k] for k in span)))
    return out


def dated_picks(tokens: list[Token], shown: Sequence[int], catalog: Catalog,
                names: Sequence[ShownName]) -> list[ShownName]:
    """``names`` with a year told apart: "batman 89" names the shown Batman of 1989, not the
    other shown Batmans its word matched; "the 82 one" the shown pick of 1982, if one alone."""
    out = list(names)
    for k, token in enumerate(tokens):
        if not (token.lower.isdecimal() and len(token.lower) in {2, 4}):
            continue
        dated = [i for i in shown if _year_is(int(catalog.years[i]), token.lower)]
        if len(dated) != 1 or any(n.index == dated[0] for n in out):
            continue
        before = next((n for n in out if k - 1 in n.tokens), None)
        if before is not None and _named_by(catalog, dated[0], tokens, before.tokens):
            out = [n for n in out if n is not before] + [ShownName(dated[0], before.tokens | {k})]
        elif before is None and 0 < k < len(tokens) - 1 and tokens[k - 1].lower == "the" \
                and tokens[k + 1].lower in _DATED_NOUNS:
            out.append(ShownName(dated[0], frozenset({k - 1, k, k + 1})))
    return out


def _year_is(year: int, typed: str) -> bool:
    """Whether a typed "89" or "1989" is ``year``."""
    return year > 0 and (str(year) == typed or (len(typed) == 2 and f"{year % 100:02d}" == typed))


def _named_by(catalog: Catalog, index: int, tokens: list[Token], used: frozenset[int]) -> bool:
    """Whether the words of a name ("batman") are words of this pick's title too."""
    words = [normalize_title(tokens[k].text) for k in sorted(used)]
    return any(words == key[:len(words)] for key in _keys(catalog, index))


def spotted_picks(tokens: list[Token], mentions: Sequence[TitleMention], shown: Sequence[int],
                  names: Sequence[ShownName]) -> list[ShownName]:
    """``names`` with the shown picks the title matcher found under another name ("t2", a
    typo, "jurassic park 2") that `named_picks` did not; a mention longer than the names it
    covers wins over them ("jurassic park 2" names the sequel, not the "jurassic park" in it)."""
    out = list(names)
    for mention in mentions:
        if not mention.confident:
            continue
        index = next((m.index for m in mention.matches if m.index in shown), None)
        span = frozenset(k for k, t in enumerate(tokens)
                         if mention.span[0] <= t.start < mention.span[1])
        if index is None or any(n.index == index for n in out):
            continue
        covered = [n for n in out if n.tokens & span]
        if all(n.tokens < span for n in covered):
            out = [n for n in out if n not in covered] + [ShownName(index, span)]
    return out


__all__ = ["STOP", "ShownName", "dated_picks", "named_picks", "spotted_picks"]
