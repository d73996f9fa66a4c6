"""The transformers backend: prefix KV reuse, generated-only repetition penalty, stop tokens."""

from __future__ import annotations

import threading
import time

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from chatrec.models.errors import ModelUnavailableError
from chatrec.models.lm import LMSpec, parse_lm_spec
from chatrec.models.lm_transformers import (
    GeneratedOnlyRepetitionPenalty,
    HFCausalLM,
    NoStopFirst,
    stop_token_ids,
)

PREFIX = [
    {"role": "system", "content": "You suggest movies."},
    {"role": "user", "content": "something funny"},
    {"role": "assistant", "content": "Great choice! These picks match what you asked for."},
]


def messages(text: str) -> list[dict[str, str]]:
    return [*PREFIX, {"role": "user", "content": text}]


@pytest.mark.parametrize(("spec", "expected"), [
    ("smollm2", LMSpec("transformers", "smollm2")),
    ("none", LMSpec("none")),
    ("", LMSpec("none")),
    ("transformers:gpt2", LMSpec("transformers", "gpt2")),
    ("llama:smollm2", LMSpec("llama", "smollm2")),
    ("llama.cpp:/m/x.gguf", LMSpec("llama", "/m/x.gguf")),
    ("openai:http://127.0.0.1:8080/v1", LMSpec("openai", "http://127.0.0.1:8080/v1")),
    ("/some/folder", LMSpec("transformers", "/some/folder")),
    ("C:\\models\\gpt2", LMSpec("transformers", "C:\\models\\gpt2")),
])
def test_lm_specs_name_a_backend(spec, expected) -> None:
    assert parse_lm_spec(spec) == expected


def test_a_backend_without_a_model_says_what_to_write() -> None:
    with pytest.raises(ModelUnavailableError, match="llama:smollm2"):
        parse_lm_spec("llama:")


def test_prefix_reuse_gives_the_same_text_and_computes_the_prefix_once(tiny_gpt2) -> None:
    model, tokenizer = tiny_gpt2
    cached = HFCausalLM(model, tokenizer, "tiny")
    plain = HFCausalLM(model, tokenizer, "tiny", reuse_prefix=False)
    for text in ["something tense from the nineties", "I loved Heat and Fargo", "try these"]:
        expected = plain.generate(messages(text), max_new_tokens=6)
        assert cached.generate(messages(text), max_new_tokens=6) == expected
        assert "".join(cached.generate(messages(text), 6, stream=True)).strip() \
            == expected.strip()
    assert len(cached._prefixes) == 1 and cached.prefix_hits == 5
    # The stored cache is never extended by a call: its length is the prefix's.
    ids, cache = next(iter(cached._prefixes.values()))
    assert cache.get_seq_length() == ids.shape[1]


def test_the_prefix_cache_is_safe_to_share_between_threads(tiny_gpt2) -> None:
    model, tokenizer = tiny_gpt2
    lm = HFCausalLM(model, tokenizer, "tiny")
    texts = ["something tense", "I loved Heat", "no horror please", "try these tonight"]
    expected = {t: HFCausalLM(model, tokenizer, "x", reuse_prefix=False)
                .generate(messages(t), 5) for t in texts}
    results: dict[str, str] = {}

    def work(text: str) -> None:
        results[text] = lm.generate(messages(text), 5)

    threads = [threading.Thread(target=work, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == expected


def test_repetition_penalty_covers_generated_tokens_only() -> None:
    penalty = GeneratedOnlyRepetitionPenalty(2.0, prompt_length=3)
    scores = torch.tensor([[4.0, -4.0, 4.0, -4.0, 1.0]])
    # Tokens 0 and 1 are only in the prompt; 2 and 3 were generated after it.
    out = penalty(torch.tensor([[0, 1, 0, 2, 3]]), scores.clone())
    assert out.tolist() == [[4.0, -4.0, 2.0, -8.0, 1.0]]
    # Right after the prompt nothing is penalised at all.
    assert torch.equal(penalty(torch.tensor([[0, 1, 2]]), scores.clone()), scores)


def byte_level_tokenizer(chat_template: str | None = None) -> PreTrainedTokenizerFast:
    """A small byte-level BPE (GPT-2 style, so newlines are tokens) with chat markers."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<eos>", "<end>", "<start>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(["hello there\nhow are you.\n\nfine thanks\n"] * 20, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>",
                                   additional_special_tokens=["<end>", "<start>"])
    fast.chat_template = chat_template
    return fast


def test_stop_tokens_are_the_end_of_turn_and_every_newline_token() -> None:
    template = ("{% for m in messages %}<start>{{ m['role'] }}\n{{ m['content'] }}<end>\n"
                "{% endfor %}{% if add_generation_prompt %}<start>assistant\n{% endif %}")
    tokenizer = byte_level_tokenizer(template)
    stops = stop_token_ids(tokenizer)
    assert tokenizer.convert_tokens_to_ids("<end>") in stops
    assert tokenizer.eos_token_id in stops
    newline_ids = [i for i in range(len(tokenizer)) if "\n" in tokenizer.decode([i])]
    assert newline_ids and set(newline_ids) <= set(stops)
    assert tokenizer.convert_tokens_to_ids("h") not in stops


def test_generation_stops_at_a_stop_token_and_does_not_return_it(tiny_gpt2) -> None:
    model, tokenizer = tiny_gpt2
    eos = tokenizer.eos_token_id
    # Make the model prefer <eos> everywhere: a constant final hidden state along its embedding.
    rigged = type(model)(model.config).eval()
    rigged.load_state_dict(model.state_dict())
    with torch.no_grad():
        rigged.transformer.wte.weight[eos] *= 20
        rigged.transformer.ln_f.weight.zero_()
        rigged.transformer.ln_f.bias.copy_(rigged.transformer.wte.weight[eos])
    lm = HFCausalLM(rigged, tokenizer, "rigged")
    ids, _ = lm.encode(messages("hi"))
    with torch.no_grad():
        assert int(rigged(input_ids=ids).logits[0, -1].argmax()) == eos
    text = lm.generate(messages("hi"), max_new_tokens=10)
    # The first token may not be a stop token (no empty reply); then the stop token ends it.
    assert len(text.split()) == 1 and "<eos>" not in text


def test_a_slow_prompt_read_never_holds_a_stream_past_its_deadline(tiny_gpt2) -> None:
    model, tokenizer = tiny_gpt2
    lm = HFCausalLM(model, tokenizer, "tiny", reuse_prefix=False)
    calls = []

    def slow_first_step(module, args, kwargs):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.6)  # the prompt step of a long prompt on a busy CPU

    handle = model.register_forward_pre_hook(slow_first_step, with_kwargs=True)
    try:
        start = time.perf_counter()
        pieces = list(lm.generate(messages("hi"), max_new_tokens=5, stream=True,
                                  max_time_s=0.15))
        assert time.perf_counter() - start < 0.45 and pieces == []
    finally:
        time.sleep(0.7)  # let the abandoned generation end before the hook goes
        handle.remove()


def test_stop_tokens_are_forbidden_only_as_the_first_token() -> None:
    rule = NoStopFirst([1, 3], prompt_length=2)
    scores = torch.zeros(1, 4)
    first = rule(torch.tensor([[0, 2]]), scores)
    assert first[0, 1] == first[0, 3] == float("-inf") and first[0, 0] == 0
    assert torch.equal(rule(torch.tensor([[0, 2, 0]]), scores), scores)
