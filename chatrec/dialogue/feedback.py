"""Turning what a message says about items into feedback events: stated likes and dislikes,
verdicts on picks by position, reactions to the picks on screen, dropped constraints and counts.

Events are committed to the store before any reply is written, so acknowledged feedback is never
lost. A verdict ("seen it, loved it", "not for me") and "more like #2" are stored as ``stated``,
like a title the user named; wanting a pick ("sounds good", "I'll check it out") as
``accepted``, weaker than a 👍.
"""

from __future__ import annotations

from chatrec.dialogue.acts import Applied
from chatrec.dialogue.context import TurnContext, in_range, resolve_ref
from chatrec.dialogue.state import Conversation, Preferences
from chatrec.domain.catalog import Catalog
from chatrec.explain.words import escape_markdown, listing
from chatrec.profile.events import FeedbackEvent, constraints_event, item_event, shown_event
from chatrec.profile.replay import thumb_event
from chatrec.reply.templates import Phrasebook
from chatrec.understand.counts import MAX_COUNT, MIN_COUNT
from chatrec.understand.message import Intent, ParsedMessage
from chatrec.understand.reactions import Act

# Reactions that are a verdict on a pick, stored like an "I loved X"; the others are weaker.
# "More like #2" names the pick the user wants more of: the strong seed a named title is.
STATED_ACTS = frozenset({Act.SEEN_LIKED, Act.SEEN_DISLIKED, Act.REJECT, Act.MORE_LIKE})


class Feedback:
    """Commits the feedback a message or a thumb carries and words the acknowledgements."""

    def __init__(self, catalog: Catalog, book: Phrasebook) -> None:
        self.catalog, self.book = catalog, book

    def title(self, index: int) -> str:
        """An item's label, escaped for markdown."""
        return escape_markdown(self.catalog.label(index))

    def thumb(self, ctx: TurnContext, item_id: str, liked: bool | None) -> str:
        """Record a 👍/👎 (toggling off when repeated) or an explicit undo; the acknowledgement."""
        if liked is None:
            event = FeedbackEvent("clear", item_id, source="thumb")
        else:
            event = thumb_event(ctx.profile, item_id, liked, self.catalog)
        ctx.commit([event])
        kind = {"like": "ack_like", "dislike": "ack_dislike"}.get(event.signal, "ack_clear")
        title = f"*{self.title(self.catalog.index_of(item_id))}*"
        return self.book.render(kind, item_id, title=title)

    def apply(self, ctx: TurnContext, parsed: ParsedMessage) -> Applied:
        """Commit stated likes, referenced feedback and changed constraints."""
        conv, delta = ctx.conversation, parsed.delta
        liked = list(delta.liked) + (list(parsed.targets) if parsed.intent is Intent.MORE_LIKE
                                     else [])
        events = [item_event("like", self.catalog.item_ids[i], self.catalog, source="stated")
                  for i in dict.fromkeys(liked)]
        events += [item_event("dislike", self.catalog.item_ids[i], self.catalog,
                              source="stated") for i in delta.disliked]
        if parsed.seen:  # "I've seen Heat already": excluded like a shown pick, no verdict
            events.append(shown_event([self.catalog.item_ids[i] for i in parsed.seen]))
        acks: list[str] = []
        if parsed.reactions or parsed.intent is Intent.FEEDBACK_REF:
            problem = (self._reaction_events(ctx, parsed, events, acks) if parsed.reactions
                       else self._ref_events(conv, parsed, events, acks))
            if problem:
                return Applied(answer=problem)
        before, conv.preferences = conv.preferences, self._dropped(conv, parsed,
                                                                   acks).merge(delta)
        if conv.preferences.to_dict() != before.to_dict():  # only a change is worth a row
            events.append(constraints_event(conv.preferences.to_dict()))
        ctx.commit(events)
        return Applied(tuple(acks))

    def _dropped(self, conv: Conversation, parsed: ParsedMessage, acks: list[str]
                 ) -> Preferences:
        """The preferences with the dropped kinds gone ("any era"), and the count asked for
        ("give me 4") kept for this and later turns; acknowledgements into ``acks``."""
        if parsed.count is not None:
            conv.count = parsed.count
            if parsed.count != parsed.count_asked:
                acks.append(self.book.render("count_clamped", low=MIN_COUNT, high=MAX_COUNT,
                                             count=parsed.count))
        delta = parsed.delta  # "forget the 90s, the 80s then": the era is replaced, not gone
        replaced = {"era": delta.year_min is not None or delta.year_max is not None,
                    "genre": bool(delta.genres_in)}
        kinds = [k for k in parsed.drop if k != "all" and not replaced.get(k)]
        if kinds:
            acks.append(self.book.render("dropped", kinds=listing(kinds, "or")))
        elif "all" in parsed.drop:
            acks.append(self.book.render("reset_ack"))
        return conv.preferences.without(parsed.drop)

    def _ref_events(self, conv: Conversation, parsed: ParsedMessage,
                    events: list[FeedbackEvent], acks: list[str]) -> str | None:
        """Thumb events for "the second one" / "not #3" ("more like the second one" names it:
        a stated like); a message when refs are unusable."""
        if not conv.shown:
            return self.book.render("nothing_shown")
        if parsed.invalid_refs and not parsed.refs:
            return self.book.render("ref_out_of_range", position=parsed.invalid_refs[0],
                                    count=len(conv.shown))
        for ref, polarity in zip(parsed.refs, parsed.ref_polarities, strict=False):
            if polarity is None:
                continue  # "is #1 scary?" points at a pick without judging it
            index = resolve_ref(conv, ref)
            liked = polarity is not False
            source = "stated" if liked and parsed.intent is Intent.MORE_LIKE else "thumb"
            events.append(item_event("like" if liked else "dislike",
                                     self.catalog.item_ids[index], self.catalog, source=source))
            kind = "ack_like" if liked else "ack_dislike"
            acks.append(self.book.render(kind, title=f"*{self.title(index)}*"))
        return None

    def _reaction_events(self, ctx: TurnContext, parsed: ParsedMessage,
                         events: list[FeedbackEvent], acks: list[str]) -> str | None:
        """Events for reactions to the picks on screen: a verdict ("seen it, loved it", "not
        for me") is stated; wanting a pick ("sounds good", "haven't seen it, I'll check it
        out") is an accepted like, weaker than a thumb; "seen it" / "haven't seen it" alone
        store no verdict (a shown pick is never suggested again anyway)."""
        conv = ctx.conversation
        if not conv.shown:
            return self.book.render("nothing_shown")
        for reaction in parsed.reactions:
            index = reaction.index
            if index is None and reaction.ref is not None and in_range(conv, reaction.ref):
                index = resolve_ref(conv, reaction.ref)
            if index is None:
                continue
            item_id, title = self.catalog.item_ids[index], f"*{self.title(index)}*"
            positive = reaction.positive
            if positive is None:
                kind = "ack_not_seen" if reaction.act == "not_seen" else "ack_seen"
                acks.append(self.book.render(kind, title=title))
                continue
            strong = reaction.act in STATED_ACTS
            if not strong and item_id in ctx.profile.liked:
                continue  # a thumb or stated like already says more than "sounds good"
            events.append(item_event("like" if positive else "dislike", item_id, self.catalog,
                                     source="stated" if strong else "accepted"))
            kind = "ack_accept" if not strong else "ack_like" if positive else "ack_dislike"
            acks.append(self.book.render(kind, title=title))
        return None
