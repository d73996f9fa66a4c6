"""The understanding stage's entry point: `Parser.parse` turns one message into a
`ParsedMessage` (intent, preference delta, references, titles and the free-text wish) by running
every extractor and the intent rules with one catalog's vocabulary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chatrec.domain.catalog import Catalog, Dataset
from chatrec.domain.vocabulary import Vocabulary
from chatrec.models.embedder import Embedder
from chatrec.understand.act_guess import ActGuess, act_exemplars
from chatrec.understand.chat_acts import ChatActs
from chatrec.understand.chat_intent import CHAT_FALLBACK, ChatIntent
from chatrec.understand.context import ParseContext
from chatrec.understand.counts import CountReader, clamp_count
from chatrec.understand.genres import extract_genres
from chatrec.understand.intents import (
    IntentClassifier,
    IntentRules,
    continuation_spans,
    is_why_not,
    social_intent,
)
from chatrec.understand.lexicon import (
    NEGATIVE_WORDS,
    NEGATOR_PHRASES,
    NEGATORS,
    POSITIVE_WORDS,
    Lexicon,
    Token,
    says_change,
    tokenize,
)
from chatrec.understand.lm_delta import LMDelta
from chatrec.understand.message import Intent, ParsedMessage, PreferenceDelta
from chatrec.understand.on_screen import read_reactions
from chatrec.understand.polarity import clause_polarities
from chatrec.understand.positions import bare_positions, listed_digits, other_subject, pointed
from chatrec.understand.questions import QuestionReader
from chatrec.understand.reactions import Act, ActReader, Reaction, normalise
from chatrec.understand.references import extract_refs
from chatrec.understand.roles import (
    Found,
    TitleRoles,
    preference_delta,
    similar_phrase,
    title_roles,
    unambiguous,
    wish_text,
)
from chatrec.understand.settle import settle
from chatrec.understand.shown_names import ShownName, dated_picks, named_picks, spotted_picks
from chatrec.understand.titles import TitleMatcher, TitleMention
from chatrec.understand.years import extract_years


class Parser:
    """Understands messages about one catalog: build once (it holds the title index and the
    intent exemplars' embeddings), then `parse` each message."""

    def __init__(self, vocabulary: Vocabulary, titles: TitleMatcher,
                 intents: IntentClassifier, lm_delta: LMDelta | None = None) -> None:
        self.vocabulary, self.titles, self.intents = vocabulary, titles, intents
        self.lm_delta = lm_delta  # the LM's catalog-restricted delta for leftover words (or off)
        self.lexicon = Lexicon.of(vocabulary)
        self.rules = IntentRules(vocabulary)
        self.acts = ActReader(vocabulary, ActGuess(intents.vector, act_exemplars(vocabulary),
                                                   intents.embedder.encode))
        self.chat_acts, self.counts = ChatActs(vocabulary), CountReader(self.lexicon)
        self.questions = QuestionReader(vocabulary, titles)
        self.chat = ChatIntent(self.rules, self.chat_acts, self.questions)
        # the words of "keep away from", "take out" say what is unwanted, never a wish
        phrase_words = frozenset(w for phrase in NEGATOR_PHRASES for w in phrase)
        self._not_wish = (self.lexicon.filler_words | NEGATORS | POSITIVE_WORDS | NEGATIVE_WORDS
                          | titles.cues.words | phrase_words)

    @classmethod
    def from_catalog(cls, catalog: Catalog, embedder: Embedder,
                     vocabulary: Vocabulary | None = None,
                     popularity: Sequence[float] | None = None) -> Parser:
        """A parser for ``catalog`` (its vocabulary built from it unless given); ``popularity``
        (rating counts by item) lets title spotting weigh how well known an item is."""
        vocabulary = vocabulary or Vocabulary.from_catalog(catalog)
        return cls(vocabulary, TitleMatcher(catalog, vocabulary, popularity),
                   IntentClassifier.for_vocabulary(embedder, vocabulary))

    @classmethod
    def from_dataset(cls, dataset: Dataset, embedder: Embedder) -> Parser:
        """A parser for a dataset's catalog, with its vocabulary and its items' popularity."""
        return cls.from_catalog(dataset.catalog, embedder, Vocabulary.from_dataset(dataset),
                                dataset.rating_counts())

    def parse(self, text: str, context: ParseContext | None = None) -> ParsedMessage:
        """Understand one user message: intent, preference delta, references, titles, wish,
        and reactions to the picks on screen (``context.shown``).

        References beyond ``context.shown_count`` are reported in ``invalid_refs`` instead of
        ``refs``.
        """
        context = context or ParseContext()
        shown_count = context.shown_count
        found = self._extract(text, context)
        chat = self.chat.decide(text, found, tuple(context.shown or ()))
        intent, score = chat.intent or self._intent(text, found)
        if score < 1.0 and intent in CHAT_FALLBACK and self.chat.chatty(text, found):
            intent = Intent.SMALLTALK  # "how old are you", "brb getting snacks"
        intent = settle(intent, found, bool(context.shown) or context.asked,
                        says_change(tokenize(text)), bool(self.rules.request.search(text.lower())))
        if intent in NO_REACTIONS:
            # "never seen it, is it scary?": a question may say whether the pick was seen,
            # which judges nothing; every other act in a question is left out.
            keep = NO_VERDICT if intent is Intent.ASK_ITEM else frozenset()
            found.reactions = tuple(r for r in found.reactions if r.act in keep)
        roles, wish = found.roles, found.wish
        if intent is Intent.WHY:  # "why canadian bacon? weird pick": a shown pick named
            subject = roles.liked + roles.disliked + roles.similar + roles.subject
            named = [] if subject or found.refs else list(found.named)
            roles = TitleRoles(subject=subject + named)
        elif intent is Intent.MORE_LIKE and not roles.similar and not found.refs:
            roles = replace(roles, similar=roles.liked, liked=[])  # "loved Heat, any similar?"
        if intent not in {Intent.RECOMMEND, Intent.REFINE, Intent.MORE_LIKE}:
            wish = ""
        stating = intent.states_preferences or intent is Intent.RESET  # "start over: a comedy"
        delta = preference_delta(found, unambiguous(roles, found.mentions), wish) if stating \
            else PreferenceDelta()
        if self.lm_delta is not None and wish:
            delta = self.lm_delta.apply(text, wish, delta)
        if intent in {Intent.LIKE_TITLE, Intent.DISLIKE_TITLE} or (
                intent is Intent.FEEDBACK_REF and found.reactions):
            # Genre words in a verdict describe the title, not a request: "Grease is my
            # favourite musical", "the kids haven't seen Jumanji".
            delta = replace(delta, genres_in=())
        asked = chat.question if intent is Intent.ASK_ITEM else None
        if asked:
            roles = TitleRoles(subject=list(asked.targets))
            found.refs = found.refs or [(r, -1) for r in asked.refs]
            if len(asked.refs) == 1 and asked.refs[0]:  # "is 3 popular? never heard of it"
                found.reactions = pointed(found.reactions, asked.refs[0], context.shown,
                                          context.focus)
        if found.reactions and self.acts.has("all_but", normalise(text)):
            # "seen all but the last": the pick left out is no reference of the reactions
            found.refs = [(r, i) for r, i in found.refs if r in {x.ref for x in found.reactions}]
        refs = found.refs + [(r.ref, -1) for r in found.reactions if r.ref is not None
                             and r.ref not in {p for p, _ in found.refs}]
        valid = [(r, i) for r, i in refs if not shown_count or r <= shown_count]
        if self.acts.is_question(text):  # "is the second one any good?" judges nothing
            found.polarity = [None] * len(found.polarity)
        return ParsedMessage(
            text=text, intent=intent, delta=delta, refs=tuple(r for r, _ in valid),
            ref_polarities=tuple(found.ref_polarity(r, i) for r, i in valid),
            titles=found.mentions,
            targets=tuple(roles.similar + roles.subject) if intent.has_targets else (),
            why_not=intent is Intent.WHY and is_why_not(text),
            invalid_refs=tuple(r for r, _ in refs if (r, _) not in valid),
            intent_score=score, reactions=found.reactions,
            seen=tuple(roles.seen) if intent.states_preferences else (),
            question=asked.kind if asked else None,
            question_aspect=asked.aspect if asked else "",
            count=clamp_count(found.count.value), count_asked=found.count.value,
            drop=("all",) if intent is Intent.RESET else found.drop.kinds)

    def _extract(self, text: str, context: ParseContext) -> Found:
        """Run titles, genres, years, references and clause polarity over one message."""
        tokens, lexicon = tokenize(text), self.lexicon
        mentions = tuple(self.titles.find_in_text(text, tokens))
        names = named_picks(tokens, context.shown, self.titles.catalog,
                            self.titles.cues.reserved) if context.shown else []
        names = dated_picks(tokens, context.shown, self.titles.catalog,
                            spotted_picks(tokens, mentions, context.shown, names))
        mask = {i for i, t in enumerate(tokens) for m in mentions
                if m.span[0] <= t.start < m.span[1]}
        mask |= {k for n in names for k in n.tokens}
        drop = self.chat_acts.drops(text)  # "forget the 90s": no new era in those words
        dropped = {i for i, t in enumerate(tokens) for lo, hi in drop.spans if lo <= t.start < hi}
        genres = extract_genres(tokens, mask | dropped, lexicon)
        years = extract_years(text, tokens, mask | genres.used | dropped, lexicon, titles=mask)
        refs, ref_used = extract_refs(tokens, mask | genres.used | years.used, lexicon,
                                      context.shown_count)
        count = self.counts.read(tokens, mask | years.used | ref_used, genres.used)
        polarity = clause_polarities(tokens, mask | genres.used)
        spans = continuation_spans(text)  # "keep going", "next batch": no wish in them
        asks_more = {i for i, t in enumerate(tokens) for lo, hi in spans if lo <= t.start < hi}
        skip = (mask | years.used | ref_used | asks_more | (genres.used - genres.positive)
                | dropped | count.used)
        stated = bool(genres.genres_in or genres.genres_out or genres.genres_ok
                      or years.year_min or years.year_max
                      or drop.kinds or count.value is not None)  # "any decade is fine",
        # "just one, the best one": a constraint dropped or a count asked, no pick taken
        reactions = self._reactions(text, tokens, context, mentions, names, refs,
                                    mask | years.used | ref_used | count.used, stated,
                                    dropped=bool(drop.kinds))
        if reactions:  # shown picks named in a reaction are no separate title verdicts, nor
            # are words that name one ("star trek 2" with only Wrath of Khan on screen)
            named = {r.item for r in reactions if r.item is not None} | set(context.shown)
            taken = {tokens[k].start for n in names for k in n.tokens}
            mentions = tuple(m for m in mentions if m.matches[0].index not in named
                             and not any(m.span[0] <= at < m.span[1] for at in taken))
        roles = title_roles(tokens, mentions, polarity, self.acts)
        return Found(mentions, genres, years, refs, polarity, roles,
                      wish_text(tokens, skip, self._not_wish),
                      bool(roles.similar) or similar_phrase(text, tokens), reactions=reactions,
                      drop=drop, count=count, named=tuple(n.index for n in names))

    def _reactions(self, text: str, tokens: list[Token], context: ParseContext,
                   mentions: tuple[TitleMention, ...], names: list[ShownName],
                   refs: list[tuple[int, int]], used: set[int], stated: bool,
                   dropped: bool = False) -> tuple[Reaction, ...]:
        """Reactions to the picks on screen ("seen it", "#2 sounds good", "raiders, loved it");
        a message that states genres or years ("no to horror") reacts to no pick unnamed, nor
        one that drops a constraint ("any era is fine, just keep it funny")."""
        if not context.shown:
            return ()
        named = {n.index for n in names}
        others = [m for m in mentions if m.matches[0].index not in named
                  and m.matches[0].index not in context.shown]
        positions = list(refs)
        if names and all(p == 0 for p, _ in positions):
            positions = []  # "stand by me, seen that one": "that one" is the pick named
        if not names or listed_digits(tokens, used):
            # "2 and 3 please", "number 3 and 4": digits listed with a reference; "seen 1 and
            # 3, fargo looks good": listed digits beside a named pick
            have = {p for p, _ in positions}
            positions += [b for b in bare_positions(tokens, len(context.shown), used)
                          if b[0] not in have]
        # "seen it, great one to watch with kids": "it" is the pick, the genre describes it
        words = {t.lower for t in tokens}
        implicit = not others and (not stated or ("it" in words and not dropped)) and (
            names or not other_subject(tokens, self.lexicon.filler_words)) and not (
            self.chat_acts.to_bot(text))  # "lol youre pretty good at this": no pick judged
        # "nah show me some different ones": a "nah" before asking for other picks turns down
        # the list, not the pick in focus, unless a word points at it ("not that one, ...")
        implicit = implicit and (names or bool(words & _POINTING)
                                 or not self.rules.requests_more(text))
        return read_reactions(text, tokens, self.acts, names, positions, context.shown,
                              context.focus, implicit=implicit,
                              asks=not any(0 in n.tokens for n in names),
                              guess=implicit and self._may_guess(text))

    def _may_guess(self, text: str) -> bool:
        """Whether the embedding fallback may read a reaction into a message: not when a rule
        already knows what it is (a request, "why", help, thanks, a goodbye, a question)."""
        return not (self.rules.requests_more(text) or self.rules.explicit(text)
                    or social_intent(text) or self.chat_acts.goodbye(text)
                    or self.chat_acts.reset(text) or "?" in text)

    def _intent(self, text: str, found: Found) -> tuple[Intent, float]:
        """Explicit rules, then reactions to the picks on screen, then the other rules, then
        greetings/thanks, then the nearest exemplar."""
        explicit = self.rules.explicit(text)
        if explicit:
            return Intent(explicit), 1.0
        if found.reactions:
            return self._reaction_intent(text, found), 1.0
        intent = self.rules.decide(text, found.signals()) or social_intent(text)
        if intent:
            return Intent(intent), 1.0
        name, score = self.intents.classify(text)
        return Intent(name), score

    def _reaction_intent(self, text: str, found: Found) -> Intent:
        """A reaction alone is feedback; with a new request it refines; "more like #2"."""
        if any(r.act == "more_like" for r in found.reactions):
            return Intent.MORE_LIKE
        g, y = found.genres, found.years
        stated = g.genres_in or g.genres_out or y.year_min or y.year_max
        # "the others not so much" points at picks, it asks for no other ones
        words = {t.lower for t in tokenize(self.acts.patterns["others"].sub(" ", normalise(text)))}
        # "birds is too old, nothing before 1980"; "too long. shorter ones pls" (a complaint
        # alone, "too long for me", asks for nothing new)
        changes = stated or self.rules.comparative.search(text.lower())
        if g.avoid and words & self.acts.asked_avoid:  # "nbk was too much, nothing that violent"
            return Intent.REFINE
        if g.genres_out or found.drop.kinds or (found.count.value is not None
                                                 and words & self.acts.more_words):
            # "...look like garbage comedies, no. no comedies at all", "eh no. any era is fine
            # btw", "seen both, both forgettable. gimme 5 more": a new constraint besides (a
            # count only beside a word asking for more: "the best one there" counts nothing)
            return Intent.REFINE
        if self.rules.requests_more(text) or (changes and words & self.acts.more_words) or (
                y.year_min or y.year_max):
            return Intent.REFINE
        return Intent.FEEDBACK_REF


# Words that point at the pick in focus ("not that one", "seen it").
_POINTING = frozenset({"it", "that", "this", "one", "them", "those", "these"})


# Intents that react to no pick on screen, whatever positions or verdict words they hold.
NO_REACTIONS = frozenset({Intent.WHY, Intent.PROFILE, Intent.FORGET, Intent.HELP,
                          Intent.ASK_ITEM, Intent.RESET, Intent.OFF_TOPIC})


# Acts a question may carry ("never watched it, is it any good?"): they store no verdict.
NO_VERDICT = frozenset({Act.NOT_SEEN, Act.SEEN})


__all__ = ["NO_REACTIONS", "NO_VERDICT", "ParseContext", "Parser"]
