"""The LM's role in understanding: a catalog-restricted delta for the words the rules leave over.

When the rule parser leaves descriptive words it cannot explain (the message's wish: "something
that'll give me the creeps"), the language model may propose genres for them. It never writes
free text: a local model (transformers, llama.cpp) ranks the catalog's own genre names by
calibrated likelihood (`chatrec.models.scoring`), and an OpenAI-compatible server answers a JSON
schema whose only allowed values are those names. Whatever comes back is validated against the
catalog and dropped where it contradicts the parse (a genre the user excluded is never added)
before it is merged into the `PreferenceDelta`.

The step is behind the ``lm_understand`` setting: ``off``, ``on``, or ``auto`` (on only for the
backends in `EARNED`, where the measured gain on the NLU sets earned it; see the README).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from chatrec.domain.vocabulary import Vocabulary
from chatrec.models.chat import LMUnavailableError
from chatrec.models.scoring import LikelihoodScorer, ValueScore, prior_scores, score_values
from chatrec.understand.lexicon import NEGATORS, as_phrases, phrase_at, tokenize
from chatrec.understand.message import PreferenceDelta

MODES = ("off", "on", "auto")
# Backends on which `auto` turns the step on: none, since no backend measured here raised recall
# without lowering precision (README, "The language model in understanding").
EARNED: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Proposal:
    """The genres an LM proposes for one message (before validation)."""

    genres_in: tuple[str, ...] = ()
    genres_out: tuple[str, ...] = ()


class Proposer(Protocol):
    """Proposes a delta for one message from its text and the words the rules left over."""

    def propose(self, text: str, leftover: str) -> Proposal:
        """Raises `LMUnavailableError` when the model cannot answer now."""
        ...


@dataclass(frozen=True)
class Thresholds:
    """When a scored genre is proposed: its calibrated log-likelihood and its lead over the
    runner-up must both reach these (tuned on tests/data/nlu/dev.jsonl only)."""

    min_calibrated: float = 3.0
    min_margin: float = 1.0


class LikelihoodProposer:
    """Ranks the catalog's genres by calibrated likelihood given the leftover words.

    The model cannot tell "scary" from "nothing scary", so it proposes only genres the user
    asks for, and nothing in a message with a negator (the rules own exclusions).
    """

    def __init__(self, scorer: LikelihoodScorer, vocabulary: Vocabulary,
                 thresholds: Thresholds | None = None) -> None:
        self.scorer, self.vocabulary = scorer, vocabulary
        self.thresholds = thresholds or Thresholds()
        self.values = tuple(vocabulary.genre_names)
        self._prior: list[tuple[float, int]] | None = None

    def ranked(self, leftover: str) -> list[ValueScore]:
        """Every genre scored for ``leftover``, best first (the content-free pass cached)."""
        noun = self.vocabulary.noun.lower()
        if self._prior is None:
            self._prior = prior_scores(self.scorer, "genre", self.values, noun)
        return score_values(self.scorer, leftover, "genre", self.values, noun, self._prior)

    def candidates(self, text: str, leftover: str) -> list[ValueScore]:
        """`ranked`, or nothing for a message with a negator."""
        if not self.values or any(t.lower in NEGATORS for t in tokenize(text)):
            return []
        return self.ranked(leftover)

    def propose(self, text: str, leftover: str) -> Proposal:
        ranked = self.candidates(text, leftover)
        return Proposal(genres_in=(ranked[0].value,)) if accepts(ranked, self.thresholds) \
            else Proposal()


def accepts(ranked: Sequence[ValueScore], thresholds: Thresholds) -> bool:
    """Whether the best-ranked value is confident enough to propose."""
    if not ranked:
        return False
    margin = ranked[0].calibrated - ranked[1].calibrated if len(ranked) > 1 else float("inf")
    return ranked[0].calibrated >= thresholds.min_calibrated and margin >= thresholds.min_margin


class SchemaProposer:
    """Asks an OpenAI-compatible server for a reply constrained to a JSON schema whose values
    are the catalog's genre names (``client`` has `complete_json`, as `OpenAICompatLM`)."""

    def __init__(self, client: Any, vocabulary: Vocabulary, max_time_s: float = 2.0) -> None:
        self.client, self.vocabulary, self.max_time_s = client, vocabulary, max_time_s

    def schema(self) -> dict[str, Any]:
        """Two lists of catalog genres: asked for, and excluded."""
        genres = {"type": "array", "items": {"type": "string",
                                             "enum": list(self.vocabulary.genre_names)}}
        return {"type": "object", "properties": {"genres_in": genres, "genres_out": genres},
                "required": ["genres_in", "genres_out"], "additionalProperties": False}

    def messages(self, text: str, leftover: str) -> list[dict[str, str]]:
        """The request: what the rules could not explain, and the allowed values."""
        plural = self.vocabulary.plural.lower()
        return [{"role": "system", "content": (
            f"You read one message to a {plural} recommender. List the genres it asks for "
            f"(genres_in) and the genres it excludes (genres_out), using only these names: "
            f"{', '.join(self.vocabulary.genre_names)}. Use empty lists when it names none.")},
            {"role": "user", "content": f"Message: {text.strip()[:300]}\n"
                                        f"Words to explain: {leftover.strip()[:200]}"}]

    def propose(self, text: str, leftover: str) -> Proposal:
        reply = self.client.complete_json(self.messages(text, leftover), self.schema(),
                                          name="preference_delta", max_time_s=self.max_time_s)
        return Proposal(genres_in=_strings(reply.get("genres_in")),
                        genres_out=_strings(reply.get("genres_out")))


def _strings(value: object) -> tuple[str, ...]:
    """The string items of a JSON list (anything else: none)."""
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def validate(proposal: Proposal, delta: PreferenceDelta, vocabulary: Vocabulary) -> Proposal:
    """Only catalog genres the parse does not already hold or contradict, each in one list."""
    known = set(vocabulary.genre_names)
    both = set(proposal.genres_in) & set(proposal.genres_out)  # the proposal contradicts itself
    taken = set(delta.genres_in) | set(delta.genres_out) | set(delta.genres_ok)
    wanted = tuple(dict.fromkeys(g for g in proposal.genres_in if g in known and g not in both
                                 and g not in taken and g not in delta.avoid))
    excluded = tuple(dict.fromkeys(g for g in proposal.genres_out if g in known
                                   and g not in both and g not in taken
                                   and g not in delta.avoid_ok))
    return Proposal(wanted, excluded)


def merge(delta: PreferenceDelta, proposal: Proposal, vocabulary: Vocabulary) -> PreferenceDelta:
    """``delta`` plus the validated part of ``proposal``."""
    valid = validate(proposal, delta, vocabulary)
    if not (valid.genres_in or valid.genres_out):
        return delta
    return dataclasses.replace(delta, genres_in=delta.genres_in + valid.genres_in,
                               genres_out=delta.genres_out + valid.genres_out)


class LMDelta:
    """The parser's hook: merge an LM proposal for a message's leftover words, if any.

    ``proposer`` may be a callable that returns the proposer once the LM has loaded (None until
    then): a loading, slow or failing LM leaves the rules' delta as it is.
    """

    def __init__(self, proposer: Proposer | Any, vocabulary: Vocabulary) -> None:
        self._proposer, self.vocabulary = proposer, vocabulary
        self._phrases = genre_phrases(vocabulary)

    def apply(self, text: str, leftover: str, delta: PreferenceDelta) -> PreferenceDelta:
        """``delta`` with the LM's validated genres for ``leftover`` merged in."""
        leftover = unexplained(leftover, self.vocabulary, self._phrases)
        if not leftover:
            return delta
        proposer = self._proposer() if callable(self._proposer) else self._proposer
        if proposer is None:
            return delta
        try:
            proposal = proposer.propose(text, leftover)
        except LMUnavailableError:
            return delta
        return merge(delta, proposal, self.vocabulary)


def unexplained(leftover: str, vocabulary: Vocabulary,
                phrases: dict[tuple[str, ...], object] | None = None) -> str:
    """``leftover`` without the genre words the rules already read ("westerns", "scary"): the
    wish keeps them as descriptive words, but they leave nothing for the LM to explain.
    ``phrases`` are the genre aliases as token tuples (`genre_phrases`), if built already."""
    words = [t.lower for t in tokenize(leftover) if t.is_word]
    phrases = genre_phrases(vocabulary) if phrases is None else phrases
    kept, i = [], 0
    while i < len(words):
        length = phrase_at(words, i, phrases)
        if not length and words[i] not in vocabulary.other_genre_words:
            kept.append(words[i])
        i += max(length, 1)
    return " ".join(kept)


def genre_phrases(vocabulary: Vocabulary) -> dict[tuple[str, ...], object]:
    """The vocabulary's genre aliases as token tuples, for `phrase_at`."""
    return as_phrases(dict(vocabulary.genre_aliases))


def is_enabled(mode: str, backend: str) -> bool:
    """The ``lm_understand`` setting for ``backend``: off, on, or auto (on where earned)."""
    value = mode.strip().lower()
    if value not in MODES:
        raise ValueError(f"lm_understand={mode!r}: expected one of {', '.join(MODES)}")
    return backend != "none" and (value == "on" or (value == "auto" and backend in EARNED))


def proposer_for(lm: Any, vocabulary: Vocabulary, threads: int = 1,
                 thresholds: Thresholds | None = None) -> Proposer | None:
    """The proposer a loaded LM supports: a JSON schema for a server, else likelihoods."""
    from chatrec.models.scoring import scorer_for

    if hasattr(lm, "complete_json"):
        return SchemaProposer(lm, vocabulary)
    scorer = scorer_for(lm, threads)
    return LikelihoodProposer(scorer, vocabulary, thresholds) if scorer else None


class LazyProposer:
    """Builds the proposer from a background-loaded LM on first use after it has loaded."""

    def __init__(self, lm: Any, vocabulary: Vocabulary, threads: int = 1) -> None:
        self.lm, self.vocabulary, self.threads = lm, vocabulary, threads
        self._built: Proposer | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Proposer | None:
        with self._lock:
            if self._built is None:
                model = getattr(self.lm, "model", self.lm) if hasattr(self.lm, "wait") \
                    else self.lm
                if model is not None:
                    self._built = proposer_for(model, self.vocabulary, self.threads)
            return self._built


def lm_delta_step(settings: Any, lm: Any, vocabulary: Vocabulary) -> LMDelta | None:
    """The parser's LM step for ``settings`` (``lm_understand``, ``lm``) and a loaded or
    background-loading ``lm``; None when it is off or there is no LM."""
    from chatrec.models.lm import parse_lm_spec

    backend = parse_lm_spec(settings.lm).backend
    if lm is None or not is_enabled(settings.lm_understand, backend):
        return None
    return LMDelta(LazyProposer(lm, vocabulary, settings.lm_threads), vocabulary)
