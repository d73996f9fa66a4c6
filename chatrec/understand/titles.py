"""Fuzzy title matching: a typed title, or title mentions inside a free sentence.

Keys are precomputed once per catalog (main title, alternative title in parentheses, the part
before a colon): every word n-gram of a message is looked up in that dictionary, and only the
spans a cue licenses are matched fuzzily, through a q-gram index (`FuzzyIndex`) that hands
rapidfuzz just the few keys that could pass the cutoff, so the cost of a message does not grow
with the catalog. Finding titles in a sentence is tuned for precision: ordinary words ("heat",
"kids", "crash") only count as titles when a cue licenses them ("I loved heat", "more like
Crash", "Fargo was great", a capitalised word mid-sentence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatrec.domain.catalog import Catalog, normalize_title
from chatrec.domain.commonness import phrase_commonness, zipf
from chatrec.domain.vocabulary import Vocabulary
from chatrec.understand.cues import (
    BARE,
    CONNECTORS,
    EVERYDAY,
    JUDGED,
    Cues,
    SpanReader,
    continues_after,
    rating_at,
)
from chatrec.understand.fuzzy import FuzzyIndex, Search
from chatrec.understand.lexicon import Lexicon, Token, tokenize
from chatrec.understand.title_candidates import Candidate, add_chained
from chatrec.understand.title_index import TitleKeys
from chatrec.understand.title_text import (
    ends_sentence,
    scaled_popularity,
    sentence_after,
    trailing_year,
)

_YEAR_RE = re.compile(r"^(?P<title>.*?)[\s,]*\(?(?P<year>(?:19|20)\d\d)\)?\s*$")
WHOLE_MESSAGE = "(whole message)"  # the cue of a title that is all the message says
CONFIDENT_SCORE = 92.0  # a fuzzy mention below this, with no cue word, is asked about first
MATCH_CUTOFF = 80.0  # fuzz.ratio for a typed title ("godfater" -> 94, "pulp fictoin" -> 92)
MENTION_CUTOFF = 86.0  # stricter inside sentences, where most n-grams are not titles
LONG_TITLE = 10  # characters from which one typo ("citizen kain") still reads with confidence
LONG_CONFIDENT = 88.0
AMBIGUITY_MARGIN = 3.0  # matches this close to the best one are shown as options
YEAR_PENALTY = 10.0  # a stated year that disagrees demotes a match below the ambiguity margin
MAX_TITLE_WORDS = 8
FUZZY_LIMIT = 8  # fuzzy keys considered per span
TYPO_MAX_ZIPF = 3.0  # a one-word span read fuzzily must be a rare spelling ("braveheat" 0.0)
TYPO_MAX_ZIPF_SPAN = 4.2  # one word of a longer one must be ("arc" 4.0; "happened" 5.4)
PREFIX_SCORE = 98.0  # "star trek" for "Star Trek: Generations"; "free willy 2" beats "free willy"
SHORT_SCORE = 90.0  # a long title's rare first word alone: "raiders"; asked about without a cue
# Evidence for a bare lower-case span (no cue, capitals, quotes or verdict): the item's
# popularity (log rating count over the catalog's largest, centred) against how common its
# words are (mean Zipf frequency, centred); below 0 it is an everyday phrase ("money talks",
# "home for the holidays"), below DOUBT a title asked about before a verdict is stored.
POPULARITY_WEIGHT = 4.0
POPULARITY_CENTRE = 0.6
COMMONNESS_CENTRE = 4.6
RUN_ON_PENALTY = 0.4  # "fools rush in where angels fear to tread": the sentence runs on
FUZZY_PENALTY = 0.1  # per point of fuzz.ratio below 100: "for the holidays" is no typo
DOUBT = 0.1
SEQUEL_BONUS = 1.5  # a bare span ending in a title's sequel number ("free willy 2 was...")
_LIST_MARKS = frozenset({"and", "or", ",", "&", "nor"})
JUDGED_DOUBT = -1.0  # a judged span ("big night was lovely") is asked about below this
# Cues after which a short name ("raiders", "first contact") is not read: "a film about first
# contact" speaks of a topic.
_NO_SHORT_NAME = frozenset({None, BARE, WHOLE_MESSAGE, "about"})
@dataclass(frozen=True)
class TitleMatch:
    """A catalog item matched by some text; ``score`` is 0-100, ``label`` is "Title (Year)"."""

    index: int
    score: float
    label: str


@dataclass(frozen=True)
class TitleMention:
    """A title found inside a message: character ``span``, the words, the candidates (best
    first), whether the dialogue should ask which one was meant, and the cue word before it."""

    span: tuple[int, int]
    text: str
    matches: tuple[TitleMatch, ...]
    ambiguous: bool
    cue: str = ""
    confident: bool = True  # False: a loose match with no cue word; ask before storing it


def is_ambiguous(matches: list[TitleMatch] | tuple[TitleMatch, ...]) -> bool:
    """Whether matches with two or more different labels score within ``AMBIGUITY_MARGIN`` of
    the best one; catalog duplicates ("Chasing Amy (1997)" twice) offer the user no choice."""
    if len(matches) < 2:
        return False
    floor = matches[0].score - AMBIGUITY_MARGIN
    return len({m.label for m in matches if m.score >= floor}) > 1


class TitleMatcher:
    """Matches user text against one catalog's titles (build once, reuse per message).

    ``vocabulary`` says which words are reserved (item nouns, genre words) and which verbs are
    cues; by default it is built from the catalog.
    """

    def __init__(self, catalog: Catalog, vocabulary: Vocabulary | None = None,
                 popularity: Sequence[float] | np.ndarray | None = None) -> None:
        self.catalog = catalog
        vocabulary = vocabulary or Vocabulary.from_catalog(catalog)
        self.cues = Cues(Lexicon.of(vocabulary))
        self._popularity = scaled_popularity(popularity, len(catalog))
        keys = TitleKeys.build(catalog, vocabulary.nicknames, self.cues.reserved)
        self._exact, self._prefix, self._short = keys.exact, keys.prefix, keys.short
        self._coined = keys.coined  # "t2", "fmj": no word of the language, so no cue needed
        self._keys = list(self._exact) + [k for k in self._prefix if k not in self._exact]
        self._fuzzy = FuzzyIndex(self._keys)

    def match(self, title_text: str, cutoff: float = MATCH_CUTOFF) -> list[TitleMatch]:
        """Catalog items for a typed title, best first; a trailing year ranks that year first."""
        found = _YEAR_RE.match(title_text.strip())
        year = int(found.group("year")) if found and found.group("title") else None
        key = normalize_title(found.group("title") if year else title_text)
        return self._rank(self._lookup(key, cutoff), year)

    def find_in_text(self, message: str, tokens: list[Token] | None = None
                     ) -> list[TitleMention]:
        """Title mentions in a free sentence, left to right, without overlaps (``tokens``:
        ``tokenize(message)``, when the caller has it already)."""
        tokens = tokenize(message) if tokens is None else tokens
        reader = self.cues.reader(tokens, message)
        candidates = [c for c in self._candidates(message, reader) if c.matches]
        chosen: list[Candidate] = []
        for cand in sorted(candidates, key=lambda c: -c.rank):
            if cand.cue is not None and not any(cand.overlaps(c) for c in chosen):
                chosen.append(cand)
        chosen = self._add_parts(add_chained(candidates, chosen, reader), tokens, message)
        return [self._mention(message, tokens, c) for c in chosen]

    def _lookup(self, key: str, cutoff: float, search: Search | None = None
                ) -> list[TitleMatch]:
        """Exact key, then a title's part before a colon, then fuzzy keys above ``cutoff``
        (through ``search`` when given: this message's, so a growing span's counts carry
        over)."""
        hits = self._exact.get(key) or self._prefix.get(key)
        if hits:
            score = 100.0 if key in self._exact else PREFIX_SCORE
            return [TitleMatch(i, score, self.catalog.label(i)) for i in hits]
        if len(key) < 4:  # a fuzzy "it" or "up" would match half the catalog
            return []
        best: dict[int, float] = {}
        for choice, score in (search or self._fuzzy.search()).extract(key, cutoff, FUZZY_LIMIT):
            found = self._keys[choice]
            if found not in self._exact:
                score = min(score, PREFIX_SCORE)
            for i in self._exact.get(found) or self._prefix[found]:
                best[i] = max(best.get(i, 0.0), score)
        return [TitleMatch(i, s, self.catalog.label(i)) for i, s in best.items()]

    def _rank(self, matches: list[TitleMatch], year: int | None) -> list[TitleMatch]:
        """Sort best first, demoting items whose year disagrees with a stated one; of catalog
        duplicates (same label) only the best-scored, lowest-index item stays."""
        if year is not None:
            matches = [m if int(self.catalog.years[m.index]) == year
                       else TitleMatch(m.index, m.score - YEAR_PENALTY, m.label)
                       for m in matches]
        first: dict[str, TitleMatch] = {}
        for match in sorted(matches, key=lambda m: (-m.score, m.index)):
            first.setdefault(match.label, match)
        return list(first.values())

    def _candidates(self, message: str, reader: SpanReader) -> list[Candidate]:
        """Every word n-gram that hits a title exactly, or fuzzily where a cue licenses it."""
        tokens, out = reader.tokens, []
        found: dict[tuple[str, float], list[TitleMatch]] = {}  # "the 90s" reads as "90s"
        is_word = [t.is_word for t in tokens]
        search = self._fuzzy.search()  # spans from one start grow: their counts carry over
        words_at = [k for k, word in enumerate(is_word) if word]
        first_word, last_word = (words_at[0], words_at[-1]) if words_at else (-1, -1)
        for i in (i for i, word in enumerate(is_word) if word):
            words = 0
            for j in range(i, len(tokens)):
                words += is_word[j]
                if words > MAX_TITLE_WORDS or ends_sentence(tokens, j) or rating_at(tokens, j):
                    break  # "casablanca 10/10": the rating is a verdict, not the title's
                if not is_word[j]:
                    continue
                key = normalize_title(message[tokens[i].start:tokens[j].end])
                year, after = trailing_year(message, tokens, j + 1)
                cue = reader.licensed(i, j + 1, after)
                exact = key in self._exact or key in self._prefix
                if not exact and words == 2 and key.replace(" ", "") in self._exact:
                    key, exact = key.replace(" ", ""), True  # "brave heart", "water world"
                if cue is None and key in self._coined:
                    cue = ""  # "fmj is on my list": a coined short name is a title on its own
                if cue in (None, BARE) and year is not None and self._dated(key, year):
                    cue = ""  # "Shine (1996) was great": a title with its own year is a title
                if cue in (None, BARE) and i == first_word and not reader.is_common(i, j + 1):
                    if j == last_word:
                        cue = WHOLE_MESSAGE  # "casablanca": the whole message is a title
                    elif cue is None and sentence_after(tokens, j, self.cues.question_starts):
                        cue = BARE  # "fargo. more of that please": weighed like a bare span
                fuzzy_ok = cue is not None and not reader.is_common(i, j + 1) and not (
                    j > i and tokens[j].lower in self.cues.reserved - EVERYDAY) and (
                    self._misspelt(tokens[i:j + 1]))  # not "lebowsky is"; "independance day"
                # is read, and "carefully" is no typo of "Careful"
                short = not exact and cue not in _NO_SHORT_NAME and key in self._short
                if exact or short or (fuzzy_ok and len(key) >= 5):
                    cutoff = 101.0 if not fuzzy_ok else MENTION_CUTOFF
                    if (key, cutoff) not in found:
                        found[key, cutoff] = self._lookup(key, cutoff, search)
                    matches = found[key, cutoff] or self._short_matches(key if short else "")
                    doubt = False
                    if cue == BARE and matches:
                        evidence = self._evidence(reader, i, j + 1, after, matches)
                        cue, doubt = (None, False) if evidence < 0 else ("", evidence < DOUBT)
                    elif cue == JUDGED:  # judged, so asked about rather than dropped when weak
                        cue, doubt = "", bool(matches) and self._evidence(
                            reader, i, j + 1, None, matches) < JUDGED_DOUBT
                    out.append(Candidate(i, j + 1, matches, cue, words, doubt))
        return out

    @staticmethod
    def _misspelt(span: list[Token]) -> bool:
        """Whether a span may hold a typo: one word of it is a rare spelling ("braveheat",
        "princes bride"), so a span of everyday words ("what happened") is read exactly only."""
        words = [t.lower for t in span if t.is_word]
        bar = TYPO_MAX_ZIPF if len(words) == 1 else TYPO_MAX_ZIPF_SPAN
        return any(zipf(w) < bar for w in words)

    def _short_matches(self, key: str) -> list[TitleMatch]:
        """The items a short name names: a rare first word ("raiders") scores `SHORT_SCORE`, a
        subtitle of two words or more ("wrath of khan") `PREFIX_SCORE`."""
        score = PREFIX_SCORE if " " in key else SHORT_SCORE
        return [TitleMatch(i, score, self.catalog.label(i))
                for i in self._short.get(key, ())] if key else []

    def _evidence(self, reader: SpanReader, start: int, end: int, after: int | None,
                  matches: list[TitleMatch]) -> float:
        """How strongly a bare lower-case span reads as a title rather than an everyday phrase:
        the best item's popularity against the commonness of the words; 0 is the bar. With no
        popularity known every such span passes, as it did before popularity was weighed."""
        if self._popularity is None:
            return DOUBT
        words = [t.lower for t in reader.tokens[start:end] if t.is_word]
        best = max(matches, key=lambda m: m.score)
        popular = max(float(self._popularity[m.index]) for m in matches)
        common = phrase_commonness(words, CONNECTORS)
        run_on = RUN_ON_PENALTY if after is not None and continues_after(reader.tokens, after) \
            else 0.0
        sequel = SEQUEL_BONUS if words[-1].isdecimal() and best.score >= PREFIX_SCORE else 0.0
        return (POPULARITY_WEIGHT * (popular - POPULARITY_CENTRE) + sequel
                + (COMMONNESS_CENTRE - common) - run_on - FUZZY_PENALTY * (100.0 - best.score))

    def _add_parts(self, chosen: list[Candidate], tokens: list[Token], message: str
                   ) -> list[Candidate]:
        """Read a bare number listed after a numbered title as the same series' other part:
        "godfather 1 and 2" names both films."""
        out = list(chosen)
        for cand in chosen:
            last, k = tokens[cand.end - 1].lower, cand.end
            if not last.isdecimal() or k + 1 >= len(tokens) or tokens[k].lower not in _LIST_MARKS:
                continue
            number = tokens[k + 1].lower
            base = normalize_title(message[tokens[cand.start].start:tokens[cand.end - 1].end])
            key = f"{base.removesuffix(last).rstrip()} {number}"
            if number.isdecimal() and key in self._exact and not any(
                    c.start <= k + 1 < c.end for c in out):
                out.append(Candidate(k + 1, k + 2, self._lookup(key, 101.0), "and", 1))
        return sorted(out, key=lambda c: c.start)

    def _dated(self, key: str, year: int) -> bool:
        """Whether a catalog item with exactly this title key was released in ``year``."""
        return any(int(self.catalog.years[i]) == year for i in self._exact.get(key, ()))

    def _mention(self, message: str, tokens: list[Token], cand: Candidate) -> TitleMention:
        """Build the public mention, absorbing a year written after the title."""
        year, after = trailing_year(message, tokens, cand.end)
        stop = tokens[after - 1].end if year is not None else tokens[cand.end - 1].end
        matches = tuple(self._rank(list(cand.matches), year))
        span = (tokens[cand.start].start, stop)
        best, key = matches[0].score, normalize_title(message[span[0]:span[1]])
        confident = cand.cue not in {None, "", WHOLE_MESSAGE} or best >= CONFIDENT_SCORE or (
            best >= LONG_CONFIDENT and len(key) >= LONG_TITLE and not is_ambiguous(matches))
        confident = confident and not cand.doubt
        return TitleMention(span, message[span[0]:span[1]], matches, is_ambiguous(matches),
                            cand.cue or "", confident)
