"""Word spans that may be titles (`Candidate`), and the titles accepted beside an accepted one
in a list ("loved heat, fargo and casino"): the pieces `titles.TitleMatcher.find_in_text`
chooses among."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatrec.understand.cues import SpanReader
from chatrec.understand.lexicon import Token

if TYPE_CHECKING:
    from chatrec.understand.titles import TitleMatch


@dataclass
class Candidate:
    """An n-gram (token positions ``start``..``end``) that may be a title."""

    start: int
    end: int
    matches: list[TitleMatch]
    cue: str | None  # None: not licensed by any cue
    words: int
    doubt: bool = False  # a bare span whose evidence is weak: asked about before any verdict

    @property
    def rank(self) -> float:
        """Prefer strong matches, then longer spans ("the godfather part ii" over "godfather")."""
        return max(m.score for m in self.matches) + 3.0 * self.words

    def overlaps(self, other: Candidate) -> bool:
        """Whether two candidates share a token."""
        return self.start < other.end and other.start < self.end


def add_chained(candidates: list[Candidate], chosen: list[Candidate],
                 reader: SpanReader) -> list[Candidate]:
    """Accept exact titles listed next to an accepted one: "loved heat, fargo and casino"."""
    tokens = reader.tokens
    spare = sorted((c for c in candidates if c.cue is None and not reader.is_common(
                    c.start, c.end) and max(m.score for m in c.matches) >= 100.0),
                   key=lambda c: -c.words)
    added = True
    while added:
        added = False
        for cand in spare:
            if not any(cand.overlaps(c) for c in chosen) and any(
                    _listed(tokens, cand, c) for c in chosen):
                chosen.append(Candidate(cand.start, cand.end, cand.matches, "and", cand.words,
                                         cand.doubt))
                added = True
    return sorted(chosen, key=lambda c: c.start)


def _listed(tokens: list[Token], a: Candidate, b: Candidate) -> bool:
    """Whether two spans are neighbours in a list, separated only by "and", "or" or commas."""
    lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
    between = [t.lower for t in tokens[lo:hi]]
    return 1 <= len(between) <= 2 and all(w in {"and", "or", ",", "&", "nor"} for w in between)
