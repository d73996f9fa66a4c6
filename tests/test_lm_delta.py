"""The LM's catalog-restricted delta in understanding (issue 14, part 2): restricted to the
vocabulary, validated against the parse, and off by default where it has not been earned."""

from __future__ import annotations

import json

import pytest

from chatrec.app.settings import Settings
from chatrec.domain.vocabulary import Vocabulary
from chatrec.models.chat import LMOptions, LMUnavailableError
from chatrec.models.lm_openai import OpenAICompatLM
from chatrec.models.scoring import HFLikelihoodScorer
from chatrec.understand.lm_delta import (
    EARNED,
    LazyProposer,
    LikelihoodProposer,
    LMDelta,
    Proposal,
    SchemaProposer,
    Thresholds,
    is_enabled,
    lm_delta_step,
    merge,
    proposer_for,
)
from chatrec.understand.message import PreferenceDelta
from chatrec.understand.parse import Parser
from tests.fake_openai import fake_openai_server


@pytest.fixture
def vocabulary(tiny_dataset) -> Vocabulary:
    return Vocabulary.from_catalog(tiny_dataset.catalog)


class Fixed:
    """A proposer that always proposes the same thing (and counts its calls)."""

    def __init__(self, proposal: Proposal) -> None:
        self.proposal, self.calls = proposal, 0

    def propose(self, text: str, leftover: str) -> Proposal:
        self.calls += 1
        return self.proposal


def test_likelihood_proposals_are_catalog_genres_only(tiny_gpt2, vocabulary) -> None:
    model, tokenizer = tiny_gpt2
    proposer = LikelihoodProposer(HFLikelihoodScorer(model, tokenizer, "tiny"), vocabulary,
                                  Thresholds(min_calibrated=-1e9, min_margin=0.0))
    ranked = proposer.ranked("something tense")
    assert sorted(s.value for s in ranked) == sorted(vocabulary.genre_names)
    proposal = proposer.propose("something tense please", "tense")
    assert proposal.genres_in == (ranked[0].value,) and not proposal.genres_out
    # The scorer cannot read negation: a message with a negator gets no proposal at all.
    assert proposer.propose("nothing tense please", "tense") == Proposal()
    # A threshold nobody reaches proposes nothing.
    strict = LikelihoodProposer(proposer.scorer, vocabulary, Thresholds(1e9, 0.0))
    assert strict.propose("something tense please", "tense") == Proposal()


def test_a_contradicting_or_unknown_delta_is_dropped(vocabulary) -> None:
    parsed = PreferenceDelta(genres_in=("Crime",), genres_out=("Horror",), avoid=("Comedy",))
    proposal = Proposal(genres_in=("Horror", "Comedy", "Cyberpunk", "Sci-Fi", "Romance"),
                        genres_out=("Crime", "Romance", "Drama"))
    merged = merge(parsed, proposal, vocabulary)
    # Horror was excluded, Comedy avoided, Cyberpunk is not a catalog genre, Romance is both
    # asked for and excluded by the proposal, Crime was asked for by the user.
    assert merged.genres_in == ("Crime", "Sci-Fi")
    assert merged.genres_out == ("Horror", "Drama")
    assert merge(parsed, Proposal(genres_in=("Horror",)), vocabulary) is parsed


def test_parser_hook_merges_only_for_leftover_words(tiny_dataset, fake_embedder,
                                                    vocabulary) -> None:
    parser = Parser.from_catalog(tiny_dataset.catalog, fake_embedder, vocabulary)
    fixed = Fixed(Proposal(genres_in=("Sci-Fi",)))
    parser.lm_delta = LMDelta(fixed, vocabulary)
    assert "Sci-Fi" in parser.parse("recommend something with spaceships").delta.genres_in
    calls = fixed.calls
    parser.parse("no horror")  # the rules explain every word: the LM is not asked
    assert fixed.calls == calls
    excluded = parser.parse("something with spaceships but no sci-fi")
    assert "Sci-Fi" not in excluded.delta.genres_in  # contradicts the parse: dropped


def test_an_unavailable_or_loading_lm_leaves_the_parse_alone(vocabulary) -> None:
    class Down:
        def propose(self, text: str, leftover: str) -> Proposal:
            raise LMUnavailableError("server down")

    delta = PreferenceDelta(wish="spaceships")
    assert LMDelta(Down(), vocabulary).apply("spaceships", "spaceships", delta) is delta
    assert LMDelta(lambda: None, vocabulary).apply("spaceships", "spaceships", delta) is delta


def test_schema_reply_is_constrained_to_the_vocabulary_and_validated(vocabulary) -> None:
    reply = json.dumps({"genres_in": ["Horror", "Cyberpunk", 7], "genres_out": ["Comedy"]})
    with fake_openai_server(reply=reply) as server:
        lm = OpenAICompatLM(server.url, LMOptions(model="fake-smol"))
        proposer = proposer_for(lm, vocabulary)
        assert isinstance(proposer, SchemaProposer)
        step = LMDelta(proposer, vocabulary)
        merged = step.apply("give me the creeps, nothing silly", "creeps silly",
                            PreferenceDelta())
        contradicted = step.apply("give me the creeps, but horror is out", "creeps",
                                  PreferenceDelta(genres_out=("Horror",)))
    assert merged.genres_in == ("Horror",) and merged.genres_out == ("Comedy",)
    assert contradicted.genres_in == () and contradicted.genres_out == ("Horror", "Comedy")
    body = server.requests[0]
    assert body["stream"] is False and body["temperature"] == 0.0
    spec = body["response_format"]
    assert spec["type"] == "json_schema" and spec["json_schema"]["strict"] is True
    properties = spec["json_schema"]["schema"]["properties"]
    for slot in ("genres_in", "genres_out"):
        assert properties[slot]["items"]["enum"] == list(vocabulary.genre_names)


def test_a_non_json_reply_changes_nothing(vocabulary) -> None:
    with fake_openai_server(reply="Horror, definitely!") as server:
        lm = OpenAICompatLM(server.url, LMOptions(model="fake-smol"))
        with pytest.raises(LMUnavailableError):
            SchemaProposer(lm, vocabulary).propose("scary", "scary")
        delta = PreferenceDelta(wish="scary")
        assert LMDelta(SchemaProposer(lm, vocabulary), vocabulary).apply(
            "scary", "scary", delta) is delta


def test_off_by_default_where_not_earned(tiny_gpt2, vocabulary) -> None:
    assert Settings().lm_understand == "auto"
    for backend in ("transformers", "llama", "openai"):
        assert is_enabled("auto", backend) is (backend in EARNED)
        assert is_enabled("on", backend) and not is_enabled("off", backend)
    assert not is_enabled("on", "none")
    with pytest.raises(ValueError, match="lm_understand"):
        is_enabled("sometimes", "transformers")
    model, tokenizer = tiny_gpt2
    from chatrec.models.lm_transformers import HFCausalLM

    lm = HFCausalLM(model, tokenizer, name="tiny")
    assert lm_delta_step(Settings(lm="smollm2"), lm, vocabulary) is None  # auto, not earned
    assert lm_delta_step(Settings(lm="smollm2", lm_understand="on"), None, vocabulary) is None
    step = lm_delta_step(Settings(lm="smollm2", lm_understand="on"), lm, vocabulary)
    assert isinstance(step, LMDelta)
    built = LazyProposer(lm, vocabulary)()
    assert isinstance(built, LikelihoodProposer)


def test_llama_scorer_reuses_the_prompt_without_changing_scores() -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from chatrec.models.errors import ModelUnavailableError
    from chatrec.models.lm import load_language_model
    from chatrec.models.scoring import LlamaLikelihoodScorer, scorer_for, slot_prompt

    try:
        lm = load_language_model("llama:smollm2", options=LMOptions(threads=1))
    except ModelUnavailableError as exc:
        pytest.skip(str(exc))
    scorer = scorer_for(lm)
    assert isinstance(scorer, LlamaLikelihoodScorer)
    prompt, values = slot_prompt("something that will give me the creeps", "genre"), [
        " Horror", " Musical", " Film-Noir"]
    together = scorer.score(prompt, values)
    alone = [scorer.score(prompt, [v])[0] for v in reversed(values)][::-1]
    for (lp, n), (lp1, n1) in zip(together, alone, strict=True):
        assert n == n1 >= 1 and lp < 0
        assert lp == pytest.approx(lp1, abs=1e-3)  # the cut-back cache leaves no trace
    lm.close()
