"""`ChatRecommender`: the facade the UI, the CLI and the benchmarks use.

It wires the stages together (understand → dialogue policy → rank → explain → reply, and
feedback → profile store) and keeps per-user sessions; the work itself happens in the stages.
Only this class's public methods are meant for callers.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chatrec.app.resources import load_resources
from chatrec.app.sessions import Session, Sessions
from chatrec.app.settings import Settings
from chatrec.dialogue.acts import Turn
from chatrec.dialogue.compose import profile_summary
from chatrec.dialogue.context import TurnContext
from chatrec.dialogue.policy import Policy, PolicyConfig
from chatrec.dialogue.query import Ranker
from chatrec.dialogue.state import Conversation, Preferences
from chatrec.domain.catalog import Dataset
from chatrec.domain.history import ImportResult, parse_history_csv, resolve_history
from chatrec.domain.vocabulary import Vocabulary
from chatrec.models.embedder import Embedder
from chatrec.models.lm import BackgroundLM, LanguageModel, parse_lm_spec
from chatrec.profile.events import import_events
from chatrec.profile.store import ProfileStore, validate_user_id
from chatrec.rank.engine import Engine, EngineConfig
from chatrec.reply.gate import GateStats, LeadInGate
from chatrec.reply.lead_in import LeadInWriter, reply_mode
from chatrec.understand.intents import IntentClassifier
from chatrec.understand.lm_delta import lm_delta_step
from chatrec.understand.message import Intent, ParsedMessage
from chatrec.understand.parse import ParseContext, Parser
from chatrec.understand.titles import TitleMatcher, is_ambiguous


class ChatRecommender:
    """A conversational recommender over one catalog, with per-user state and a durable store."""

    def __init__(self, settings: Settings, dataset: Dataset, engine: Engine, embedder: Embedder,
                 item_vectors: np.ndarray, lm: LanguageModel | None) -> None:
        self.settings, self.dataset = settings, dataset
        self.catalog = dataset.catalog
        self.store = ProfileStore(settings.db_url)
        self.vocabulary = Vocabulary.from_dataset(dataset)
        self.titles = TitleMatcher(self.catalog, self.vocabulary, dataset.rating_counts())
        self.intents = IntentClassifier.for_vocabulary(embedder, self.vocabulary)
        self.parser = Parser(self.vocabulary, self.titles, self.intents,
                             lm_delta_step(settings, lm, self.vocabulary))
        self.ranker = Ranker(engine, embedder, item_vectors, self.vocabulary)
        gate = LeadInGate(self.catalog, vocabulary=self.vocabulary)
        self._lead_in = LeadInWriter(lm, gate, settings.lm_time_budget_s,
                                     settings.lm_max_new_tokens,
                                     grounded=reply_mode(settings.lm_reply) == "grounded",
                                     reply_max_new_tokens=settings.lm_reply_max_new_tokens)
        self.policy = Policy(self.catalog, self.ranker, self.store, self._lead_in,
                             PolicyConfig(k_shown=settings.k_shown),
                             examples=self.vocabulary.examples)
        self.sessions = Sessions(settings.max_sessions)

    @classmethod
    def from_settings(cls, settings: Settings, *, dataset: Dataset | None = None,
                      embedder: Embedder | None = None,
                      language_model: LanguageModel | None | str = "auto",
                      engine_config: EngineConfig | None = None,
                      item_vectors: np.ndarray | None = None) -> ChatRecommender:
        """Load data and models named by ``settings``; any piece can be injected (tests)."""
        resources = load_resources(settings, embedder, dataset)
        vectors = resources.item_vectors if item_vectors is None else item_vectors
        engine = resources.engine(engine_config, vectors)  # slow sources come from the cache
        lm = language_model
        spec = parse_lm_spec(settings.lm)
        if language_model == "auto" and spec.enabled:
            # The LM only phrases lead-ins, so the app need not wait for it to load. The
            # embedder loads first, so the two never import transformers at the same time.
            _ = resources.embedder
            lm = BackgroundLM(settings.lm, lambda: resources.language_model,
                              uses_transformers=spec.backend == "transformers")
        elif language_model == "auto":
            lm = None
        return cls(settings, resources.dataset, engine, resources.embedder, vectors, lm)

    @property
    def dataset_name(self) -> str:
        """The catalog's name (``ml-100k``, a folder name)."""
        return self.dataset.name

    @property
    def has_language_model(self) -> bool:
        """Whether an LM is configured (it may still be loading)."""
        return self._lead_in.lm is not None

    # -- conversation -------------------------------------------------------------------------
    def respond(self, user_id: str, message: str) -> Turn:
        """Answer one message; the final `Turn` of `respond_stream`."""
        turn = Turn("")
        for turn in self.respond_stream(user_id, message):  # noqa: B007 - keep the last
            pass
        return turn

    def respond_stream(self, user_id: str, message: str) -> Iterator[Turn]:
        """Yield partial turns while the lead-in streams, then the final turn."""
        validate_user_id(user_id)
        problem = self._check_message(message)
        if problem:
            yield Turn(problem, intent=Intent.INVALID)
            return
        yield from self._turn(user_id, message, None)

    def respond_to(self, user_id: str, parsed: ParsedMessage) -> Iterator[Turn]:
        """Answer a message that was understood elsewhere (another NLU, or a test)."""
        validate_user_id(user_id)
        yield from self._turn(user_id, parsed.text, parsed)

    def _turn(self, user_id: str, message: str, parsed: ParsedMessage | None) -> Iterator[Turn]:
        started = time.perf_counter()
        with self.sessions.open(user_id) as session:
            ctx = self._context(user_id, session)
            if parsed is None:
                start = time.perf_counter()
                conv = ctx.conversation
                # an earlier ask still in force makes "add thrillers too" a refinement even
                # when its picks are gone (a dead end, a question in between)
                asked = conv.preferences != Preferences()
                parsed = self.parser.parse(
                    message, ParseContext.on_screen(conv.shown, conv.focus, asked))
                ctx.timings["nlu"] = time.perf_counter() - start
            ctx.conversation.turns += 1
            turn = Turn("")
            for turn in self.policy.handle(ctx, parsed):
                if turn.final:
                    break
                yield turn
            ctx.timings["total"] = time.perf_counter() - started
            yield dataclasses.replace(turn, timings=ctx.timings)

    def _context(self, user_id: str, session: Session) -> TurnContext:
        """This turn's context; a returning user's conversation is restored from the store."""
        if session.conversation is not None:
            return TurnContext(user_id, session.conversation, self.store)
        ctx = TurnContext(user_id, Conversation(), self.store)
        ctx.conversation.preferences = Preferences.from_dict(ctx.profile.constraints)
        session.conversation = ctx.conversation
        return ctx

    def conversation(self, user_id: str) -> Conversation:
        """This user's conversation state (restored from the store if not in memory)."""
        validate_user_id(user_id)
        with self.sessions.open(user_id) as session:
            return self._context(user_id, session).conversation

    def show(self, user_id: str, item_ids: list[str], focus: int | None = None) -> None:
        """Put these items on the user's screen as the last picks, in order, as if chatrec had
        just recommended them: for evaluation (labelled mid-conversation messages) and for
        restoring a conversation. ``focus`` is the 1-based position the user last asked about
        ("that one"). Unknown ids raise ``KeyError`` before anything changes."""
        validate_user_id(user_id)
        indices = [self.catalog.index_of(i) for i in item_ids]
        with self.sessions.open(user_id) as session:
            self.policy.show(self._context(user_id, session), indices, focus)

    # -- feedback and questions ---------------------------------------------------------------
    def feedback(self, user_id: str, item_id: str, liked: bool | None = True) -> str:
        """Record 👍 (True), 👎 (False) or undo (None); returns the acknowledgement.

        The event is committed before this returns, so an acknowledged thumb is never lost;
        clicking the same thumb again toggles it off.
        """
        validate_user_id(user_id)
        self.catalog.index_of(item_id)  # an unknown id raises before anything is written
        with self.sessions.open(user_id) as session:
            return self.policy.thumb(self._context(user_id, session), str(item_id), liked)

    def explain(self, user_id: str, item_id: str) -> str:
        """Why this item was (or was not) recommended, from real evidence only."""
        validate_user_id(user_id)
        index = self.catalog.index_of(item_id)
        with self.sessions.open(user_id) as session:
            return self.policy.explanation(self._context(user_id, session), index)

    def profile(self, user_id: str) -> dict:
        """What chatrec believes about this user (no other user's data is reachable)."""
        validate_user_id(user_id)
        return profile_summary(self.store.load_profile(user_id), self.catalog)

    def profile_markdown(self, user_id: str) -> str:
        """The profile panel text."""
        validate_user_id(user_id)
        return self.policy.profile_markdown(self.store.load_profile(user_id))

    def forget(self, user_id: str) -> None:
        """Delete every event, snapshot and kept message of this user and their conversation
        state."""
        validate_user_id(user_id)
        with self.sessions.open(user_id) as session:
            self.store.forget(user_id)
            session.conversation = None

    def keep_messages(self, user_id: str, messages: list[dict]) -> None:
        """Keep chat messages server-side (the newest 50 per user) so that a reload or a restart
        can show the conversation again; `forget` erases them."""
        validate_user_id(user_id)
        self.store.append_messages(user_id, messages)

    def transcript(self, user_id: str) -> list[dict]:
        """The user's kept chat messages, oldest first."""
        validate_user_id(user_id)
        return self.store.messages(user_id)

    def import_history(self, user_id: str,
                       ratings: str | Path | list[tuple[str, float]]) -> ImportReport:
        """Seed a profile from past ratings: a CSV path/text, or (item_id, rating) pairs."""
        validate_user_id(user_id)
        if isinstance(ratings, (str, Path)):
            result = resolve_history(parse_history_csv(ratings, sorted(self.vocabulary.item_words)),
                                     self.catalog, self.resolve_title)
        else:
            result = ImportResult()
            for line, (item_id, rating) in enumerate(ratings, start=1):
                if self.catalog.has(item_id):
                    result.matched.append((self.catalog.index_of(item_id), float(rating)))
                else:
                    result.unmatched.append((line, str(item_id), "unknown item id"))
        with self.sessions.open(user_id):
            self.store.append_many(user_id, import_events(result.matched, self.catalog))
        return ImportReport(result)

    def resolve_title(self, title: str, year: int | None) -> int | None:
        """The catalog index for an imported title, or None when absent or ambiguous."""
        matches = self.titles.match(f"{title} ({year})" if year else title)
        if not matches or is_ambiguous(matches):
            return None
        return matches[0].index

    # -- models and ids -------------------------------------------------------------------------
    def wait_for_models(self, timeout: float | None = None) -> bool:
        """Block until a background-loaded LM has finished loading (benchmarks time the LM,
        not its loading); True when an LM is available."""
        lm = self._lead_in.lm
        wait = getattr(lm, "wait", None)
        return wait(timeout) if wait else lm is not None

    def gate_stats(self) -> GateStats:
        """How many LM lead-ins the gate checked and rejected, by reason (since start)."""
        return self._lead_in.gate.stats

    def new_user_id(self) -> str:
        """A fresh random opaque user id."""
        return ProfileStore.new_user_id()

    @staticmethod
    def is_valid_user_id(user_id: str) -> bool:
        """Whether ``user_id`` has the shape of an id this app issues."""
        try:
            validate_user_id(user_id)
        except ValueError:
            return False
        return True

    def close(self) -> None:
        """Release the store's connections."""
        self.store.close()

    def _check_message(self, message: str) -> str | None:
        if not isinstance(message, str) or not message.strip():
            return "Please type a message, for example \"a comedy from the 90s\"."
        if len(message) > self.settings.max_message_chars:
            return (f"That message is {len(message):,} characters long; please keep it under "
                    f"{self.settings.max_message_chars:,}.")
        return None


class ImportReport:
    """The outcome of an import: matched count, unmatched rows, and a message for the user."""

    def __init__(self, result: ImportResult) -> None:
        self.matched = result.matched
        self.unmatched = result.unmatched

    @property
    def message(self) -> str:
        """One line for the user: how many rows were imported, and the first unmatched ones."""
        text = f"Imported {len(self.matched)} rating(s)."
        if self.unmatched:
            shown = "; ".join(f"line {line}: {text} ({why})"
                              for line, text, why in self.unmatched[:5])
            more = f" and {len(self.unmatched) - 5} more" if len(self.unmatched) > 5 else ""
            text += f" {len(self.unmatched)} row(s) matched nothing: {shown}{more}."
        return text
