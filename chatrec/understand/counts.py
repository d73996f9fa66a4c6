"""How many picks a message asks for: "give me 4", "a couple of thrillers", "top 10", "just one",
"a longer list".

A number is a count only in a counting frame (data, ``chat_acts.toml`` ``[counts]``): before
an item noun or a genre ("three horror films", "two musicals"), after a request word with
nothing after it ("show me 4", "like 8"), or before "is enough". Ages, years, durations,
positions ("#3", "the first two") and numbers inside titles ("Apollo 13") are not counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatrec.understand.chat_acts import phrases
from chatrec.understand.lexicon import NUMBER_WORDS, Lexicon, Token, as_phrases, phrase_at

MAX_DIGITS = 3  # "1995" is a year, never a count
MIN_COUNT, MAX_COUNT = 1, 20  # how many picks one turn may show
_ENOUGH = frozenset({("is", "enough"), ("will", "do"), ("would", "do"), ("is", "plenty"),
                     ("at", "a"), ("is", "fine"), ("are", "enough"), ("is", "good"),
                     ("should", "do"), ("is", "ok"), ("is", "okay")})


@dataclass(frozen=True)
class CountSlot:
    """The number of picks asked for (as said, before clamping; None when none) and the token
    indices that said it."""

    value: int | None = None
    used: frozenset[int] = frozenset()


class CountReader:
    """The counting words of one catalog (its item nouns count as nouns)."""

    def __init__(self, lexicon: Lexicon) -> None:
        data = phrases()["counts"]
        self.numbers = as_phrases({**NUMBER_WORDS, **data["numbers"]})
        self.phrases = as_phrases(data["phrases"])
        self.before = as_phrases(dict.fromkeys(data["before"], True))
        self.after = frozenset(data["after"])
        self.skip = frozenset(data["skip"])
        self.nouns = frozenset(data["nouns"]) | lexicon.item_words
        self.not_after = as_phrases(dict.fromkeys(data["not_after"], True))
        self.similar_before_like = frozenset(data["similar_before_like"])
        self.not_before = frozenset(data["not_before"])

    def read(self, tokens: list[Token], mask: set[int], genre_tokens: set[int]) -> CountSlot:
        """The count in a message; ``mask``: tokens already read as something else."""
        words = [t.lower for t in tokens]
        value, used = None, set()
        for i in range(len(tokens)):
            if i in mask or i in used:
                continue
            width = phrase_at(words, i, self.phrases)
            if width and value is None:
                value, used = int(self.phrases[tuple(words[i:i + width])]), set(range(i, i + width))
                continue
            number = self._number(words, i)
            end = self._frame(words, i, number[1], genre_tokens) if number else None
            if end is not None:
                value = number[0]  # an explicit number wins over "a big list"
                # "top 10", "make it 3": the words that asked for it are the count's too
                used |= set(range(i - self._asked_width(words, i), end))
        return CountSlot(value, frozenset(used))

    def _number(self, words: list[str], i: int) -> tuple[int, int] | None:
        """(value, width) of a number at ``words[i]``: digits or number words."""
        if words[i].isdecimal():  # not isdigit: "Alien³" has a digit int() cannot read
            return (int(words[i]), 1) if len(words[i]) <= MAX_DIGITS else None
        width = phrase_at(words, i, self.numbers, 2)
        return (int(self.numbers[tuple(words[i:i + width])]), width) if width else None

    def _frame(self, words: list[str], i: int, width: int, genre_tokens: set[int]
               ) -> int | None:
        """Where the counting frame of the number at ``words[i:i+width]`` ends (the noun it
        counts, "is enough"), or None when the number is no count."""
        end, prev = i + width, words[i - 1] if i > 0 else ""
        if prev in self.not_before or phrase_at(words, end, self.not_after, 2):
            return None
        if prev == "like" and i > 1 and words[i - 2] in self.similar_before_like:
            return None  # "more like 2 but sillier": the pick at #2, no count
        j, saw_genre = end, False
        while j < len(words) and (words[j] in self.skip or j in genre_tokens):
            saw_genre = saw_genre or j in genre_tokens
            j += 1
        nxt = words[j] if j < len(words) else ""
        if words[i] == "one" and (nxt == "more" or (nxt in {"one", "ones", ""}
                                                     and not self._asked(words, i))):
            return None  # "that one", "one more time" ("just one more" is a phrase)
        if nxt in self.nouns and nxt != "one":
            j += 1
        elif not saw_genre:
            j = end
        if tuple(words[j:j + 2]) in _ENOUGH:
            return j + 2
        if j > end:
            return j
        plain_end = end >= len(words) or not words[end][:1].isalnum() or words[end] in self.after
        return end if plain_end and self._asked(words, i) else None

    def _asked(self, words: list[str], i: int) -> bool:
        """Whether a request word comes right before position ``i`` ("give me 4", "top 10")."""
        return self._asked_width(words, i) > 0

    def _asked_width(self, words: list[str], i: int) -> int:
        """How many words of a request phrase end right before position ``i`` (0: none)."""
        return next((n for n in (2, 1) if i - n >= 0 and tuple(words[i - n:i]) in self.before),
                    0)


def clamp_count(value: int | None) -> int | None:
    """A count within ``MIN_COUNT``..``MAX_COUNT`` (None stays None)."""
    return None if value is None else min(max(value, MIN_COUNT), MAX_COUNT)
