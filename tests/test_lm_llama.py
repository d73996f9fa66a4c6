"""The llama.cpp backend: a fake `Llama` always, the real packaged GGUF when installed."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time

import pytest

from chatrec.models.chat import LMOptions, LMUnavailableError
from chatrec.models.errors import ModelUnavailableError
from chatrec.models.lm import load_language_model
from chatrec.models.lm_llama import LlamaCppLM
from chatrec.reply.lead_in import lead_in_messages_prefix

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "tense"}]


class FakeLlama:
    """Streams completion chunks the way llama-cpp-python does; counts concurrent calls."""

    metadata: dict[str, str] = {}  # no chat template: the plain-text prompt is used

    def __init__(self, words: list[str], delay_s: float = 0.0) -> None:
        self.words, self.delay_s = words, delay_s
        self.prompts: list[str] = []
        self.active = self.most_active = 0

    def create_completion(self, prompt, max_tokens, temperature, repeat_penalty, stop, stream):
        assert stream and temperature == 0.0 and stop == ["\n"]
        self.prompts.append(prompt)
        return self._chunks(max_tokens)

    def _chunks(self, max_tokens: int):
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            for word in self.words[:max_tokens]:
                time.sleep(self.delay_s)
                yield {"choices": [{"text": word, "index": 0}]}
        finally:
            self.active -= 1


def test_generates_and_streams_through_one_llama_object() -> None:
    fake = FakeLlama(["A ", "tense ", "night."])
    lm = LlamaCppLM(lambda: fake, "llama:fake")
    assert lm.generate(MESSAGES) == "A tense night."
    assert list(lm.generate(MESSAGES, stream=True)) == ["A ", "tense ", "night."]
    assert lm.generate(MESSAGES, max_new_tokens=2) == "A tense "
    assert fake.prompts[0].startswith("Be brief.") and fake.prompts[0].endswith("Assistant:")


def test_calls_are_serialised_and_a_waiting_call_respects_its_budget() -> None:
    fake = FakeLlama(["word "] * 6, delay_s=0.05)
    lm = LlamaCppLM(lambda: fake, "llama:fake")
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(lm.generate(MESSAGES)))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert fake.most_active == 1 and results == ["word " * 6] * 3
    # While one reply streams, another with a short budget gives up instead of queueing.
    busy = lm.generate(MESSAGES, stream=True)
    next(busy)
    with pytest.raises(LMUnavailableError, match="busy"):
        lm.generate(MESSAGES, max_time_s=0.05)
    busy.close()
    assert lm.generate(MESSAGES, max_time_s=1.0)


def test_each_prompt_prefix_keeps_its_own_context() -> None:
    made: list[FakeLlama] = []

    def load() -> FakeLlama:
        made.append(FakeLlama(["ok."]))
        return made[-1]

    lm = LlamaCppLM(load, "llama:fake", max_contexts=2)
    lead_in = [{"role": "system", "content": "Write a lead-in."}, {"role": "user", "content": "a"}]
    reply = [{"role": "system", "content": "Write a reply."}, {"role": "user", "content": "b"}]
    for messages in (lead_in, reply, lead_in, reply):
        lm.generate(messages)
    assert len(made) == 2
    assert all(p.startswith("Write a lead-in.") for p in made[0].prompts)
    assert all(p.startswith("Write a reply.") for p in made[1].prompts)
    # A third prefix takes over the least recently used context (the lead-in's).
    lm.generate([{"role": "system", "content": "Other."}, {"role": "user", "content": "c"}])
    assert len(made) == 2 and made[0].prompts[-1].startswith("Other.")


def test_generation_stops_at_the_time_limit() -> None:
    lm = LlamaCppLM(lambda: FakeLlama(["word "] * 50, delay_s=0.02), "llama:fake")
    start = time.perf_counter()
    text = lm.generate(MESSAGES, max_new_tokens=50, max_time_s=0.1)
    assert time.perf_counter() - start < 0.3 and 0 < len(text.split()) < 50


def test_a_long_prompt_read_never_holds_a_turn_past_its_budget() -> None:
    class SlowPrompt(FakeLlama):
        def _chunks(self, max_tokens: int):
            time.sleep(0.5)  # llama.cpp reads the prompt in one blocking call
            yield from super()._chunks(max_tokens)

    lm = LlamaCppLM(lambda: SlowPrompt(["late."]), "llama:fake")
    start = time.perf_counter()
    assert lm.generate(MESSAGES, max_time_s=0.1) == ""
    assert time.perf_counter() - start < 0.3
    # The abandoned generation still holds the context until it ends; then it is free again.
    assert lm.generate(MESSAGES, max_time_s=2.0) == "late."


def test_close_waits_for_an_abandoned_generation_then_frees_the_context() -> None:
    class Closable(FakeLlama):
        closed_while_active = None

        def close(self) -> None:
            self.closed_while_active = self.active

    fake = Closable(["word "] * 20, delay_s=0.02)
    lm = LlamaCppLM(lambda: fake, "llama:fake")
    assert lm.generate(MESSAGES, max_time_s=0.05)  # abandoned mid-way, still running
    lm.close()
    assert fake.closed_while_active == 0


def test_missing_package_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp now fails
    with pytest.raises(ModelUnavailableError, match=r"chatrec\[llama\]"):
        load_language_model("llama:smollm2")


def test_a_missing_gguf_file_is_named(tmp_path) -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    with pytest.raises(ModelUnavailableError, match="no GGUF file"):
        load_language_model(f"llama:{tmp_path / 'nope.gguf'}")


@pytest.fixture(scope="module")
def real_llama() -> LlamaCppLM:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install 'chatrec[llama]')")
    try:
        lm = load_language_model("llama:smollm2", options=LMOptions(threads=1))
    except ModelUnavailableError as exc:
        pytest.skip(str(exc))
    assert isinstance(lm, LlamaCppLM)
    return lm


def test_packaged_gguf_streams_one_line(real_llama) -> None:
    messages = [*lead_in_messages_prefix(), {"role": "user", "content": "something tense"}]
    text = "".join(real_llama.generate(messages, max_new_tokens=40, stream=True))
    assert text.strip() and "\n" not in text
    assert "<|im_start|>" in real_llama.prompt(messages)  # the GGUF's own chat template


def test_the_fixed_prefix_is_reused_between_calls(real_llama) -> None:
    system, *examples = lead_in_messages_prefix()
    # A system prompt no other test used: its first call reads the whole prefix.
    prefix = [{"role": "system", "content": system["content"] + " Be warm."}, *examples]

    def first_token_s(text: str) -> float:
        start = time.perf_counter()
        pieces = real_llama.generate([*prefix, {"role": "user", "content": text}],
                                     max_new_tokens=8, stream=True)
        next(iter(pieces))
        elapsed = time.perf_counter() - start
        pieces.close()
        return elapsed

    cold = first_token_s("a comedy for tonight")
    warm = min(first_token_s(t) for t in ("a comedy for friday", "a thriller", "no horror"))
    assert warm < cold / 2, (cold, warm)
