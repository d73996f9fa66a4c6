"""Whether the words of a reaction judge a pick well or badly: verdict words ("banger",
"snoozefest"), the shared sentiment words and idioms of ``words.toml`` ("blew me away",
"couldn't finish") and the reaction-only phrases of ``reactions.toml``, with a flipper turning a
word round ("wasn't impressed").

The idioms are the ones title verdicts read (`polarity.clause_polarities`), so "12 monkeys
messed with my head, in a good way" judges a shown pick as it judges a title named elsewhere.
"""

from __future__ import annotations

import re

from chatrec.understand.lexicon import (
    POSITIVE_EMOJI,
    POSITIVE_WORDS,
    SENTIMENT_PHRASES,
    blames,
    flipped_before,
    phrase_at,
    praises,
    tokenize,
)

# Words that praise only as a verb of wanting or comparing ("i'd like that", "into it", "pass").
_NO_VERDICT = frozenset({"like", "into", "pass"})


class VerdictReader:
    """Judges normalised reaction text; ``data`` is ``reactions.toml``, ``positive_extra`` and
    ``negative_extra`` its compiled phrase groups of the same names."""

    def __init__(self, data: dict, positive_extra: re.Pattern[str],
                 negative_extra: re.Pattern[str]) -> None:
        self.verdicts = {**dict.fromkeys(data["verdict_positive"], True),
                         **dict.fromkeys(data["verdict_negative"], False)}
        self.affirmations = frozenset(data["affirmations"])
        self.positive_extra, self.negative_extra = positive_extra, negative_extra

    def sentiment(self, low: str, skip: frozenset[str] = frozenset()) -> bool | None:
        """False if the text judges badly, True if well, None if it does not judge. With
        praise and blame in one message the last one wins ("so dumb, i love it"); an idiom
        is judged as a whole ("in a good way"), its words not one by one."""
        if self.negative_extra.search(low):
            return False
        words = [t.lower for t in tokenize(low)]
        found: bool | None = None
        k = 0
        while k < len(words):
            length = phrase_at(words, k, SENTIMENT_PHRASES)
            if length:
                found = bool(SENTIMENT_PHRASES[tuple(words[k:k + length])])
                k += length
                continue
            word = words[k]
            k += 1
            if word in self.affirmations or word in skip or word in _NO_VERDICT:
                continue
            verdict = self.verdicts.get(word)
            positive = praises(word) or verdict is True
            negative = blames(word) or verdict is False
            if positive or negative:
                found = negative == flipped_before(words, k - 1, 2)
        if found is None and self.positive_extra.search(low):
            return True
        return found

    def emoji_only(self, low: str) -> bool:
        """Whether the only praise is an emoji ("2nd one ❤️"): a pick wanted, not judged."""
        words = [t.lower for t in tokenize(low)]
        return (not any(w in POSITIVE_WORDS or self.verdicts.get(w) for w in words)
                and any(ch in POSITIVE_EMOJI for w in words for ch in w))
