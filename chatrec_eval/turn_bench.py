"""`chatrec bench turn`: what one chat turn costs, stage by stage, through `respond_stream`.

Fresh users send recommendation-type messages from the labelled utterance set plus the README's
example (the same mix `bench lm` uses), ``per_user`` each, and thumb some of the shown movies
up or down between turns, so later turns rank with a real history. Every final `Turn` carries
its stage times (nlu, store, query, candidates, rerank, explain, lm, total); a stage a turn
did not run counts as 0, and ``other`` is the part of the total that no stage claims.
With an LM, the first token is the first non-final `Turn` the stream yields.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from chatrec import ChatRecommender, Turn
from chatrec_eval.nlu import load_utterances

# ``query``: Preferences + profile -> Query (wish embedding and profile vector included).
STAGES = ("nlu", "store", "query", "candidates", "rerank", "explain", "lm")
UNTIMED = "other"  # time inside the turn that no stage claims (session lock, bookkeeping)
README_MESSAGE = "something tense from the 90s, I loved Heat, no horror"  # the README's example
WARMUP_TURNS = 3  # first calls load lazy models and fill caches; not what a user waits for
TARGETS = {"turn_p95_ms_no_lm": 60.0, "first_token_s": 0.5, "lm_reply_s": 2.0}
LEAD_IN_INTENTS = {"recommend", "refine", "more_like", "like_title"}


def bench_messages(n: int, seed: int = 0) -> list[str]:
    """``n`` recommendation-type messages (the labelled set's and the README's), seeded order."""
    rows = [r["text"] for r in load_utterances() if r["intent"] in LEAD_IN_INTENTS]
    rows.append(README_MESSAGE)
    order = np.random.default_rng(seed).permutation(len(rows))
    return [rows[i % len(rows)] for i in np.resize(order, n)]


def percentiles(values: Iterable[float], scale: float = 1.0, suffix: str = "") -> dict:
    """p50 / p95 / mean / max (times ``scale``) and the count; None figures when empty."""
    array = np.asarray(list(values), dtype=np.float64) * scale
    if array.size == 0:
        return {f"p50{suffix}": None, f"p95{suffix}": None, f"mean{suffix}": None,
                f"max{suffix}": None, "n": 0}
    return {f"p50{suffix}": float(np.percentile(array, 50)),
            f"p95{suffix}": float(np.percentile(array, 95)),
            f"mean{suffix}": float(array.mean()), f"max{suffix}": float(array.max()),
            "n": int(array.size)}


def timed_turn(rec: ChatRecommender, user_id: str, message: str
               ) -> tuple[Turn, float, float | None]:
    """Run one streamed turn: (final turn, wall seconds, seconds to the first partial turn)."""
    start, first, turn = time.perf_counter(), None, Turn("")
    for turn in rec.respond_stream(user_id, message):
        if first is None and not turn.final:
            first = time.perf_counter() - start
    return turn, time.perf_counter() - start, first


def give_thumbs(rec: ChatRecommender, user_id: str, turn: Turn, rng: np.random.Generator,
                rate: float) -> list[float]:
    """Thumb the first shown movie up (or, one time in four, down) with probability ``rate``.

    Returns the seconds each `feedback` call took (the thumb is committed before it returns).
    """
    if not turn.recommendations or rng.random() >= rate:
        return []
    start = time.perf_counter()
    rec.feedback(user_id, turn.recommendations[0].item_id, liked=bool(rng.random() >= 0.25))
    return [time.perf_counter() - start]


@dataclass
class Samples:
    """Raw seconds collected over a bench run."""

    stages: dict[str, list[float]] = field(
        default_factory=lambda: {s: [] for s in (*STAGES, UNTIMED, "total")})
    wall: list[float] = field(default_factory=list)
    first_token: list[float] = field(default_factory=list)
    lm_reply: list[float] = field(default_factory=list)  # LM stage of turns that ran the LM
    feedback: list[float] = field(default_factory=list)
    lm_used: int = 0  # replies whose first sentence the LM wrote (it passed the gate)

    def add(self, turn: Turn, seconds: float, first: float | None, has_lm: bool) -> None:
        """Record one final turn's stage times, wall time and LM figures."""
        self.wall.append(seconds)
        for stage in (*STAGES, "total"):
            self.stages[stage].append(turn.timings.get(stage, 0.0))
        claimed = sum(self.stages[s][-1] for s in STAGES)
        self.stages[UNTIMED].append(self.stages["total"][-1] - claimed)
        if turn.recommendations and has_lm:
            self.lm_reply.append(turn.timings.get("lm", 0.0))
            self.lm_used += turn.lead_in_source == "lm"
        if first is not None:
            self.first_token.append(first)


def run_turn_bench(rec: ChatRecommender, turns: int = 200, per_user: int = 5, seed: int = 0,
                   thumb_rate: float = 0.4) -> dict:
    """Send ``turns`` messages (``per_user`` per fresh user) and summarise stage latencies."""
    rec.wait_for_models()  # time the LM's replies, not its loading
    rng = np.random.default_rng(seed)
    warm_user = rec.new_user_id()
    for message in bench_messages(WARMUP_TURNS, seed + 1):
        timed_turn(rec, warm_user, message)
    samples, user = Samples(), rec.new_user_id()
    for i, message in enumerate(bench_messages(turns, seed)):
        if i and i % per_user == 0:
            user = rec.new_user_id()
        turn, seconds, first = timed_turn(rec, user, message)
        samples.add(turn, seconds, first, rec.has_language_model)
        samples.feedback += give_thumbs(rec, user, turn, rng, thumb_rate)
    return summarise(rec, turns, per_user, samples)


def summarise(rec: ChatRecommender, turns: int, per_user: int, samples: Samples) -> dict:
    """The JSON-ready result: per-stage and whole-turn ms, LM seconds, targets met or not."""
    stages = dict(samples.stages)
    turn = percentiles(stages.pop("total"), 1000, "_ms")
    result = {
        "dataset": rec.dataset_name, "lm": rec.settings.lm if rec.has_language_model else "none",
        "embedder": rec.settings.embedder, "turns": turns, "per_user": per_user,
        "users": -(-turns // per_user), "warmup_turns": WARMUP_TURNS,
        "stages": {s: percentiles(v, 1000, "_ms") for s, v in stages.items()},
        "turn": turn, "wall": percentiles(samples.wall, 1000, "_ms"),
        "first_token": percentiles(samples.first_token, 1, "_s"),
        "lm_reply": percentiles(samples.lm_reply, 1, "_s"),
        "lm_sentence_used": samples.lm_used, "feedback": percentiles(samples.feedback, 1000, "_ms"),
        "load_average": list(os.getloadavg()),
    }
    result["targets"] = targets_met(result)
    return result


def targets_met(result: dict) -> dict:
    """Each target that applies to this run: the figure, the limit and whether it is met."""
    if result["lm"] == "none":
        checks = {"turn_p95_ms_no_lm": result["turn"]["p95_ms"]}
    else:
        whole = result["turn"]["p95_ms"]  # the reply is complete when the turn is
        checks = {"first_token_s": result["first_token"]["p95_s"],
                  "lm_reply_s": None if whole is None else whole / 1000}
    return {name: {"p95": value, "limit": TARGETS[name],
                   "met": value is not None and value <= TARGETS[name]}
            for name, value in checks.items()}


def format_turn_bench(result: dict) -> str:
    """A printable table: p50/p95 per stage and for the whole turn, then the LM figures."""
    def ms(block: dict, key: str, digits: int = 1) -> str:
        return "-" if block[key] is None else f"{block[key]:.{digits}f}"

    lines = [f"turn latency on {result['dataset']}, LM {result['lm']}: {result['turns']} turns, "
             f"{result['users']} users (load average {result['load_average'][0]:.2f})",
             f"{'stage':<12}{'p50 ms':>9}{'p95 ms':>9}"]
    for name, block in [*result["stages"].items(), ("whole turn", result["turn"]),
                        ("feedback", result["feedback"])]:
        lines.append(f"{name:<12}{ms(block, 'p50_ms'):>9}{ms(block, 'p95_ms'):>9}")
    if result["lm"] != "none":
        for name in ("first_token", "lm_reply"):
            block = result[name]
            lines.append(f"{name:<12}{ms(block, 'p50_s', 2):>8}s{ms(block, 'p95_s', 2):>8}s"
                         f"  (n={block['n']})")
    lines += [f"target {name}: p95 {t['p95']:.3g} vs {t['limit']:g} -> "
              f"{'met' if t['met'] else 'MISSED'}"
              for name, t in result["targets"].items() if t["p95"] is not None]
    return "\n".join(lines)
