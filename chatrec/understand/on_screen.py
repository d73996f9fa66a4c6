"""Which picks on screen a reaction is about: shown picks named by (part of) their title, in
any case and with small typos ("men in blak", "lebowski", "cuckoos nest"), positions ("#2",
"seen 1 and 2", "all four") and, when nothing is named, the pick in focus ("seen it").

Matching only against the few picks on screen is what makes lower-case, partial titles safe
here: "raiders" can only mean the shown *Raiders of the Lost Ark*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from chatrec.domain.catalog import Catalog, normalize_title
from chatrec.domain.commonness import zipf
from chatrec.understand.lexicon import Token
from chatrec.understand.positions import clause_of, resolve
from chatrec.understand.reactions import Act, ActReader, Reaction, normalise
from chatrec.understand.title_text import sequel_forms
from chatrec.understand.titles import TitleMention

_STOP = frozenset({"the", "a", "an", "of", "and", "in", "on", "to", "for", "with", "me", "my",
                   "it", "is", "at", "or", "by", "from", "one", "you", "i", "we", "no", "not",
                   "all", "part", "ii", "iii", "2", "3", "this", "that", "some", "do"})
# After a plain "seen" (no verdict in the message), "the others no" says not seen; after a
# verdict ("loved the 2nd, rest no") it is a rejection.
_NOT_YET = frozenset({"never", "no", "nope", "nah", "not"})
_DEICTIC = frozenset({"it", "that", "this", "them", "those", "these", "one"})
_POINTS_BACK = frozenset({"both", "them", "those", "all", "each", "it"})  # "loved both"
WORD_CUTOFF = 80.0  # rapidfuzz ratio for a typo inside a multi-word run ("blak" ~ "black")
LONE_CUTOFF = 88.0  # for a single word standing for a title ("lebowski", "jumanji")
LONE_MIN = 5  # letters of a single word that may stand for a longer title
LONE_SHORT = 4  # a shorter one must be typed exactly and be rare (word frequency, Zipf)
LONE_SHORT_ZIPF = 3.7  # "gump" 3.0, "jaws" 3.6; "heat" 4.9 and "babe" 4.1 are everyday words
# A lone word read as a typo of a title word must be a rare spelling: "lebowsky" (0.0) is a
# typo, "singing" (4.6) is a word of its own and no typo of "Singin'".
LONE_TYPO_MAX_ZIPF = 3.0


@dataclass(frozen=True)
class ShownName:
    """A shown pick named in the message: its catalog index and the token positions used."""

    index: int
    tokens: frozenset[int]


def _keys(catalog: Catalog, index: int) -> list[list[str]]:
    """Word lists of a pick's title and its alternative title, apostrophes dropped."""
    title = catalog.titles[index].replace("'", "").replace("’", "")
    head, _, rest = title.partition(" (")
    keys = [normalize_title(head)]
    if rest.endswith(")"):
        keys.append(normalize_title(rest[:-1]))
    # its sequel number in digits: "star trek 3" names Star Trek III, not the other Treks
    keys += sorted(form for k in keys for form in sequel_forms(k) if form not in keys)
    words = [k.split() for k in keys if k]
    # its content words alone, as typed in a hurry: "good bad ugly"
    content = [[w for w in k if w not in _STOP] for k in words]
    return words + [c for c, k in zip(content, words, strict=True) if len(c) >= 3 and c != k]


def _same(word: str, key: str, cutoff: float) -> bool:
    if word == key:
        return True
    return len(word) >= 4 and len(key) >= 4 and fuzz.ratio(word, key) >= cutoff


def _runs(words: list[str], key: list[str]) -> list[tuple[int, int, int]]:
    """(start in words, start in key, length) of runs of consecutive matching words."""
    runs = []
    for i in range(len(words)):
        for j in range(len(key)):
            n = 0
            while (i + n < len(words) and j + n < len(key)
                   and _same(words[i + n], key[j + n], WORD_CUTOFF if n or j + 1 < len(key)
                             else LONE_CUTOFF)):
                n += 1
            if n:
                runs.append((i, j, n))
    return runs


def _good_run(words: list[str], key: list[str], run: tuple[int, int, int],
              common: frozenset[str]) -> bool:
    """Enough of a title: all of it, two words with a content word, or one rare long word."""
    i, j, n = run
    matched = words[i:i + n]
    content = [w for w in matched if w not in _STOP]
    if n == 1 and matched[0] != key[j] and zipf(matched[0]) > LONE_TYPO_MAX_ZIPF:
        return False  # "less singing" names no Singin' in the Rain
    if n == len(key) and n == 1 and matched[0] != key[j]:
        return len(matched[0]) >= LONE_MIN  # a short typo of a one-word title: "seen" ~ Seven
    if n == len(key):
        return len("".join(matched)) >= 3 or n >= 2
    if n >= 2 and content and (len("".join(matched)) >= 4 or j == 0):
        return True
    word = matched[0]
    if n == 1 and j == 0 and word == key[0] and word.isdigit() and len(word) >= 3:
        return True  # "2001 i turned off" names 2001: A Space Odyssey; no position is so big
    if n != 1 or word in _STOP or word in common:
        return False
    if word == key[j] and len(word) >= LONE_SHORT and zipf(word) <= LONE_SHORT_ZIPF:
        return True  # a rare short word of a title on screen: "gump", "jaws"
    return len(word) >= LONE_MIN and fuzz.ratio(word, key[j]) >= LONE_CUTOFF


def _split_runs(words: list[str], key: list[str]) -> list[tuple[int, int, int]]:
    """A one-word title typed as two words ("copy cat", "golden eye"), as a run of two."""
    if len(key) != 1 or len(key[0]) < LONE_MIN + 2:
        return []
    return [(i, 0, 2) for i in range(len(words) - 1)
            if min(len(words[i]), len(words[i + 1])) >= 3
            and _same(words[i] + words[i + 1], key[0], LONE_CUTOFF)]


def named_picks(tokens: list[Token], shown: Sequence[int], catalog: Catalog,
                common: frozenset[str]) -> list[ShownName]:
    """Shown picks whose title (or enough of it) the message names; longest match first wins
    a token, so "the big sleep" is not also "big"."""
    positions = [k for k, t in enumerate(tokens) if t.is_word]
    words = [normalize_title(tokens[k].text.replace("'", "")) or tokens[k].lower
             for k in positions]
    words = ["and" if w == "n" else w for w in words]  # "dumb n dumber"
    found: list[tuple[int, int, int]] = []  # (-length, index, start)
    for index in dict.fromkeys(shown):
        best = None
        for key in _keys(catalog, index):
            runs = [r for r in _runs(words, key) if _good_run(words, key, r, common)]
            for run in runs + _split_runs(words, key):
                if best is None or run[2] > best[2]:
                    best = run
        if best is not None:
            found.append((-best[2], index, best[0]))
    taken: set[int] = set()
    out = []
    for neg, index, start in sorted(found):
        span = set(range(start, start - neg))
        if span & taken:
            continue
        taken |= span
        out.append(ShownName(index, frozenset(positions[k] for k in span)))
    return out


def spotted_picks(tokens: list[Token], mentions: Sequence[TitleMention], shown: Sequence[int],
                  names: Sequence[ShownName]) -> list[ShownName]:
    """Shown picks the title matcher found under another name ("t2", a typo) that
    `named_picks` did not: the mention's tokens name the pick on screen it may mean."""
    taken, picks = {k for n in names for k in n.tokens}, {n.index for n in names}
    out = []
    for mention in mentions:
        if not mention.confident:
            continue
        index = next((m.index for m in mention.matches if m.index in shown), None)
        span = frozenset(k for k, t in enumerate(tokens)
                         if mention.span[0] <= t.start < mention.span[1])
        if index is not None and index not in picks and not span & taken:
            out.append(ShownName(index, span))
            taken |= span
            picks.add(index)
    return out


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
        targets = [(resolve(shown, focus, p), p, -1) for p in range(1, len(shown) + 1)
                   if p != kept]
    elif not targets and reader.has("all_shown", low):
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
    """A "seen" clause's verdict from the next one when that names no pick and points back
    ("X and Y seen, loved both"); plain `Act.SEEN` otherwise."""
    hi = clause_of(tokens, k)[1]
    if hi + 2 >= len(tokens):
        return Act.SEEN
    lo, end = clause_of(tokens, hi + 2)
    words = {t.lower for t in tokens[lo:end + 1]}
    if any(lo <= t <= end for t in taken) or not words & _POINTS_BACK:
        return Act.SEEN
    sentiment = reader.sentiment(normalise(_joined(tokens[lo:end + 1])))
    return {True: Act.SEEN_LIKED, False: Act.SEEN_DISLIKED}.get(sentiment, Act.SEEN)


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
    return any(w not in _STOP and w not in _NOT_YET and w not in {"but", "it"}
               and not w.isdecimal() for w in named)


__all__ = ["Act", "ShownName", "named_picks", "read_reactions", "resolve", "spotted_picks"]
