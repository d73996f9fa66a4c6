"""The gate every language-model sentence must pass before a user sees it.

The packaged LM is weak: it invents titles ("The 1994 film The Blair Witch Project"), refuses,
rambles and drifts off topic. The gate rejects an output that names a catalog title or a year
that is not among the items being shown, contains refusal or "as an AI" text, looks off topic,
or is too long. Rejections are counted so the rate can be reported.

Titles are found by looking the text's word n-grams up in a dictionary of normalised title keys,
so checking a streamed prefix costs the same on any catalog size.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from chatrec.domain.catalog import Catalog, normalize_title
from chatrec.domain.vocabulary import Vocabulary
from chatrec.reply.grounded import ReplyFacts

MAX_CHARS = 220
MAX_SENTENCES = 2
_REFUSAL_RE = re.compile(
    r"\b(as an ai|language model|i('m| am) (sorry|unable|not able)|i can(no|')t|sorry|"
    r"unfortunately|i don't have|i do not have|cannot (help|assist|provide))\b",
    re.IGNORECASE,
)
_OFF_TOPIC_RE = re.compile(r"(https?://|www\.|@|```|<[a-z/]|\{|\}|\bdef |\bimport )", re.I)
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)s?\b")
_QUOTED_RE = re.compile(r"[\"“”*]|\.\.\.|…")  # quoted names, ellipses (rambling)
_SHOUTING_RE = re.compile(r"\b[A-Z]{3,}\b")
_WORD_RE = re.compile(r"[a-z']+")
# A lead-in is on topic when it uses these words or the catalog's own (item nouns, verbs,
# context words such as "cinema"), or echoes a word the user said.
ON_TOPIC_WORDS = frozenset(
    "pick picks night lineup line-up choice choices mood "
    "taste classic classics story stories genre fan fans evening weekend "
    "recommendation recommendations suggestions ideas options list favourite favorite enjoy "
    "thrill thrills laugh laughs scary tense fun funny dark light cosy cozy "
    # short reactions to what the user said are on topic too
    "great wonderful awesome nice perfect excellent fantastic lovely glad sounds".split()
)
_CAPITALISED_WORD_RE = re.compile(r"\b[A-Z][\w'’-]*")


@dataclass(frozen=True)
class GateVerdict:
    """Whether an LM output may be shown, and if not, why."""

    ok: bool
    reason: str = ""


@dataclass
class GateStats:
    """Counts of gate decisions, safe to update from several threads."""

    checked: int = 0
    rejected: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, verdict: GateVerdict) -> None:
        with self._lock:
            self.checked += 1
            if not verdict.ok:
                self.rejected[verdict.reason.split(":")[0]] += 1

    def record_rejection(self, reason: str) -> None:
        """Count an output rejected before it was complete (mid-stream or too slow)."""
        self.record(GateVerdict(False, reason))

    @property
    def rejection_rate(self) -> float:
        """Share of checked outputs that were rejected (0 when none were checked)."""
        return sum(self.rejected.values()) / self.checked if self.checked else 0.0


class LeadInGate:
    """Checks a lead-in sentence against the catalog and the items being shown.

    ``vocabulary`` gives the on-topic words (built from the catalog unless given).
    """

    def __init__(self, catalog: Catalog, min_title_words: int = 2,
                 vocabulary: Vocabulary | None = None) -> None:
        self._catalog = catalog
        vocabulary = vocabulary or Vocabulary.from_catalog(catalog)
        self._on_topic = ON_TOPIC_WORDS | vocabulary.item_words | frozenset(
            vocabulary.context) | {w for v in vocabulary.verbs for w in (v, f"{v}ing")}
        self._topic = vocabulary.noun
        # The catalog's nouns, for prompts that talk about its items ("movie", "book").
        self.noun, self.nouns = vocabulary.noun, vocabulary.plural
        # Multi-word titles are matched anywhere; one-word titles ("Heat", "Crash") only when
        # capitalised mid-sentence, since they are ordinary words too.
        self._long_titles: dict[str, set[int]] = {}
        self._short_titles: dict[str, set[int]] = {}
        for index, key in enumerate(catalog.normalized_titles):
            table = self._long_titles if len(key.split()) >= min_title_words else self._short_titles
            if key:
                table.setdefault(key, set()).add(index)
        # First word -> the word counts of the long titles it starts; a title's rank is its
        # place in the catalog, so the first-ranked foreign title is reported, as a scan would.
        self._rank = {key: rank for rank, key in enumerate(self._long_titles)}
        self._starts: dict[str, set[int]] = {}
        for key in self._long_titles:
            words = key.split()
            self._starts.setdefault(words[0], set()).add(len(words))
        self.stats = GateStats()

    def check(self, text: str, shown: list[int], final: bool = True,
              context: str = "") -> GateVerdict:
        """Judge ``text`` given the user's message ``context``.

        With ``final=False`` (a prefix while streaming) only the checks that a longer text could
        not undo are applied, and nothing is counted.
        """
        verdict = self._judge(text, set(shown), final)
        if verdict.ok and final and not _on_topic(text, context, self._on_topic):
            verdict = GateVerdict(False, f"off topic: no {self._topic} words")
        if final:
            self.stats.record(verdict)
        return verdict

    def _judge(self, text: str, shown: set[int], final: bool) -> GateVerdict:
        stripped = text.strip()
        if final and not stripped:
            return GateVerdict(False, "empty")
        if len(stripped) > MAX_CHARS or _sentence_count(stripped) > MAX_SENTENCES:
            return GateVerdict(False, "too long")
        if _REFUSAL_RE.search(stripped):
            return GateVerdict(False, "refusal")
        if (_OFF_TOPIC_RE.search(stripped) or _QUOTED_RE.search(stripped)
                or _SHOUTING_RE.search(stripped)):
            return GateVerdict(False, "off topic")
        shown_years = {int(self._catalog.years[i]) for i in shown}
        for match in _YEAR_RE.finditer(stripped):
            year = int(match.group(1))
            if year not in shown_years and not match.group(0).endswith("s"):
                return GateVerdict(False, f"year: {year}")
        title = self._foreign_title(stripped, shown)
        if title:
            return GateVerdict(False, f"title: {title}")
        return GateVerdict(True)

    def _foreign_title(self, text: str, shown: set[int]) -> str | None:
        """A catalog title in ``text`` that is not one of the shown items, if any."""
        words = normalize_title(text).split()
        foreign = []
        for i, word in enumerate(words):
            for length in self._starts.get(word, ()):
                title = " ".join(words[i:i + length])
                items = self._long_titles.get(title)
                if items and not items & shown:
                    foreign.append((self._rank[title], title))
        if foreign:
            return min(foreign)[1]
        for word in _CAPITALISED_WORD_RE.findall(text):
            items = self._short_titles.get(normalize_title(word))
            if items and not items & shown:
                return word
        return None


def _on_topic(text: str, context: str, on_topic: frozenset[str]) -> bool:
    """An on-topic word, or a content word (4+ letters) shared with the user's message."""
    words = set(_WORD_RE.findall(text.lower()))
    echoed = {w for w in _WORD_RE.findall(context.lower()) if len(w) >= 4}
    return bool(words & on_topic or words & echoed)


def _sentence_count(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()])


# -- grounded replies (lm_reply = "grounded") ---------------------------------------------------
REPLY_MAX_CHARS = 320
REPLY_MAX_SENTENCES = 3
_YEAR_AFTER_TITLE_RE = re.compile(r"^\W{0,3}(1[89]\d\d|20\d\d)\b")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")


def check_reply(gate: LeadInGate, text: str, facts: ReplyFacts, final: bool = True,
                context: str = "") -> GateVerdict:
    """Judge a whole short reply written from ``facts``; the caller counts the verdicts.

    Each sentence passes the lead-in checks against the items the facts allow (no other
    catalog title or year, no refusal or rambling); every title's year must be that title's;
    every capitalised name must come from the facts or the user's message; and a final reply
    names at least one pick and asks the facts' question.
    """
    stripped = text.strip()
    if final and not stripped:
        return GateVerdict(False, "empty")
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", stripped) if s.strip()]
    if len(stripped) > REPLY_MAX_CHARS or len(sentences) > REPLY_MAX_SENTENCES:
        return GateVerdict(False, "too long")
    for sentence in sentences:
        verdict = gate._judge(sentence, set(facts.allowed), final=False)
        if not verdict.ok:
            return verdict
    checks = (_title_years(stripped, facts), _ungrounded_name(stripped, facts, context, final),
              _ungrounded_number(stripped, facts, context, final),
              _wrong_genre(sentences, facts, gate._catalog))
    for problem in checks:
        if problem:
            return GateVerdict(False, problem)
    if final and not _names_a_pick(stripped, facts):
        return GateVerdict(False, "no pick named")
    if final and facts.question and not _asks(sentences[-1], facts.question):
        return GateVerdict(False, "no question")
    return GateVerdict(True)


def _title_mentions(text: str, facts: ReplyFacts) -> list[tuple[int, int]]:
    """(end offset in ``text``, year) for each place a pick's title is written."""
    found, lowered = [], text.lower()
    for pick in facts.picks:
        start = lowered.find(pick.title.lower())
        while start >= 0:
            found.append((start + len(pick.title), pick.year))
            start = lowered.find(pick.title.lower(), start + 1)
    return found


def _title_years(text: str, facts: ReplyFacts) -> str:
    """A problem when a year written right after a pick's title is not that pick's year."""
    for end, year in _title_mentions(text, facts):
        match = _YEAR_AFTER_TITLE_RE.match(text[end:])
        if match and int(match.group(1)) != year:
            return f"year: {match.group(1)} is not the year of that title"
    return ""


def _ungrounded_name(text: str, facts: ReplyFacts, context: str, final: bool) -> str:
    """A capitalised word (not opening a sentence) that neither the facts nor the user used.

    The foreign-title check only knows catalog titles; an invented one ("The Midnight Run")
    is caught here. While streaming, the last word may be incomplete, so it is not judged.
    """
    known = facts.words() | {w.lower() for w in _WORD_RE.findall(context)} | {"i"}
    words = list(re.finditer(r"[A-Za-z][\w'’-]*", text))
    if not final and words and words[-1].end() == len(text):
        words = words[:-1]
    for match in words:
        before = text[: match.start()].rstrip()
        opens_sentence = not before or before[-1] in ".!?:"
        word = match.group(0)
        if word[0].isupper() and not opens_sentence and word.lower() not in known:
            return f"ungrounded: {word}"
    return ""


def _ungrounded_number(text: str, facts: ReplyFacts, context: str, final: bool) -> str:
    """A number (a rating, a count, a year) that is in neither the facts nor the message."""
    known = set(_NUMBER_RE.findall(facts.block())) | set(_NUMBER_RE.findall(context))
    numbers = list(_NUMBER_RE.finditer(text))
    if not final and numbers and text[numbers[-1].end():] in {"", ".", ","}:
        numbers = numbers[:-1]  # still being written ("4." may become "4.1")
    for match in numbers:
        if match.group(0) not in known:
            return f"ungrounded: {match.group(0)}"
    return ""


def _wrong_genre(sentences: list[str], facts: ReplyFacts, catalog: Catalog) -> str:
    """A catalog genre written next to picks that do not have it ("The Godfather, an action
    movie"): in a sentence that names picks, every genre word must be one of theirs."""
    genres = {g.lower() for item_genres in catalog.genres for g in item_genres}
    for sentence in sentences:
        named = [p for p in facts.picks if p.title.lower() in sentence.lower()]
        if not named:
            continue
        theirs = {g.lower() for p in named for g in p.genres}
        for word in re.findall(r"[a-z][\w'’-]*", sentence.lower()):
            if word in genres and word not in theirs:
                return f"genre: {word}"
    return ""


def _names_a_pick(text: str, facts: ReplyFacts) -> bool:
    return bool(_title_mentions(text, facts))


def _asks(sentence: str, question: str) -> bool:
    """Whether ``sentence`` is a question that shares a content word with ``question``."""
    words = {w for w in _WORD_RE.findall(question.lower()) if len(w) >= 4}
    return sentence.rstrip().endswith("?") and bool(set(_WORD_RE.findall(sentence.lower()))
                                                    & words)

