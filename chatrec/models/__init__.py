"""Model back-ends behind small protocols: `Embedder` and `LanguageModel`."""

from __future__ import annotations

from chatrec.models.embedder import Embedder, HashingEmbedder, load_embedder
from chatrec.models.lm import LanguageModel, load_language_model

__all__ = ["Embedder", "HashingEmbedder", "LanguageModel", "load_embedder", "load_language_model"]
