"""The understanding stage's entry point: `Parser.parse` turns one message into a
`ParsedMessage` (intent, preference delta, references, titles and the free-text wish) by running
every extractor and the intent rules with one catalog's vocabulary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from chatrec.domain.catalog import Catalog
from chatrec.domain.vocabulary import Vocabulary
from chatrec.models.embedder import Embedder
from chatrec.understand.genres import GenreSlots, extract_genres
from chatrec.understand.intents import (
    IntentClassifier,
    IntentRules,
    Signals,
    continuation_spans,
    is_why_not,
    social_intent,
)
from chatrec.understand.lexicon import (
    NEGATIVE_WORDS,
    NEGATORS,
    POSITIVE_WORDS,
    Lexicon,
    Token,
    tokenize,
)
from chatrec.understand.lm_delta import LMDelta
from chatrec.understand.message import Intent, ParsedMessage, PreferenceDelta
from chatrec.understand.polarity import clause_polarities, like_is_comparison
from chatrec.understand.references import extract_refs
from chatrec.understand.titles import TitleMatcher, TitleMention
from chatrec.understand.years import YearSlots, extract_years

# Cues that compare with a title rather than judge it ("more like Heat", "better than Fargo").
_SIMILAR_CUES = frozenset({"similar to", "same as", "vein of", "style of", "lines of", "me of",
                           "than", "compared to", "close to", "kind of", "good as", "unlike",
                           "vs", "versus"})
_SUBJECT_CUES = frozenset({"why", "about", "recommend", "recommended", "picked", "chose",
                           "suggested", "included", "include"})
_SIMILAR_RE = re.compile(r"\b(similar|in the vein of|along the lines of|same vibe|in the style of|"
                         r"reminiscent of|more of (that|those|this|these|the same))\b")


@dataclass(frozen=True)
class ParseContext:
    """What is on screen when a message arrives: ``shown_count`` items were listed last (None
    when unknown, so no reference counts as out of range)."""

    shown_count: int | None = None


@dataclass
class _Titles:
    """Item indices by the role their mention plays in the message."""

    liked: list[int] = field(default_factory=list)
    disliked: list[int] = field(default_factory=list)
    similar: list[int] = field(default_factory=list)
    subject: list[int] = field(default_factory=list)


class Parser:
    """Understands messages about one catalog: build once (it holds the title index and the
    intent exemplars' embeddings), then `parse` each message."""

    def __init__(self, vocabulary: Vocabulary, titles: TitleMatcher,
                 intents: IntentClassifier, lm_delta: LMDelta | None = None) -> None:
        self.vocabulary, self.titles, self.intents = vocabulary, titles, intents
        self.lm_delta = lm_delta  # the LM's catalog-restricted delta for leftover words (or off)
        self.lexicon = Lexicon.of(vocabulary)
        self.rules = IntentRules(vocabulary)
        self._not_wish = (self.lexicon.filler_words | NEGATORS | POSITIVE_WORDS | NEGATIVE_WORDS
                          | titles.cues.words)

    @classmethod
    def from_catalog(cls, catalog: Catalog, embedder: Embedder,
                     vocabulary: Vocabulary | None = None) -> Parser:
        """A parser for ``catalog`` (its vocabulary built from it unless given)."""
        vocabulary = vocabulary or Vocabulary.from_catalog(catalog)
        return cls(vocabulary, TitleMatcher(catalog, vocabulary),
                   IntentClassifier.for_vocabulary(embedder, vocabulary))

    def parse(self, text: str, context: ParseContext | None = None) -> ParsedMessage:
        """Understand one user message: intent, preference delta, references, titles, wish.

        References beyond ``context.shown_count`` are reported in ``invalid_refs`` instead of
        ``refs``.
        """
        shown_count = (context or ParseContext()).shown_count
        found = self._extract(text)
        intent, score = self._intent(text, found.signals())
        roles, wish = found.roles, found.wish
        if intent is Intent.WHY:
            roles = _Titles(subject=roles.liked + roles.disliked + roles.similar + roles.subject)
        elif intent is Intent.MORE_LIKE and not roles.similar and not found.refs:
            roles = replace(roles, similar=roles.liked, liked=[])  # "loved Heat, any similar?"
        if intent not in {Intent.RECOMMEND, Intent.REFINE, Intent.MORE_LIKE}:
            wish = ""
        delta = _delta(found, roles, wish) if intent.states_preferences else PreferenceDelta()
        if self.lm_delta is not None and wish:
            delta = self.lm_delta.apply(text, wish, delta)
        valid = [(r, i) for r, i in found.refs if not shown_count or r <= shown_count]
        return ParsedMessage(
            text=text, intent=intent, delta=delta, refs=tuple(r for r, _ in valid),
            ref_polarities=tuple(found.polarity[i] for _, i in valid), titles=found.mentions,
            targets=tuple(roles.similar + roles.subject) if intent.has_targets else (),
            why_not=intent is Intent.WHY and is_why_not(text),
            invalid_refs=tuple(r for r, _ in found.refs if (r, _) not in valid),
            intent_score=score)

    def _extract(self, text: str) -> _Found:
        """Run titles, genres, years, references and clause polarity over one message."""
        tokens, lexicon = tokenize(text), self.lexicon
        mentions = tuple(self.titles.find_in_text(text, tokens))
        mask = {i for i, t in enumerate(tokens) for m in mentions
                if m.span[0] <= t.start < m.span[1]}
        genres = extract_genres(tokens, mask, lexicon)
        years = extract_years(text, tokens, mask | genres.used, lexicon)
        refs, ref_used = extract_refs(tokens, mask | genres.used | years.used, lexicon)
        polarity = clause_polarities(tokens, mask | genres.used)
        roles = _title_roles(tokens, mentions, polarity)
        spans = continuation_spans(text)  # "keep going", "next batch": no wish in them
        asks_more = {i for i, t in enumerate(tokens) for lo, hi in spans if lo <= t.start < hi}
        skip = mask | years.used | ref_used | asks_more | (genres.used - genres.positive)
        return _Found(mentions, genres, years, refs, polarity, roles,
                      _wish(tokens, skip, self._not_wish),
                      bool(roles.similar) or _similar_phrase(text, tokens))

    def _intent(self, text: str, signals: Signals) -> tuple[Intent, float]:
        """Rules first, then greetings/thanks, then the nearest exemplar."""
        intent = self.rules.decide(text, signals) or social_intent(text)
        if intent:
            return Intent(intent), 1.0
        name, score = self.intents.classify(text)
        return Intent(name), score


def _delta(found: _Found, roles: _Titles, wish: str) -> PreferenceDelta:
    """The preference change a message states, from what the extractors found."""
    g, y = found.genres, found.years
    return PreferenceDelta(
        genres_in=tuple(g.genres_in), genres_out=tuple(g.genres_out),
        genres_ok=tuple(g.genres_ok), year_min=y.year_min, year_max=y.year_max,
        liked=tuple(roles.liked), disliked=tuple(roles.disliked), avoid=tuple(g.avoid),
        avoid_ok=tuple(g.avoid_ok), wish=wish)


@dataclass
class _Found:
    """Everything the extractors read from one message, before the intent is decided."""

    mentions: tuple[TitleMention, ...]
    genres: GenreSlots
    years: YearSlots
    refs: list[tuple[int, int]]
    polarity: list[bool | None]
    roles: _Titles
    wish: str
    similar: bool

    def signals(self) -> Signals:
        """The summary the intent rules read."""
        g, y = self.genres, self.years
        return Signals(liked=bool(self.roles.liked), disliked=bool(self.roles.disliked),
                       similar=self.similar, refs=bool(self.refs), genres=bool(g.genres_in),
                       wish=bool(self.wish), years=bool(y.year_min or y.year_max),
                       exclusions=bool(g.genres_out or g.genres_ok),
                       soft=bool(g.avoid or g.avoid_ok))


def _title_roles(tokens: list[Token], mentions: tuple[TitleMention, ...],
                 polarity: list[bool | None]) -> _Titles:
    """Sort mentions into liked / disliked / compared-with / asked-about by cue and clause."""
    roles, previous = _Titles(), None
    for mention in mentions:
        first = next(i for i, t in enumerate(tokens) if t.start >= mention.span[0])
        role = _role(mention.cue, tokens, first, polarity[first])
        if mention.cue == "and" and previous:
            role = previous  # "loved Heat and Fargo": a listed title shares the first one's role
        getattr(roles, role).append(mention.matches[0].index)
        previous = role
    return roles


def _role(cue: str, tokens: list[Token], first: int, polarity: bool | None) -> str:
    """The role of one mention: "similar", "subject", "liked" or "disliked"."""
    cue_at = first - 1 if first > 0 and tokens[first - 1].lower == cue else None
    if cue in _SIMILAR_CUES or (cue == "like" and cue_at is not None
                                and like_is_comparison(tokens, cue_at)):
        return "similar"
    if cue in _SUBJECT_CUES or polarity is None:
        return "subject"
    return "liked" if polarity else "disliked"


def _similar_phrase(text: str, tokens: list[Token]) -> bool:
    """"similar ones", "in the vein of", or a comparing "like" before that/it/a reference."""
    if _SIMILAR_RE.search(text.lower()):
        return True
    return any(t.lower == "like" and like_is_comparison(tokens, i) and i + 1 < len(tokens)
               and tokens[i + 1].lower in {"that", "this", "those", "these", "it", "#", "the"}
               for i, t in enumerate(tokens))


def _wish(tokens: list[Token], skip: set[int], not_wish: frozenset[str]) -> str:
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
