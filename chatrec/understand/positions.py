"""Positions on screen that bare numbers point at ("seen 1 and 2", "1-3 seen", "2 to 4"),
the pick a position resolves to, and the clause a word belongs to: the plumbing `on_screen`
and the parser share for reactions to several picks at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from chatrec.understand.chat_acts import phrases
from chatrec.understand.lexicon import NOT_POSITION_BEFORE, POSITION_OPENERS, Token

R = TypeVar("R")  # a reaction (`reactions.Reaction`): a dataclass with ``ref`` and ``index``

CLAUSE_ENDS = frozenset({",", ".", ";", "!", "?", "but", "-", "—"})
_LISTING = frozenset({"and", "&", ",", "or", "n"})  # "2 and 3", "3 & 4"
_RANGE_WORDS = frozenset({"-", "to", "thru", "through", "till"})  # "1 to 3", "2 thru 4"
_COPULAS = frozenset({"is", "was", "'s", "s"})
_MAX_SHOWN = 20  # the longest list a range may point into before the list is known
# Words after a number that make it no position when it opens a message: the count reader's
# units ("2 hours", "5 stars") and a few more ("3 pls" asks for three).
_NOT_POSITION_BEFORE = NOT_POSITION_BEFORE | {
    w for w in phrases()["counts"]["not_after"] if " " not in w}


def bare_positions(tokens: list[Token], shown_count: int, used: set[int]
                   ) -> list[tuple[int, int]]:
    """"seen 1 and 2": bare digits within the shown list, listed or at the message's edge, as
    (position, token index) pairs."""
    out = []
    for k, token in enumerate(tokens):
        span = _range_at(tokens, k, shown_count)
        if span and k not in used:  # "1-3 seen", "seen 2 to 4"
            out += [(p, k) for p in span if p not in {q for q, _ in out}]
            continue
        if k in used or not token.lower.isdecimal() or not 0 < int(token.lower) <= shown_count:
            continue
        if out and out[-1][1] == k - 2 and tokens[k - 1].lower in _RANGE_WORDS:
            continue  # the end of a range already read
        nxt = tokens[k + 1].lower if k + 1 < len(tokens) else ""
        prev = tokens[k - 1].lower if k > 0 else ""
        listed = prev in _LISTING and k > 1 and (k - 2 in used or tokens[k - 2].lower.isdecimal())
        listed = listed or (bool(out) and prev in {".", ";"} | _LISTING)  # "1 and 2 seen, 3 not"
        # "6 nah", "7 sounds fun", "ok 6 sure": a digit that opens the message is a position
        leads = nxt not in _NOT_POSITION_BEFORE and all(t.lower in POSITION_OPENERS or not t.is_word
                                                for t in tokens[:k])
        if listed or leads or nxt in {"", "and", "or", ",", "&", "already", "seen", ".", "!",
                                      "?", "is", "was", "n", "but"}:
            out.append((int(token.lower), k))
    return out


def listed_digits(tokens: list[Token], used: set[int]) -> bool:
    """Whether bare digits are listed ("1 and 3", "1-3", "2 to 4") outside the ``used``
    tokens: positions even beside a named pick ("seen 1 and 3, fargo looks good")."""
    digits = [k for k, t in enumerate(tokens) if k not in used and t.lower.isdecimal()]
    pairs = any(b - a == 2 and tokens[a + 1].lower in _LISTING | _RANGE_WORDS
                for a, b in zip(digits, digits[1:], strict=False))
    return pairs or any(k not in used and _range_at(tokens, k, _MAX_SHOWN)
                        for k in range(len(tokens)))


def other_subject(tokens: list[Token], fillers: frozenset[str]) -> bool:
    """Whether the message opens on a word of its own before "is" / "was" ("fmj is on my
    list", "t1 was better"): it speaks of something the reader could not name, not of the pick
    in focus ("it is on my list", "that was great")."""
    words = [t.lower for t in tokens if t.is_word]
    return len(words) > 2 and words[1] in _COPULAS and words[0] not in fillers \
        and not words[0].isdecimal()


def _range_at(tokens: list[Token], k: int, shown_count: int) -> list[int]:
    """The positions of a range starting at ``tokens[k]`` ("1-3", "2 to 4", "1 thru 3") when
    it lies within the shown list; empty when there is none."""
    low = tokens[k].lower
    first, dash, last = low.partition("-")
    if not dash and k + 2 < len(tokens) and tokens[k + 1].lower in _RANGE_WORDS:
        first, last = low, tokens[k + 2].lower
    if not (first.isdecimal() and last.isdecimal()):
        return []
    a, b = int(first), int(last)
    return list(range(a, b + 1)) if 0 < a < b <= shown_count else []


def clause_of(tokens: list[Token], k: int) -> tuple[int, int]:
    """Token bounds of the clause around ``tokens[k]`` ("fargo was great, heat I haven't seen")."""
    lo, hi = k, k
    while lo > 0 and tokens[lo - 1].lower not in CLAUSE_ENDS:
        lo -= 1
    while hi + 1 < len(tokens) and tokens[hi + 1].lower not in CLAUSE_ENDS:
        hi += 1
    return lo, hi


def resolve(shown: Sequence[int], focus: int | None, ref: int) -> int | None:
    """The pick a position points at: 1.. from the top, -1.. from the bottom, 0 the focus."""
    if ref == 0:
        return focus if focus is not None else shown[0]
    k = ref - 1 if ref > 0 else len(shown) + ref
    return shown[k] if 0 <= k < len(shown) else None


__all__ = ["CLAUSE_ENDS", "bare_positions", "clause_of", "listed_digits", "other_subject",
           "resolve"]


def pointed(reactions: tuple[R, ...], ref: int, shown: Sequence[int], focus: int | None
            ) -> tuple[R, ...]:
    """Reactions to "it" (ref 0) moved to the one pick a question asked about: in "is 3
    popular? never heard of it", "it" is the third pick, not the one in focus."""
    index = resolve(shown, focus, ref)
    return tuple(replace(r, ref=ref, index=index) if r.ref == 0 and index is not None else r
                 for r in reactions)
