"""Score candidate slot values by likelihood: the LM's role in understanding, without generation.

Free generation cannot extract slots with the packaged models (few-shot extraction got 7-8 of
14 fields right with SmolLM2-135M). Scoring is safer: the candidates come from the catalog's own
vocabulary (genres, tags, known titles), the LM only ranks them by how likely each is as the
answer to "what does this message ask for?", and nothing outside the list can come out.

``score_values`` returns, per value, the summed and per-token log-likelihood and a calibrated
score (the log-likelihood minus that given a content-free message), which removes the prior
that favours short or frequent values. `chatrec.understand.lm_delta` uses it when the
``lm_understand`` setting is on (issue 14, part 2).

Backends implement `LikelihoodScorer`: `HFLikelihoodScorer` covers any transformers causal LM,
`LlamaLikelihoodScorer` a llama.cpp GGUF (its own context, with ``logits_all=True``). An
OpenAI-compatible server is asked for a JSON-schema-constrained reply instead
(`chatrec.models.lm_openai.OpenAICompatLM.complete_json`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

NULL_MESSAGE = "N/A"  # the content-free message used for calibration


@runtime_checkable
class LikelihoodScorer(Protocol):
    """Log-likelihoods of continuations given one prompt."""

    name: str

    def score(self, prompt: str, continuations: Sequence[str]) -> list[tuple[float, int]]:
        """(summed log-probability, token count) of each continuation after ``prompt``."""
        ...


@dataclass(frozen=True)
class ValueScore:
    """How likely one candidate value is as the answer for a slot."""

    value: str
    logprob: float  # summed over the value's tokens
    mean_logprob: float  # per token: does not punish long values
    calibrated: float  # logprob minus the logprob given a content-free message


def slot_prompt(message: str, slot: str, noun: str = "movie") -> str:
    """The question the LM answers for one slot ("genre", "tag", "title"); ``noun`` names the
    catalog's items ("movie", "book")."""
    return f'A {noun} chat.\nUser: "{message.strip()[:300]}"\nThe {slot} the user asks for is:'


def score_values(scorer: LikelihoodScorer, message: str, slot: str, values: Sequence[str],
                 noun: str = "movie",
                 prior: Sequence[tuple[float, int]] | None = None) -> list[ValueScore]:
    """Every candidate value scored for ``message``, best calibrated score first.

    ``prior`` (from `prior_scores`, same values) spares the content-free pass on every call.
    """
    if not values:
        return []
    continuations = [" " + v.strip() for v in values]
    given = scorer.score(slot_prompt(message, slot, noun), continuations)
    if prior is None:
        prior = prior_scores(scorer, slot, values, noun)
    scores = [ValueScore(v, lp, lp / max(n, 1), lp - lp0)
              for v, (lp, n), (lp0, _) in zip(values, given, prior, strict=True)]
    return sorted(scores, key=lambda s: s.calibrated, reverse=True)


def prior_scores(scorer: LikelihoodScorer, slot: str, values: Sequence[str],
                 noun: str = "movie") -> list[tuple[float, int]]:
    """The values' scores given the content-free message (the calibration baseline)."""
    return scorer.score(slot_prompt(NULL_MESSAGE, slot, noun), [" " + v.strip() for v in values])


class HFLikelihoodScorer:
    """`LikelihoodScorer` over a transformers causal LM, batched with right padding."""

    def __init__(self, model: Any, tokenizer: Any, name: str = "hf",
                 batch_size: int = 16) -> None:
        self.model, self.tokenizer = model.eval(), tokenizer
        self.name, self.batch_size = name, batch_size

    def score(self, prompt: str, continuations: Sequence[str]) -> list[tuple[float, int]]:
        prompt_ids = self.tokenizer(prompt)["input_ids"]
        results: list[tuple[float, int]] = []
        for start in range(0, len(continuations), self.batch_size):
            batch = continuations[start:start + self.batch_size]
            tails = [self.tokenizer(c, add_special_tokens=False)["input_ids"] for c in batch]
            results += self._score_batch(prompt_ids, tails)
        return results

    def _score_batch(self, prompt_ids: list[int],
                     tails: list[list[int]]) -> list[tuple[float, int]]:
        import torch

        rows = [prompt_ids + tail for tail in tails]
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
        with torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
        # The token at position t is predicted by the logits at t - 1.
        logprobs = torch.log_softmax(logits[:, :-1], dim=-1)
        picked = logprobs.gather(2, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
        out = []
        for row, tail in enumerate(tails):
            first = len(prompt_ids) - 1
            out.append((float(picked[row, first:first + len(tail)].sum()), len(tail)))
        return out


class LlamaLikelihoodScorer:
    """`LikelihoodScorer` over a llama.cpp model loaded with ``logits_all=True``.

    The prompt is read once; each continuation is then decoded on top of it (the KV cache is
    cut back to the prompt between continuations), so a value costs only its own tokens. One
    lock serialises the calls, since a llama.cpp context holds a single sequence.
    """

    def __init__(self, llama: Any, name: str = "llama") -> None:
        self.llama, self.name = llama, name
        self._lock = threading.Lock()

    @classmethod
    def from_gguf(cls, path: str, threads: int = 1, name: str = "llama") -> LlamaLikelihoodScorer:
        """A scoring context of its own for the GGUF at ``path`` (weights memory-mapped)."""
        from llama_cpp import Llama

        return cls(Llama(model_path=path, n_ctx=512, n_threads=threads, n_threads_batch=threads,
                         logits_all=True, verbose=False), name)

    def score(self, prompt: str, continuations: Sequence[str]) -> list[tuple[float, int]]:
        import numpy as np

        llama = self.llama
        prompt_ids = llama.tokenize(prompt.encode(), add_bos=True, special=False)
        with self._lock:
            llama.reset()
            llama.eval(prompt_ids)
            out = []
            for text in continuations:
                tail = llama.tokenize(text.encode(), add_bos=False, special=False)
                llama.n_tokens = len(prompt_ids)  # eval() drops the cache past this point
                llama.eval(tail)
                rows = np.asarray(llama.scores[len(prompt_ids) - 1:len(prompt_ids) - 1 + len(tail)],
                                  dtype=np.float64)
                top = rows.max(axis=1, keepdims=True)
                logz = (top + np.log(np.exp(rows - top).sum(axis=1, keepdims=True))).ravel()
                out.append((float(sum(rows[k, t] - logz[k] for k, t in enumerate(tail))),
                            len(tail)))
            return out


def scorer_for(lm: Any, threads: int = 1) -> LikelihoodScorer | None:
    """The likelihood scorer for a loaded `LanguageModel`, or None where the backend cannot
    score (an OpenAI-compatible server: it answers a JSON schema instead)."""
    from chatrec.models.lm_transformers import HFCausalLM

    if isinstance(lm, HFCausalLM):
        return HFLikelihoodScorer(lm.model, lm.tokenizer, name=lm.name)
    path = getattr(lm, "gguf_path", None)
    if path:  # a LlamaCppLM: scoring needs a context with logits for every position
        return LlamaLikelihoodScorer.from_gguf(str(path), threads, name=lm.name)
    return None
