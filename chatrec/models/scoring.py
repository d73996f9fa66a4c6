"""Score candidate slot values by likelihood: the LM's role in understanding, without generation.

Free generation cannot extract slots with the packaged models (few-shot extraction got 7-8 of
14 fields right with SmolLM2-135M). Scoring is safer: the candidates come from the catalog's own
vocabulary (genres, tags, known titles), the LM only ranks them by how likely each is as the
answer to "what does this message ask for?", and nothing outside the list can come out.

``score_values`` returns, per value, the summed and per-token log-likelihood and a calibrated
score (the log-likelihood minus that given a content-free message), which removes the prior
that favours short or frequent values. It is not wired into parsing: the frozen held-out NLU
set decides later whether and where it helps (issue 14, part 2).

Backends implement `LikelihoodScorer`; `HFLikelihoodScorer` covers any transformers causal LM.
An OpenAI-compatible server could implement it with the completions endpoint (``echo`` with
``logprobs``, or vLLM's ``prompt_logprobs``), llama.cpp with ``logits_all=True``.
"""

from __future__ import annotations

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


def slot_prompt(message: str, slot: str) -> str:
    """The question the LM answers for one slot ("genre", "tag", "title")."""
    return f'A movie chat.\nUser: "{message.strip()[:300]}"\nThe {slot} the user asks for is:'


def score_values(scorer: LikelihoodScorer, message: str, slot: str,
                 values: Sequence[str]) -> list[ValueScore]:
    """Every candidate value scored for ``message``, best calibrated score first."""
    if not values:
        return []
    continuations = [" " + v.strip() for v in values]
    given = scorer.score(slot_prompt(message, slot), continuations)
    prior = scorer.score(slot_prompt(NULL_MESSAGE, slot), continuations)
    scores = [ValueScore(v, lp, lp / max(n, 1), lp - lp0)
              for v, (lp, n), (lp0, _) in zip(values, given, prior, strict=True)]
    return sorted(scores, key=lambda s: s.calibrated, reverse=True)


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
