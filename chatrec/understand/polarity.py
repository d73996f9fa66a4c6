"""Negation scope and clause polarity: which words a negator covers ("no horror", "anything
but comedy"), and whether each clause of a message likes or dislikes what it names."""

from __future__ import annotations

from chatrec.understand.lexicon import (
    CLAUSE_BREAKS,
    EXPERIENCE_VERBS,
    INTENSIFIERS,
    NEGATIVE_BIGRAMS,
    NEGATOR_PHRASES,
    NEGATORS,
    SCOPE_BREAKERS,
    SENTIMENT_PHRASES,
    Token,
    blames,
    flipped_before,
    phrase_at,
    praises,
)

_SENTIMENT_LIKE_BEFORE = frozenset({"i", "we", "really", "also", "totally", "did", "do", "didn't",
                                    "don't", "dont", "didnt", "actually", "kinda", "both",
                                    "genuinely", "definitely", "you", "they", "still", "not"})
NEGATION_WINDOW = 6
# Words of a later clause that carry its verdict back ("seen heat, loved it"; "x and y, love
# both"), and the words that list the titles a clause names.
_BACK = frozenset({"it", "that", "both", "them"})
_LISTED = frozenset({"and", "&", "n", "or"})



def negated_at(tokens: list[Token], i: int) -> str | None:
    """The negator whose scope covers ``tokens[i]`` ("no", "anything but", ...), else None.

    A negator that speaks of experience covers nothing: "never seen a western" asks for one.
    """
    found = _negator_before(tokens, i)
    if found is None:
        return None
    negator, at = found
    if any(t.lower in EXPERIENCE_VERBS for t in tokens[at + 1:i]):
        return None
    return negator


def _negator_before(tokens: list[Token], i: int) -> tuple[str, int] | None:
    """The nearest negator (word or phrase) before ``tokens[i]`` within its scope, with the
    position of its last word."""
    words = [t.lower for t in tokens]
    j, seen = i - 1, 0
    while j >= 0 and seen < NEGATION_WINDOW:
        low = words[j]
        for start in (j - 1, j - 2, j - 3):
            length = phrase_at(words, start, NEGATOR_PHRASES) if start >= 0 else 0
            if length and start + length - 1 == j:
                return " ".join(words[start:j + 1]), j
        if low in NEGATORS:
            return low, j
        if low in CLAUSE_BREAKS or low in SCOPE_BREAKERS:
            return None
        j, seen = j - 1, seen + 1
    return None


def clause_polarities(tokens: list[Token], skip: set[int]) -> list[bool | None]:
    """Sentiment of the clause each token belongs to: True liked, False disliked, None unknown.

    A clause without sentiment inherits the previous one, and a bare "not"/"except" clause
    flips it: "I loved Heat and Fargo but not Alien" -> Alien disliked.
    """
    bounds = [i for i, t in enumerate(tokens)  # "big lebowski!!! best ever": one break
              if t.lower in CLAUSE_BREAKS and i not in skip
              and not (i and tokens[i - 1].lower in CLAUSE_BREAKS)] + [len(tokens)]
    starts = [0] + [b + 1 for b in bounds[:-1]]
    clauses = [range(start, end + 1) for start, end in zip(starts, bounds, strict=True)]
    values: list[bool | None] = []
    for clause in clauses:
        polarity = _sentiment(tokens, clause, skip)
        previous = next((v for v in reversed(values) if v is not None), None)
        if polarity is None and any(tokens[k].lower in {"not", "except", "no", "nope"}
                                    for k in clause if k < len(tokens)):
            polarity = previous is False
        values.append(polarity if polarity is not None else previous)
    # "seen Heat, loved it": "it" carries the verdict back, from the last clause on, so it
    # passes over a verdictless clause between ("the big lebowski, the dude abides, love it")
    for n in reversed(range(len(values) - 1)):
        m = next((m for m in range(n + 1, len(clauses)) if _has_words(tokens, clauses[m])),
                 None)  # the next clause with words: "big lebowski!!! best ever"
        if m is None:
            continue
        later = [k for k in clauses[m] if k < len(tokens)]
        refers = _BACK & {tokens[k].lower for k in later}
        if values[n] is None and (refers or _bare_verdict(tokens, clauses[n], later, skip)
                                  or _verdict_only(tokens, later, skip)):
            values[n] = values[m]
    return [v for clause, v in zip(clauses, values, strict=True) for k in clause if k < len(tokens)]


def _has_words(tokens: list[Token], clause: range) -> bool:
    """Whether a clause holds a word (not only punctuation: "!!!")."""
    return any(tokens[k].is_word for k in clause if k < len(tokens))


def _bare_verdict(tokens: list[Token], clause: range, later: list[int], skip: set[int]) -> bool:
    """"Jaws (1975)? a classic": a clause that only names something (all of it skipped) and a
    next clause that names nothing else, so its verdict can only be about the first."""
    named = [k for k in clause if k < len(tokens) and tokens[k].is_word
             and tokens[k].lower not in _LISTED]  # "pulp fiction and reservoir dogs, love both"
    return bool(named) and all(k in skip for k in named) and not any(k in skip for k in later)


def _verdict_only(tokens: list[Token], clause: list[int], skip: set[int]) -> bool:
    """"12 monkeys messed with my head, in a good way": a clause of nothing but a verdict
    (an idiom, sentiment words and intensifiers) judges what the clause before it said."""
    words = [tokens[k].lower for k in clause if tokens[k].is_word]
    if not words or any(k in skip for k in clause):
        return False
    k, judged = 0, False
    while k < len(words):
        length = phrase_at(words, k, SENTIMENT_PHRASES)
        if length or praises(words[k]) or blames(words[k]):
            judged, k = True, k + max(length, 1)
        elif words[k] in INTENSIFIERS:
            k += 1
        else:
            return False
    return judged


def _sentiment(tokens: list[Token], clause: range, skip: set[int]) -> bool | None:
    """The polarity of the first sentiment phrase, word or emoji in a clause, after negation."""
    words = [t.lower for t in tokens]
    for k in clause:
        if k >= len(tokens) or k in skip:
            continue
        phrase = phrase_at(words, k, SENTIMENT_PHRASES)
        if phrase:  # "never gets old", "blew my mind": judged as a whole
            return bool(SENTIMENT_PHRASES[tuple(words[k:k + phrase])])
        low = tokens[k].lower
        prev = tokens[k - 1].lower if k > 0 else ""
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if (prev, low) in NEGATIVE_BIGRAMS or (low == "too" and nxt is not None and nxt.is_word):
            return False  # "couldn't stand it", "too long"
        positive, negative = praises(low), blames(low)
        if low == "like" and like_is_comparison(tokens, k):
            continue  # "something like Heat" compares, it does not praise
        if positive or negative:
            return positive != flipped_before(words, k, 3, clause.start)
    return None


def like_is_comparison(tokens: list[Token], i: int) -> bool:
    """Whether the "like" at ``tokens[i]`` compares ("movies like X") rather than praises."""
    return i == 0 or tokens[i - 1].lower not in _SENTIMENT_LIKE_BEFORE
