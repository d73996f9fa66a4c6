"""The llama.cpp backend, in-process, from the optional ``[llama]`` extra (llama-cpp-python).

It loads a GGUF file as it is (the packaged SmolLM2 needs no conversion), uses a fraction of
the memory torch does and decodes about three times faster on a laptop CPU. Its prompt
processing is slower than torch's, so the fixed prompt prefix must not be recomputed: a
`Llama` object is kept and never reset, and llama.cpp reuses the longest prefix its KV cache
shares with the new prompt (the system prompt and examples). A lock per context serialises its
calls, since a llama.cpp context holds a single sequence.
"""

from __future__ import annotations

import atexit
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


@dataclass
class _Context:
    """One llama.cpp context, the fixed prefix it last served, and its lock."""

    llama: Any
    prefix: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


class LlamaCppLM:
    """A `LanguageModel` over llama-cpp-python `Llama` objects: one per distinct prompt prefix.

    Switching a context between the lead-in prompt and the grounded-reply prompt would make it
    re-read a 140-340 token prefix at every switch (several seconds on a laptop; saving and
    restoring the state costs ~0.5 s), so each distinct prefix gets its own context, up to
    ``max_contexts``; beyond that the least recently used one is taken over. The weights are
    memory-mapped from the same file, so a second context shares them (RSS counts them twice).
    """

    def __init__(self, load: Callable[[], Any], name: str, repeat_penalty: float = 1.0,
                 max_contexts: int = 2) -> None:
        self._load, self.name, self.max_contexts = load, name, max_contexts
        self.repeat_penalty = repeat_penalty  # llama.cpp's counts the prompt: off by default
        self._contexts = [_Context(load())]
        self._pool_lock = threading.Lock()
        self._formatter = _chat_formatter(self.llama)
        self.gguf_path = ""  # the file loaded, when known (likelihood scoring opens its own)
        atexit.register(_close_at_exit, weakref.ref(self))

    @property
    def llama(self) -> Any:
        """The first context's `Llama` (the tokenizer and metadata are the same in all)."""
        return self._contexts[0].llama

    @classmethod
    def from_spec(cls, target: str, options: LMOptions, name: str) -> LlamaCppLM:
        """Load ``llama:<target>`` with the configured thread count."""
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelUnavailableError(INSTALL_HINT) from exc
        path, threads = str(gguf_path(target)), max(1, options.threads)
        lm = cls(lambda: Llama(model_path=path, n_ctx=CONTEXT_TOKENS, n_threads=threads,
                               n_threads_batch=threads, verbose=False), name)
        lm.gguf_path = path
        return lm

    def prompt(self, messages: list[Message]) -> str:
        """The prompt text: the GGUF's chat template, or speaker labels without one."""
        if self._formatter is None:
            return plain_text_prompt(messages)
        return self._formatter(messages=messages).prompt

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        prefix = self.prompt(messages[:-1]) if len(messages) > 1 else ""
        pieces = self._pieces(prefix, self.prompt(messages), max_new_tokens, max_time_s)
        return pieces if stream else "".join(pieces)

    def _context(self, prefix: str) -> _Context:
        """The context that last served ``prefix``, a new one, or the least recently used."""
        with self._pool_lock:
            found = next((c for c in self._contexts if c.prefix == prefix), None)
            if found is None:
                fresh = next((c for c in self._contexts if not c.prefix), None)
                if fresh is None and len(self._contexts) < self.max_contexts:
                    fresh = _Context(self._load())
                    self._contexts.append(fresh)
                found = fresh or self._contexts[-1]
                found.prefix = prefix
            self._contexts.remove(found)
            self._contexts.insert(0, found)  # most recently used first
            return found

    def _pieces(self, prefix: str, prompt: str, max_new_tokens: int,
                max_time_s: float | None) -> Iterator[str]:
        """Generate in a thread; yield its pieces until ``max_time_s`` passes.

        llama.cpp reads a prompt in one blocking call, so the deadline is kept here rather
        than between pieces: a turn never waits past its budget, and the thread stops at the
        next token (holding the context's lock until then).
        """
        start = time.perf_counter()
        context = self._context(prefix)
        # Waiting for another turn's generation counts against this turn's budget.
        if not context.lock.acquire(timeout=max_time_s if max_time_s is not None else -1):
            raise LMUnavailableError(f"{self.name} is busy with another reply")
        box: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        threading.Thread(target=self._work, args=(context, prompt, max_new_tokens, box, stop),
                         daemon=True).start()
        try:
            while True:
                left = None if max_time_s is None else max_time_s - (time.perf_counter() - start)
                try:
                    item = box.get(timeout=None if left is None else max(0.0, left))
                except queue.Empty:
                    return
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise LMUnavailableError(f"{self.name} failed: {item}") from item
                yield item
        finally:
            stop.set()

    def close(self, timeout_s: float = 10.0) -> None:
        """Wait for generations still running (one abandoned at its deadline ends at its next
        token), then free the llama.cpp contexts: freeing one mid-decode crashes the process."""
        with self._pool_lock:
            for context in self._contexts:
                if context.lock.acquire(timeout=timeout_s):
                    close = getattr(context.llama, "close", None)
                    if close:
                        close()
            self._contexts = []

    def _work(self, context: _Context, prompt: str, max_new_tokens: int, box: queue.Queue,
              stop: threading.Event) -> None:
        """The generation thread: put each piece into ``box``, then ``_END``; free the lock."""
        try:
            chunks = context.llama.create_completion(
                prompt, max_tokens=max_new_tokens, temperature=0.0,
                repeat_penalty=self.repeat_penalty, stop=["\n"], stream=True)
            try:
                for chunk in chunks:
                    if stop.is_set():
                        break
                    text = chunk["choices"][0].get("text", "")
                    if text:
                        box.put(text)
            finally:
                chunks.close()
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            box.put(exc)
        finally:
            context.lock.release()
            box.put(_END)


_END = object()  # the generation thread is done


def _close_at_exit(ref: weakref.ref) -> None:
    lm = ref()
    if lm is not None:
        lm.close(timeout_s=2.0)


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
