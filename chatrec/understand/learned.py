"""The learned fallback of the intent decision: the nearest labelled lines.

The rules decide what their words make certain; a message none of them claims went to the
handwritten exemplars alone (``intents.IntentClassifier``). This fallback is fitted on the
labelled development lines shipped in ``learned_examples.jsonl`` (built by
``chatrec_eval.learned_examples``; titles in them replaced by "that one"): the ``K`` nearest
lines by sentence-embedding cosine vote, weighted by similarity, and it answers only when the
nearest line is close (``MIN_SIMILARITY``) and the winner holds a clear share of the vote
(``MIN_SHARE``); otherwise it abstains and the exemplars decide as before. It never chooses an
intent of ``RULE_ONLY_INTENTS`` (they are not even in its table). The lines also carry their
reaction act, but no act fallback is built on them: leave-one-file-out, one fixed no act.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from chatrec.models.embedder import Embedder

EXAMPLES_FILE = Path(__file__).resolve().parent / "learned_examples.jsonl"
# The examples' MiniLM vectors (float16), so the app does not embed 2,700 lines at start-up;
# any other embedder (or a changed examples file) embeds them at load time instead.
VECTORS_FILE = EXAMPLES_FILE.with_name("learned_vectors.npz")
PLACEHOLDER = "that one"  # what a labelled title in a training line reads as
# Tuned by leave-one-file-out cross-validation on the training files (2 of 101 fallback lines
# fixed, none broken; looser votes broke more than they fixed).
K = 3
MIN_SIMILARITY = 0.5
MIN_SHARE = 0.7  # with K = 3: the three nearest lines agree


@dataclass(frozen=True)
class Example:
    """One labelled development line: text, intent, act (or None), picks on screen."""

    text: str
    intent: str
    act: str | None
    shown: bool
    source: str = ""


@cache
def load_examples(path: Path = EXAMPLES_FILE) -> tuple[Example, ...]:
    """The shipped training lines (read once)."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return tuple(Example(r["text"], r["intent"], r.get("act"), bool(r.get("shown")),
                         r.get("source", "")) for r in rows)


def vote(sims: np.ndarray, labels: Sequence[str], k: int = K) -> tuple[str, float, float]:
    """(winning label, its share of the similarity-weighted vote, the top similarity) of the
    ``k`` nearest rows."""
    k = min(k, sims.size)
    near = np.argpartition(-sims, k - 1)[:k]  # the k nearest of ~2,700, unordered ...
    top = near[np.argsort(-sims[near], kind="stable")]  # ... then nearest first
    weights: dict[str, float] = defaultdict(float)
    for i in top:
        weights[labels[i]] += max(float(sims[i]), 0.0)
    total = sum(weights.values()) or 1.0
    best = max(weights, key=weights.__getitem__)
    return best, weights[best] / total, float(sims[top[0]])


class NearestLines:
    """A similarity-weighted kNN over one label of the training lines, with abstention."""

    def __init__(self, vectors: np.ndarray, labels: Sequence[str], k: int = K,
                 min_similarity: float = MIN_SIMILARITY, min_share: float = MIN_SHARE) -> None:
        self.vectors, self.labels = vectors, list(labels)
        self.k, self.min_similarity, self.min_share = k, min_similarity, min_share

    def decide(self, vector: np.ndarray, floor: float = 0.0) -> tuple[str, float] | None:
        """(label, share) when the neighbours agree clearly and the nearest line is at least
        ``floor`` close (the caller's own threshold), else None (abstain)."""
        if not self.labels:
            return None
        best, share, top = vote(self.vectors @ vector, self.labels, self.k)
        if top < max(self.min_similarity, floor) or share < self.min_share:
            return None
        return best, share


def digest(texts: Sequence[str]) -> str:
    """A checksum of the example texts, so stale shipped vectors are never used."""
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]


def example_vectors(embedder: Embedder, texts: Sequence[str],
                    path: Path = VECTORS_FILE) -> np.ndarray:
    """The embeddings of ``texts``: the shipped ones when they were made by this embedder from
    these texts, else freshly encoded."""
    if path.exists():
        with np.load(path, allow_pickle=False) as data:
            if str(data["name"]) == embedder.name and str(data["digest"]) == digest(texts):
                return data["vectors"].astype(np.float32)
    return embedder.encode(list(texts))


def learned_intents(embedder: Embedder, excluded: frozenset[str],
                    examples: Sequence[Example] | None = None) -> NearestLines:
    """The intent kNN over the training lines, without the ``excluded`` intents (rule-only)."""
    examples = load_examples() if examples is None else examples
    vectors = example_vectors(embedder, [e.text for e in examples])
    keep = [i for i, e in enumerate(examples) if e.intent not in excluded]
    return NearestLines(vectors[keep], [examples[i].intent for i in keep])


def save_vectors(embedder: Embedder, path: Path = VECTORS_FILE) -> None:
    """Write the shipped vectors of the examples file for ``embedder`` (the build step)."""
    texts = [e.text for e in load_examples()]
    vectors = embedder.encode(texts).astype(np.float16)
    np.savez_compressed(path, vectors=vectors, name=np.array(embedder.name),
                        digest=np.array(digest(texts)))


__all__ = ["EXAMPLES_FILE", "K", "MIN_SHARE", "MIN_SIMILARITY", "Example", "NearestLines",
           "example_vectors", "learned_intents", "load_examples", "save_vectors", "vote"]
