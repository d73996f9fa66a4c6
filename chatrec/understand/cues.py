"""Which word spans of a message may be read as a title (precision before recall).

Many titles are ordinary words ("Heat", "Crash", "Kids", "Fall"), so a span only counts when
something licenses it: a cue word before it ("loved", "like", "than", "similar to"), a verb
after it ("Heat was boring"), capitalisation in mid-sentence, quotes, or being a multi-word
title that is not made of everyday words ("sliding doors").
"""

from __future__ import annotations

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
    Lexicon,
    Token,
)

# Words after which a title may follow; the catalog adds its own verbs ("watched", "read").
CUE_WORDS = frozenset({
    "loved", "love", "liked", "like", "enjoyed", "enjoy", "adored", "adore", "hated", "hate",
    "disliked", "dislike", "than", "saw", "seen", "about",
    "why", "not", "recommend", "recommended", "picked", "chose", "suggested", "included",
    "include", "vs", "versus", "unlike", "luv", "loooved", "dug", "favorite", "favourite"})
CUE_PAIRS = frozenset({
    ("fan", "of"), ("vein", "of"), ("style", "of"), ("lines", "of"), ("me", "of"),
    ("sequel", "to"), ("similar", "to"), ("compared", "to"), ("close", "to"), ("same", "as"),
    ("good", "as"), ("remake", "of"), ("kind", "of")})
POST_CUES = frozenset({"was", "is", "were", "sucked", "rocked", "rocks", "wasn't", "isn't",
                       "has", "had"})
# After a lower-case one-word title the sentence should pause: "I like twisted plots" is no title.
FOLLOWERS = frozenset({"and", "or", "but", "was", "is", "were", "too", "so", "a", "alot",
                       "much", "though", "because", "since", "more", "again", "which", "that",
                       "when", "with", "from", "by", "as", "very", "really", "the", "lol",
                       "tbh", "than", "nor", "also", "even", "it", "if", "already",
                       "yesterday", "twice", "last", "before", "back", "better", "best", "please",
                       "pls", "plz", "thanks", "tonight", "now", "instead"})
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
        self.reserved = frozenset(
            lexicon.filler_words | lexicon.request_words | POSITIVE_WORDS | NEGATIVE_WORDS
            | NEGATORS | self.words | AVOID_WORDS.keys() | COMPARATIVES.keys() | RECENT_WORDS
            | OLD_WORDS | ORDINALS.keys() | NUMBER_WORDS.keys() | EVERYDAY | lexicon.genre_words)

    def span_is_common(self, tokens: list[Token]) -> bool:
        """Whether every word of a span is an everyday or reserved word ("big night")."""
        return all(t.lower in self.reserved or len(t.lower) <= 2 for t in tokens if t.is_word)

    def licensed(self, tokens: list[Token], start: int, end: int, message: str,
                 after: int | None = None) -> str | None:
        """The cue that lets ``tokens[start:end]`` be a title ("" for no cue word); None if none.

        ``after`` is where the sentence goes on when a year follows the title ("Heat (1995) was
        great" reads its verdict after the year); it defaults to ``end``.
        """
        span = tokens[start:end]
        words = [t for t in span if t.is_word and t.lower not in ARTICLES]
        if not words:
            return None
        after = end if after is None else after
        single = len(words) == 1
        capital = _capitalised(tokens, start, end, message)
        if single and not capital and (words[0].lower in self.reserved
                                       or not _pauses_after(tokens, after)):
            return None
        cue = self.cue_before(tokens, start)
        if cue is not None:
            return cue
        if _quoted(tokens, start, end) or capital:
            return ""
        if _verdict_after(tokens, after):
            return ""
        if not single and not self.span_is_common(span):
            return ""
        return None

    def cue_before(self, tokens: list[Token], start: int) -> str | None:
        """The cue word (or pair) right before a span, skipping opening quotes."""
        i = start - 1
        while i >= 0 and (tokens[i].lower in QUOTES or tokens[i].lower in _SKIPPABLE):
            i -= 1
        if i < 0:
            return None
        word = tokens[i].lower
        if word in self.words:
            return word
        if i > 0 and (tokens[i - 1].lower, word) in CUE_PAIRS:
            return f"{tokens[i - 1].lower} {word}"
        return None


def _verdict_after(tokens: list[Token], end: int) -> bool:
    """A verdict right after a span: "Fargo was great", "Heat 👎" (not "the heat is awful"
    alone: the verb must be followed by a judging word or an emoji)."""
    if end < len(tokens) and _is_emoji(tokens[end].text):
        return True
    if end >= len(tokens) or tokens[end].lower not in POST_CUES:
        return False
    return any(t.lower in POSITIVE_WORDS or t.lower in NEGATIVE_WORDS or t.lower == "too"
               or _is_emoji(t.text) for t in tokens[end + 1:end + 6])


def _is_emoji(text: str) -> bool:
    """Whether a token is a thumbs-up, heart or similar verdict emoji."""
    return any(ch in POSITIVE_EMOJI or ch in NEGATIVE_EMOJI for ch in text)


def _pauses_after(tokens: list[Token], end: int) -> bool:
    """Whether the sentence pauses after a span (end, punctuation or a linking word)."""
    return end >= len(tokens) or not tokens[end].is_word or tokens[end].lower in FOLLOWERS


def _quoted(tokens: list[Token], start: int, end: int) -> bool:
    """Whether a span sits between quote marks."""
    return (start > 0 and end < len(tokens) and tokens[start - 1].lower in QUOTES
            and tokens[end].lower in QUOTES)


def _capitalised(tokens: list[Token], start: int, end: int, message: str) -> bool:
    """Title Case in mid-sentence, in a message that is not written in capitals throughout."""
    if not tokens[start].text[:1].isupper():
        return False  # a span starts at a word, and its first word must be capitalised
    words = [t for t in tokens[start:end] if t.is_word]
    if not all(t.text[:1].isupper() or t.text[:1].isdigit() or t.lower in CONNECTORS
               for t in words) or not words[0].text[:1].isupper():
        return False
    all_words = [t for t in tokens if t.is_word and t.lower != "i"]
    upper = sum(t.text[:1].isupper() for t in all_words)
    if len(all_words) >= 3 and upper > 0.6 * len(all_words):
        return False
    at_sentence_start = start == 0 or tokens[start - 1].lower in {".", "!", "?"}
    if at_sentence_start and len(words) == 1:
        return False
    return not (len(words) == 1 and words[0].lower in {"i", "a"})
