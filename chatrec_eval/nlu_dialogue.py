"""What labelled messages do to a real conversation: dead ends and what gets stored.

Every line runs through a `ChatRecommender` with a fresh user: its ``context.before`` messages
are sent first, ``context.shown`` is put on screen (``ChatRecommender.show``), then the message
is answered and the feedback events that turn committed are read back from the store.

- **dead end**: the line asks for picks (intent recommend, refine or more_like) and the reply
  has none, unless the line is labelled ``clarify`` (asking which title was meant is the right
  answer there); ``unasked_clarify`` counts title questions on lines that need none and
  ``not_understood`` "I'm not sure what you meant" replies to lines that are not gibberish;
- **stored reactions**: each labelled reaction checked against what the turn stored (accept,
  seen_liked: a like; seen_disliked, reject: a dislike; seen: neither; not_seen, more_like:
  never a dislike); ``not_seen_disliked`` must be 0;
- **wrong verdicts**: likes/dislikes stored on items the line gives no such verdict on (an
  ordinary phrase taken for a title, a not-seen pick stored as disliked...).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatrec_eval.nlu_v2 import PICK_INTENTS, context_of, is_frozen, labels_index

if TYPE_CHECKING:
    from chatrec import ChatRecommender

POSITIVE_OK = frozenset({"accept", "seen_liked", "not_seen", "more_like"})
NEGATIVE_OK = frozenset({"reject", "seen_disliked"})
_CLARIFY_OPENINGS = ("which one did you mean", "do you mean")
EXAMPLES = 12


def expected_ok(act: str, stored: str | None) -> bool:
    """Whether what a turn stored on a pick fits the labelled act."""
    if act in {"accept", "seen_liked"}:
        return stored == "like"
    if act in NEGATIVE_OK:
        return stored == "dislike"
    if act == "seen":
        return stored not in {"like", "dislike"}
    return stored != "dislike"  # not_seen, more_like


def asked_clarify(turn: object) -> bool:
    """Whether a reply asks which title was meant."""
    question = getattr(turn, "question", None)
    text = str(getattr(turn, "text", "")).lower()
    return question == "clarify" or text.startswith(_CLARIFY_OPENINGS)


def play(rec: ChatRecommender, row: dict, index: dict[str, int]) -> tuple[object, dict]:
    """Run one line; (the final turn, item id -> the last item signal the turn stored)."""
    user = rec.new_user_id()
    try:
        ctx = row.get("context") or {}
        for message in ctx.get("before") or []:
            rec.respond(user, message)
        shown, focus = context_of(row)
        if shown:
            rec.show(user, [rec.catalog.item_ids[index[s]] for s in shown], focus)
        start = len(rec.store.events(user))
        turn = rec.respond(user, row["text"])
        stored = {e.item_id: e.signal for e in rec.store.events(user)[start:] if e.item_id}
        return turn, stored
    finally:
        rec.forget(user)


def run_dialogue(rec: ChatRecommender, rows: Iterable[dict], frozen: bool = False) -> dict:
    """Dead ends, stored reactions and wrong verdicts over every line (see module doc)."""
    index = labels_index(rec.catalog)
    ids = rec.catalog.item_ids
    tally: Counter = Counter()
    acts: Counter = Counter()
    examples: dict[str, list[str]] = {"dead_end": [], "wrong_verdict": [], "reaction": []}
    for row in rows:
        turn, stored = play(rec, row, index)
        slots = row.get("slots", {})
        wants = row["intent"] in PICK_INTENTS
        tally["lines"] += 1
        tally["wants_picks"] += wants
        # A line labelled `clarify` is answered right by a question ("Do you mean X?"): no
        # picks there is the point, not a dead end.
        dead = wants and not turn.recommendations and not slots.get("clarify")
        tally["dead_end"] += dead
        tally["unasked_clarify"] += asked_clarify(turn) and not slots.get("clarify")
        tally["not_understood"] += str(turn.intent) == "unknown" and row["intent"] != "unknown"
        if dead:
            examples["dead_end"].append(f"{row['text']!r} -> {turn.text[:90]!r}")
        positive = {index[t] for t in slots.get("liked", [])}
        if row["intent"] == "more_like":
            positive |= {index[t] for t in slots.get("targets", [])}
        negative = {index[t] for t in slots.get("disliked", [])}
        for reaction in slots.get("reaction", []):
            item, act = index[reaction["item"]], reaction["act"]
            (positive if act in POSITIVE_OK else negative if act in NEGATIVE_OK else set()).add(
                item)
            got = stored.get(ids[item])
            ok = expected_ok(act, got)
            acts[act, ok] += 1
            tally["not_seen_disliked"] += act == "not_seen" and got == "dislike"
            if not ok:
                examples["reaction"].append(f"{row['text']!r}: {act} stored {got}")
        for item_id, signal in stored.items():
            item = rec.catalog.index_of(item_id)
            wrong = (signal == "like" and item not in positive) or (
                signal == "dislike" and item not in negative)
            tally["wrong_verdicts"] += wrong
            if wrong:
                examples["wrong_verdict"].append(
                    f"{row['text']!r}: {signal} {rec.catalog.label(item)}")
    return _summary(tally, acts, examples, frozen)


def _summary(tally: Counter, acts: Counter, examples: dict[str, list[str]], frozen: bool) -> dict:
    labelled = sum(acts.values())
    out = {
        "lines": tally["lines"], "wants_picks": tally["wants_picks"],
        "dead_ends": tally["dead_end"],
        "dead_end_rate": tally["dead_end"] / tally["wants_picks"] if tally["wants_picks"] else 0.0,
        "unasked_clarify": tally["unasked_clarify"], "not_understood": tally["not_understood"],
        "reactions_labelled": labelled,
        "reactions_stored_right": (sum(v for (_, ok), v in acts.items() if ok) / labelled
                                   if labelled else 1.0),
        "stored_right_by_act": {act: {"right": acts[act, True], "n": acts[act, True]
                                      + acts[act, False]}
                                for act in sorted({a for a, _ in acts})},
        "not_seen_stored_as_dislike": tally["not_seen_disliked"],
        "wrong_verdicts_stored": tally["wrong_verdicts"],
    }
    if not frozen:
        out["examples"] = {k: v[:EXAMPLES] for k, v in examples.items()}
    return out


__all__ = ["expected_ok", "is_frozen", "play", "run_dialogue"]
