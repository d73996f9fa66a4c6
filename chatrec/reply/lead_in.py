"""The LM's lead-in sentence: prompt, streaming, gate and the template fallback.

The LM writes only a short lead-in that reacts to the message, and only when the gate accepts
it within the time budget; otherwise a template sentence stands in. Nothing downstream depends
on LM output.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tomllib

from chatrec.models.lm import LanguageModel, LMNotReadyError
from chatrec.reply.gate import LeadInGate
from chatrec.reply.templates import PROMPTS_DIR

log = logging.getLogger(__name__)
_SPEAKER_RE = re.compile(r"^\s*(assistant|chatrec|bot)\s*:\s*", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?](\s|$)")


@cache
def lead_in_messages_prefix(folder: Path = PROMPTS_DIR) -> tuple[dict[str, str], ...]:
    """System prompt plus few-shot pairs, as chat messages."""
    system = (folder / "lead_in_system.txt").read_text().strip()
    with (folder / "lead_in_examples.toml").open("rb") as handle:
        examples = tomllib.load(handle)["example"]
    messages = [{"role": "system", "content": system}]
    for example in examples:
        messages += [{"role": "user", "content": example["user"]},
                     {"role": "assistant", "content": example["assistant"]}]
    return tuple(messages)


@dataclass(frozen=True)
class LeadIn:
    """The sentence shown before the picks, and whether the LM or a template wrote it."""

    text: str
    source: str  # "lm" or "template"
    reason: str = ""  # why the LM output was not used
    seconds: float = 0.0


def clean_lm_text(text: str) -> str:
    """Strip a speaker label and keep the first sentence of an LM continuation."""
    text = _SPEAKER_RE.sub("", text.strip().split("\n")[0]).strip()
    match = _SENTENCE_END_RE.search(text)
    return text[: match.start() + 1] if match else text


class LeadInWriter:
    """Asks the LM for a lead-in, gates it, and falls back to a template."""

    def __init__(self, lm: LanguageModel | None, gate: LeadInGate, budget_s: float = 2.0,
                 max_new_tokens: int = 40) -> None:
        self.lm, self.gate = lm, gate
        self.budget_s, self.max_new_tokens = budget_s, max_new_tokens

    def stream(self, user_text: str, shown: list[int], fallback: str) -> Iterator[LeadIn]:
        """Yield growing lead-ins as tokens arrive; the last one yielded is final and gated."""
        if self.lm is None:
            yield LeadIn(fallback, "template", "no lm")
            return
        start, text, reason = time.perf_counter(), "", ""
        messages = [*lead_in_messages_prefix(), {"role": "user", "content": user_text[:500]}]
        pieces: Iterator[str] = iter(())
        try:
            # The backend stops itself at the budget too, so no token runs far past it.
            pieces = self.lm.generate(messages, self.max_new_tokens, stream=True,
                                      max_time_s=self.budget_s)
            for piece in pieces:
                text += piece
                shown_text = clean_lm_text(text)
                verdict = self.gate.check(shown_text, shown, final=False)
                if not verdict.ok:
                    reason = verdict.reason
                    break
                if time.perf_counter() - start >= self.budget_s:
                    reason = "slow"
                    break
                yield LeadIn(shown_text, "lm", seconds=time.perf_counter() - start)
                if _SENTENCE_END_RE.search(text.strip() + " "):
                    break
        except Exception as exc:  # noqa: BLE001 - a failing LM must never break a reply
            reason = "lm unavailable" if isinstance(exc, LMNotReadyError) else "lm error"
            if reason == "lm error":
                log.exception("language model failed; using the template")
        finally:
            close = getattr(pieces, "close", None)
            if close:
                close()
        yield self._finish(clean_lm_text(text), shown, fallback, reason, start, user_text)

    def _finish(self, text: str, shown: list[int], fallback: str, reason: str,
                start: float, user_text: str) -> LeadIn:
        elapsed = time.perf_counter() - start
        if not reason and elapsed >= self.budget_s:
            reason = "slow"
        elif not reason and text and not _SENTENCE_END_RE.search(text[-1:] + " "):
            reason = "incomplete"  # cut off by the token or time limit mid-sentence
        if reason:
            self.gate.stats.record_rejection(reason)
            return LeadIn(fallback, "template", reason, elapsed)
        verdict = self.gate.check(text, shown, context=user_text)
        if not verdict.ok:
            return LeadIn(fallback, "template", verdict.reason, elapsed)
        return LeadIn(text, "lm", "", elapsed)

    def write(self, user_text: str, shown: list[int], fallback: str) -> LeadIn:
        """The final gated lead-in, without streaming."""
        final = LeadIn(fallback, "template", "no lm")
        for final in self.stream(user_text, shown, fallback):  # noqa: B007 - keep the last one
            pass
        return final
