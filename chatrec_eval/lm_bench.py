"""How the LM behaves on real turns (`run_lm_bench`, ``chatrec bench gate``).

It runs short conversations from the labelled utterance set through `ChatRecommender` with the
configured LM, so the numbers describe exactly what a user would see: the gate's rejections, how
often the LM's sentence was used, and the first-token, lead-in and whole-turn times. Backends
side by side are `chatrec_eval.lm_backends`.
"""

from __future__ import annotations

from collections import Counter

from chatrec import ChatRecommender
from chatrec_eval.turn_bench import bench_messages, percentiles, timed_turn


def run_lm_bench(rec: ChatRecommender, turns: int = 50, per_user: int = 5, seed: int = 0
                 ) -> dict:
    """Send ``turns`` messages (``per_user`` per fresh user); report the gate and LM timings."""
    rec.wait_for_models()  # time the LM's replies, not its loading
    first_token, reply, turn_s, sources = [], [], [], []
    stats = rec.gate_stats()
    checked_before, rejected_before = stats.checked, sum(stats.rejected.values())
    user = rec.new_user_id()
    for i, message in enumerate(bench_messages(turns, seed)):
        if i % per_user == 0:
            user = rec.new_user_id()
        turn, seconds, first = timed_turn(rec, user, message)
        turn_s.append(seconds)
        if turn.recommendations:
            sources.append(turn.lead_in_source)
            reply.append(turn.lead_in_seconds)
            if first is not None:
                first_token.append(first)
    checked = stats.checked - checked_before
    rejected = sum(stats.rejected.values()) - rejected_before
    return {
        "lm": rec.settings.lm, "turns": turns, "lead_ins": len(sources),
        "gate_checked": checked, "gate_rejected": rejected,
        "gate_rejection_rate": rejected / checked if checked else 0.0,
        "rejections_by_reason": dict(stats.rejected),
        "lm_used_share": (len(sources) - sources.count("template")) / len(sources)
        if sources else 0.0,
        "paths": dict(Counter(sources)),
        **_p50_p95("first_token_s", first_token), **_p50_p95("lm_reply_s", reply),
        **_p50_p95("turn_s", turn_s),
    }


def _p50_p95(name: str, values: list[float]) -> dict[str, float | None]:
    figures = percentiles(values)
    return {f"{name}_p50": figures["p50"], f"{name}_p95": figures["p95"]}


def format_lm_bench(result: dict) -> str:
    """A short printable summary."""
    def fmt(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}s"

    return "\n".join([
        f"LM {result['lm']}: {result['turns']} turns, {result['lead_ins']} lead-ins",
        f"gate rejected {result['gate_rejected']}/{result['gate_checked']} "
        f"({result['gate_rejection_rate']:.0%}); reasons {result['rejections_by_reason']}",
        f"LM sentence used in {result['lm_used_share']:.0%} of replies",
        f"first token p50 {fmt(result['first_token_s_p50'])} "
        f"p95 {fmt(result['first_token_s_p95'])}",
        f"LM reply p50 {fmt(result['lm_reply_s_p50'])} p95 {fmt(result['lm_reply_s_p95'])}",
        f"whole turn p50 {fmt(result['turn_s_p50'])} p95 {fmt(result['turn_s_p95'])}",
    ])
