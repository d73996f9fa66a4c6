"""The transformers backend: any Hugging Face causal LM (the packaged SmolLM2 by default).

Three things make a short reply fast and well-ended on a CPU:
- the repetition penalty covers only the tokens generated after the prompt, since a penalty over
  the prompt also punishes the end-of-turn token that the few-shot examples end with, and the
  model then rambles to the token limit;
- generation stops at the chat template's end-of-turn token or at a newline;
- the KV cache of the fixed prompt prefix (system prompt and examples: every message but the
  last) is computed once and a copy is reused on every call, so a turn only pays for the new
  message. Each call works on its own copy, so concurrent calls are safe.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chatrec.models.chat import Message, plain_text_prompt
from chatrec.models.errors import ModelUnavailableError
from chatrec.models.smollm2 import convert_smollm2

PREFIX_CACHE_SIZE = 4  # distinct fixed prefixes kept (lead-in prompt, grounded-reply prompt)


class HFCausalLM:
    """Any transformers causal LM plus its tokenizer, with optional token streaming."""

    def __init__(self, model: Any, tokenizer: Any, name: str, repetition_penalty: float = 1.2,
                 reuse_prefix: bool = True) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.repetition_penalty = repetition_penalty
        self.reuse_prefix = reuse_prefix
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.stop_ids = stop_token_ids(tokenizer)
        self._prefixes: OrderedDict[str, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()  # guards the prefix table, never a whole generation
        self.prefix_hits = 0

    def render(self, messages: list[Message], generation_prompt: bool = True) -> str:
        """Messages as prompt text: the chat template, or speaker labels without one."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                messages, add_generation_prompt=generation_prompt, tokenize=False)
        return plain_text_prompt(messages, generation_prompt)

    def prompt(self, messages: list[Message]) -> str:
        """The full prompt text for ``messages``, ready for the assistant's turn."""
        return self.render(messages)

    def encode(self, messages: list[Message]) -> tuple[Any, Any | None]:
        """(input ids, a private copy of the cached prefix KV or None) for ``messages``."""
        import torch

        full = self.prompt(messages)
        prefix = self.render(messages[:-1], generation_prompt=False) if len(messages) > 1 else ""
        if not (self.reuse_prefix and prefix and full.startswith(prefix)):
            return self.tokenizer(full, return_tensors="pt")["input_ids"], None
        prefix_ids, cache = self._prefix_cache(prefix)
        rest = self.tokenizer(full[len(prefix):], return_tensors="pt",
                              add_special_tokens=False)["input_ids"]
        return torch.cat([prefix_ids, rest], dim=1), copy.deepcopy(cache)

    def _prefix_cache(self, prefix: str) -> tuple[Any, Any]:
        """The prefix's ids and KV cache, computed once per distinct prefix."""
        import torch

        with self._lock:
            if prefix in self._prefixes:
                self._prefixes.move_to_end(prefix)
                self.prefix_hits += 1
                return self._prefixes[prefix]
            ids = self.tokenizer(prefix, return_tensors="pt")["input_ids"]
            cache = new_cache(self.model)
            with torch.inference_mode():
                self.model(input_ids=ids, use_cache=True, **{cache_kwarg(): cache})
            self._prefixes[prefix] = (ids, cache)
            while len(self._prefixes) > PREFIX_CACHE_SIZE:
                self._prefixes.popitem(last=False)
            return ids, cache

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        import torch
        from transformers import LogitsProcessorList

        ids, cache = self.encode(messages)
        kwargs: dict[str, Any] = dict(
            input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
            do_sample=False, eos_token_id=self.stop_ids, pad_token_id=self.tokenizer.pad_token_id,
            logits_processor=LogitsProcessorList(
                [GeneratedOnlyRepetitionPenalty(self.repetition_penalty, ids.shape[1]),
                 NoStopFirst(self.stop_ids, ids.shape[1])]))
        if cache is not None:
            kwargs[cache_kwarg()] = cache
        if max_time_s is not None:
            kwargs["max_time"] = max_time_s
        if stream:
            return self._stream(kwargs, max_time_s)
        with torch.inference_mode():
            output = self.model.generate(**kwargs)
        return self.tokenizer.decode(output[0, ids.shape[1]:], skip_special_tokens=True)

    def _stream(self, kwargs: dict[str, Any], max_time_s: float | None) -> Iterator[str]:
        """Run generation in a thread and yield decoded pieces as they arrive.

        Nothing is yielded after ``max_time_s``, even while the prompt is still being read
        (transformers cannot stop inside that first step; its thread stops right after it).
        """
        import queue

        import torch
        from transformers import TextIteratorStreamer

        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True,
                                        skip_special_tokens=True)
        stop = threading.Event()
        deadline = None if max_time_s is None else time.perf_counter() + max_time_s

        def work() -> None:
            with torch.inference_mode():
                self.model.generate(**kwargs, streamer=streamer,
                                    stopping_criteria=_stop_when(stop))

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        try:
            while True:
                if deadline is not None:  # the streamer reads this before each wait
                    streamer.timeout = max(0.0, deadline - time.perf_counter())
                try:
                    piece = next(streamer)
                except (StopIteration, queue.Empty):
                    return
                if piece:
                    yield piece
        finally:
            # A consumer that stops early (gate rejection, time budget) frees the CPU at once;
            # the criterion is checked after every token, so the join is short.
            stop.set()
            thread.join(timeout=0.2 if deadline is not None else 5)


class GeneratedOnlyRepetitionPenalty:
    """The CTRL repetition penalty, applied only to tokens generated after the prompt.

    transformers' own processor counts the prompt too, which punishes every token the system
    prompt and examples contain, the end-of-turn token included.
    """

    def __init__(self, penalty: float, prompt_length: int) -> None:
        self.penalty, self.prompt_length = penalty, prompt_length

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        generated = input_ids[:, self.prompt_length:]
        if self.penalty == 1.0 or generated.shape[1] == 0:
            return scores
        picked = torch.gather(scores, 1, generated)
        picked = torch.where(picked < 0, picked * self.penalty, picked / self.penalty)
        return scores.scatter(1, generated, picked)


class NoStopFirst:
    """Forbid the stop tokens as the first generated token, so a reply is never empty.

    transformers' ``min_new_tokens`` does the same but rebuilds a vocabulary-wide mask of the
    ~130 stop ids at every step, which made each step ~10% slower.
    """

    def __init__(self, stop_ids: list[int], prompt_length: int) -> None:
        self.stop_ids, self.prompt_length = stop_ids, prompt_length

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if input_ids.shape[1] != self.prompt_length:
            return scores
        scores = scores.clone()
        scores[:, self.stop_ids] = float("-inf")
        return scores


def stop_token_ids(tokenizer: Any) -> list[int]:
    """End-of-sequence, the chat template's end-of-turn token, and every newline token."""
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    if getattr(tokenizer, "chat_template", None):
        marker = "Zq9xMarker"
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": marker}],
            tokenize=False)
        after = text.split(marker, 1)[-1]
        if after.strip():  # the template's end-of-turn token follows the assistant's text
            ids.add(tokenizer(after, add_special_tokens=False)["input_ids"][0])
    # A reply is one line: any token that contains a newline ends it.
    pieces = tokenizer.batch_decode([[i] for i in range(len(tokenizer))])
    ids.update(i for i, piece in enumerate(pieces) if "\n" in piece)
    return sorted(ids)


def cache_kwarg() -> str:
    """The keyword transformers uses for a KV cache (renamed ``cache`` in transformers 5)."""
    from transformers.generation import utils

    return "cache" if "cache" in getattr(utils, "ALL_CACHE_NAMES", ()) else "past_key_values"


def new_cache(model: Any) -> Any:
    """An empty dynamic KV cache shaped for ``model``."""
    from transformers import DynamicCache

    try:
        return DynamicCache(config=model.config)
    except TypeError:  # older transformers take no config
        return DynamicCache()


def _stop_when(event: threading.Event) -> Any:
    """A transformers stopping criterion that fires once ``event`` is set."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _EventStop(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), event.is_set(), dtype=torch.bool)

    return StoppingCriteriaList([_EventStop()])


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
