"""Language models behind one small protocol, chosen by the ``lm`` setting.

- ``smollm2`` (default) or any Hugging Face causal-LM id/folder: transformers in-process
  (`chatrec.models.lm_transformers`); ``transformers:<id>`` says the same explicitly;
- ``llama:smollm2`` or ``llama:/path/model.gguf``: llama.cpp in-process, from the optional
  ``[llama]`` extra (`chatrec.models.lm_llama`);
- ``openai:http://127.0.0.1:8080/v1``: any OpenAI-compatible server (llama.cpp's, vLLM,
  Ollama), streamed over the standard library (`chatrec.models.lm_openai`);
- ``none``: no LM, template replies only.

The LM only ever phrases text: nothing decides on its output. `BackgroundLM` loads any of them
in a thread so that the app never waits for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from chatrec.models.chat import (
    LanguageModel,
    LMNotReadyError,
    LMOptions,
    LMUnavailableError,
    Message,
    plain_text_prompt,
)
from chatrec.models.errors import ModelUnavailableError
from chatrec.models.lm_transformers import HFCausalLM, load_causal_lm
from chatrec.models.smollm2 import SMOLLM2_GGUF, convert_smollm2, smollm2_folder

__all__ = [
    "SMOLLM2_GGUF", "BackgroundLM", "HFCausalLM", "LMNotReadyError", "LMOptions", "LMSpec",
    "LMUnavailableError", "LanguageModel", "Message", "convert_smollm2", "load_causal_lm",
    "load_language_model", "parse_lm_spec", "plain_text_prompt", "smollm2_folder",
]
log = logging.getLogger(__name__)
BACKENDS = ("transformers", "llama", "openai")
_ALIASES = {"hf": "transformers", "transformers": "transformers", "llama": "llama",
            "llamacpp": "llama", "llama.cpp": "llama", "openai": "openai"}


@dataclass(frozen=True)
class LMSpec:
    """A parsed ``lm`` setting: which backend, and the model or server it names."""

    backend: str  # "none", "transformers", "llama" or "openai"
    target: str = ""

    @property
    def enabled(self) -> bool:
        """False for ``none`` (templates only)."""
        return self.backend != "none"


def parse_lm_spec(spec: str) -> LMSpec:
    """``backend:target``; a bare name is a transformers model, ``none`` means no LM."""
    text = spec.strip()
    if text.lower() in {"none", "off", ""}:
        return LMSpec("none")
    head, sep, rest = text.partition(":")
    backend = _ALIASES.get(head.lower()) if sep else None
    if backend is None:  # "smollm2", "gpt2", "/some/folder", "C:\\models\\x" ...
        return LMSpec("transformers", text)
    if not rest.strip():
        raise ModelUnavailableError(f"CHATREC_LM={spec!r} names the {backend} backend but no "
                                    "model: e.g. llama:smollm2 or openai:http://127.0.0.1:8080/v1")
    return LMSpec(backend, rest.strip())


def load_language_model(spec: str, cache_dir: str | Path = "data/cache",
                        allow_downloads: bool = False,
                        options: LMOptions | None = None) -> LanguageModel | None:
    """The configured LM ready for chat, or ``None`` for ``none`` (templates only)."""
    parsed, options = parse_lm_spec(spec), options or LMOptions()
    if parsed.backend == "none":
        return None
    if parsed.backend == "llama":
        from chatrec.models.lm_llama import LlamaCppLM

        return LlamaCppLM.from_spec(parsed.target, options, name=spec)
    if parsed.backend == "openai":
        from chatrec.models.lm_openai import OpenAICompatLM

        return OpenAICompatLM(parsed.target, options, name=spec)
    model, tokenizer = load_causal_lm(parsed.target, cache_dir, allow_downloads)
    return HFCausalLM(model, tokenizer, name=spec)


class BackgroundLM:
    """Loads a language model in a thread so the app is ready before the LM is.

    Until the model is loaded (or if loading fails) `generate` raises `LMNotReadyError`, and
    the reply falls back to its template: a slow or broken LM never delays or breaks a turn.
    """

    def __init__(self, name: str, load: Callable[[], LanguageModel | None],
                 uses_transformers: bool = True) -> None:
        self.name = name
        self._model: LanguageModel | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        if uses_transformers:
            _resolve_transformers_classes()
        threading.Thread(target=self._load, args=(load,), daemon=True,
                         name=f"load-lm-{name}").start()

    def _load(self, load: Callable[[], LanguageModel | None]) -> None:
        try:
            self._model = load()
        except Exception as exc:  # noqa: BLE001 - reported through .error and the log
            self.error = exc
            log.exception("language model %s failed to load; replies use templates", self.name)
        finally:
            self._ready.set()

    @property
    def model(self) -> LanguageModel | None:
        """The loaded backend, or None while loading or after a failure."""
        return self._model

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading has finished; True when a model is available."""
        self._ready.wait(timeout)
        return self._model is not None

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        if self._model is None:
            raise LMNotReadyError(f"language model {self.name} is not loaded")
        return self._model.generate(messages, max_new_tokens, stream, max_time_s)


def _resolve_transformers_classes() -> None:
    """Import the transformers classes generation uses, in the caller's thread.

    transformers resolves its classes lazily and that is not thread-safe: a thread importing
    them while the main thread loaded the embedder raised ImportError.
    """
    from transformers import (  # noqa: F401
        AutoModelForCausalLM,
        AutoTokenizer,
        DynamicCache,
        LogitsProcessorList,
        StoppingCriteria,
        TextIteratorStreamer,
    )
