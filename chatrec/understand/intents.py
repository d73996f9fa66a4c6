"""Intent classification: general rules first, then the nearest exemplar sentence.

Rules catch what the words make certain ("forget me", "why #2", a liked title, a genre asked
for); a message none of them claims goes to ``IntentClassifier``, which embeds a handful of
exemplar sentences per intent once and picks the nearest by cosine similarity, or ``unknown``
under a threshold. The language model is never used here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import tomllib

from chatrec.domain.vocabulary import Vocabulary, article
from chatrec.models.embedder import Embedder
from chatrec.understand.learned import NearestLines, learned_intents

EXEMPLARS_FILE = Path(__file__).resolve().parent / "exemplars.toml"
SIMILARITY_THRESHOLD = 0.5
RECENT = 32  # message vectors kept
# Intents that delete or change data irreversibly: only an explicit phrase (a rule) may choose
# them, never a sentence that merely resembles an exemplar ("keep going" ~ "start over").
RULE_ONLY_INTENTS = frozenset({"forget"})

_FORGET = re.compile(r"\b(forget (about )?(me|everything|all|my|what i)|start (over|again|fresh|"
                     r"from scratch)|from scratch|reset|clear (my|all|everything|the)|wipe|"
                     r"delete (my|all|everything)|erase|fresh start|"
                     r"(remove|delete|wipe) (every bit of |all )?(of )?(the )?data (you|u) (have|"
                     r"keep|hold|store)|"
                     r"(remove|delete|wipe) (all )?(of )?my (profile|data|history|info|"
                     r"information|account|ratings)|(stop|quit|don'?t want you|do not want you) "
                     r"(keeping|storing|saving|remembering|tracking))\b")
_PROFILE = re.compile(r"what do you (know|remember) about me|what (have|did) i (tell|told|say|"
                      r"said)|what do (i|you think i) (like|want)|what have you learn|"
                      r"\b(show|see|view|list|display|what are|what's|whats|check|tell me)\b.*"
                      r"\bmy (profile|preferences|prefs|taste|likes|settings|data)\b|"
                      r"what do you know so far|do you remember what i|who am i to you|"
                      r"what('s| is) my (profile|taste)|"
                      r"what (have|did) i (liked?|rated?|loved|hated|disliked|thumbs?)\b|"
                      r"\bwhich (\w+ )?(did|have) i (say|said|tell|told|like|liked|rate|rated|"
                      r"dislike|disliked|love|loved|hate|hated)\b|"
                      r"what do (you|u) think my (taste|type|preferences?) (is|are)|"
                      r"\bremind me what i\b|what (have you|you'?ve) got on me|"
                      r"\bwhat do (you|u) (have|know|got) on me\b|"
                      r"\bwhat (do|did) i (tell|told|say|said) (you|u)\b|"
                      r"\b(list|show)( me)? the \w+ (i|i'?ve|i have) (said i |told you i )?"
                      r"(gave|given|rated|liked|loved|disliked|hated)\b|"
                      r"\bwhat (kind|sort|type) of \w+ am i\b|"
                      r"\bwhat (do|did) (you|u) (have|got) on me\b|"
                      r"\b(what|which) (\w+ )?do (you|u) think i (like|want|enjoy)|"
                      r"\bwhat (genres|kinds?|sorts?) (of \w+ )?do i (like|want|enjoy)\b|"
                      r"\b(show|tell|remind) (me )?what (i|i'?ve|ive|i have) (liked|rated|loved|"
                      r"disliked|hated|said|told you)\b")
_WHY = re.compile(r"^\W*((hmm+|hm+|um+|so|wait|ok|okay|but|and)\W+)?(why|y|how come|"
                  r"what made (you|u)|explain|reason for|whats the reason|"
                  r"what's the reason)\b|\bwhy('d| did| do| would| is| was| not| no| isn't| "
                  r"wasn't| didn't| the)\b")
# "yeah why not", "sure, why not!": agreeing, no question about a pick.
# (after a pick's title too: "deep rising sure why not")
_AGREE_WHY_NOT = re.compile(r"((^|[?!.,]\s*)\W*((yeah|yes|yep|sure|ok|okay|alright|hmm|eh|well|"
                            r"meh|oh)\W+)*|\b(yeah|yes|yep|sure|ok|okay|alright)\W+)"
                            r"why not\b\W*($|,|\.|!|i'?ll|lets|let's|i'?d|go|sounds)")
_WHY_NOT = re.compile(r"\b(why|y|how come)\W+(\S+\s+){0,3}?(not|no|didn't|didnt|isn't|"
                      r"wasn't|aren't|haven't|hasn't|don't|dont|never|left out|missing|skip|"
                      r"skipped)\b")
_HELP = re.compile(r"^\W*(help|help me|i need help|need help|\?+|commands|menu|instructions)"
                   r"\W*$|\bhow (does|do) (this|it|you) work|"
                   r"\bwhat can (you|i) ((actually|even|really) )?(do|ask|say)|"
                   r"\bhow (do|can|should) i (use|get started|start)\b|"
                   r"\bhow do i get (recs|recommend)|\bwhat (are )?(the )?commands|"
                   r"\b(list of|any) commands\b|"
                   r"\bwhat do i (say|type)\b|\bhow do i talk to you|\bwhat are you able to\b|"
                   r"\bwhat kind of (things|questions) can|"
                   r"\bwhat (kinds?|sorts?|types?) of (things|questions|stuff) (can|do|should) "
                   r"(i|you|u)\b|\bwhat (kinda|sorta) (things|questions|stuff) (can|do|should) "
                   r"(i|you|u)\b|^\W*(can|could) i (rate|save|thumbs? up|give (ratings|"
                   r"feedback))\b|\bwhat are my options( here)?\W*$|"
                   r"\bhow (do|can|should) i (rate|like|dislike|save|search|ask|tell you)\b|"
                   r"\bwhat (can|do|should) i (type|write|say|do here|ask)\b|"
                   r"\bexplain (what|how) (i|you|this|it)\b|"
                   r"^\W*(i'?m |im )?(so )?(confused|lost)\W*$|"
                   r"\bhow do i even\b|\bi'?m (confused|lost|stuck)\b.*\bwhat\b|"
                   r"^\W*(i )?(need|want) (some |a little |a bit of )?help\W*$|"
                   r"\bwhat (are|r) (you|u) for\b|\bwhat do (you|u) (even )?do\W*$")
_HELLO = r"hi+|hello+|hey+|heya|hiya|yo|howdy|hola|greetings|sup|what'?s up|wassup"
_GREETING = re.compile(rf"^\W*({_HELLO}|good (morning|afternoon|evening)|morning|evening)\b")
# A greeting and nothing but words for the bot: "heyyy movie bot, u there?", "yo movie bot".
_GREETING_ONLY = re.compile(rf"^\W*({_HELLO})\W+(there\W+|again\W+)?((my |the )?(\w+ )?(bot|"
                            r"robot|chatbot|buddy|friend|mate|pal))?\W*((are |r )?(you|u) there"
                            r"\W*)?$")
_THANKS = re.compile(r"\b(thanks+|thank yo+u+|thank u+|thx|ty|cheers|much appreciated|"
                     r"appreciate it|tysm|thnx|tx|much obliged|many thanks)\b|^\W*ta\W*$")
# {V}: the catalog's verbs ("watch"), {N}: its item nouns, {S}: singular ones, {P}: plural ones.
_REQUEST = (r"\b(recommend|recommendation|recs?|suggest|suggestions?|what (else )?(should|can|"
            r"could) (i|we) ({V})|something to ({V})|give me|gimme|show me|find me|looking for|"
            r"(?<!not )(?<!n't )in the mood for|"
            r"i want (to ({V})|a|some|something)|i('d| would) like (to ({V})|a|some|something)|"
            r"any (good )?({N}|ideas|suggestions)|surprise me|pick (a|something|me|one)|"
            r"what to ({V})|wanna ({V})|want to ({V})|need (a|some|something)|what('s| is) good|"
            r"what ({S})|({S}) (night|for tonight))\b")
# "keep going", "next", "any other ideas?", "none of those, try again": more or other picks;
# "same picks again?" complains that they did not change.
_CONTINUE = re.compile(r"\b(keep (going|it up|(them|'em|em|it|those|the \w+) coming)|try again|"
                       r"(any|got any|some) others?\b|other ideas|what else|(show|give) me more|"
                       r"(next|another|new) (one|ones|batch|page|few|set|round|list)|"
                       r"more (picks|options|suggestions|ideas|recommendations|recs|please)|"
                       r"same (picks|ones|stuff|list|suggestions|recs|things) (again|as before))\b|"
                       r"(^|[.!?]\s*)(any )?others\W*$|"
                       r"(^|[.!?,;]\s*)(any |got any |some )?others\s*\?|"
                       r"^\W*((ok|okay|alright|sure|cool|nice|great|so|and|let's|lets|got|"
                       r"got any|any|gimme)\W+)?(go on|carry on|more|next|again|another one)\W*"
                       r"(then|please|pls)?\W*$")
# (typed short too: "somethin with boxing in it"; or a noun phrase alone: "a good biopic")
_WEAK_REQUEST = (r"\b(something|somethin|sumthin|sumthing|smth|anything|anythin|{N}|{V}|stuff)\b|"
                 r"^\W*(a|an|some) (really |very )?(good|great|nice|decent|fun|solid|proper|"
                 r"classic|cool|fun|funny|light|dark|old|new)\b")
_COMPARATIVE = (r"\b(more recent|newer(?! than)|older(?! than)|less \w+|lighter|darker|shorter|"
                r"funnier|scarier|happier|calmer|something else|anything else|different|instead|"
                r"other (ones|options|{P}|suggestions|picks)|not so(?! much)|only|actually|rather|"
                r"fewer|another|change|switch|no more|"
                r"(drop|forget|ditch|lose|scrap) the \w+( \w+)? (thing|stuff|idea|bit))\b|"
                r"(?<!not )(?<!n't )\btoo \w+")


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


def _alternatives(words: Sequence[str]) -> str:
    """A regex alternation of ``words``, longest first; one that never matches when empty."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in ordered) or "(?!x)x"


class IntentRules:
    """The rules whose words depend on the catalog ("any good movies?", "what should I read"),
    compiled once per vocabulary, plus the general ones."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        fill = {"{V}": _alternatives(vocabulary.verbs), "{N}": _alternatives(
            vocabulary.item_words), "{S}": _alternatives(vocabulary.item_singulars),
            "{P}": _alternatives(vocabulary.item_plurals)}
        self.request = re.compile(_fill(_REQUEST, fill))
        self.weak_request = re.compile(_fill(_WEAK_REQUEST, fill))
        self.comparative = re.compile(_fill(_COMPARATIVE, fill))

    def explicit(self, text: str) -> str | None:
        """forget / profile / why / help when their phrases make them certain, else None."""
        low = text.lower().replace("’", "'")
        for name, pattern in (("forget", _FORGET), ("profile", _PROFILE), ("why", _WHY),
                              ("help", _HELP)):
            if pattern.search(low) and not (name == "forget" and "forget it" in low) and not (
                    name == "why" and _AGREE_WHY_NOT.search(low)):
                return name
        return None

    def requests_more(self, text: str) -> bool:
        """Whether a message asks for (other) picks: "any more from the 90s?", "show me more"."""
        low = text.lower().replace("’", "'")
        return bool(self.request.search(low) or _CONTINUE.search(low))

    def decide(self, text: str, signals: Signals) -> str | None:
        """The intent that general rules make certain, or None to ask the classifier."""
        low = text.lower().replace("’", "'")
        explicit = self.explicit(low)
        if explicit:
            return explicit
        if _GREETING_ONLY.search(low):
            return "greeting"
        if signals.similar:
            return "more_like"
        if signals.refs:
            return "feedback_ref"
        request = bool(self.request.search(low))
        asks = request or bool(self.weak_request.search(low))
        stated = signals.genres or signals.years or signals.exclusions
        if (signals.liked or signals.disliked) and not (stated or request):
            return "like_title" if signals.liked else "dislike_title"
        if (signals.liked or signals.disliked) and describes_title(low, signals, request):
            return "like_title" if signals.liked else "dislike_title"
        if self.comparative.search(low) or _CONTINUE.search(low):
            return "refine"
        if signals.liked or signals.disliked or signals.genres:
            return "recommend"
        if (signals.years or signals.wish) and asks:
            return "recommend"
        if (signals.exclusions or signals.soft) and request:
            return "recommend"  # "recommend me anything tonight except horror": a request
        if signals.years or signals.exclusions or signals.soft:
            return "refine"
        return "recommend" if request else None


_ASKING = re.compile(r"\b(any|more|some|something|anything|else|instead|recommend|suggest|"
                     r"show|give|find|want|need|looking|next|other|others|similar|please|pls)\b"
                     r"|\?")


def describes_title(low: str, signals: Signals, request: bool) -> bool:
    """Whether genre words only describe a title the user judges ("Grease is my favourite
    musical", "Austin Powers wasn't funny"): no era, exclusion or word that asks for picks."""
    return (signals.genres and not (signals.years or signals.exclusions or request)
            and not _ASKING.search(low))


def _fill(pattern: str, fill: Mapping[str, str]) -> str:
    """``pattern`` with each placeholder replaced by its alternation."""
    for key, value in fill.items():
        pattern = pattern.replace(key, value)
    return pattern


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


@cache
def _exemplar_templates(path: Path = EXEMPLARS_FILE) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def intent_exemplars(vocabulary: Vocabulary) -> dict[str, tuple[str, ...]]:
    """The exemplar sentences per intent, in this catalog's words ("movie", "book")."""
    data = _exemplar_templates()
    nouns = vocabulary.item_nouns
    (noun, nouns1), (noun2, nouns2) = nouns[0], (nouns[1] if len(nouns) > 1 else nouns[0])
    fields = {"noun": noun, "nouns": nouns1, "noun2": noun2, "nouns2": nouns2,
              "a_noun": f"{article(noun)} {noun}", "a_noun2": f"{article(noun2)} {noun2}",
              "verb": vocabulary.verbs[0] if vocabulary.verbs else data["default_verb"]}
    return {name: tuple(t.format(**fields) for t in texts)
            for name, texts in data["intents"].items()}


class IntentClassifier:
    """Nearest-exemplar intent classifier over a sentence embedder (MiniLM, or the fake)."""

    def __init__(self, embedder: Embedder, exemplars: Mapping[str, Sequence[str]],
                 threshold: float = SIMILARITY_THRESHOLD,
                 learned: NearestLines | None = None) -> None:
        self.learned = learned  # the kNN over labelled lines, asked before the exemplars
        table = {name: texts for name, texts in exemplars.items()
                 if name not in RULE_ONLY_INTENTS}
        self.embedder = embedder
        self.threshold = threshold
        self._labels = [name for name, texts in table.items() for _ in texts]
        self._vectors = embedder.encode([t for texts in table.values() for t in texts])
        self._recent: dict[str, np.ndarray] = {}  # message -> vector, for the act fallback too

    @classmethod
    def for_vocabulary(cls, embedder: Embedder, vocabulary: Vocabulary,
                       threshold: float = SIMILARITY_THRESHOLD) -> IntentClassifier:
        """A classifier over `intent_exemplars` of ``vocabulary``, backed by the learned
        nearest lines (`learned.learned_intents`, never a rule-only intent)."""
        return cls(embedder, intent_exemplars(vocabulary), threshold,
                   learned_intents(embedder, RULE_ONLY_INTENTS))

    def vector(self, text: str) -> np.ndarray:
        """The embedding of one message, kept for the last few messages: the reaction
        fallback and the classifier read the same message in one turn."""
        if text not in self._recent:
            if len(self._recent) >= RECENT:
                self._recent.pop(next(iter(self._recent)))
            self._recent[text] = self.embedder.encode([text])[0]
        return self._recent[text]

    def classify(self, text: str) -> tuple[str, float]:
        """(intent, score): the learned nearest lines' when they agree clearly (their share of
        the vote, kept under 1.0: no rule decided), else the nearest exemplar's cosine, or
        ``unknown`` below the threshold."""
        vector = self.vector(text)
        decided = self.learned.decide(vector, self.threshold) if self.learned is not None else None
        if decided is not None and decided[0] not in RULE_ONLY_INTENTS:
            return decided[0], min(decided[1], 0.99)
        sims = self._vectors @ vector
        best = int(np.argmax(sims))
        score = float(sims[best])
        return (self._labels[best], score) if score >= self.threshold else ("unknown", score)
