"""``parse_message``: one message to a `ParsedMessage` (intent, preference delta, references,
titles and the free-text wish), by running every extractor and the intent rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from chatrec.domain.catalog import Catalog
from chatrec.understand.cues import CUE_WORDS
from chatrec.understand.intents import (
    IntentClassifier,
    Signals,
    continuation_spans,
    is_why_not,
    rule_intent,
    social_intent,
)
from chatrec.understand.lexicon import (
    FILLER_WORDS,
    NEGATIVE_WORDS,
    NEGATORS,
    POSITIVE_WORDS,
    Token,
    tokenize,
)
from chatrec.understand.message import Intent, ParsedMessage, PreferenceDelta
from chatrec.understand.slots import (
    GenreSlots,
    clause_polarities,
    extract_genres,
    extract_refs,
    like_is_comparison,
)
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
_NOT_WISH = FILLER_WORDS | NEGATORS | POSITIVE_WORDS | NEGATIVE_WORDS | CUE_WORDS


@dataclass
class _Titles:
    """Item indices by the role their mention plays in the message."""

    liked: list[int] = field(default_factory=list)
    disliked: list[int] = field(default_factory=list)
    similar: list[int] = field(default_factory=list)
    subject: list[int] = field(default_factory=list)


def parse_message(text: str, catalog: Catalog, title_matcher: TitleMatcher,
                  intent_classifier: IntentClassifier, shown_count: int | None = None
                  ) -> ParsedMessage:
    """Understand one user message: intent, preference delta, references, titles, wish.

    ``shown_count`` is how many items the last reply listed; references beyond it are
    reported in ``invalid_refs`` instead of ``refs``.
    """
    found = _Found.extract(text, catalog, title_matcher)
    intent, score = _intent(text, found.signals(), intent_classifier)
    roles, wish = found.roles, found.wish
    if intent is Intent.WHY:
        roles = _Titles(subject=roles.liked + roles.disliked + roles.similar + roles.subject)
    elif intent is Intent.MORE_LIKE and not roles.similar and not found.refs:
        roles = replace(roles, similar=roles.liked, liked=[])  # "loved Heat, anything similar?"
    if intent not in {Intent.RECOMMEND, Intent.REFINE, Intent.MORE_LIKE}:
        wish = ""
    delta = _delta(found, roles, wish) if intent.states_preferences else PreferenceDelta()
    valid = [(r, i) for r, i in found.refs if not shown_count or r <= shown_count]
    return ParsedMessage(
        text=text, intent=intent, delta=delta, refs=tuple(r for r, _ in valid),
        ref_polarities=tuple(found.polarity[i] for _, i in valid), titles=found.mentions,
        targets=tuple(roles.similar + roles.subject) if intent.has_targets else (),
        why_not=intent is Intent.WHY and is_why_not(text),
        invalid_refs=tuple(r for r, _ in found.refs if (r, _) not in valid), intent_score=score)


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

    @classmethod
    def extract(cls, text: str, catalog: Catalog, matcher: TitleMatcher) -> _Found:
        """Run titles, genres, years, references and clause polarity over one message."""
        tokens = tokenize(text)
        mentions = tuple(matcher.find_in_text(text))
        mask = {i for i, t in enumerate(tokens) for m in mentions
                if m.span[0] <= t.start < m.span[1]}
        genres = extract_genres(tokens, mask, catalog.genre_names)
        years = extract_years(text, tokens, mask | genres.used, int(catalog.years.max()))
        refs, ref_used = extract_refs(tokens, mask | genres.used | years.used)
        polarity = clause_polarities(tokens, mask | genres.used)
        roles = _title_roles(tokens, mentions, polarity)
        spans = continuation_spans(text)  # "keep going", "next batch": no wish in them
        asks_more = {i for i, t in enumerate(tokens) for lo, hi in spans if lo <= t.start < hi}
        skip = mask | years.used | ref_used | asks_more | (genres.used - genres.positive)
        return cls(mentions, genres, years, refs, polarity, roles, _wish(tokens, skip),
                   bool(roles.similar) or _similar_phrase(text, tokens))

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


def _wish(tokens: list[Token], skip: set[int]) -> str:
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
        while seg and seg[0].lower in _NOT_WISH:
            seg = seg[1:]
        while seg and seg[-1].lower in _NOT_WISH:
            seg = seg[:-1]
        if seg:
            parts.append(" ".join(t.text for t in seg))
    return ", ".join(parts)


def _intent(text: str, signals: Signals, classifier: IntentClassifier
            ) -> tuple[Intent, float]:
    """Rules first, then greetings/thanks, then the nearest exemplar."""
    intent = rule_intent(text, signals) or social_intent(text)
    if intent:
        return Intent(intent), 1.0
    name, score = classifier.classify(text)
    return Intent(name), score
