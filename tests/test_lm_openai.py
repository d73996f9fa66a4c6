"""The OpenAI-compatible backend against a fake server on loopback (and llama.cpp's, if any)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time

import pytest
from fake_openai import fake_openai_server

from chatrec.models.chat import LMOptions, LMUnavailableError
from chatrec.models.errors import ModelUnavailableError
from chatrec.models.lm import load_language_model
from chatrec.models.lm_openai import OpenAICompatLM
from chatrec.reply.gate import LeadInGate
from chatrec.reply.lead_in import LeadInWriter

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "tense"}]
FALLBACK = "Here are some picks for you."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_streamed_and_plain_completions_from_the_server() -> None:
    with fake_openai_server() as server:
        lm = load_language_model(f"openai:{server.url}")
        assert isinstance(lm, OpenAICompatLM)
        assert lm.generate(MESSAGES, max_new_tokens=12) == server.reply
        pieces = list(lm.generate(MESSAGES, max_new_tokens=12, stream=True))
        assert len(pieces) == len(server.reply.split()) and "".join(pieces).strip() == server.reply
    plain, streamed = server.requests
    # The model name came from the server's /models, asked once.
    assert plain["model"] == streamed["model"] == "fake-smol"
    assert plain["messages"] == MESSAGES and plain["max_tokens"] == 12
    assert plain["stream"] is False and streamed["stream"] is True
    assert "Authorization" not in server.headers[0]


def test_configured_model_name_and_api_key_are_sent() -> None:
    with fake_openai_server() as server:
        lm = OpenAICompatLM(server.url, LMOptions(model="my-model", api_key="k123"))
        lm.generate(MESSAGES)
    assert server.requests[0]["model"] == "my-model"
    assert server.headers[0]["Authorization"] == "Bearer k123"


def test_a_down_server_is_unavailable_quickly_and_the_reply_uses_the_template(
        tiny_dataset) -> None:
    lm = OpenAICompatLM(f"http://127.0.0.1:{free_port()}/v1", LMOptions(model="m"))
    with pytest.raises(LMUnavailableError, match="unreachable"):
        lm.generate(MESSAGES)
    start = time.perf_counter()
    lead = LeadInWriter(lm, LeadInGate(tiny_dataset.catalog)).write("tense", [0], FALLBACK)
    assert lead.text == FALLBACK and lead.reason == "lm unavailable"
    assert time.perf_counter() - start < 1.0


def test_a_slow_server_falls_back_within_the_budget(tiny_dataset) -> None:
    with fake_openai_server(delay_s=1.5) as server:
        lm = OpenAICompatLM(server.url, LMOptions(model="m"))
        writer = LeadInWriter(lm, LeadInGate(tiny_dataset.catalog), budget_s=0.3)
        start = time.perf_counter()
        lead = writer.write("something tense", [0], FALLBACK)
        assert time.perf_counter() - start < 0.9
    assert lead.text == FALLBACK and lead.source == "template"


def test_a_server_error_is_reported_as_unavailable() -> None:
    with fake_openai_server(status=500) as server:
        lm = OpenAICompatLM(server.url, LMOptions(model="m"))
        with pytest.raises(LMUnavailableError, match="500"):
            lm.generate(MESSAGES)
        with pytest.raises(LMUnavailableError, match="500"):
            list(lm.generate(MESSAGES, stream=True))


def test_a_good_server_reply_passes_the_gate(tiny_dataset) -> None:
    with fake_openai_server(reply="A tense night of movies awaits.") as server:
        writer = LeadInWriter(OpenAICompatLM(server.url), LeadInGate(tiny_dataset.catalog))
        lead = writer.write("something tense", [0], FALLBACK)
    assert lead.source == "lm" and lead.text == "A tense night of movies awaits."


@pytest.mark.parametrize("url", ["127.0.0.1:8080", "ftp://host/v1", "http:///v1"])
def test_a_bad_server_url_says_what_to_write(url) -> None:
    with pytest.raises(ModelUnavailableError, match="http"):
        OpenAICompatLM(url)


def test_llama_cpp_server_speaks_the_same_api() -> None:
    """Start llama-cpp-python's real server on loopback with the packaged GGUF."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install 'chatrec[llama]'); "
                    "the real-server test needs it")
    from chatrec.models.smollm2 import smollm2_gguf

    try:
        gguf = smollm2_gguf()
    except ModelUnavailableError as exc:
        pytest.skip(str(exc))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
         "--port", str(port), "--n_threads", "1", "--n_ctx", "1024"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        lm = OpenAICompatLM(f"http://127.0.0.1:{port}/v1", LMOptions(read_timeout_s=30))
        deadline = time.monotonic() + 60
        while True:
            try:
                lm.model_name()
                break
            except LMUnavailableError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        text = "".join(lm.generate(MESSAGES, max_new_tokens=12, stream=True))
        assert text.strip() and "\n" not in text.strip()
        assert lm.generate(MESSAGES, max_new_tokens=12).strip()
    finally:
        server.terminate()
        server.wait(10)
