"""`ChatRecommender`: the whole flow on one screen.

message → preferences → candidates → rerank → explain → dialogue → Turn, and feedback →
profiles → store. The UI, the CLI and the benchmarks use only this class's public methods.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chatrec.app.resources import load_resources
from chatrec.app.settings import Settings
from chatrec.candidates.base import Query
from chatrec.dialogue.compose import (
    Conversation,
    Turn,
    preferences_from_constraints,
    profile_markdown,
)
from chatrec.dialogue.policy import TurnPlanner
from chatrec.domain.catalog import Dataset
from chatrec.domain.history import ImportResult, parse_history_csv, resolve_history
from chatrec.models.embedder import Embedder
from chatrec.models.lm import BackgroundLM, LanguageModel
from chatrec.profile.replay import (
    UserProfile,
    import_events,
    profile_vector,
    summary,
    to_query_parts,
)
from chatrec.profile.store import ProfileStore, validate_user_id
from chatrec.rank.engine import Engine, EngineConfig, RankedItem
from chatrec.reply.gate import LeadInGate
from chatrec.reply.templates import LeadInWriter, render
from chatrec.understand.intents import IntentClassifier
from chatrec.understand.lexicon import FILLER_WORDS, GENRE_WORDS, REF_NOUNS, REQUEST_WORDS, tokenize
from chatrec.understand.parse import Preferences, parse_message
from chatrec.understand.titles import TitleMatcher, is_ambiguous


class ChatRecommender:
    """A conversational recommender over one catalog, with per-user state and a durable store."""

    def __init__(self, settings: Settings, dataset: Dataset, engine: Engine, embedder: Embedder,
                 item_vectors: np.ndarray, lm: LanguageModel | None) -> None:
        self.settings, self.dataset, self.engine = settings, dataset, engine
        self.catalog = dataset.catalog
        self.embedder, self.item_vectors = embedder, item_vectors
        self.store = ProfileStore(settings.db_url)
        self.titles = TitleMatcher(self.catalog)
        self.intents = IntentClassifier(embedder)
        self.lead_in = LeadInWriter(lm, LeadInGate(self.catalog), settings.lm_time_budget_s,
                                    settings.lm_max_new_tokens)
        self.planner = TurnPlanner(self)
        self._wish_vector = functools.lru_cache(maxsize=1024)(self._compute_wish_vector)
        self._conversations: dict[str, Conversation] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

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
        if language_model == "auto" and settings.lm.lower() not in {"none", "off", ""}:
            # The LM only phrases lead-ins, so the app need not wait for it to load. The
            # embedder loads first, so the two never import transformers at the same time.
            _ = resources.embedder
            lm = BackgroundLM(settings.lm, lambda: resources.language_model)
        elif language_model == "auto":
            lm = None
        return cls(settings, resources.dataset, engine, resources.embedder, vectors, lm)

    @property
    def dataset_name(self) -> str:
        return self.dataset.name

    # -- public API -------------------------------------------------------------------------
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
            yield Turn(problem, intent="invalid")
            return
        started = time.perf_counter()
        with self._lock(user_id):
            conversation = self.conversation(user_id)
            parsed = parse_message(message, self.catalog, self.titles, self.intents,
                                   shown_count=len(conversation.shown))
            timings = {"nlu": time.perf_counter() - started}
            conversation.turns += 1
            turn = None
            for turn in self.planner.plan(user_id, conversation, parsed, timings):
                if turn.final:
                    break
                yield turn
            timings["total"] = time.perf_counter() - started
            yield dataclasses.replace(turn, timings=timings)

    def feedback(self, user_id: str, item_id: str, liked: bool | None = True) -> str:
        """Record 👍 (True), 👎 (False) or undo (None); returns the acknowledgement.

        The event is committed before this returns, so an acknowledged thumb is never lost;
        clicking the same thumb again toggles it off.
        """
        validate_user_id(user_id)
        index = self.catalog.index_of(item_id)
        with self._lock(user_id):
            profile = self.store.load_profile(user_id)
            event = self.planner.thumb(profile, str(item_id), liked)
            self.store.append(user_id, event)
        title = f"*{self.planner.title(index)}*"
        kind = {"like": "ack_like", "dislike": "ack_dislike"}.get(event.signal, "ack_clear")
        return render(kind, str(item_id), title=title)

    def explain(self, user_id: str, item_id: str) -> str:
        """Why this item was (or was not) recommended, from real evidence only."""
        validate_user_id(user_id)
        index = self.catalog.index_of(item_id)
        with self._lock(user_id):
            return self.planner.explanation(user_id, self.conversation(user_id), index)

    def profile(self, user_id: str) -> dict:
        """What chatrec believes about this user (no other user's data is reachable)."""
        validate_user_id(user_id)
        return summary(self.store.load_profile(user_id), self.catalog)

    def profile_markdown(self, user_id: str) -> str:
        """The profile panel text."""
        return profile_markdown(self.profile(user_id))

    def forget(self, user_id: str) -> None:
        """Delete every event and snapshot of this user and their conversation state."""
        validate_user_id(user_id)
        with self._lock(user_id):
            self.store.forget(user_id)
            self._conversations.pop(user_id, None)

    def import_history(self, user_id: str,
                       ratings: str | Path | list[tuple[str, float]]) -> ImportReport:
        """Seed a profile from past ratings: a CSV path/text, or (item_id, rating) pairs."""
        validate_user_id(user_id)
        if isinstance(ratings, (str, Path)):
            result = resolve_history(parse_history_csv(ratings), self.catalog, self.resolve_title)
        else:
            result = ImportResult()
            for line, (item_id, rating) in enumerate(ratings, start=1):
                if self.catalog.has(item_id):
                    result.matched.append((self.catalog.index_of(item_id), float(rating)))
                else:
                    result.unmatched.append((line, str(item_id), "unknown item id"))
        with self._lock(user_id):
            self.store.append_many(user_id, import_events(result.matched, self.catalog))
        return ImportReport(result)

    def wait_for_models(self, timeout: float | None = None) -> bool:
        """Block until a background-loaded LM has finished loading (benchmarks time the LM,
        not its loading); True when an LM is available."""
        wait = getattr(self.lead_in.lm, "wait", None)
        return wait(timeout) if wait else self.lead_in.lm is not None

    def new_user_id(self) -> str:
        """A fresh random opaque user id."""
        return ProfileStore.new_user_id()

    @staticmethod
    def is_valid_user_id(user_id: str) -> bool:
        try:
            validate_user_id(user_id)
        except ValueError:
            return False
        return True

    # -- shared helpers used by the planner ----------------------------------------------------
    def conversation(self, user_id: str) -> Conversation:
        """This user's conversation, restored from the saved constraints on first use."""
        if user_id not in self._conversations:
            saved = self.store.load_profile(user_id).constraints
            self._conversations[user_id] = Conversation(preferences_from_constraints(saved))
        return self._conversations[user_id]

    def resolve_title(self, title: str, year: int | None) -> int | None:
        """The catalog index for an imported title, or None when absent or ambiguous."""
        matches = self.titles.match(f"{title} ({year})" if year else title)
        if not matches or is_ambiguous(matches):
            return None
        return matches[0].index

    def rank(self, profile: UserProfile, preferences: Preferences, k: int,
             timings: dict[str, float] | None = None) -> list[RankedItem]:
        """Run the engine for this profile and these preferences (stage times into timings)."""
        parts = to_query_parts(profile, self.catalog)
        wish_vector = self._wish_vector(preferences.wish, tuple(preferences.avoid))
        query = Query(
            history=parts.history, history_ratings=parts.history_ratings,
            disliked=parts.disliked, exclude=parts.exclude, text=preferences.wish,
            text_vector=wish_vector,
            profile_vector=profile_vector(profile, self.item_vectors, self.catalog),
            genres_in=frozenset(preferences.genres_in),
            genres_out=frozenset(preferences.genres_out),
            year_min=preferences.year_min, year_max=preferences.year_max)
        return self.engine.recommend(query, k, timings)

    def _compute_wish_vector(self, wish: str, avoid: tuple[str, ...]) -> np.ndarray | None:
        """The wish embedding, pushed away from soft avoids ("not too violent").

        A wish made only of genre and filler words ("westerns", "a comedy") says nothing the
        genre filter does not, and its embedding would only add noise to the ranking.
        Memoised per instance (see __init__): a wish persists across turns, and re-embedding
        it was the largest untimed cost of a turn.
        """
        wish = wish if informative(wish) else ""
        if not wish and not avoid:
            return None
        texts = [wish or "a good movie", *avoid]
        vectors = self.embedder.encode(texts)
        vector = vectors[0] - 0.5 * vectors[1:].sum(axis=0)
        norm = float(np.linalg.norm(vector))
        if norm == 0:
            return None
        vector = vector / norm
        vector.setflags(write=False)  # shared by every turn that hits the memo
        return vector

    def _check_message(self, message: str) -> str | None:
        if not isinstance(message, str) or not message.strip():
            return "Please type a message, for example \"a comedy from the 90s\"."
        if len(message) > self.settings.max_message_chars:
            return (f"That message is {len(message):,} characters long; please keep it under "
                    f"{self.settings.max_message_chars:,}.")
        return None

    def _lock(self, user_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(user_id, threading.Lock())


_UNINFORMATIVE = (frozenset(GENRE_WORDS) | FILLER_WORDS | REQUEST_WORDS | REF_NOUNS
                  | frozenset("good great best nice some something tonight craving crave mood "
                              "feel feeling like watch watching see love want need fancy do "
                              "let's lets please movie movies film films flick flicks".split()))


def informative(wish: str) -> bool:
    """Whether a wish has a word beyond genre names, fillers and request words."""
    return any(t.lower not in _UNINFORMATIVE for t in tokenize(wish) if t.is_word)


class ImportReport:
    """The outcome of an import: matched count, unmatched rows, and a message for the user."""

    def __init__(self, result: ImportResult) -> None:
        self.matched = result.matched
        self.unmatched = result.unmatched

    @property
    def message(self) -> str:
        text = f"Imported {len(self.matched)} rating(s)."
        if self.unmatched:
            shown = "; ".join(f"line {line}: {text} ({why})"
                              for line, text, why in self.unmatched[:5])
            more = f" and {len(self.unmatched) - 5} more" if len(self.unmatched) > 5 else ""
            text += f" {len(self.unmatched)} row(s) matched nothing: {shown}{more}."
        return text
