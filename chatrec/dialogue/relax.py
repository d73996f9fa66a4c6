"""No dead ends: when the hard filters leave nothing, loosen the least explicit one and say so.

The stated `Preferences` stay as the user said them; each turn that finds nothing tries, in
order: an era the catalog does not cover moved to the catalog's closest decade ("Nothing from
the 1600s: my catalog starts in 1922"), the era widened around what was asked, any era, then
each genre asked for (the latest first), then each excluded genre. The first relaxation that
yields picks wins, and the reply names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from chatrec.dialogue.state import Preferences
from chatrec.explain.words import era_label, escape_markdown

WIDEN_STEPS = (10, 20, 40)  # years added on both sides of an era that has nothing


@dataclass(frozen=True)
class Relaxed:
    """Preferences with one constraint loosened, and the reply template that says how."""

    preferences: Preferences
    kind: str  # a reply template (reply/prompts/replies.toml)
    fields: dict[str, str] = field(default_factory=dict)


def era_words(lo: int | None, hi: int | None) -> str:
    """"the 1600s" for a century, else `era_label` ("the 1990s", "1980–1995")."""
    if lo is not None and hi == lo + 99 and lo % 100 == 0:
        return f"the {lo}s"
    label = era_label(lo, hi) or ""
    return f"the {label}" if label.endswith("0s") else label


def _decade(year: int) -> tuple[int, int]:
    return year // 10 * 10, year // 10 * 10 + 9


def _era_steps(prefs: Preferences, first: int, last: int) -> Iterator[Relaxed]:
    """The era moved into the catalog's years, widened, then dropped."""
    lo, hi = prefs.year_min, prefs.year_max
    asked = era_words(lo, hi)
    base = {"asked": asked, "first": str(first), "last": str(last)}
    tried = {(lo, hi)}
    if hi is not None and hi < first:
        a, b = first, _decade(first)[1]
        tried.add((a, b))
        yield Relaxed(replace(prefs, year_min=a, year_max=b), "relaxed_era_before",
                      {**base, "closest": era_words(a, b)})
    elif lo is not None and lo > last:
        a, b = _decade(last)[0], last
        tried.add((a, b))
        yield Relaxed(replace(prefs, year_min=a, year_max=b), "relaxed_era_after",
                      {**base, "closest": era_words(a, b)})
    centre_lo = first if lo is None else min(max(lo, first), last)
    centre_hi = last if hi is None else max(min(hi, last), first)
    for widen in WIDEN_STEPS:
        a, b = max(first, centre_lo - widen), min(last, centre_hi + widen)
        if (a, b) in tried or (a, b) == (first, last):
            continue
        tried.add((a, b))
        yield Relaxed(replace(prefs, year_min=a, year_max=b), "relaxed_era",
                      {**base, "closest": era_words(a, b)})
    yield Relaxed(replace(prefs, year_min=None, year_max=None, era_source=""),
                  "relaxed_era_any", base)


def relaxations(prefs: Preferences, first: int, last: int) -> Iterator[Relaxed]:
    """Looser versions of ``prefs``, least explicit constraint first (see the module doc);
    ``first``..``last`` are the catalog's years."""
    current = prefs
    if prefs.year_min is not None or prefs.year_max is not None:
        step = None
        for step in _era_steps(prefs, first, last):
            yield step
        current = step.preferences if step else prefs
    for genre in reversed(prefs.genres_in):
        current = replace(current, genres_in=tuple(g for g in current.genres_in if g != genre))
        yield Relaxed(current, "relaxed_genre", {"genre": escape_markdown(genre)})
    for genre in prefs.genres_out:
        current = replace(current, genres_out=tuple(g for g in current.genres_out if g != genre))
        yield Relaxed(current, "relaxed_genre_out", {"genre": escape_markdown(genre)})
    if current.wish or current.avoid:
        yield Relaxed(replace(current, wish="", avoid=()), "relaxed_wish", {})


__all__ = ["Relaxed", "relaxations"]
