"""Intent classification: general rules first, then the nearest exemplar sentence.

Rules catch what the words make certain ("forget me", "why #2", a liked title, a genre asked
for); a message none of them claims goes to ``IntentClassifier``, which embeds a handful of
exemplar sentences per intent once and picks the nearest by cosine similarity, or ``unknown``
under a threshold. The language model is never used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from chatrec.models.embedder import Embedder

EXEMPLARS: dict[str, tuple[str, ...]] = {
    "recommend": ("recommend me a movie", "what should I watch tonight",
                  "give me some movie suggestions", "I'm bored, find me a film",
                  "any good movies?", "surprise me with something to watch",
                  "I want to watch a movie", "pick a film for me"),
    "refine": ("something else please", "show me different ones", "other options please",
               "can you change the list", "not these, give me others", "show me more",
               "got any other ideas"),
    "more_like": ("more like that", "find me similar films", "movies like this one"),
    "like_title": ("I loved that movie", "that film was great", "I really enjoyed it"),
    "dislike_title": ("that movie was boring", "I hated it", "it was awful"),
    "feedback_ref": ("that one looks good", "not that one", "I've already seen that one"),
    "why": ("why did you recommend that", "explain your choice", "what made you pick it"),
    "profile": ("what do you know about me", "what are my preferences", "show my profile"),
    "greeting": ("hi", "hello there", "hey", "good morning", "hey there, hello"),
    "thanks": ("thanks", "thank you so much", "thx", "cheers, that's helpful"),
    "smalltalk": ("how are you doing today", "what should I call you", "are you an AI or a person",
                  "say something funny", "who built you", "do you enjoy films yourself",
                  "which film is your own favourite", "pleased to meet you", "alright, sounds good",
                  "haha", "you're hilarious", "bye, see you later"),
    "help": ("help", "what can you do", "how does this work", "what can I ask you",
             "how do I use this"),
}
SIMILARITY_THRESHOLD = 0.5
# Intents that delete or change data irreversibly: only an explicit phrase (a rule) may choose
# them, never a sentence that merely resembles an exemplar ("keep going" ~ "start over").
RULE_ONLY_INTENTS = frozenset({"forget"})

_FORGET = re.compile(r"\b(forget (about )?(me|everything|all|my|what i)|start (over|again|fresh|"
                     r"from scratch)|from scratch|reset|clear (my|all|everything|the)|wipe|"
                     r"delete (my|all|everything)|erase|fresh start)\b")
_PROFILE = re.compile(r"what do you (know|remember) about me|what (have|did) i (tell|told|say|"
                      r"said)|what do (i|you think i) (like|want)|what have you learn|"
                      r"\b(show|see|view|list|display|what are|what's|whats|check|tell me)\b.*"
                      r"\bmy (profile|preferences|prefs|taste|likes|settings|data)\b|"
                      r"what do you know so far|do you remember what i|who am i to you|"
                      r"what('s| is) my (profile|taste)")
_WHY = re.compile(r"^\W*(why|y|how come|what made you|explain|reason for|whats the reason|"
                  r"what's the reason)\b|\bwhy('d| did| do| would| is| was| not| no| isn't| "
                  r"wasn't| didn't| the)\b")
_WHY_NOT = re.compile(r"\b(why|y|how come)\W+(\S+\s+){0,3}?(not|no|didn't|didnt|isn't|"
                      r"wasn't|aren't|haven't|hasn't|don't|dont|never|left out|missing|skip|"
                      r"skipped)\b")
_HELP = re.compile(r"^\W*(help|help me|i need help|need help|\?+|commands|menu|instructions)"
                   r"\W*$|\bhow (does|do) (this|it|you) work|\bwhat can (you|i) (do|ask|say)|"
                   r"\bhow (do|can|should) i (use|get started|start)\b|"
                   r"\bhow do i get (recs|recommend)|\bwhat (are )?(the )?commands|"
                   r"\bwhat do i (say|type)\b|\bhow do i talk to you|\bwhat are you able to\b|"
                   r"\bwhat kind of (things|questions) can")
_GREETING = re.compile(r"^\W*(hi+|hello+|hey+|heya|hiya|yo|howdy|hola|greetings|good (morning|"
                       r"afternoon|evening)|sup|what'?s up|wassup|morning|evening)\b")
_THANKS = re.compile(r"\b(thanks|thank you|thank u|thx|ty|cheers|much appreciated|"
                     r"appreciate it|tysm|thnx|tx)\b")
REQUEST = re.compile(r"\b(recommend|recommendation|recs?|suggest|suggestions?|what (should|"
                     r"can|could) (i|we) watch|something to watch|give me|show me|find me|"
                     r"looking for|in the mood for|i want (to watch|a|some|something)|"
                     r"i('d| would) like (to watch|a|some|something)|any (good )?(movies?|films?|"
                     r"ideas|suggestions)|surprise me|pick (a|something|me|one)|"
                     r"what to watch|wanna watch|want to watch|need (a|some|something)|"
                     r"what('s| is) good|what (movie|film)|(movie|film) (night|for tonight))\b")
# "keep going", "next", "any other ideas?", "none of those, try again": more or other picks.
_CONTINUE = re.compile(r"\b(keep (going|it up|(them|'em|em|it|those|the \w+) coming)|try again|"
                       r"(any|got any|some) others?\b|other ideas|what else|(show|give) me more|"
                       r"(next|another|new) (one|ones|batch|page|few|set|round|list)|"
                       r"more (picks|options|suggestions|ideas|recommendations|recs|please))\b|"
                       r"^\W*((ok|okay|alright|sure|cool|nice|great|so|and|let's|lets|got|"
                       r"got any|any|gimme)\W+)?(go on|carry on|more|next|again|another one)\W*"
                       r"(then|please|pls)?\W*$")
_WEAK_REQUEST = re.compile(r"\b(something|anything|movies?|films?|flicks?|watch|stuff)\b")
_COMPARATIVE = re.compile(r"\b(more recent|newer(?! than)|older(?! than)|less \w+|lighter|"
                          r"darker|shorter|funnier|scarier|happier|calmer|something else|"
                          r"anything else|different|instead|other (ones|options|movies|films|"
                          r"suggestions|picks)|not so|only|actually|rather|fewer|"
                          r"another|change|switch|no more)\b|(?<!not )(?<!n't )\btoo \w+")


@dataclass(frozen=True)
class Signals:
    """What the slot extractors found, as the intent rules need it."""

    liked: bool = False
    disliked: bool = False
    similar: bool = False
    refs: bool = False
    genres: bool = False  # genres asked for
    wish: bool = False  # descriptive words left over
    years: bool = False  # year bounds
    exclusions: bool = False  # genres excluded, or allowed again ("horror is fine")
    soft: bool = False  # soft avoids ("not too violent") or lifted ones


def rule_intent(text: str, signals: Signals) -> str | None:
    """The intent that general rules make certain, or None to ask the classifier."""
    low = text.lower().replace("’", "'")
    for name, pattern in (("forget", _FORGET), ("profile", _PROFILE), ("why", _WHY),
                          ("help", _HELP)):
        if pattern.search(low) and not (name == "forget" and "forget it" in low):
            return name
    if signals.similar:
        return "more_like"
    if signals.refs:
        return "feedback_ref"
    request = bool(REQUEST.search(low))
    asks = request or bool(_WEAK_REQUEST.search(low))
    stated = signals.genres or signals.years or signals.exclusions
    if (signals.liked or signals.disliked) and not (stated or request):
        return "like_title" if signals.liked else "dislike_title"
    if _COMPARATIVE.search(low) or _CONTINUE.search(low):
        return "refine"
    if signals.liked or signals.disliked or signals.genres:
        return "recommend"
    if (signals.years or signals.wish) and asks:
        return "recommend"
    if signals.years or signals.exclusions or signals.soft:
        return "refine"
    return "recommend" if request else None


def continuation_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of "keep going", "try again", "next batch"...: asking for more picks,
    which describe nothing about the films wanted (so they are no part of the wish)."""
    return [m.span() for m in _CONTINUE.finditer(text.lower().replace("’", "'"))]


def is_why_not(text: str) -> bool:
    """Whether a why-question asks about something left out ("why not Heat?")."""
    return bool(_WHY_NOT.search(text.lower().replace("’", "'")))


def social_intent(text: str) -> str | None:
    """greeting / thanks for a message that carries nothing else."""
    low = text.lower().replace("’", "'")
    if _THANKS.search(low):
        return "thanks"
    if _GREETING.search(low):
        return "greeting"
    return None


class IntentClassifier:
    """Nearest-exemplar intent classifier over a sentence embedder (MiniLM, or the fake)."""

    def __init__(self, embedder: Embedder, threshold: float = SIMILARITY_THRESHOLD,
                 exemplars: dict[str, tuple[str, ...]] | None = None) -> None:
        table = {name: texts for name, texts in (exemplars or EXEMPLARS).items()
                 if name not in RULE_ONLY_INTENTS}
        self.embedder = embedder
        self.threshold = threshold
        self._labels = [name for name, texts in table.items() for _ in texts]
        self._vectors = embedder.encode([t for texts in table.values() for t in texts])

    def classify(self, text: str) -> tuple[str, float]:
        """(intent, cosine) of the nearest exemplar; ``unknown`` below the threshold."""
        vector = self.embedder.encode([text])[0]
        sims = self._vectors @ vector
        best = int(np.argmax(sims))
        score = float(sims[best])
        return (self._labels[best], score) if score >= self.threshold else ("unknown", score)
