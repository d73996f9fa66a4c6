"""What to do with one understood message: the intent handlers behind `ChatRecommender`.

Each handler turns a `ParsedMessage` into feedback events (committed to the store first) and
a `Turn`. Recommendation turns stream the gated LM lead-in, then attach the picks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from chatrec.dialogue.compose import (
    Conversation,
    Recommendation,
    Turn,
    constraints_of,
    fallback_lead_in,
    no_results_text,
    pick_question,
    profile_markdown,
    recommendation_text,
)
from chatrec.explain.reasons import escape_markdown, explain, explain_why_not, short_reason
from chatrec.profile.replay import (
    FeedbackEvent,
    UserProfile,
    constraints_event,
    item_event,
    shown_event,
    thumb_event,
)
from chatrec.rank.engine import RankedItem
from chatrec.reply.templates import render
from chatrec.understand.parse import ParsedMessage

if TYPE_CHECKING:
    from chatrec.app.recommender import ChatRecommender

RECOMMENDING = {"recommend", "refine", "more_like", "like_title", "dislike_title", "feedback_ref"}
GENRE_WEIGHT_EFFECT = 0.5  # score shift per unit of (genre weight - 1), averaged over genres


class TurnPlanner:
    """Intent handlers; holds no state of its own (the conversation and store do)."""

    def __init__(self, rec: ChatRecommender) -> None:
        self.rec = rec
        self.catalog = rec.catalog

    def title(self, index: int) -> str:
        return escape_markdown(self.catalog.label(index))

    def plan(self, user_id: str, conv: Conversation, parsed: ParsedMessage,
             timings: dict[str, float]) -> Iterator[Turn]:
        """Dispatch on the intent; yields partial turns, the last one final.

        Seconds per stage (store, candidates, rerank, explain, lm) are added to ``timings``.
        """
        intent, seed = parsed.intent, f"{user_id}:{conv.turns}"
        if parsed.ambiguous_titles:
            yield Turn(self._clarify(parsed), intent=intent)
            return
        if intent == "why":
            yield self._why(user_id, conv, parsed)
        elif intent == "profile":
            yield Turn(self.rec.profile_markdown(user_id), intent=intent)
        elif intent == "forget" and parsed.intent_score < 1.0:
            # Deleting data needs an explicit phrase, never a near-miss of the classifier.
            yield Turn(render("confirm_forget", seed), intent="unknown")
        elif intent == "forget":
            self.rec.store.forget(user_id)
            conv.__init__()  # an empty conversation, same object for the caller
            yield Turn(render("forgotten", seed), intent=intent)
        elif intent in RECOMMENDING or self._returning_greeting(user_id, intent):
            with _timed(timings, "store"):
                ack = self._apply(user_id, conv, parsed)
            if ack is not None and ack.startswith("!"):
                yield Turn(ack[1:], intent=intent)
                return
            yield from self._recommend(user_id, conv, parsed.text, intent, ack, timings)
        else:
            yield Turn(render(intent if intent in _SOCIAL else "unknown", seed), intent=intent)

    # -- changing state ------------------------------------------------------------------------
    def thumb(self, profile: UserProfile, item_id: str, liked: bool | None) -> FeedbackEvent:
        """The event for a 👍/👎 (toggling off when repeated) or an explicit undo."""
        if liked is None:
            return FeedbackEvent("clear", item_id, source="thumb")
        return thumb_event(profile, item_id, liked, self.catalog)

    def _apply(self, user_id: str, conv: Conversation, parsed: ParsedMessage) -> str | None:
        """Commit stated likes, referenced feedback and new constraints; return an ack.

        An ack starting with "!" is a complete answer (nothing to recommend after it).
        """
        events, acks = [], []
        delta = parsed.delta
        liked = list(delta.liked) + (list(parsed.targets) if parsed.intent == "more_like" else [])
        for index in dict.fromkeys(liked):
            events.append(item_event("like", self.catalog.item_ids[index], self.catalog,
                                     source="stated"))
        for index in delta.disliked:
            events.append(item_event("dislike", self.catalog.item_ids[index], self.catalog,
                                     source="stated"))
        if parsed.intent == "feedback_ref":
            problem = self._ref_events(conv, parsed, events, acks)
            if problem:
                return "!" + problem
        conv.preferences = conv.preferences.merge(delta)
        events.append(constraints_event(constraints_of(conv.preferences)))
        self.rec.store.append_many(user_id, events)
        return " ".join(acks) or None

    def _ref_events(self, conv: Conversation, parsed: ParsedMessage,
                    events: list[FeedbackEvent], acks: list[str]) -> str | None:
        """Thumb events for "the second one" / "not #3"; a message when refs are unusable."""
        if not conv.shown:
            return render("nothing_shown")
        if parsed.invalid_refs and not parsed.refs:
            return render("ref_out_of_range", position=parsed.invalid_refs[0],
                          count=len(conv.shown))
        for ref, polarity in zip(parsed.refs, parsed.ref_polarities, strict=False):
            index = self._resolve_ref(conv, ref)
            liked = polarity is not False
            events.append(item_event("like" if liked else "dislike",
                                     self.catalog.item_ids[index], self.catalog, source="thumb"))
            kind = "ack_like" if liked else "ack_dislike"
            acks.append(render(kind, title=f"*{self.title(index)}*"))
        return None

    @staticmethod
    def _resolve_ref(conv: Conversation, ref: int) -> int:
        """Position 1.. from the top, -1.. from the bottom, 0 for the item in focus."""
        if ref == 0:
            return conv.shown[0] if conv.focus is None else conv.focus
        return conv.shown[ref - 1] if ref > 0 else conv.shown[ref]

    # -- recommending --------------------------------------------------------------------------
    def _recommend(self, user_id: str, conv: Conversation, text: str, intent: str,
                   ack: str | None, timings: dict[str, float]) -> Iterator[Turn]:
        with _timed(timings, "store"):
            profile = self.rec.store.load_profile(user_id)
        constraints = constraints_of(conv.preferences)
        ranked = self._ranked(profile, conv, timings)
        seed = f"{user_id}:{conv.turns}"
        if not ranked:
            yield Turn(_join(ack, no_results_text(constraints, seed)), intent=intent)
            return
        with _timed(timings, "explain"):
            recs = tuple(self._recommendation(r, profile, constraints) for r in ranked)
        conv.shown = [r.item_index for r in ranked]
        conv.ranked.update({r.item_index: r for r in ranked})
        conv.focus = None
        with _timed(timings, "store"):
            self.rec.store.append(user_id, shown_event([rec.item_id for rec in recs]))
        topic = pick_question(constraints, bool(profile.liked), conv.last_question)
        conv.last_question = topic
        fallback = fallback_lead_in(constraints, seed)
        lead = None
        with _timed(timings, "lm"):
            for lead in self.rec.lead_in.stream(text, conv.shown, fallback):
                if lead.source == "lm":
                    yield Turn(_join(ack, lead.text), intent=intent, final=False)
        body = recommendation_text(lead.text, constraints, topic)
        yield Turn(_join(ack, body), recs, intent, lead_in_source=lead.source,
                   lead_in_seconds=lead.seconds, question=topic)

    def _ranked(self, profile: UserProfile, conv: Conversation,
                timings: dict[str, float]) -> list[RankedItem]:
        """The engine's picks, nudged by genre weights learnt from thumbs."""
        k = self.rec.settings.k_shown
        ranked = self.rec.rank(profile, conv.preferences, 2 * k, timings)
        # Genres the user asked for are exempt: thumbs-down on several comedies after "a comedy
        # please" mean "not these comedies", not "fewer comedies".
        asked = set(conv.preferences.genres_in)
        weights = {g: w for g, w in profile.genre_weights.items() if g not in asked}
        if not weights:
            return ranked[:k]

        def adjusted(item: RankedItem) -> float:
            genres = self.catalog.genres[item.item_index] or ("",)
            shift = sum(weights.get(g, 1.0) - 1.0 for g in genres) / len(genres)
            return item.score + GENRE_WEIGHT_EFFECT * shift

        return sorted(ranked, key=adjusted, reverse=True)[:k]

    def _recommendation(self, item: RankedItem, profile: UserProfile,
                        constraints: dict) -> Recommendation:
        i = item.item_index
        reason = short_reason(self.catalog, i, item.evidence, item.contributions, profile,
                              constraints)
        return Recommendation(self.catalog.item_ids[i], self.catalog.titles[i],
                              int(self.catalog.years[i]), self.catalog.genres[i],
                              round(item.score, 4), reason)

    # -- answering -----------------------------------------------------------------------------
    def explanation(self, user_id: str, conv: Conversation, index: int) -> str:
        """"Why X?" from the shown item's evidence, or "why not X?" from constraints and rank."""
        conv.focus = index
        profile = self.rec.store.load_profile(user_id)
        constraints = constraints_of(conv.preferences)
        if index in conv.ranked:
            item = conv.ranked[index]
            return explain(self.catalog, index, item.evidence, item.contributions, profile,
                           constraints)
        ranked = self.rec.rank(profile, conv.preferences, 100)
        rank = next((r + 1 for r, item in enumerate(ranked) if item.item_index == index), None)
        item_id = self.catalog.item_ids[index]
        return explain_why_not(self.catalog, index, constraints, rank,
                               disliked=item_id in profile.disliked,
                               shown=item_id in profile.shown, liked=item_id in profile.liked)

    def _why(self, user_id: str, conv: Conversation, parsed: ParsedMessage) -> Turn:
        indices = [self._resolve_ref(conv, r) for r in parsed.refs if conv.shown]
        indices += list(parsed.targets)
        if not indices:
            if parsed.invalid_refs:
                return Turn(render("ref_out_of_range", position=parsed.invalid_refs[0],
                                   count=len(conv.shown)), intent="why")
            if not conv.shown:
                return Turn(render("nothing_shown"), intent="why")
            indices = [conv.focus if conv.focus is not None else conv.shown[0]]
        parts = [f"**{self.title(i)}**: {self.explanation(user_id, conv, i)}" for i in indices]
        return Turn("", intent="why", explanation="\n\n".join(parts))

    def _clarify(self, parsed: ParsedMessage) -> str:
        mention = parsed.ambiguous_titles[0]
        options = " or ".join(f"*{escape_markdown(m.label)}*" for m in mention.matches[:4])
        return render("clarify_title", options=options)

    def _returning_greeting(self, user_id: str, intent: str) -> bool:
        """A returning user who says hello gets picks from their saved profile at once."""
        return intent == "greeting" and bool(self.rec.store.load_profile(user_id).liked)


_SOCIAL = {"greeting", "thanks", "smalltalk", "help", "unknown"}


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Add the seconds spent in the block to ``timings[stage]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def _join(first: str | None, second: str) -> str:
    return f"{first}\n\n{second}" if first else second


__all__ = ["TurnPlanner", "profile_markdown"]
