"""Which word spans of a message may be read as a title (precision before recall).

Many titles are ordinary words ("Heat", "Crash", "Kids", "Fall"), so a span only counts when
something licenses it: a cue word before it ("loved", "like", "than", "similar to"), a verb
after it ("Heat was boring"), capitalisation in mid-sentence, quotes, or being a multi-word
title that is not made of everyday words ("sliding doors").
"""

from __future__ import annotations

from collections.abc import Iterable

from chatrec.understand.lexicon import (
    AVOID_WORDS,
    COMPARATIVES,
    NEGATIVE_EMOJI,
    NEGATIVE_WORDS,
    NEGATORS,
    NUMBER_WORDS,
    OLD_WORDS,
    ORDINALS,
    POSITIVE_EMOJI,
    POSITIVE_WORDS,
    RECENT_WORDS,
    VERDICT_VERBS,
    VERDICT_WORDS,
    WHY_OPENERS,
    Lexicon,
    Token,
    phrase_at,
    verb_at,
)
from chatrec.understand.reactions import table

# Words after which a title may follow; the catalog adds its own verbs ("watched", "read").
CUE_WORDS = frozenset({
    "loved", "love", "liked", "like", "enjoyed", "enjoy", "adored", "adore", "hated", "hate",
    "disliked", "dislike", "than", "saw", "seen", "about",
    "why", "not", "recommend", "recommended", "picked", "chose", "suggested", "included",
    "include", "vs", "versus", "unlike", "luv", "loooved", "dug", "favorite", "favourite",
    "suggest", "pick", "choose", "rewatching", "rewatched", "rewatch"})
CUE_PAIRS = frozenset({
    ("fan", "of"), ("vein", "of"), ("style", "of"), ("lines", "of"), ("me", "of"),
    ("sequel", "to"), ("similar", "to"), ("compared", "to"), ("close", "to"), ("same", "as"),
    ("good", "as"), ("remake", "of"), ("kind", "of"), ("can't", "stand"), ("cant", "stand"),
    ("cannot", "stand"), ("couldn't", "stand"), ("couldnt", "stand"), ("obsessed", "with"),
    ("hype", "around"), ("hype", "about"), ("up", "on")})
BARE = "(bare)"  # licensed by its own words only: "pulp fiction, anything similar?"
JUDGED = "(judged)"  # licensed by a verdict after it only: "big night was lovely"
VERDICT_REACH = 6  # words after a verdict verb in which a judging word shows a verdict
WITH_REACH = 4  # words of a "with <someone>" between a title and its verdict
# After a lower-case one-word title the sentence should pause: "I like twisted plots" is no title.
FOLLOWERS = frozenset({"and", "or", "but", "was", "is", "were", "too", "so", "a", "alot",
                       "much", "though", "because", "since", "more", "again", "which", "that",
                       "when", "with", "from", "for", "by", "as", "very", "really", "the", "lol",
                       "tbh", "than", "nor", "also", "even", "it", "if", "already",
                       "yesterday", "recently", "lately", "twice", "last", "before", "back",
                       "better", "best", "please",
                       "pls", "plz", "thanks", "tonight", "now", "instead"})
RATING_MAXIMA = frozenset({"5", "10", "100"})  # "8/10", "4/5": scores out of these
# Two-word followers that pause a sentence like one: "didnt like the shining at all", "why
# isnt manhattan murder mystery on there", "how come babe is in this list".
FOLLOWER_PAIRS = frozenset({("at", "all"), ("on", "there"), ("on", "here"), ("in", "there"),
                            ("in", "here"), ("on", "this"), ("in", "this"), ("on", "my"),
                            ("on", "me"), ("on", "the")})
_SKIPPABLE = frozenset({"both", "also", "really", "totally", "absolutely", "just", "so"})
ARTICLES = frozenset({"the", "a", "an"})
QUOTES = frozenset({'"', "'", "“", "”", "‘", "’", "`"})
CONNECTORS = frozenset({"of", "the", "and", "a", "an", "in", "on", "to", "for", "&", "or",
                        "at", "from", "with", "de", "la", "le"})
EVERYDAY = frozenset({"night", "time", "day", "ending", "end", "story", "plot", "world", "man",
                      "woman", "people", "life", "home", "house", "big", "little", "girl",
                      "boy", "ok", "plots", "characters", "actors", "cast", "series",
                      "morning", "evening", "afternoon", "today"})


class Cues:
    """The cue rules for one catalog: its verbs are cues, its item nouns and genre words are
    reserved (never a one-word title without a cue, never make a span uncommon)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.words = CUE_WORDS | frozenset(lexicon.vocabulary.cue_verbs)
        self.question_starts = frozenset(table()["question_starts"])
        self.item_words = lexicon.vocabulary.item_words
        # Words that judge or describe after a verdict verb: "is hilarious", "was too slow".
        self.judging = (POSITIVE_WORDS | NEGATIVE_WORDS | VERDICT_WORDS | lexicon.genre_words
                        | AVOID_WORDS.keys() | {"too"})
        self.reserved = frozenset(
            lexicon.filler_words | lexicon.request_words | POSITIVE_WORDS | NEGATIVE_WORDS
            | NEGATORS | self.words | AVOID_WORDS.keys() | COMPARATIVES.keys() | RECENT_WORDS
            | OLD_WORDS | ORDINALS.keys() | NUMBER_WORDS.keys() | EVERYDAY | lexicon.genre_words)

    def common(self, token: Token) -> bool:
        """Whether a word is everyday or reserved ("night", "movie", "great") or very short; a
        short letter-and-digit name ("t2") is no everyday word."""
        word = token.lower
        return word in self.reserved or (len(word) <= 2 and (word.isalpha() or word.isdecimal()))

    def reader(self, tokens: list[Token], message: str) -> SpanReader:
        """The rules applied to the spans of one message."""
        return SpanReader(self, tokens, message)


class SpanReader:
    """The cue rules for every span of one message. Per-token facts (is it a word, a name,
    common, in Title Case) are prefix sums computed once, so judging a span costs the same
    however long it is. Spans start at a word token."""

    def __init__(self, cues: Cues, tokens: list[Token], message: str) -> None:
        self.cues, self.tokens, self.message = cues, tokens, message
        self._words = _prefix(t.is_word for t in tokens)
        self._named = _prefix(t.is_word and t.lower not in ARTICLES for t in tokens)
        self._uncommon = _prefix(t.is_word and not cues.common(t) for t in tokens)
        self._untitled = _prefix(t.is_word and not (t.text[:1].isupper() or t.text[:1].isdecimal()
                                                    or t.lower in CONNECTORS) for t in tokens)
        self._shouting = _shouting(tokens)
        self._cues: dict[int, str | None] = {}
        # "why is babe on here", "how come theres no jaws": a why-question is about a title,
        # so its uncued spans of several words are cued by it, a lone word is weighed as a
        # bare span (popularity against commonness)
        words = [t.lower for t in tokens if t.is_word]
        self._why = any(phrase_at(words, k, WHY_OPENERS) for k in range(min(2, len(words))))

    def is_common(self, start: int, end: int) -> bool:
        """Whether every word of ``tokens[start:end]`` is common ("big night", "the end")."""
        return self._uncommon[end] == self._uncommon[start]

    def licensed(self, start: int, end: int, after: int | None = None) -> str | None:
        """The cue that lets ``tokens[start:end]`` be a title ("" for no cue word); None if none;
        `BARE` for a lower-case multi-word span with nothing but its own words for it, `JUDGED`
        for one with only a verdict after it (the title matcher weighs how common its words are
        and how popular the item is).

        ``after`` is where the sentence goes on when a year follows the title ("Heat (1995) was
        great" reads its verdict after the year); it defaults to ``end``.
        """
        named = self._named[end] - self._named[start]
        if not named:
            return None
        tokens, after = self.tokens, end if after is None else after
        capital = self._capitalised(start, end)
        verdict = self.verdict_after(after)
        if named == 1 and not capital:
            word = next(t for t in tokens[start:end] if t.is_word and t.lower not in ARTICLES)
            if word.lower in self.cues.reserved or not (
                    verdict or self._why or _pauses_after(tokens, after)):
                return None
        cue = self.cue_before(start)
        if cue is not None:
            return cue
        if _quoted(tokens, start, end) or capital:
            return ""
        if verdict:
            return JUDGED
        if self._why and named > 1 and not self.is_common(start, end):
            return "why"  # "why no once upon a time in the west": the question's subject
        if (named > 1 or self._why) and not self.is_common(start, end):
            return BARE
        return None

    def cue_before(self, start: int) -> str | None:
        """The cue word (or pair) right before a span, skipping opening quotes."""
        if start not in self._cues:
            self._cues[start] = _cue_before(self.tokens, start, self.cues.words,
                                            self.cues.item_words)
        return self._cues[start]

    def verdict_after(self, end: int) -> bool:
        """A verdict right after a span: "Fargo was great", "akira blew my mind", "Heat 👎"
        (not "the heat is killing me": the verb must be followed by a judging word)."""
        tokens = self.tokens
        if end < len(tokens) and (_is_emoji(tokens[end].text) or rating_at(tokens, end)):
            return True  # "Heat 👍", "casablanca 10/10"
        if end < len(tokens) and tokens[end].lower == "with":  # "heat with de niro was great"
            end = next((k for k in range(end + 1, min(end + 1 + WITH_REACH, len(tokens)))
                        if tokens[k].lower in VERDICT_VERBS), end)
        end = verb_at(tokens, end)  # "mrs doubtfire always makes me laugh"
        if end >= len(tokens) or tokens[end].lower not in VERDICT_VERBS:
            return False
        if tokens[end].lower in self.cues.judging:  # "heat rocks", "titanic bored me"
            return True
        return any(t.lower in self.cues.judging or _is_emoji(t.text)
                   for t in tokens[end + 1:end + 1 + VERDICT_REACH])

    def _capitalised(self, start: int, end: int) -> bool:
        """Title Case in mid-sentence, in a message not written in capitals throughout."""
        first = self.tokens[start]
        if not first.text[:1].isupper() or self._untitled[end] != self._untitled[start]:
            return False
        if self._shouting:
            return False
        words = self._words[end] - self._words[start]
        at_sentence_start = start == 0 or self.tokens[start - 1].lower in {".", "!", "?"}
        if at_sentence_start and words == 1:
            return False
        return not (words == 1 and first.lower in {"i", "a"})


def _prefix(flags: Iterable[bool]) -> list[int]:
    """Running counts: ``out[k]`` is how many of the first ``k`` flags are set."""
    out = [0]
    for flag in flags:
        out.append(out[-1] + bool(flag))
    return out


def _shouting(tokens: list[Token]) -> bool:
    """Whether most words (three or more, "I" aside) start with a capital: no Title Case cue."""
    words = [t for t in tokens if t.is_word and t.lower != "i"]
    upper = sum(t.text[:1].isupper() for t in words)
    return len(words) >= 3 and upper > 0.6 * len(words)


def _cue_before(tokens: list[Token], start: int, cue_words: frozenset[str],
                item_words: frozenset[str] = frozenset()) -> str | None:
    """The cue word (or pair) right before ``tokens[start]``, skipping opening quotes; a pair
    may hold an item noun ("similar movies to heathers")."""
    i = start - 1
    while i >= 0 and (tokens[i].lower in QUOTES or tokens[i].lower in _SKIPPABLE):
        i -= 1
    if i < 0:
        return None
    word = tokens[i].lower
    if word in cue_words:
        return word
    if i > 0 and (tokens[i - 1].lower, word) in CUE_PAIRS:
        return f"{tokens[i - 1].lower} {word}"
    if i > 1 and tokens[i - 1].lower in item_words and (tokens[i - 2].lower, word) in CUE_PAIRS:
        return f"{tokens[i - 2].lower} {word}"
    return None


def _is_emoji(text: str) -> bool:
    """Whether a token is a thumbs-up, heart or similar verdict emoji."""
    return any(ch in POSITIVE_EMOJI or ch in NEGATIVE_EMOJI for ch in text)


def continues_after(tokens: list[Token], end: int) -> bool:
    """Whether the sentence runs on after a span without a pause: "fools rush in where..."."""
    return not _pauses_after(tokens, end)


def _pauses_after(tokens: list[Token], end: int) -> bool:
    """Whether the sentence pauses after a span (end, punctuation or a linking word)."""
    if end >= len(tokens) or not tokens[end].is_word or tokens[end].lower in FOLLOWERS:
        return True
    pair = (tokens[end].lower, tokens[end + 1].lower if end + 1 < len(tokens) else "")
    return pair in FOLLOWER_PAIRS or rating_at(tokens, end)


def rating_at(tokens: list[Token], k: int) -> bool:
    """Whether a score out of a usual maximum starts at ``tokens[k]`` ("10/10", "4/5"): a
    verdict, never part of a title (unlike the fraction of "Naked Gun 33 1/3")."""
    if k + 2 >= len(tokens) or tokens[k + 1].lower != "/":
        return False
    score, top = tokens[k].lower, tokens[k + 2].lower
    return score.isdecimal() and top in RATING_MAXIMA and int(score) <= int(top)


def _quoted(tokens: list[Token], start: int, end: int) -> bool:
    """Whether a span sits between quote marks."""
    return (start > 0 and end < len(tokens) and tokens[start - 1].lower in QUOTES
            and tokens[end].lower in QUOTES)
