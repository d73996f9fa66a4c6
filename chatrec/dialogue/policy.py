"""What to do with one understood message: the intent handlers.

The `Policy` gets everything it needs in its constructor (the catalog, a `Ranker`, the profile
store, the lead-in writer, a small config), never the facade. Each handler turns a
`ParsedMessage` into feedback events (committed to the store first) and a `Turn`;
recommendation turns stream the gated LM lead-in, then attach the picks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from chatrec.candidates.base import Query
from chatrec.dialogue.acts import Recommendation, Turn
from chatrec.dialogue.answers import ItemAnswers
from chatrec.dialogue.compose import (
    constraints_phrase,
    fallback_lead_in,
    no_results_text,
    partial_genres_text,
    pick_question,
    profile_markdown,
    profile_summary,
    recommendation_text,
)
from chatrec.dialogue.context import TurnContext, join_texts, resolve_ref, timed
from chatrec.dialogue.feedback import Feedback
from chatrec.dialogue.query import Ranker
from chatrec.dialogue.relax import relaxations
from chatrec.dialogue.state import Preferences
from chatrec.domain.catalog import Catalog
from chatrec.explain.reasons import explain, short_reason
from chatrec.explain.why_not import explain_why_not
from chatrec.explain.words import escape_markdown
from chatrec.profile.events import constraints_event, shown_event
from chatrec.profile.replay import UserProfile
from chatrec.profile.store import ProfileStore
from chatrec.rank.engine import RankedItem
from chatrec.reply.grounded import ReplyFacts
from chatrec.reply.lead_in import FULL_REPLY, TEMPLATE, LeadInWriter
from chatrec.reply.templates import Phrasebook
from chatrec.understand.message import Intent, ParsedMessage, PreferenceDelta
from chatrec.understand.reactions import yes_no


@dataclass(frozen=True)
class PolicyConfig:
    """How many picks a turn shows, and how deep "why not X?" looks for X's rank."""

    k_shown: int = 5
    why_not_depth: int = 100


class Policy:
    """The intent handlers; holds no state of its own (the conversation and store do)."""

    def __init__(self, catalog: Catalog, ranker: Ranker, store: ProfileStore,
                 lead_in: LeadInWriter, config: PolicyConfig | None = None,
                 examples: Sequence[str] = ()) -> None:
        self.catalog, self.ranker, self.store, self.lead_in = catalog, ranker, store, lead_in
        self.config = config or PolicyConfig()
        self.examples = tuple(examples)  # example requests for the help text
        self.book = Phrasebook(catalog.info.noun, catalog.info.nouns)
        self.answers = ItemAnswers(catalog, ranker, self.book)
        self.feedback = Feedback(catalog, self.book)
        self._handlers: dict[Intent, Callable[[TurnContext, ParsedMessage], Iterator[Turn]]] = {
            Intent.WHY: self._why, Intent.PROFILE: self._profile, Intent.FORGET: self._forget,
            Intent.ASK_ITEM: self._ask, Intent.RESET: self._reset}

    def title(self, index: int) -> str:
        """An item's label, escaped for markdown."""
        return escape_markdown(self.catalog.label(index))

    def handle(self, ctx: TurnContext, parsed: ParsedMessage) -> Iterator[Turn]:
        """Dispatch on the intent; yields partial turns, the last one final."""
        conv = ctx.conversation
        pending, conv.pending = conv.pending, None
        if pending is not None:
            answer = yes_no(parsed.text)
            if answer is not None:
                yield from self._confirmed(ctx, parsed, pending, answer)
                return
        if parsed.ambiguous_titles:
            yield Turn(self._clarify(parsed), intent=parsed.intent)
            return
        if parsed.uncertain_titles:
            match = parsed.uncertain_titles[0].matches[0]
            conv.pending = (match.index, match.index in parsed.delta.liked)
            yield Turn(self.book.render("confirm_title", title=f"*{self.title(match.index)}*"),
                       intent=parsed.intent, question="clarify")
            return
        handler = self._handlers.get(parsed.intent)
        if handler is None and (parsed.intent.states_preferences
                                or self._returning_greeting(ctx, parsed.intent)):
            handler = self._recommend
        yield from (handler or self._social)(ctx, parsed)

    # -- changing state ------------------------------------------------------------------------
    def thumb(self, ctx: TurnContext, item_id: str, liked: bool | None) -> str:
        """Record a 👍/👎 (toggling off when repeated) or an explicit undo; the acknowledgement."""
        return self.feedback.thumb(ctx, item_id, liked)

    def show(self, ctx: TurnContext, indices: Sequence[int], focus: int | None = None) -> None:
        """Put ``indices`` on screen as if a turn had just shown them (recorded as shown, so
        they are not picked again); ``focus`` is the 1-based position last asked about."""
        conv = ctx.conversation
        conv.shown = list(indices)
        conv.focus = conv.shown[focus - 1] if focus and 0 < focus <= len(conv.shown) else None
        ctx.commit([shown_event([self.catalog.item_ids[i] for i in conv.shown])])

    # -- recommending --------------------------------------------------------------------------
    def _recommend(self, ctx: TurnContext, parsed: ParsedMessage) -> Iterator[Turn]:
        applied = self.feedback.apply(ctx, parsed)
        if applied.answer is not None:
            yield Turn(applied.answer, intent=parsed.intent)
            return
        conv, intent, ack = ctx.conversation, parsed.intent, applied.ack
        prefs = conv.preferences
        query = self.ranker.query(ctx.profile, prefs, ctx.timings)
        ranked = self.ranker.rank(query, conv.count or self.config.k_shown, ctx.timings)
        if not ranked:
            relaxed = self._relax(ctx, prefs)
            if relaxed is None:
                yield Turn(join_texts(ack, no_results_text(self.book, prefs, ctx.seed)),
                           intent=intent)
                return
            prefs, query, ranked, note = relaxed
            ack = join_texts(ack, note)
        partial = partial_genres_text(self.book, prefs.genres_in,
                                      [r.missing_genres for r in ranked], ctx.seed)
        if partial:  # too few items have every asked genre: say the rest are partial matches
            ack = join_texts(ack, partial)
        with timed(ctx.timings, "explain"):
            recs = tuple(self._recommendation(r, ctx.profile, query) for r in ranked)
        conv.shown = [r.item_index for r in ranked]
        conv.ranked.update({r.item_index: r for r in ranked})
        conv.focus = None
        ctx.commit([shown_event([rec.item_id for rec in recs])])
        topic = pick_question(prefs, bool(ctx.profile.liked), conv.last_question)
        conv.last_question = topic
        fallback = fallback_lead_in(self.book, prefs, ctx.seed)
        # The facts a grounded LM reply may use: the picks, their reasons, the question, and
        # the user's likes that the reasons name.
        liked = [self.catalog.index_of(i) for i in ctx.profile.liked if self.catalog.has(i)]
        facts = ReplyFacts.build(self.catalog, [(r.item_index, rec.explanation)
                                                for r, rec in zip(ranked, recs, strict=True)],
                                 self.book.question(topic) if topic else "", liked)
        lead = None
        with timed(ctx.timings, "lm"):
            for lead in self.lead_in.stream(parsed.text, conv.shown, fallback, facts):
                if lead.source != TEMPLATE:
                    yield Turn(join_texts(ack, escape_markdown(lead.text)), intent=intent,
                               final=False)
        if lead.source == TEMPLATE:
            body = recommendation_text(self.book, lead.text, topic)
        elif lead.source == FULL_REPLY:  # it already asks the question
            body = escape_markdown(lead.text)
        else:
            body = recommendation_text(self.book, escape_markdown(lead.text), topic)
        yield Turn(join_texts(ack, body), recs, intent, lead_in_source=lead.source,
                   lead_in_seconds=lead.seconds, question=topic)

    def _relax(self, ctx: TurnContext, prefs: Preferences
               ) -> tuple[Preferences, Query, list[RankedItem], str] | None:
        """The first loosening of ``prefs`` that finds picks (`chatrec.dialogue.relax`), with
        its query, picks and the sentence that says what was loosened; None if none does."""
        first, last = self.ranker.year_span
        for step in relaxations(prefs, first, last):
            query = self.ranker.query(ctx.profile, step.preferences, ctx.timings)
            ranked = self.ranker.rank(query, ctx.conversation.count or self.config.k_shown,
                                      ctx.timings)
            if ranked:
                note = self.book.render(step.kind, ctx.seed, filters=constraints_phrase(prefs),
                                        **step.fields)
                return step.preferences, query, ranked, note
        return None

    def _recommendation(self, item: RankedItem, profile: UserProfile,
                        query: Query) -> Recommendation:
        i = item.item_index
        reason = short_reason(self.catalog, i, item.evidence, item.contributions, profile, query)
        return Recommendation(self.catalog.item_ids[i], self.catalog.titles[i],
                              int(self.catalog.years[i]), self.catalog.genres[i],
                              round(item.score, 4), reason)

    # -- answering -----------------------------------------------------------------------------
    def explanation(self, ctx: TurnContext, index: int) -> str:
        """"Why X?" from the shown item's evidence, or "why not X?" from constraints and rank."""
        conv, profile = ctx.conversation, ctx.profile
        conv.focus = index
        query = self.ranker.query(profile, conv.preferences, ctx.timings)
        if index in conv.ranked:
            item = conv.ranked[index]
            return explain(self.catalog, index, item.evidence, item.contributions, profile,
                           query)
        ranked = self.ranker.rank(query, self.config.why_not_depth, ctx.timings)
        rank = next((r + 1 for r, item in enumerate(ranked) if item.item_index == index), None)
        item_id = self.catalog.item_ids[index]
        return explain_why_not(self.catalog, index, query, rank,
                               disliked=item_id in profile.disliked,
                               shown=item_id in profile.shown, liked=item_id in profile.liked)

    def _why(self, ctx: TurnContext, parsed: ParsedMessage) -> Iterator[Turn]:
        conv = ctx.conversation
        indices = [resolve_ref(conv, r) for r in parsed.refs if conv.shown]
        indices += list(parsed.targets)
        if not indices:
            if parsed.invalid_refs:
                yield Turn(self.book.render("ref_out_of_range", position=parsed.invalid_refs[0],
                                            count=len(conv.shown)), intent=Intent.WHY)
                return
            if not conv.shown:
                yield Turn(self.book.render("nothing_shown"), intent=Intent.WHY)
                return
            indices = [conv.focus if conv.focus is not None else conv.shown[0]]
        with timed(ctx.timings, "explain"):
            parts = [f"**{self.title(i)}**: {self.explanation(ctx, i)}" for i in indices]
        text = "\n\n".join(parts)
        yield Turn(text, intent=Intent.WHY, explanation=text)

    def _ask(self, ctx: TurnContext, parsed: ParsedMessage) -> Iterator[Turn]:
        """"What is it about?", "is #1 scary?": answered from the catalog, never the LM."""
        conv = ctx.conversation
        indices = list(parsed.targets)
        for ref in parsed.refs:
            if ref == 0 and conv.focus is not None:
                indices.append(conv.focus)
            elif conv.shown:
                indices.append(resolve_ref(conv, ref))
        if not indices:
            kind = ("ref_out_of_range" if parsed.invalid_refs and conv.shown else
                    "ask_which_item" if not parsed.refs or parsed.refs == (0,) else
                    "nothing_shown")
            yield Turn(self.book.render(kind, position=(parsed.invalid_refs or (0,))[0],
                                        count=len(conv.shown)), intent=Intent.ASK_ITEM)
            return
        indices = list(dict.fromkeys(indices))
        with timed(ctx.timings, "explain"):
            text = "\n\n".join(self.answers.answer(i, parsed.question or "about",
                                                   parsed.question_aspect) for i in indices)
        conv.focus = indices[-1]  # "and who is in it?" follows on from this one
        yield Turn(text, intent=Intent.ASK_ITEM)

    def _reset(self, ctx: TurnContext, parsed: ParsedMessage) -> Iterator[Turn]:
        """"Start over": the conversation's constraints and picks go, the profile stays; a
        request in the same message ("start over with comedies") is answered at once."""
        conv = ctx.conversation
        conv.restart()
        if not parsed.delta.is_empty():
            yield from self._recommend(ctx, parsed)
            return
        before, conv.preferences = conv.preferences, Preferences()
        if before.to_dict() != conv.preferences.to_dict():
            ctx.commit([constraints_event(conv.preferences.to_dict())])
        n = len(ctx.profile.liked)
        if n:
            liked = f"{n} {self.book.noun if n == 1 else self.book.nouns}"
            yield Turn(self.book.render("reset_done", liked=liked), intent=Intent.RESET)
        else:
            yield Turn(self.book.render("reset_done_empty"), intent=Intent.RESET)

    def _profile(self, ctx: TurnContext, parsed: ParsedMessage) -> Iterator[Turn]:
        yield Turn(self.profile_markdown(ctx.profile), intent=Intent.PROFILE)

    def profile_markdown(self, profile: UserProfile) -> str:
        """The profile panel text."""
        return profile_markdown(self.book, profile_summary(profile, self.catalog))

    def _forget(self, ctx: TurnContext, parsed: ParsedMessage) -> Iterator[Turn]:
        if parsed.intent_score < 1.0:
            # Deleting data needs an explicit phrase, never a near-miss of the classifier.
            yield Turn(self.book.render("confirm_forget", ctx.seed), intent=Intent.UNKNOWN)
            return
        self.store.forget(ctx.user_id)
        ctx.loaded = UserProfile()
        ctx.conversation.__init__()  # an empty conversation, same object for the caller
        yield Turn(self.book.render("forgotten", ctx.seed), intent=Intent.FORGET)

    def _social(self, ctx: TurnContext, parsed: ParsedMessage) -> Iterator[Turn]:
        intent = parsed.intent if parsed.intent.is_social else Intent.UNKNOWN
        fields = self._help_fields() if intent is Intent.HELP else {}
        yield Turn(self.book.render(intent.value, ctx.seed, **fields), intent=parsed.intent)

    def _help_fields(self) -> dict[str, str]:
        """Example requests and a title the catalog really has, for the help text."""
        top = self.ranker.rank(Query(), 1)  # the most popular item: one every user can try
        title = escape_markdown(self.catalog.titles[top[0].item_index]) if top else "..."
        examples = "".join(f'- "{escape_markdown(e)}"\n' for e in self.examples[:2])
        return {"examples": examples, "title": title}

    def _confirmed(self, ctx: TurnContext, parsed: ParsedMessage, pending: tuple[int, bool],
                   answer: bool) -> Iterator[Turn]:
        """Act on the answer to "Do you mean *X*?": yes stores the verdict and recommends."""
        index, liked = pending
        if not answer:
            yield Turn(self.book.render("title_declined"), intent=Intent.UNKNOWN)
            return
        delta = PreferenceDelta(liked=(index,)) if liked else PreferenceDelta(disliked=(index,))
        intent = Intent.LIKE_TITLE if liked else Intent.DISLIKE_TITLE
        ack = self.book.render("ack_like" if liked else "ack_dislike",
                               title=f"*{self.title(index)}*")
        for turn in self._recommend(ctx, replace(parsed, intent=intent, delta=delta)):
            yield replace(turn, text=join_texts(ack, turn.text))

    def _clarify(self, parsed: ParsedMessage) -> str:
        mention = parsed.ambiguous_titles[0]
        options = " or ".join(f"*{escape_markdown(m.label)}*" for m in mention.matches[:4])
        return self.book.render("clarify_title", options=options)

    @staticmethod
    def _returning_greeting(ctx: TurnContext, intent: Intent) -> bool:
        """A returning user who says hello gets picks from their saved profile at once."""
        return intent is Intent.GREETING and bool(ctx.profile.liked)
