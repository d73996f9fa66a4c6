"""How common a word is in everyday English, as data: wordfreq's Zipf frequencies.

A Zipf value is log10 of a word's frequency per billion words: "the" about 7.7, "money" 5.6,
"fools" 3.9, "lebowski" 2.7, 0 for a word never seen. Title spotting reads it as evidence: a
span of very common words ("money talks", "as good as it gets") is more likely an everyday
phrase than a title, and a title's rare first word ("raiders") can name it alone.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

LANGUAGE = "en"
CONTENT_MIN_LETTERS = 3  # shorter words ("in", "me", "by") say nothing about a phrase


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """The Zipf frequency of one lower-case word (0.0 when unknown)."""
    return zipf_frequency(word, LANGUAGE)


def phrase_commonness(words: list[str], function_words: frozenset[str]) -> float:
    """The mean Zipf frequency of a phrase's content words (all its words when it has none)."""
    content = [w for w in words if len(w) >= CONTENT_MIN_LETTERS and w not in function_words]
    chosen = content or words
    return sum(zipf(w) for w in chosen) / len(chosen) if chosen else 0.0
