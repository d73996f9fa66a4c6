"""The intents of chat around the picks, decided before the preference rules, which would
misread them: goodbyes ("gotta go, thanks" is no thanks), starting over, small talk, item
questions ("is #1 scary?" is no reaction) and off-topic asks."""

from __future__ import annotations

from dataclasses import dataclass

from chatrec.understand.chat_acts import ChatActs
from chatrec.understand.intents import IntentRules, social_intent
from chatrec.understand.message import Intent
from chatrec.understand.questions import ItemQuestion, QuestionReader
from chatrec.understand.roles import Found

# Exemplar intents that chat words turn into small talk (see `ChatIntent.chatty`).
# (not profile, why or help: "what do u know about me" is a profile question)
CHAT_FALLBACK = frozenset({Intent.UNKNOWN, Intent.RECOMMEND, Intent.REFINE, Intent.MORE_LIKE,
                           Intent.THANKS})


@dataclass(frozen=True)
class Chat:
    """What `ChatIntent.decide` decided: an intent with its score (None: the rules decide)
    and the item question asked."""

    intent: tuple[Intent, float] | None = None
    question: ItemQuestion | None = None


@dataclass(frozen=True)
class ChatIntent:
    """The chat rules of one catalog's parser: its intent rules, chat phrases and question
    reader."""

    rules: IntentRules
    chat_acts: ChatActs
    questions: QuestionReader

    def chatty(self, text: str, found: Found) -> bool:
        """Whether a message the rules left to the exemplars is chat: chat words, no request
        word, and nothing of the catalog (genre, era, title, pick, count, reaction)."""
        s = found.signals()
        named = (s.genres or s.exclusions or s.years or s.refs or s.similar or found.mentions
                 or found.reactions or found.count.value is not None or found.drop.kinds)
        return not named and not self.rules.request.search(text.lower()) and \
            self.chat_acts.chatty(text)

    def decide(self, text: str, found: Found, shown: tuple[int, ...]) -> Chat:
        """The chat intent of a message, or an empty `Chat` when the preference rules decide."""
        g, y = found.genres, found.years
        asks = bool(found.refs or g.genres_in or g.genres_out or y.year_min or y.year_max)
        stated = asks or bool(found.roles.liked or found.roles.disliked)
        request = self.rules.request.search(text.lower())  # "a comedy, gotta go soon"
        more = found.similar or self.rules.requests_more(text)  # "..., keep them coming"
        if not (stated or request) and self.chat_acts.goodbye(text):
            return Chat((Intent.GOODBYE, 1.0))
        if self.chat_acts.reset(text):
            return Chat((Intent.RESET, 1.0))
        if self.chat_acts.to_bot(text) and not (
                request or found.refs or found.reactions or found.mentions or g.genres_out
                or y.year_min or y.year_max or more or social_intent(text)):
            return Chat((Intent.SMALLTALK, 1.0))  # "lol youre kinda funny for a bot"
        if not (stated or request or more or found.reactions or self.rules.explicit(text)) and \
                self.chat_acts.smalltalk(text, social_intent(text) == "thanks"):
            return Chat((Intent.SMALLTALK, 1.0))
        question = None if found.similar else self.questions.read(  # "what's like Heat?"
            text, found.mentions, [r for r, _ in found.refs], shown, found.named)
        if question:
            return Chat((Intent.ASK_ITEM, 1.0), question)
        cued = found.similar or any(m.cue for m in found.mentions)  # "like Taxi Driver"
        if self.chat_acts.off_topic(text, asks or cued):  # uncued titles aside: "in town"
            return Chat((Intent.OFF_TOPIC, 1.0))
        return Chat()
