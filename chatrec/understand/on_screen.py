"""Which picks on screen a reaction is about, and each one's act: shown picks named by title
(found by `shown_names`), positions ("#2", "seen 1 and 2", "all four"), "the rest" and, when
nothing is named, the pick in focus ("seen it"); picks named in different clauses take each
clause's own act ("fargo was great, heat i haven't seen")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from chatrec.understand.lexicon import NUMBER_WORDS, Token
from chatrec.understand.positions import clause_of, resolve
from chatrec.understand.reactions import Act, ActReader, Reaction, normalise
from chatrec.understand.shown_names import STOP, ShownName

# After a plain "seen" (no verdict in the message), "the others no" says not seen; after a
# verdict ("loved the 2nd, rest no") it is a rejection.
_NOT_YET = frozenset({"never", "no", "nope", "nah", "not"})
_DEICTIC = frozenset({"it", "that", "this", "them", "those", "these", "one"})
_DESCRIBED = re.compile(r"\s+(?:\w+\s+){1,2}ones\b")  # "those vietnam ones", "the jackie chan ones"
_POINTS_BACK = frozenset({"both", "them", "those", "all", "each", "it"})  # "loved both"


def read_reactions(text: str, tokens: list[Token], reader: ActReader,
                   names: Sequence[ShownName], refs: Sequence[tuple[int, int]],
                   shown: Sequence[int], focus: int | None, implicit: bool, asks: bool = True,
                   guess: bool = False) -> tuple[Reaction, ...]:
    """The reactions of one message to the picks on screen (empty when it has no act).

    ``refs`` are the (position, token index) pairs the message points at; ``implicit`` allows
    "seen it" / "sounds good" to mean the pick in focus (the first one when none is); ``asks``
    False when the first word is a title's ("when harry met sally, yes please"), not a
    question word. Picks named in different clauses get each clause's own act ("fargo was
    great, heat I haven't seen"). ``guess`` lets the embedding fallback decide the act when
    no phrase does.
    """
    if not shown:
        return ()
    tokens = _masked(tokens, names)
    act, wants, phrased = reader.act(_joined(tokens) if names else text, asks, guess)
    if act is None:
        return ()
    # "it" may be left out after a phrase ("sounds good", "seen it"); a bare verdict needs it
    # ("gone girl was great" with Gone Girl not on screen is no verdict on the first pick).
    # A bare "no" / "yes" / "ok" names no pick: it usually answers the question the reply
    # ended with ("Any genre you're in the mood for?"), so it needs a pick named or "it".
    implicit = implicit and (phrased or bool(_DEICTIC & {t.lower for t in tokens}))
    targets = [(n.index, None, min(n.tokens)) for n in names]
    targets += [(resolve(shown, focus, r), r, k) for r, k in dict(refs).items()]
    low = normalise(text)
    if not targets and reader.has("others", low):
        kept = shown.index(focus) + 1 if focus in shown else 1
        rest = [p for p in range(1, len(shown) + 1) if p != kept]
        # "the other two" of seven: the picks not yet talked about, the last ones listed
        told = _others_count(reader, low)
        targets = [(resolve(shown, focus, p), p, -1) for p in rest[-told:] if told] or [
            (resolve(shown, focus, p), p, -1) for p in rest]
    elif not targets and reader.has("all_shown", low) and not _some_of(reader, low):
        targets = [(resolve(shown, focus, p), p, -1) for p in range(1, len(shown) + 1)]
    elif targets and reader.has("all_but", low):  # "seen all but the last"
        return _all_but(tokens, reader, shown, focus, targets, (act, wants))
    elif targets:
        targets += _the_rest(reader, low, shown, focus, targets)
    clauses = {clause_of(tokens, k) for _, _, k in targets if k >= 0}
    whole = (0, len(tokens) - 1)
    found = []
    rest = {k for _, ref, k in targets if ref is not None and k >= 0 and _is_rest(tokens, k)}
    for index, ref, k in targets:
        own = (act, wants)
        if k in rest:  # "the rest": only its own clause says what they are
            own = _clause_act(tokens, k, reader, act, rest=True)
            if own is None:
                continue
        elif k >= 0 and len(clauses) > 1:
            own = _clause_act(tokens, k, reader, act) or own
            if own[0] is Act.SEEN:  # "die hard and t2 seen, loved both, con air no way"
                own = (_carried_verdict(tokens, k, reader, {t for _, _, t in targets}), False)
        elif k >= 0 and not phrased and clause_of(tokens, k) != whole and not _refers_back(
                tokens, clause_of(tokens, k)) and reader.speaker.of(low) == low:
            # One pick in one clause of several, and no phrase in the message decided: the
            # pick's own clause does ("kingpin no. something funny but not so stupid"), unless
            # that clause is someone else's verdict ("my wife loved X, i didnt").
            own = _clause_act(tokens, k, reader, act) or own
        found.append(Reaction(own[0], ref=ref, item=index if ref is None else None,
                              index=index, wants=own[1]))
    if not found and implicit:
        found.append(Reaction(act, ref=0, index=resolve(shown, focus, 0), wants=wants))
    return tuple(found)


def _some_of(reader: ActReader, low: str) -> bool:
    """Whether "all of those" goes on to say which ones ("enough of those vietnam ones"): some
    of the picks, which the words alone cannot tell, not all of them."""
    match = reader.patterns["all_shown"].search(low)
    return match is not None and _DESCRIBED.match(low, match.end()) is not None


def _others_count(reader: ActReader, low: str) -> int:
    """How many picks "the other two" / "the other 3" names (0: as many as there are)."""
    match = reader.patterns["others"].search(low)
    last = match.group(0).split()[-1] if match else ""
    return NUMBER_WORDS.get(last, int(last) if last.isdecimal() else 0)


def _masked(tokens: list[Token], names: Sequence[ShownName]) -> list[Token]:
    """The tokens with each shown pick's named title read as "it": words of a title ("the good,
    the bad and the ugly", "dead poets") are no verdict on it."""
    first = {min(n.tokens) for n in names if n.tokens}
    rest = {k for n in names for k in n.tokens} - first
    return [replace(t, text="it", lower="it") if k in first
            else replace(t, text="", lower="") if k in rest else t
            for k, t in enumerate(tokens)]


def _joined(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


def _the_rest(reader: ActReader, low: str, shown: Sequence[int], focus: int | None,
              targets: list[tuple[int | None, int | None, int]]
              ) -> list[tuple[int | None, int | None, int]]:
    """"heat is amazing, the rest ive not seen": the picks not named elsewhere, each with the
    token index of "the rest" so that its clause's act applies."""
    match = reader.patterns["others"].search(low)
    if match is None:
        return []
    k = low[:match.start()].count(" ")  # ``low`` is the tokens joined by single spaces
    named = {index for index, _, _ in targets}
    return [(resolve(shown, focus, p), p, k) for p in range(1, len(shown) + 1)
            if resolve(shown, focus, p) not in named]


def _all_but(tokens: list[Token], reader: ActReader, shown: Sequence[int], focus: int | None,
             targets: list[tuple[int | None, int | None, int]], act: tuple[Act, bool]
             ) -> tuple[Reaction, ...]:
    """"seen all but the last": the message's act on every pick not pointed at; the picks
    pointed at take the act of a later clause ("..., havent got to that"), if one has any."""
    named = {index for index, _, _ in targets}
    last = max(k for _, _, k in targets)
    hi = clause_of(tokens, last)[1] if last >= 0 else len(tokens) - 1
    own = reader.act(_joined(tokens[:hi + 1]), asks=False)[:2]
    own = own if own[0] is not None else act
    later = _clause_act(tokens, hi + 2, reader, own[0]) if hi + 2 < len(tokens) else None
    found = [Reaction(own[0], ref=p, index=resolve(shown, focus, p), wants=own[1])
             for p in range(1, len(shown) + 1) if resolve(shown, focus, p) not in named]
    if later is not None:
        found += [Reaction(later[0], ref=ref, item=index if ref is None else None, index=index,
                           wants=later[1]) for index, ref, _ in targets]
    return tuple(found)


def _carried_verdict(tokens: list[Token], k: int, reader: ActReader, taken: set[int]) -> Act:
    """A "seen" clause's verdict from the next one that names no pick and points back ("X
    and Y seen, loved both"), passing over clauses that only say another pick was seen too
    ("die hard 2 seen, die hard 3 seen, both good"); plain `Act.SEEN` otherwise."""
    hi = clause_of(tokens, k)[1]
    while hi + 2 < len(tokens):
        lo, end = clause_of(tokens, hi + 2)
        text = _joined(tokens[lo:end + 1])
        if not any(lo <= t <= end for t in taken):
            if not {t.lower for t in tokens[lo:end + 1]} & _POINTS_BACK:
                return Act.SEEN
            sentiment = reader.sentiment(normalise(text))
            return {True: Act.SEEN_LIKED, False: Act.SEEN_DISLIKED}.get(sentiment, Act.SEEN)
        if reader.act(text, asks=False)[0] is not Act.SEEN:
            return Act.SEEN
        hi = end
    return Act.SEEN


def _refers_back(tokens: list[Token], clause: tuple[int, int]) -> bool:
    """Whether a word outside ``clause`` points back at the pick ("carrie scared me as a kid,
    still love it"): then the whole message judges it, not the pick's clause alone."""
    lo, hi = clause
    return any(t.lower in _DEICTIC for i, t in enumerate(tokens) if not lo <= i <= hi)


def _is_rest(tokens: list[Token], k: int) -> bool:
    """Whether ``tokens[k]`` opens "the rest" / "the others" (set by `_the_rest`)."""
    return tokens[k].lower in {"the", "rest", "others", "everything"}


def _clause_act(tokens: list[Token], k: int, reader: ActReader, act: Act, rest: bool = False
                ) -> tuple[Act, bool] | None:
    """The act of the clause around ``tokens[k]``; a short clause with only a "not" / "never"
    after a "seen" one ("brazil seen, not gattaca", "heat seen, rest not") means not seen."""
    lo, hi = clause_of(tokens, k)
    words = [t.lower for t in tokens[lo:hi + 1]]
    seen = act in {Act.SEEN, Act.SEEN_LIKED, Act.SEEN_DISLIKED}
    if seen and (words[:1] == ["not"] or words[:2] == ["but", "not"] or (
            rest and ("never" in words or act is Act.SEEN and _NOT_YET & set(words)))
    ) and len(words) <= 5 and not _says_more(reader, words):  # "the other two no"
        return Act.NOT_SEEN, False
    if act is Act.ACCEPT and words[:1] == ["not"] and len(words) <= 5 and not _says_more(
            reader, words):
        return Act.REJECT, False  # "not 3, the rest are fine": all but that one wanted
    clause_act, clause_wants, _ = reader.act(_joined(tokens[lo:hi + 1]), asks=False)
    if clause_act is not None:
        return clause_act, clause_wants
    if seen and {"not", "never"} & set(words) and len(words) <= 5:
        return Act.NOT_SEEN, False
    return None


def _says_more(reader: ActReader, words: list[str]) -> bool:
    """Whether a clause opening with "not" holds more than the picks it names ("not into the
    others", "not yet"): then its own phrases decide, not the "seen ..., not X" reading."""
    named = reader.patterns["others"].sub(" ", " ".join(words)).split()
    return any(w not in STOP and w not in _NOT_YET and w not in {"but", "it"}
               and not w.isdecimal() for w in named)


__all__ = ["Act", "read_reactions", "resolve"]
