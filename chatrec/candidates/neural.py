"""A small neural scorer: a denoising two-tower NCF trained with BCE on implicit feedback.

User tower: the mean of learned *input* item embeddings over the history, through an MLP, so
a chat user is folded in from their liked items exactly like a training user (no per-user
table to miss). Item tower: an ID embedding plus a projection of the item's text embedding,
so items with few ratings still borrow meaning from their text. Training drops half of each
history at random and asks the model to reconstruct the whole row (CDAE-style), which is the
same task as recommending from a few chat likes. Scoring runs in numpy after training.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from chatrec.candidates.base import (
    Query,
    TrainingData,
    history_weights,
    implicit,
    item_item_evidence,
    liked_matrix,
)
from chatrec.models.embedder import l2_normalize


class _TwoTower(nn.Module):
    def __init__(self, n_items: int, dim: int, text: torch.Tensor | None) -> None:
        super().__init__()
        self.inputs = nn.EmbeddingBag(n_items, dim, mode="sum")
        self.user_mlp = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, dim))
        self.items = nn.Embedding(n_items, dim)
        self.bias = nn.Parameter(torch.zeros(n_items))
        self.register_buffer("text", text if text is not None else torch.zeros(n_items, 0))
        self.text_proj = nn.Linear(self.text.shape[1], dim, bias=False)
        nn.init.normal_(self.inputs.weight, std=0.05)
        nn.init.normal_(self.items.weight, std=0.05)

    def item_matrix(self) -> torch.Tensor:
        return self.items.weight + self.text_proj(self.text)

    def forward(self, bag: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor
                ) -> torch.Tensor:
        users = self.user_mlp(self.inputs(bag, offsets, per_sample_weights=weights))
        return users @ self.item_matrix().T + self.bias


def _dropout_bags(rows: sp.csr_matrix, keep: float, rng: np.random.Generator
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """EmbeddingBag inputs of a batch of non-empty rows, each entry kept with prob. ``keep``.

    Weights are 1 / (kept count) so that the bag's sum is a mean; a row that loses everything
    keeps its first item so every user has an input.
    """
    starts = rows.indptr[:-1]
    mask = rng.random(rows.nnz) < keep
    mask[starts[np.add.reduceat(mask.astype(np.int64), starts) == 0]] = True
    counts = np.add.reduceat(mask.astype(np.int64), starts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    weights = np.repeat(1.0 / counts, counts)
    return (torch.from_numpy(rows.indices[mask].astype(np.int64)),
            torch.from_numpy(offsets.astype(np.int64)),
            torch.from_numpy(weights.astype(np.float32)))


class NeuralSource:
    """Two-tower neural CF; ``fit`` trains for a few seconds on 2 CPU threads."""

    name = "neural"
    STATE_VERSION = 1  # bump when the model or its training changes, so caches are rebuilt

    def __init__(self, dim: int = 128, epochs: int = 100, lr: float = 1e-2, keep: float = 0.5,
                 batch_size: int = 128, seed: int = 0) -> None:
        self.dim, self.epochs, self.lr, self.keep = dim, epochs, lr, keep
        self.batch_size, self.seed = batch_size, seed

    def fit(self, data: TrainingData) -> NeuralSource:
        """Train the model, then keep numpy copies of what scoring needs."""
        threads = torch.get_num_threads()
        # One thread: these matrices are small, and on a shared 2-core box a second thread
        # measured 2x slower (oversubscription); the caller's setting is restored afterwards.
        torch.set_num_threads(1)
        try:
            return self._fit(data)
        finally:
            torch.set_num_threads(threads)

    def _fit(self, data: TrainingData) -> NeuralSource:
        torch.manual_seed(self.seed)
        binary = implicit(data.ratings)
        binary = binary[np.diff(binary.indptr) > 0]
        text = None if data.item_vectors is None else torch.from_numpy(
            l2_normalize(data.item_vectors))
        model = _TwoTower(binary.shape[1], self.dim, text)
        self._train(model, binary)
        with torch.no_grad():
            (w1, b1), (w2, b2) = [(lay.weight.numpy().copy(), lay.bias.numpy().copy())
                                  for lay in model.user_mlp if isinstance(lay, nn.Linear)]
            state = {"item": model.item_matrix().numpy().copy(), "bias": model.bias.numpy().copy(),
                     "inputs": model.inputs.weight.numpy().copy(),
                     "w1": w1, "b1": b1, "w2": w2, "b2": b2}
        return self.load_state(data, state)

    def state(self) -> dict[str, np.ndarray]:
        """What scoring needs, as numpy arrays (for the engine cache)."""
        (w1, b1), (w2, b2) = self._mlp
        return {"item": self._item, "bias": self._bias, "inputs": self._in,
                "w1": w1, "b1": b1, "w2": w2, "b2": b2}

    def load_state(self, data: TrainingData, state: dict[str, np.ndarray]) -> NeuralSource:
        """Adopt trained (or cached) weights; derived matrices are rebuilt from ``data``."""
        expected = (data.ratings.shape[1], self.dim)
        if state["item"].shape != expected or state["inputs"].shape != expected:
            raise ValueError(f"item tables are {state['item'].shape}, expected {expected}")
        self._item, self._bias, self._in = state["item"], state["bias"], state["inputs"]
        self._mlp = [(state["w1"], state["b1"]), (state["w2"], state["b2"])]
        self._unit_item = l2_normalize(self._item)
        self._liked = liked_matrix(data.ratings)
        return self

    def _train(self, model: _TwoTower, binary: sp.csr_matrix) -> None:
        """Denoising BCE over all items, mini-batches of users, Adam."""
        rng = np.random.default_rng(self.seed)
        optimiser = torch.optim.Adam(model.parameters(), lr=self.lr, weight_decay=1e-6)
        loss_fn = nn.BCEWithLogitsLoss()
        for _ in range(self.epochs):
            order = rng.permutation(binary.shape[0])
            for start in range(0, order.size, self.batch_size):
                rows = binary[order[start:start + self.batch_size]]
                logits = model(*_dropout_bags(rows, self.keep, rng))
                loss = loss_fn(logits, torch.from_numpy(rows.toarray()))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()

    def _user(self, query: Query) -> np.ndarray | None:
        history, weights = history_weights(query, self._item.shape[0])
        if history.size == 0:
            return None
        # Weighted mean: a named title counts more than a thumb (training rows weigh 1 each).
        hidden = weights @ self._in[history] / float(weights.sum())
        (w1, b1), (w2, b2) = self._mlp
        return w2 @ np.tanh(w1 @ hidden + b1) + b2

    def score(self, query: Query) -> np.ndarray:
        """User-tower · item-tower + item bias; just the bias for an empty history."""
        user = self._user(query)
        if user is None:
            return self._bias.astype(np.float32)
        return (self._item @ user + self._bias).astype(np.float32)

    def evidence(self, query: Query, items: np.ndarray) -> list[dict[str, Any]]:
        """``because``: history items closest in the learned item space; ``co_raters``."""
        items = np.asarray(items, dtype=np.int64)
        history, weights = history_weights(query, self._item.shape[0])
        sims = self._unit_item[history] @ self._unit_item[items].T
        out = item_item_evidence(sims * weights[:, None], history, items, self._liked)
        for m, ev in enumerate(out):
            ev["similarity"] = round(float(sims[:, m].max()), 4) if history.size else 0.0
        return out
