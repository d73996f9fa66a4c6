"""The LM's catalog-restricted delta in understanding (issue 14, part 2): restricted to the
vocabulary, validated against the parse, and off by default where it has not been earned."""

from __future__ import annotations

import json

import pytest
from fake_openai import fake_openai_server

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
        merged = step.apply("give me the willies, nothing silly", "willies silly",
                            PreferenceDelta())
        contradicted = step.apply("give me the willies, but horror is out", "willies",
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


def test_genre_words_the_rules_read_are_not_left_to_the_lm(vocabulary) -> None:
    from chatrec.understand.lm_delta import unexplained

    assert unexplained("scary spaceships", vocabulary) == "spaceships"
    assert unexplained("sci fi", vocabulary) == ""
    fixed = Fixed(Proposal(genres_in=("Sci-Fi",)))
    delta = PreferenceDelta(genres_in=("Horror",), wish="scary")
    assert LMDelta(fixed, vocabulary).apply("something scary", "scary", delta) is delta
    assert fixed.calls == 0  # nothing unexplained: the LM is not asked


def test_the_facade_builds_the_step_only_when_switched_on(tiny_dataset, fake_embedder, tiny_gpt2,
                                                          tmp_path) -> None:
    from chatrec import ChatRecommender
    from chatrec.models.lm_transformers import HFCausalLM

    lm = HFCausalLM(*tiny_gpt2, name="tiny")
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())

    def build(mode: str) -> ChatRecommender:
        settings = Settings(data="tiny", lm="smollm2", embedder="hashing", lm_understand=mode,
                            db_url=f"sqlite:///{tmp_path / mode}.db",
                            cache_dir=str(tmp_path / "cache"))
        return ChatRecommender.from_settings(settings, dataset=tiny_dataset,
                                             embedder=fake_embedder, language_model=lm,
                                             item_vectors=vectors)

    assert build("auto").parser.lm_delta is None  # not earned on transformers
    assert build("off").parser.lm_delta is None
    rec = build("on")
    assert isinstance(rec.parser.lm_delta, LMDelta)
    turn = rec.respond("u1", "recommend something with spaceships")
    assert turn.text  # the step runs inside a real turn without breaking it


def test_side_by_side_counts_what_the_lm_added(tiny_dataset, fake_embedder, tmp_path,
                                               vocabulary) -> None:
    from types import SimpleNamespace

    from chatrec_eval.nlu_lm import format_nlu_lm, run_nlu_lm, tune_thresholds

    path = tmp_path / "dev.jsonl"
    rows = [{"text": "recommend something with spaceships", "intent": "recommend",
             "slots": {"genres_in": ["Sci-Fi"]}},
            {"text": "recommend something cosy", "intent": "recommend", "slots": {}},
            {"text": "no horror", "intent": "refine", "slots": {"genres_out": ["Horror"]}}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    parser = Parser.from_catalog(tiny_dataset.catalog, fake_embedder, vocabulary)
    rec = SimpleNamespace(parser=parser, catalog=tiny_dataset.catalog, vocabulary=vocabulary)
    result = run_nlu_lm(rec, Fixed(Proposal(genres_in=("Sci-Fi",))), "fixed", (path,))
    block = result["files"][str(path)]
    assert block["added"] == {"tp": 1, "fp": 1}
    assert block["without"]["per_slot"]["genres_out"]["tp"] == 1
    assert block["with"]["per_slot"]["genres_in"]["recall"] == 1.0
    assert "genres_in" in format_nlu_lm(result)
    with pytest.raises(ValueError, match="frozen"):
        tune_thresholds(rec, None, tmp_path / "heldout.jsonl")
