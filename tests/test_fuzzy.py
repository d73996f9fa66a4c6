"""The q-gram fuzzy index returns exactly what a full rapidfuzz scan returns, but scans less."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz, process

from chatrec.understand.fuzzy import FuzzyIndex, plan

WORDS = ("the usual suspects godfather part ii pulp fiction heat fargo sleepless in seattle "
         "star wars empire strikes back return of jedi lion king toy story alien aliens night "
         "of living dead dawn day reservoir dogs good bad ugly once upon time west america "
         "mission impossible ghost protocol nikita femme scarlet letter shine kids crash").split()


def make_keys(rng: random.Random, n: int = 400) -> list[str]:
    keys = {" ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 6))) for _ in range(n)}
    return sorted(keys, key=lambda k: (rng.random(), k))  # an arbitrary, non-sorted order


def typo(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randrange(0, 4)):
        i = rng.randrange(len(chars))
        action = rng.randrange(4)
        if action == 0 and len(chars) > 1:
            del chars[i]
        elif action == 1:
            chars.insert(i, rng.choice("aeiost "))
        elif action == 2 and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = rng.choice("aeiou")
    return "".join(chars)


def full_scan(keys: list[str], query: str, cutoff: float) -> list[tuple[int, float]]:
    return [(i, s) for _, s, i in process.extract(query, keys, scorer=fuzz.ratio,
                                                  score_cutoff=cutoff, limit=8)]


@pytest.mark.parametrize("cutoff", [80.0, 86.0])
def test_results_equal_a_full_scan(cutoff):
    rng = random.Random(7)
    keys = make_keys(rng)
    index = FuzzyIndex(keys)
    for _ in range(300):
        query = typo(rng, rng.choice(keys)) if rng.random() < 0.7 else " ".join(
            rng.sample(WORDS, rng.randrange(1, 4)))
        if len(query) >= 4:
            assert index.extract(query, cutoff, 8) == full_scan(keys, query, cutoff), query


def test_a_growing_search_equals_fresh_searches():
    rng = random.Random(3)
    keys = make_keys(rng)
    index = FuzzyIndex(keys)
    for _ in range(40):
        words = [typo(rng, w) for w in rng.sample(WORDS, 6)]
        search = index.search()
        for end in range(1, len(words) + 1):
            query = " ".join(words[:end])
            if len(query) >= 4:
                assert search.extract(query, 86.0, 8) == full_scan(keys, query, 86.0), query
        assert search.extract("heat", 86.0, 8) == full_scan(keys, "heat", 86.0)  # not a prefix


def test_only_keys_of_a_possible_length_and_enough_shared_grams_are_scored():
    keys = ["heat", "fargo", "pulp fiction", "the good the bad and the ugly", "pulp fixion"]
    index = FuzzyIndex(keys)
    candidates = index.search()._candidates("pulp fictoin", 86.0)
    assert [keys[i] for i in candidates] == ["pulp fiction", "pulp fixion"]
    rule = plan(len("pulp fictoin"), 86.0, index.longest)
    assert rule.least >= 2 and rule.shortest > len("fargo") and rule.longest < 29
