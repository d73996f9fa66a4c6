"""Dialogue acts for reactions to the picks on screen: accept, seen (liked / disliked / no
verdict), not seen, reject and "more like this one".

The phrases are data (``reactions.toml``), filled with the catalog's verbs ("watch" / "read"),
so a books catalog reads "haven't read it" as a movie catalog reads "haven't seen it". Which
picks a reaction is about (positions, titles of shown picks, the pick in focus) is resolved by
`read_reactions`; this module only decides the act of a message.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Protocol

import tomllib

from chatrec.domain.vocabulary import Vocabulary
from chatrec.understand.acts import Act, Reaction
from chatrec.understand.lexicon import FLIPPERS, tokenize
from chatrec.understand.speaker import SpeakerView
from chatrec.understand.verdicts import VerdictReader

REACTIONS_FILE = Path(__file__).resolve().parent / "reactions.toml"
# Flippers that negate a verb a few words on ("haven't actually seen it"); "no" only
# answers ("no, i've seen it").
NEGATIONS = (FLIPPERS - {"no"}) | {"haven't", "havent", "hasn't", "hasnt", "hadn't", "hadnt",
                                   "won't", "wont", "shan't"}
_CLAUSE_STOPS = frozenset({",", ".", ";", "!", "?", "but", "and", "-"})
# Words after "too" that do not say too what ("seen it too and loved it", "me too i guess").
_NOT_TOO_WHAT = frozenset({"and", "but", "or", "so", "i", "we", "lol", "haha", "tbh", "though",
                           "btw", "actually", "already", "honestly", "then", "now", "many",
                           "much", "often"})
_VIEWINGS = re.compile(r"\b(\d{1,3}) ?(?:times|x)\b")  # "seen it 20 times", "watched it 10x"
_QUESTION_SEEN = re.compile(r"\b(have|did|had) (you|u|ya) ({done})\b")


class ActGuesser(Protocol):
    """What `ActReader` needs of the embedding fallback (``act_guess.ActGuess``)."""

    def act(self, text: str) -> Act | None: ...


def _compile(phrase: str, fill: dict[str, str]) -> str:
    """One phrase as a regex fragment: apostrophes optional, "*" up to three words, "+" one."""
    parts = []
    for word in phrase.split():
        if word == "*":
            parts.append(r"(?:\S+\s+){0,3}?")
            continue
        if word == "+":
            parts.append(r"[a-z]\S*\s+")
            continue
        body = re.escape(word).replace("'", "'?")
        for key, value in fill.items():
            body = body.replace(re.escape(key), value)
        parts.append(body + r"\s+")
    return "".join(parts).removesuffix(r"\s+")


@cache
def table(path: Path = REACTIONS_FILE) -> dict:
    """The parsed ``reactions.toml`` (read once)."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


class ActReader:
    """Decides the reaction act of a message in one catalog's words (build once)."""

    def __init__(self, vocabulary: Vocabulary, guess: ActGuesser | None = None) -> None:
        self.guess = guess  # the embedding fallback (act_guess.ActGuess), or None
        data = table()
        verbs = [*vocabulary.verbs] or ["try"]
        done = sorted({*vocabulary.cue_verbs, "seen", "saw"} - {f"{v}ing" for v in verbs}
                      - {"watching", "reading"}, key=len, reverse=True)
        fill = {"{verb}": "(?:" + "|".join(map(re.escape, verbs)) + ")",
                "{done}": "(?:" + "|".join(map(re.escape, done)) + ")"}
        self._question = re.compile(_QUESTION_SEEN.pattern.replace("{done}", fill["{done}"]))
        self.patterns = {name: self._group(data[name], fill) for name in (
            "not_seen", "will_try", "seen", "more_like", "accept", "reject", "past_markers",
            "seen_blame", "positive_extra", "negative_extra", "all_shown", "others", "frequency",
            "prospective", "chat_done", "all_but")}
        self.interjections = frozenset(data["interjections"])
        self.future_words = frozenset(data["future_words"])
        self.judge = VerdictReader(data, self.patterns["positive_extra"],
                                   self.patterns["negative_extra"])
        self.affirmations = self.judge.affirmations
        self.question_starts = frozenset(data["question_starts"])
        self.denials = frozenset(data["denials"])
        self.answers = frozenset(data["answers"])
        self.fond_viewings: int = data["fond_viewings"]
        self.more_words = frozenset(data["more_words"])
        self.asked_avoid = frozenset(data["asked_avoid"])
        self.speaker = SpeakerView(data["speaker"])

    @staticmethod
    def _group(phrases: list[str], fill: dict[str, str]) -> re.Pattern[str]:
        ordered = sorted(phrases, key=len, reverse=True)
        body = "|".join(_compile(p, fill) for p in ordered)
        return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])")

    def is_question(self, text: str) -> bool:
        """Whether a message opens with a question word ("is #2 scary?", "who is in it")."""
        return normalise(text).split(" ", 1)[0] in self.question_starts

    def has(self, name: str, text: str) -> bool:
        """Whether a phrase group (``reactions.toml``) occurs in normalised ``text``."""
        return bool(self.patterns[name].search(text))

    def act(self, text: str, asks: bool = True, guess: bool = False
            ) -> tuple[Act | None, bool, bool]:
        """(the act of a message, whether a not-seen pick is wanted, whether a phrase of
        ``reactions.toml`` said so rather than a bare verdict or "yes"); (None, False, False)
        when the message reacts to nothing; ``asks`` False: its first word is no question word;
        ``guess``: ask the embedding fallback when no phrase decides."""
        low = normalise(text)
        if asks and self.is_question(low):
            # "is gattaca any good? never heard of it": the words after the question react
            low = low.partition("?")[2].strip(" ?")
            if not low or self.is_question(low):
                return None, False, False
        found = self._phrased(low)
        if found[0] is None and guess and self.guess is not None:
            return self._guessed(text, low)
        return found

    def _guessed(self, text: str, low: str) -> tuple[Act | None, bool, bool]:
        """The fallback's act; "seen" takes the message's verdict as the phrases do."""
        act, sentiment = self.guess.act(text), self.sentiment(low)
        if act is Act.SEEN:
            act = {True: Act.SEEN_LIKED, False: Act.SEEN_DISLIKED}.get(sentiment, act)
        if (act, sentiment) in {(Act.ACCEPT, False), (Act.REJECT, True)}:
            act = None  # the words judge the other way: no guess against them
        if act in {Act.ACCEPT, Act.SEEN} and FLIPPERS & {t.lower for t in tokenize(low)}:
            act = None  # sentence vectors hardly see a negation: "not" may turn it round
        if act is None:
            return None, False, False
        return act, act is Act.NOT_SEEN and self.has("will_try", low), True

    def _phrased(self, low: str) -> tuple[Act | None, bool, bool]:
        """The act the phrases and verdict words decide (None when they do not)."""
        low = self._question.sub(" ", low)  # "have you seen X?" asks, it does not react
        low = self.patterns["frequency"].sub(_unless_too_what, low)  # "seen it too many times"
        low = self.patterns["chat_done"].sub(" ", low)  # "i'm done": the chat, not a pick
        low = self.speaker.of(low)  # "my wife loved it, i didn't": the speaker's verdict
        sentiment = self.sentiment(low)
        if self.has("not_seen", low) or self._negated("seen", low):
            # "never seen it and 3 hours of subs? no": not seen and not wanted either
            denied = bool(set(low.split()[-1:]) & self.denials)
            # "nope never seen that": a "no" opening the message answers "seen it?", it
            # refuses nothing; "never seen it and 3 hours of subs? no" does refuse
            rest = self._unanswered(low)
            if (self.has("reject", rest) or denied) and not self.has("will_try", low):
                return Act.REJECT, False, True
            return Act.NOT_SEEN, self.has("will_try", low), True
        if self.has("more_like", low):
            return Act.MORE_LIKE, False, True
        if self.has_seen(low):
            judged = self.sentiment(low, skip=self.interjections)  # "nah, seen it": no verdict
            if judged is None and self._fond(low) and not self.speaker.others.search(low):
                judged = True  # "seen it 20 times": watched again and again, so liked
            verdict = {True: Act.SEEN_LIKED, False: Act.SEEN_DISLIKED}.get(judged, Act.SEEN)
            return verdict, False, True
        if self.has("seen_blame", low) and sentiment is not True and not self.has(
                "prospective", low):
            return Act.SEEN_DISLIKED, False, True  # "die hard 2 is the weakest one, skip"
        if self.has("accept", low) and self._negated("accept", low):
            return Act.REJECT, False, True  # "not gonna watch it", "wouldn't go for that"
        if self.has("reject", low) and self._last("reject", low) > self._last("accept", low):
            return Act.REJECT, False, True  # "sounds good but not tonight": the last one wins
        if self.has("accept", low) and sentiment is not False and not self._negated_accept(low):
            return Act.ACCEPT, False, True
        if self.has("reject", low):
            return Act.REJECT, False, True
        if sentiment is not None:
            return self._verdict(low, sentiment), False, False
        words = {_unstretch(t.lower) for t in tokenize(low)}  # "yesss", "nooo"
        if words & self.denials:
            return Act.REJECT, False, False
        if words & self.affirmations:
            return Act.ACCEPT, False, False
        return None, False, False

    def _fond(self, low: str) -> bool:
        """Whether a viewing count is high enough to say the pick is loved ("seen it 20
        times"); a few viewings ("saw it 3 times in school") judge nothing, nor someone
        else's ("she's seen it like 50 times")."""
        return any(int(m.group(1)) >= self.fond_viewings for m in _VIEWINGS.finditer(low))

    def _unanswered(self, low: str) -> str:
        """``low`` without the yes/no answer words that open it ("nope, never seen it")."""
        words = low.split()
        while words and (words[0] in self.answers or words[0] in {",", "."}):
            words = words[1:]
        return " ".join(words)

    def _verdict(self, low: str, positive: bool) -> Act:
        """A bare verdict: praise of a pick not yet seen ("could be fun", "perfect, putting it
        on tonight") accepts it; other praise is about a pick seen ("Babe is cute"); blame
        is a rejection unless the words say it was watched ("was dull", "bored me")."""
        past = self._unplanned("past_markers", low)
        if positive:
            ahead = (self.has("prospective", low) or self.judge.emoji_only(low)) and not past
            return Act.ACCEPT if ahead else Act.SEEN_LIKED
        return Act.SEEN_DISLIKED if past else Act.REJECT

    def has_seen(self, low: str) -> bool:
        """A "seen" phrase that is no plan: "i'll read it tonight" (books) is not a read."""
        return self._unplanned("seen", low)

    def _unplanned(self, name: str, low: str) -> bool:
        """Whether a phrase of group ``name`` occurs without a future word just before it
        ("i'll read it", "my kids will love it": a plan or a guess, nothing done yet)."""
        for match in self.patterns[name].finditer(low):
            before = low[:match.start()].split()[-2:]
            if not self.future_words & set(before):
                return True
        return False

    def _last(self, name: str, low: str) -> int:
        """Where the last phrase of group ``name`` starts (-1: none)."""
        return max((m.start() for m in self.patterns[name].finditer(low)), default=-1)

    def _negated(self, name: str, low: str) -> bool:
        """Whether a flipper stands shortly before a phrase of group ``name`` in its clause
        ("i don't think i've ever watched it", "not gonna watch it")."""
        for match in self.patterns[name].finditer(low):
            before = low[:match.start()].split()[-4:]
            cut = max((k for k, w in enumerate(before) if w in _CLAUSE_STOPS), default=-1)
            if any(w in NEGATIONS for w in before[cut + 1:]):  # "no, i've seen it" is none
                return True
        return False

    def _negated_accept(self, low: str) -> bool:
        """Whether every accepting phrase sits inside a rejecting one ("not interested in",
        "not keen on")."""
        rejects = [m.span() for m in self.patterns["reject"].finditer(low)]
        return all(any(a < e and s < b for s, e in rejects)
                   for a, b in (m.span() for m in self.patterns["accept"].finditer(low)))

    def sentiment(self, low: str, skip: frozenset[str] = frozenset()) -> bool | None:
        """How the words judge a pick (`VerdictReader.sentiment`): True well, False badly."""
        return self.judge.sentiment(low, skip)


def _unless_too_what(match: re.Match[str]) -> str:
    """A frequency or "also" phrase removed, but not one opening the message with a "too"
    that says too what: "trainspotting too grim for tonight" (the pick named is read as "it")
    judges; "seen it too" and "is that too scary?" do not; nor does "too much for me"."""
    after = match.string[match.end():].split(maxsplit=1)
    keep = match.start() == 0 and match.group(0).endswith("too") and bool(after) \
        and after[0].isalpha() and after[0] not in _NOT_TOO_WHAT
    # "it was too much for me" judges the pick; "seen it too much" only counts
    keep = keep or (match.group(0) == "too much" and after[:1] == ["for"])
    return match.group(0) if keep else " "


def yes_no(text: str) -> bool | None:
    """True for "yes"/"yeah, that one", False for "no"/"nope", None for anything else (a
    message that says more than a yes or no is a new request)."""
    data = table()
    low = normalise(text).strip(" .!?,")
    words = low.split()
    if not words or len(words) > 4:
        return None
    for answer, key in ((False, "no_words"), (True, "yes_words")):
        if any(low == p or low.startswith(p + " ") for p in data[key]):
            return answer
    return None


def _unstretch(word: str) -> str:
    """A word typed with its last letter held ("yesss", "nahhh") back to its short form."""
    return word.rstrip(word[-1]) + word[-1] if len(word) > 2 and word[-1] == word[-2] == word[-3] \
        else word


def normalise(text: str) -> str:
    """Lower case with typographic apostrophes straightened and spaces around punctuation, so
    phrases match on word boundaries."""
    low = text.lower().replace("’", "'")
    return " ".join(t.lower for t in tokenize(low))


__all__ = ["Act", "ActReader", "Reaction", "normalise", "yes_no"]
