"""References to the items on screen: "#3", "number 2", "the second one", "the first two",
"the last one", "that movie" (the item in focus)."""

from __future__ import annotations

from chatrec.understand.lexicon import NUMBER_WORDS, ORDINALS, Lexicon, Token

_MAX_COUNT = 5  # "first 3 ..." opening a message counts picks; "last 10 years" does not
_COUNT_ASKS = frozenset({"top"})  # "top 5 westerns" asks for five picks, it points at none
_DETERMINERS = frozenset({"the", "that", "this", "your", "ur", "those", "these"})


def extract_refs(tokens: list[Token], mask: set[int], lexicon: Lexicon,
                 shown_count: int | None = None) -> tuple[list[tuple[int, int]], set[int]]:
    """Shown items the message points at, as (position, token index) pairs, and tokens used.

    Positions are 1-based; -1 is the last item (-2 the one before), 0 is "that one".
    "the middle one" / "the middle two" need ``shown_count`` (else they mean "that one").
    """
    refs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i in range(len(tokens)):
        if i in mask or i in used:
            continue
        found = _ref_at(tokens, i, bool(refs), lexicon)
        if found:
            positions, span = found
            if tokens[i].lower in ORDINALS and ORDINALS[tokens[i].lower] == 0 and shown_count:
                positions = _middle(len(positions) if positions[0] else 1, shown_count)
            refs.extend((p, i) for p in positions if p not in {r for r, _ in refs})
            used.update(span)
    if not refs:
        return _focus_ref(tokens, mask, lexicon)
    return refs, used


def _ref_at(tokens: list[Token], i: int, after_ref: bool, lexicon: Lexicon
            ) -> tuple[list[int], range] | None:
    """A reference at ``tokens[i]``: "#3", "number 2", "the second one", "the first two"."""
    low = tokens[i].lower
    nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
    prev = tokens[i - 1].lower if i > 0 else ""
    nouns = lexicon.ref_nouns
    if low in lexicon.ref_prefixes and i + 1 < len(tokens):
        k = i + 2 if nxt == "." and low == "no" and i + 2 < len(tokens) else i + 1
        number = tokens[k].lower
        value = int(number) if number.isdecimal() else NUMBER_WORDS.get(number, 0)
        if 0 < value <= 20 and (low != "no" or k == i + 2):
            return [value], range(i, k + 1)  # "#3", "number 2", "number five"
    if low not in ORDINALS:
        return None
    if prev == "the" and i >= 2 and tokens[i - 2].lower in {"than", "as"}:
        return None  # "better than the first", "as good as the first": a comparison
    listed = after_ref and prev in {"and", "or", ",", "n", "&"}
    opens = i == 0 and nxt in {"and", "or", ",", "n", "&"}  # "2nd and 3rd seen already"
    counted = (i == 0 and low not in _COUNT_ASKS  # "last 2 look good"
               and (nxt in NUMBER_WORDS and nxt != "one" or nxt.isdecimal())
               and (NUMBER_WORDS.get(nxt) or int(nxt)) <= _MAX_COUNT)
    if not (prev in _DETERMINERS or nxt in nouns or listed or opens or counted):
        return None
    if (nxt in NUMBER_WORDS and nxt != "one") or (nxt.isdecimal() and 1 < int(nxt) <= 10):
        count = NUMBER_WORDS.get(nxt) or int(nxt)  # "the first two", "the last 3"
        first = ORDINALS[low]
        positions = list(range(1, count + 1)) if first > 0 else list(range(-count, 0))
        return positions, range(i, i + 2)
    if nxt and tokens[i + 1].is_word and not listed and nxt not in nouns | {
            "and", "or", "but", "was", "is", "too", "sounds", "looks", "please", "pls", "plz", "n",
            "then", "thanks"}:
        return None  # "the first time", "last night"
    return [ORDINALS[low]], range(i, i + 2 if nxt in nouns else i + 1)


def _middle(count: int, shown_count: int) -> list[int]:
    """The ``count`` positions in the middle of ``shown_count`` ("the middle two" of four: 2,
    3; "the middle one" of five: 3)."""
    start = (shown_count - count) // 2 + 1
    return list(range(start, start + count)) if 0 < count <= shown_count else []


def _focus_ref(tokens: list[Token], mask: set[int], lexicon: Lexicon
               ) -> tuple[list[tuple[int, int]], set[int]]:
    """ "that one" / "this movie" -> position 0: the item in focus, resolved by the dialogue."""
    for i in range(len(tokens) - 1):
        if i not in mask and tokens[i].lower in {"that", "this"} \
                and tokens[i + 1].lower in lexicon.focus_nouns:
            return [(0, i)], {i, i + 1}
    return [], set()
