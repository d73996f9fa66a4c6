"""The llama.cpp backend, in-process, from the optional ``[llama]`` extra (llama-cpp-python).

It loads a GGUF file as it is (the packaged SmolLM2 needs no conversion), uses a fraction of
the memory torch does and decodes about three times faster on a laptop CPU. Its prompt
processing is slower than torch's, so the fixed prompt prefix must not be recomputed: one
`Llama` object is kept and never reset, and llama.cpp reuses the longest prefix its KV cache
shares with the new prompt (the system prompt and examples). One lock serialises calls, since
a llama.cpp context holds a single sequence.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chatrec.models.chat import LMOptions, LMUnavailableError, Message, plain_text_prompt
from chatrec.models.errors import ModelUnavailableError
from chatrec.models.smollm2 import smollm2_gguf

INSTALL_HINT = ("the llama.cpp backend needs the optional extra: pip install 'chatrec[llama]' "
                "(it builds llama-cpp-python from source, 10-35 minutes on a laptop); "
                "or use CHATREC_LM=smollm2 (transformers) or CHATREC_LM=none")
CONTEXT_TOKENS = 1024  # the longest prompt (grounded reply) is ~400 tokens


def gguf_path(target: str) -> Path:
    """``smollm2`` is the packaged file; anything else must be a path to a ``.gguf`` file."""
    path = smollm2_gguf() if target == "smollm2" else Path(target).expanduser()
    if not path.is_file():
        raise ModelUnavailableError(f"llama.cpp model {target!r}: no GGUF file at {path}")
    return path


class LlamaCppLM:
    """A `LanguageModel` over one llama-cpp-python `Llama` object."""

    def __init__(self, llama: Any, name: str, repeat_penalty: float = 1.0) -> None:
        self.llama, self.name = llama, name
        self.repeat_penalty = repeat_penalty  # llama.cpp's counts the prompt: off by default
        self._lock = threading.Lock()
        self._formatter = _chat_formatter(llama)

    @classmethod
    def from_spec(cls, target: str, options: LMOptions, name: str) -> LlamaCppLM:
        """Load ``llama:<target>`` with the configured thread count."""
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelUnavailableError(INSTALL_HINT) from exc
        threads = max(1, options.threads)
        llama = Llama(model_path=str(gguf_path(target)), n_ctx=CONTEXT_TOKENS,
                      n_threads=threads, n_threads_batch=threads, verbose=False)
        return cls(llama, name)

    def prompt(self, messages: list[Message]) -> str:
        """The prompt text: the GGUF's chat template, or speaker labels without one."""
        if self._formatter is None:
            return plain_text_prompt(messages)
        return self._formatter(messages=messages).prompt

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        pieces = self._pieces(self.prompt(messages), max_new_tokens, max_time_s)
        return pieces if stream else "".join(pieces)

    def _pieces(self, prompt: str, max_new_tokens: int,
                max_time_s: float | None) -> Iterator[str]:
        start = time.perf_counter()
        # Waiting for another turn's generation counts against this turn's budget.
        if not self._lock.acquire(timeout=max_time_s if max_time_s is not None else -1):
            raise LMUnavailableError(f"{self.name} is busy with another reply")
        try:
            chunks = self.llama.create_completion(
                prompt, max_tokens=max_new_tokens, temperature=0.0,
                repeat_penalty=self.repeat_penalty, stop=["\n"], stream=True)
            try:
                for chunk in chunks:
                    text = chunk["choices"][0].get("text", "")
                    if text:
                        yield text
                    if max_time_s is not None and time.perf_counter() - start >= max_time_s:
                        break
            finally:
                chunks.close()
        finally:
            self._lock.release()


def _chat_formatter(llama: Any) -> Any | None:
    """A renderer for the chat template stored in the GGUF metadata, if it has one."""
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def token_text(key: str) -> str:
        token = int(llama.metadata.get(key, -1))
        return llama.detokenize([token], special=True).decode("utf-8", "ignore") if token >= 0 \
            else ""

    return Jinja2ChatFormatter(template, eos_token=token_text("tokenizer.ggml.eos_token_id"),
                               bos_token=token_text("tokenizer.ggml.bos_token_id"))
