"""Tokenisation and the word tables of the natural-language understanding.

The English tables (negators, sentiment, fillers, ordinals...) are data in ``words.toml``, read
once. What depends on the catalog (its item nouns, verbs and genre aliases) is added by
`Lexicon`, built once per `Vocabulary`, so the title matcher, the slot extractors and the intent
rules agree on what a word is and which words carry meaning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tomllib
from rapidfuzz import fuzz, process

from chatrec.domain.commonness import zipf
from chatrec.domain.vocabulary import Vocabulary

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]", re.UNICODE)
WORDS_FILE = Path(__file__).resolve().parent / "words.toml"
# A word read as a misspelt one-word genre alias ("thriler", "comdy") must be this long, this
# rare in everyday English (a real word such as "roman" or "dance" is never a typo), and this
# close to exactly one alias by fuzz.ratio.
GENRE_TYPO_MIN_LETTERS = 5
GENRE_TYPO_MAX_ZIPF = 2.5
GENRE_TYPO_CUTOFF = 85.0


@dataclass(frozen=True)
class Token:
    """One word or punctuation mark with its character span in the original message."""

    text: str
    lower: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        """Whether this token is a word (letters or digits) rather than punctuation."""
        return self.lower[:1].isalnum()


def tokenize(text: str) -> list[Token]:
    """Split a message into words (keeping "sci-fi", "don't") and single punctuation marks;
    a word typed with a letter held down reads as the word ("passsss", "nooo", "loooved")."""
    return [Token(m.group(), squeeze(m.group().lower().replace("’", "'")), m.start(), m.end())
            for m in _TOKEN_RE.finditer(text)]


_HELD = re.compile(r"([^\W\d_])\1{2,}")  # a letter three times or more


@cache
def squeeze(word: str) -> str:
    """``word`` with each letter held down ("sooo") cut to one or two, whichever reading is
    the commoner English word ("passsss" -> "pass", "yesss" -> "yes"); unchanged otherwise."""
    runs = list(_HELD.finditer(word))
    if not runs:
        return word
    readings = [""]
    last = 0
    for run in runs:
        head = word[last:run.start()]
        readings = [r + head + run.group(1) * n for r in readings for n in (1, 2)]
        last = run.end()
    readings = [r + word[last:] for r in readings]
    return max(readings, key=lambda r: (zipf(r), -len(r)))


def phrase_at(words: list[str], i: int, phrases: Mapping[tuple[str, ...], object],
              longest: int = 5) -> int:
    """Length of the longest phrase (a tuple of words) starting at ``words[i]``; 0 if none."""
    for length in range(min(longest, len(words) - i), 0, -1):
        if tuple(words[i:i + length]) in phrases:
            return length
    return 0


def as_phrases(table: Mapping[str, object]) -> dict[tuple[str, ...], object]:
    """Key a ``{"science fiction": value}`` table by token tuples for ``phrase_at``."""
    return {tuple(t.lower for t in tokenize(key)): value for key, value in table.items()}


@cache
def _tables(path: Path = WORDS_FILE) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


_W = _tables()
NEGATORS = frozenset(_W["negators"])
NEGATOR_PHRASES = as_phrases(dict.fromkeys(_W["negator_phrases"], True))
EXPERIENCE_VERBS = frozenset(_W["experience_verbs"])
SOFTENERS = frozenset(_W["softeners"])
INTENSIFIERS = frozenset(_W["intensifiers"])
WHY_OPENERS = as_phrases(dict.fromkeys(_W["why_openers"], True))
SCOPE_BREAKERS = frozenset(_W["scope_breakers"])
ALLOW_WORDS = frozenset(_W["allow_words"])
POSITIVE_WORDS = frozenset(_W["positive_words"])
NEGATIVE_WORDS = frozenset(_W["negative_words"])
VERDICT_VERBS = frozenset(_W["verdict_verbs"])
VERDICT_WORDS = frozenset(_W["verdict_words"])
VERDICT_ADVERBS = frozenset(_W["verdict_adverbs"])
CHANGE_PHRASES = as_phrases(dict.fromkeys(_W["change_words"], True))
POSITIVE_EMOJI = frozenset(_W["positive_emoji"])
NEGATIVE_EMOJI = frozenset(_W["negative_emoji"])
NEGATIVE_BIGRAMS = frozenset(tuple(b.split()) for b in _W["negative_bigrams"])
FLIPPERS = frozenset(_W["flippers"])
SENTIMENT_PHRASES = as_phrases(_W["sentiment_phrases"])  # ("never", "gets", "old") -> True
CLAUSE_BREAKS = frozenset(_W["clause_breaks"])
REQUEST_WORDS = frozenset(_W["request_words"])  # without the catalog's item nouns and verbs
FILLER_WORDS = frozenset(_W["filler_words"])  # likewise
UNINFORMATIVE_WORDS = frozenset(_W["uninformative_words"])  # no wish, beyond fillers
POSITION_OPENERS = frozenset(_W["position_openers"])
NOT_POSITION_BEFORE = frozenset(_W["not_position_before"])
TITLE_QUESTION_WORDS = frozenset(_W["title_question_words"])
TITLE_QUESTION_NEXT = frozenset(_W["title_question_next"])
RECENT_WORDS = frozenset(_W["recent_words"])
OLD_WORDS = frozenset(_W["old_words"])
AGE_NOUNS = frozenset(_W["age_nouns"])
REF_NOUNS = frozenset(_W["ref_nouns"])  # likewise
RECENT_SPAN: int = _W["recent_span"]
OLD_SPAN: int = _W["old_span"]
AVOID_WORDS: dict[str, str] = {w: avoid for avoid, words in _W["avoid"].items() for w in words}
COMPARATIVES: dict[str, tuple[str, str]] = {w: (pair[0], pair[1])
                                            for w, pair in _W["comparatives"].items()}
ORDINALS: dict[str, int] = dict(_W["ordinals"])
NUMBER_WORDS: dict[str, int] = dict(_W["numbers"])
# Nouns that start a numbered reference ("#3", "number 2", "option 4"), before item nouns.
REF_PREFIXES = frozenset({"#", "number", "nr", "option", "item", "choice", "pick", "suggestion",
                          "rec", "no"})
# Nouns that may follow a relative time word ("old ones", "new releases"), before item nouns.
TIME_NOUNS = frozenset({"ones", "stuff", "releases", "release", "titles"})
# Verbs that only introduce a time expression ("released after 1990", "came out recently"),
# before the catalog's own ("filmed", "published").
TIME_VERBS = frozenset({"made", "released", "set", "produced", "came", "out", "dating", "dated"})


@dataclass(frozen=True)
class Lexicon:
    """The word tables for one catalog: the English ones plus its item nouns, verbs and genre
    aliases. ``genre_phrases`` maps token tuples to catalog genres (none for the slang of
    genres the catalog lacks)."""

    vocabulary: Vocabulary
    genre_phrases: Mapping[tuple[str, ...], tuple[str, ...]]
    longest_genre: int
    genre_words: frozenset[str]  # every word of every genre alias
    item_words: frozenset[str]
    request_words: frozenset[str]
    filler_words: frozenset[str]
    ref_nouns: frozenset[str]
    ref_prefixes: frozenset[str]
    focus_nouns: frozenset[str]  # "that one", "this movie"
    time_nouns: frozenset[str]
    time_verbs: frozenset[str]

    @classmethod
    def of(cls, vocabulary: Vocabulary) -> Lexicon:
        """Combine the English tables with ``vocabulary``."""
        phrases = {**as_phrases(dict.fromkeys(vocabulary.other_genre_words, ())),
                   **as_phrases(vocabulary.genre_aliases)}
        items = vocabulary.item_words
        verbs = frozenset(vocabulary.verbs)
        singulars = frozenset(vocabulary.item_singulars)
        one_word_genres = frozenset(key[0] for key in phrases if len(key) == 1)
        return cls(
            vocabulary=vocabulary, genre_phrases=phrases,
            longest_genre=max([4, *map(len, phrases)]),
            genre_words=frozenset(w for key in phrases for w in key),
            item_words=items, request_words=REQUEST_WORDS | items | verbs,
            filler_words=FILLER_WORDS | items | verbs, ref_nouns=REF_NOUNS | items,
            ref_prefixes=REF_PREFIXES | singulars, focus_nouns=frozenset({"one"}) | singulars,
            time_nouns=TIME_NOUNS | items | frozenset(vocabulary.context) | one_word_genres,
            time_verbs=TIME_VERBS | frozenset(vocabulary.time_verbs))

    def genre_at(self, words: list[str], i: int) -> int:
        """Length of the genre alias starting at ``words[i]`` (0 if none)."""
        return phrase_at(words, i, self.genre_phrases, self.longest_genre)

    def genre_spelling(self, word: str) -> str:
        """``word``, or the one-word genre alias it misspells ("thriler" -> "thriller",
        "comdy" -> "comedy"): only a long, rare word that is close to one alias alone, so
        everyday words and short ones are left as they are."""
        if (len(word) < GENRE_TYPO_MIN_LETTERS or not word.isalpha() or word in self.genre_words
                or zipf(word) >= GENRE_TYPO_MAX_ZIPF):
            return word
        return _closest_alias(word, self._one_word_aliases())

    def _one_word_aliases(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(alias, genres) of the one-word aliases of catalog genres (not the slang of genres
        it lacks)."""
        return tuple(sorted((key[0], tuple(genres)) for key, genres in self.genre_phrases.items()
                            if len(key) == 1 and genres
                            and len(key[0]) >= GENRE_TYPO_MIN_LETTERS))


@cache
def _closest_alias(word: str, aliases: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """The closest alias to ``word`` when every alias scoring ``GENRE_TYPO_CUTOFF`` or more
    means the same genres ("thriler": "thriller" and "thrillers"), else ``word``."""
    found = process.extract(word, [a for a, _ in aliases], scorer=fuzz.ratio,
                            score_cutoff=GENRE_TYPO_CUTOFF, limit=4)
    meanings = {aliases[k][1] for _, _, k in found}
    return found[0][0] if len(meanings) == 1 else word


def praises(word: str) -> bool:
    """Whether a lower-case word (or an emoji in it) praises: "great", "loved", "❤️"."""
    return word in POSITIVE_WORDS or any(ch in POSITIVE_EMOJI for ch in word)


def blames(word: str) -> bool:
    """Whether a lower-case word (or an emoji in it) blames: "dull", "hated", "👎"."""
    return word in NEGATIVE_WORDS or any(ch in NEGATIVE_EMOJI for ch in word)


def flipped_before(words: Sequence[str], k: int, window: int, start: int = 0) -> bool:
    """Whether a flipper ("not", "didn't") stands within ``window`` words before ``words[k]``
    (and not before ``start``, where its clause begins)."""
    return any(words[j] in FLIPPERS for j in range(max(start, k - window), k))


def verb_at(tokens: Sequence[Token], k: int) -> int:
    """The position of the word after the verdict adverbs from ``k`` on ("always makes")."""
    while k < len(tokens) and tokens[k].lower in VERDICT_ADVERBS:
        k += 1
    return k


def says_change(tokens: Sequence[Token]) -> bool:
    """Whether a message changes what was asked before ("only comedies", "older ones")."""
    words = [t.lower for t in tokens]
    return any(phrase_at(words, i, CHANGE_PHRASES, 2) for i in range(len(words)))
