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
