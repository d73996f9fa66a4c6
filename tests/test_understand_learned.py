"""The learned fallback (chatrec.understand.learned): nearest labelled lines, with abstention."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import catalog_parser

from chatrec.understand.intents import RULE_ONLY_INTENTS, IntentClassifier
from chatrec.understand.learned import (
    EXAMPLES_FILE,
    PLACEHOLDER,
    Example,
    NearestLines,
    example_vectors,
    learned_intents,
    load_examples,
    vote,
)
from chatrec.understand.parse import ParseContext
from chatrec_eval.learned_examples import build, masked


def _unit(*rows: list[float]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_the_vote_weighs_the_nearest_lines() -> None:
    sims = np.array([0.9, 0.8, 0.1, 0.85])
    best, share, top = vote(sims, ["a", "b", "a", "a"], k=3)
    assert best == "a" and top == pytest.approx(0.9)
    assert share == pytest.approx((0.9 + 0.85) / (0.9 + 0.85 + 0.8))


def test_it_abstains_when_far_or_split() -> None:
    lines = NearestLines(_unit([1, 0, 0], [1, 0.1, 0], [0, 1, 0], [0, 1, 0.1]),
                         ["why", "why", "help", "help"], k=4, min_similarity=0.5, min_share=0.7)
    assert lines.decide(_unit([1, 0.05, 0])[0])[0] == "why"
    assert lines.decide(_unit([0, 0, 1])[0]) is None  # off-distribution: nothing near
    assert lines.decide(_unit([1, 1, 0])[0]) is None  # halfway: the neighbours disagree


def test_a_rule_only_intent_is_never_learned(fake_embedder) -> None:
    examples = (Example("please wipe everything", "forget", None, False),
                Example("why that pick", "why", None, False))
    lines = learned_intents(fake_embedder, RULE_ONLY_INTENTS, examples)
    assert lines.labels == ["why"]
    assert "forget" not in learned_intents(fake_embedder, RULE_ONLY_INTENTS).labels


def test_the_classifier_skips_a_learned_forget(fake_embedder) -> None:
    # even a table that holds "forget" (built by hand) cannot make the classifier choose it
    vectors = fake_embedder.encode(["wipe it all please"] * 3)
    classifier = IntentClassifier(fake_embedder, {"help": ("how does this work",)},
                                  learned=NearestLines(vectors, ["forget"] * 3))
    assert classifier.classify("wipe it all please")[0] != "forget"


def test_the_shipped_examples_are_development_lines_only() -> None:
    examples = load_examples()
    assert len(examples) > 2000
    assert not {e.source for e in examples} & {"heldout", "dev10"}
    with pytest.raises(ValueError):
        build(("tests/data/nlu/heldout.jsonl",))
    with EXAMPLES_FILE.open(encoding="utf-8") as handle:
        first = json.loads(handle.readline())
    assert set(first) == {"text", "intent", "act", "shown", "source"}


def test_labelled_titles_are_masked() -> None:
    text = masked("Loved The Usual Suspects, heat was ok", {"Usual Suspects, The (1995)",
                                                             "Heat (1995)"})
    assert text == f"loved {PLACEHOLDER}, {PLACEHOLDER} was ok"
    assert masked("the heat is on", set()) == "the heat is on"


def test_the_shipped_vectors_match_the_texts(fake_embedder) -> None:
    texts = [e.text for e in load_examples()[:5]]
    fresh = example_vectors(fake_embedder, texts)  # another embedder: encoded afresh
    assert np.allclose(fresh, fake_embedder.encode(texts))


@pytest.mark.parametrize("kind", ["films", "books"])
def test_the_parser_still_reads_both_catalogs(kind, fake_embedder) -> None:
    parser = catalog_parser(kind, fake_embedder)
    assert parser.intents.learned is not None
    assert parser.parse("forget everything about me").intent == "forget"
    parsed = parser.parse("never got round to that one", ParseContext.on_screen([0, 1]))
    assert all(r.act != "reject" for r in parsed.reactions)


def test_the_blind_file_is_refused() -> None:
    with pytest.raises(ValueError):
        build(("tests/data/nlu/dev10.jsonl",))
