"""The LM's part of a reply: prompt, streaming, gate and the template fallback.

By default the LM writes only a short lead-in that reacts to the message. With ``grounded``
on, it first tries to phrase the whole short reply from a facts block (`ReplyFacts`: the picks,
their reasons, the question); that reply must pass `check_reply`, and when it fails early
enough the lead-in is tried in the time left. Whatever fails or runs past the budget falls
back to the template. Nothing downstream depends on LM output.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chatrec.models.chat import LanguageModel, LMUnavailableError
from chatrec.reply.gate import GateStats, GateVerdict, LeadInGate, check_reply
from chatrec.reply.grounded import (
    ReplyFacts,
    prompt_messages,
    reply_messages_prefix,
    reply_user_message,
)
from chatrec.reply.templates import PROMPTS_DIR

log = logging.getLogger(__name__)
_SPEAKER_RE = re.compile(r"^\s*(assistant|chatrec|bot)\s*:\s*", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?](\s|$)")
LEAD_IN, FULL_REPLY, TEMPLATE = "lm", "lm-reply", "template"
# A failed full reply hands over to the lead-in only when this share of the budget is left.
LEAD_IN_MIN_SHARE = 0.4
REPLY_MODES = ("lead-in", "grounded")


def reply_mode(value: str) -> str:
    """The ``lm_reply`` setting, checked: ``lead-in`` or ``grounded``."""
    mode = value.strip().lower()
    if mode not in REPLY_MODES:
        raise ValueError(f"CHATREC_LM_REPLY={value!r}: choose one of {', '.join(REPLY_MODES)}")
    return mode


@cache
def lead_in_messages_prefix(folder: Path = PROMPTS_DIR, noun: str = "movie",
                            nouns: str = "movies") -> tuple[dict[str, str], ...]:
    """System prompt plus few-shot pairs, as chat messages, about the catalog's ``noun``."""
    return prompt_messages(folder / "lead_in_system.txt", folder / "lead_in_examples.toml",
                           noun, nouns)


@dataclass(frozen=True)
class LeadIn:
    """The text shown before the picks, and who wrote it.

    ``source`` is "lm" (an LM lead-in sentence), "lm-reply" (a grounded LM reply that already
    asks the question) or "template".
    """

    text: str
    source: str  # LEAD_IN, FULL_REPLY or TEMPLATE
    reason: str = ""  # why the LM output was not used
    seconds: float = 0.0


@dataclass(frozen=True)
class _Task:
    """One kind of LM output: its prompt, how to clean and judge it, where to count verdicts."""

    source: str
    messages: list[dict[str, str]]
    max_new_tokens: int
    clean: Callable[[str], str]
    judge: Callable[[str, bool], GateVerdict]  # (text, final) -> verdict; final ones counted
    stats: GateStats
    complete: Callable[[str], bool]  # enough text: stop reading the stream


def clean_lm_text(text: str) -> str:
    """Strip a speaker label and keep the first sentence of an LM continuation."""
    text = _SPEAKER_RE.sub("", text.strip().split("\n")[0]).strip()
    match = _SENTENCE_END_RE.search(text)
    return text[: match.start() + 1] if match else text


def clean_reply_text(text: str) -> str:
    """Strip a speaker label and keep the first line; cut after the first question mark."""
    text = _SPEAKER_RE.sub("", text.strip().split("\n")[0]).strip()
    return text[: text.index("?") + 1] if "?" in text else text


class LeadInWriter:
    """Asks the LM for a lead-in (or a grounded reply), gates it, and falls back to a template.

    ``reply_stats`` counts the grounded replies' verdicts; ``gate.stats`` the lead-ins'.
    """

    def __init__(self, lm: LanguageModel | None, gate: LeadInGate, budget_s: float = 2.0,
                 max_new_tokens: int = 40, grounded: bool = False,
                 reply_max_new_tokens: int = 60) -> None:
        self.lm, self.gate = lm, gate
        self.budget_s, self.max_new_tokens = budget_s, max_new_tokens
        self.grounded, self.reply_max_new_tokens = grounded, reply_max_new_tokens
        self.reply_stats = GateStats()

    def stream(self, user_text: str, shown: list[int], fallback: str,
               facts: ReplyFacts | None = None) -> Iterator[LeadIn]:
        """Yield growing texts as tokens arrive; the last one yielded is final and gated."""
        if self.lm is None:
            yield LeadIn(fallback, TEMPLATE, "no lm")
            return
        start = time.perf_counter()
        if self.grounded and facts is not None and facts.picks:
            final = yield from self._run(self._reply_task(user_text, facts), start,
                                         self.budget_s, fallback)
            left = self.budget_s - (time.perf_counter() - start)
            if final.source != TEMPLATE or left < LEAD_IN_MIN_SHARE * self.budget_s \
                    or final.reason in {"lm unavailable", "lm error"}:
                yield final
                return
        final = yield from self._run(self._lead_in_task(user_text, shown), start,
                                     self.budget_s, fallback)
        yield final

    def _lead_in_task(self, user_text: str, shown: list[int]) -> _Task:
        def judge(text: str, final: bool) -> GateVerdict:
            return self.gate.check(text, shown, final=final, context=user_text if final else "")

        return _Task(LEAD_IN, [*lead_in_messages_prefix(noun=self.gate.noun,
                                                         nouns=self.gate.nouns),
                               {"role": "user", "content": user_text[:500]}],
                     self.max_new_tokens, clean_lm_text, judge, self.gate.stats,
                     lambda raw: bool(_SENTENCE_END_RE.search(raw.strip() + " ")))

    def _reply_task(self, user_text: str, facts: ReplyFacts) -> _Task:
        def judge(text: str, final: bool) -> GateVerdict:
            verdict = check_reply(self.gate, text, facts, final=final, context=user_text)
            if final:
                self.reply_stats.record(verdict)
            return verdict

        message = {"role": "user", "content": reply_user_message(user_text, facts)}
        prefix = reply_messages_prefix(noun=self.gate.noun, nouns=self.gate.nouns)
        return _Task(FULL_REPLY, [*prefix, message], self.reply_max_new_tokens,
                     clean_reply_text, judge, self.reply_stats, lambda raw: "?" in raw)

    def _run(self, task: _Task, start: float, budget_s: float,
             fallback: str) -> Iterator[LeadIn]:
        """Stream one task, yielding partial texts; return its final (gated) `LeadIn`."""
        text, reason = "", ""
        pieces: Iterator[str] = iter(())
        try:
            # The backend stops itself at the budget too, so no token runs far past it.
            left = budget_s - (time.perf_counter() - start)
            pieces = self.lm.generate(task.messages, task.max_new_tokens, stream=True,
                                      max_time_s=left)
            for piece in pieces:
                text += piece
                shown_text = task.clean(text)
                verdict = task.judge(shown_text, False)
                if not verdict.ok:
                    reason = verdict.reason
                    break
                if time.perf_counter() - start >= budget_s:
                    reason = "slow"
                    break
                yield LeadIn(shown_text, task.source, seconds=time.perf_counter() - start)
                if task.complete(text):
                    break
        except Exception as exc:  # noqa: BLE001 - a failing LM must never break a reply
            reason = "lm unavailable" if isinstance(exc, LMUnavailableError) else "lm error"
            if reason == "lm error":
                log.exception("language model failed; using the template")
            else:
                log.debug("language model unavailable: %s", exc)
        finally:
            close = getattr(pieces, "close", None)
            if close:
                close()
        return self._finish(task, task.clean(text), fallback, reason, start, budget_s)

    def _finish(self, task: _Task, text: str, fallback: str, reason: str, start: float,
                budget_s: float) -> LeadIn:
        elapsed = time.perf_counter() - start
        if not reason and elapsed >= budget_s:
            reason = "slow"
        elif not reason and text and not _SENTENCE_END_RE.search(text[-1:] + " "):
            reason = "incomplete"  # cut off by the token or time limit mid-sentence
        if reason:
            task.stats.record_rejection(reason)
            return LeadIn(fallback, TEMPLATE, reason, elapsed)
        verdict = task.judge(text, True)
        if not verdict.ok:
            return LeadIn(fallback, TEMPLATE, verdict.reason, elapsed)
        return LeadIn(text, task.source, "", elapsed)

    def write(self, user_text: str, shown: list[int], fallback: str,
              facts: ReplyFacts | None = None) -> LeadIn:
        """The final gated text, without streaming."""
        final = LeadIn(fallback, TEMPLATE, "no lm")
        for final in self.stream(user_text, shown, fallback, facts):  # noqa: B007 - keep last
            pass
        return final
