"""Likelihood scoring of catalog values (used by chatrec.understand.lm_delta)."""

from __future__ import annotations

import math

import pytest
import torch

from chatrec.models.scoring import (
    HFLikelihoodScorer,
    LikelihoodScorer,
    score_values,
    slot_prompt,
)

VALUES = ["tense", "movies tonight", "Heat and Fargo", "horror"]


def manual_logprob(model, tokenizer, prompt: str, continuation: str) -> float:
    """One unpadded forward pass per continuation: the reference for the batched scorer."""
    prompt_ids = tokenizer(prompt)["input_ids"]
    tail = tokenizer(continuation, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt_ids + tail])
    with torch.no_grad():
        logprobs = torch.log_softmax(model(input_ids=ids).logits[0], dim=-1)
    return sum(float(logprobs[len(prompt_ids) + k - 1, t]) for k, t in enumerate(tail))


@pytest.mark.parametrize("batch_size", [1, 3, 16])
def test_batched_scores_match_one_pass_per_value(tiny_gpt2, batch_size) -> None:
    model, tokenizer = tiny_gpt2
    scorer = HFLikelihoodScorer(model, tokenizer, "tiny", batch_size=batch_size)
    assert isinstance(scorer, LikelihoodScorer)
    prompt = slot_prompt("something tense from the nineties", "tag")
    scores = scorer.score(prompt, [" " + v for v in VALUES])
    for (logprob, count), value in zip(scores, VALUES, strict=True):
        assert count == len(value.split())  # the word-level tokenizer: one token per word
        assert logprob < 0
        assert logprob == pytest.approx(manual_logprob(model, tokenizer, prompt, " " + value),
                                        abs=1e-4)


def test_score_values_ranks_only_the_given_values_with_calibration(tiny_gpt2) -> None:
    model, tokenizer = tiny_gpt2
    scorer = HFLikelihoodScorer(model, tokenizer, "tiny")
    ranked = score_values(scorer, "I loved Heat and Fargo", "title", VALUES)
    assert sorted(s.value for s in ranked) == sorted(VALUES)
    assert [s.calibrated for s in ranked] == sorted((s.calibrated for s in ranked), reverse=True)
    null = dict(zip(VALUES, scorer.score(slot_prompt("N/A", "title"),
                                         [" " + v for v in VALUES]), strict=True))
    for s in ranked:
        assert s.calibrated == pytest.approx(s.logprob - null[s.value][0])
        assert s.mean_logprob == pytest.approx(s.logprob / null[s.value][1])
        assert math.isfinite(s.logprob)
    assert score_values(scorer, "anything", "genre", []) == []
