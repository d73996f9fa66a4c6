"""Computed artifacts (item embeddings, LM conversion) cached under ``data/cache/``.

A cache folder is keyed by a hash of the dataset fingerprint, the model name and a code version,
so changing any of them lands in a new folder. Every file's SHA-256 is kept in a manifest and
checked on load: a corrupt or stale file is rebuilt, never used silently.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from chatrec.catalog import Dataset
from chatrec.models.embedder import Embedder

# Bump when the way an artifact is computed changes, so old caches are not reused.
CACHE_VERSION = 1
log = logging.getLogger(__name__)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ArtifactCache:
    """A folder of named ``.npy`` arrays with a checksummed manifest."""

    def __init__(self, root: str | Path, namespace: str, key: dict[str, object]) -> None:
        blob = json.dumps({**key, "version": CACHE_VERSION}, sort_keys=True)
        self.key = hashlib.sha256(blob.encode()).hexdigest()[:12]
        self.folder = Path(root) / f"{namespace}-{self.key}"
        self._manifest_path = self.folder / "manifest.json"

    def _manifest(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self._manifest_path.read_text())
        except (OSError, ValueError):
            return {}

    def load(self, name: str) -> np.ndarray | None:
        """The cached array, or ``None`` when missing, corrupt or not in the manifest."""
        path = self.folder / f"{name}.npy"
        entry = self._manifest().get(name)
        if entry is None or not path.exists():
            return None
        if _sha256(path) != entry["sha256"]:
            log.warning("cache file %s is corrupt (checksum mismatch); rebuilding", path)
            return None
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            log.warning("cache file %s is unreadable (%s); rebuilding", path, exc)
            return None

    def save(self, name: str, array: np.ndarray) -> None:
        """Write an array atomically and record its checksum."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.npy"
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, array, allow_pickle=False)
        os.replace(tmp, path)
        manifest = self._manifest()
        manifest[name] = {"sha256": _sha256(path), "shape": list(array.shape)}
        tmp_manifest = self._manifest_path.with_suffix(".tmp")
        tmp_manifest.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        os.replace(tmp_manifest, self._manifest_path)

    def get_or_build(self, name: str, build: Callable[[], np.ndarray]) -> np.ndarray:
        """Load ``name`` or build, save and return it."""
        cached = self.load(name)
        if cached is not None:
            return cached
        array = build()
        self.save(name, array)
        return array


def embedding_cache(root: str | Path, dataset: Dataset, embedder_name: str) -> ArtifactCache:
    """The cache folder for one dataset embedded by one model."""
    return ArtifactCache(root, dataset.name, {"data": dataset.fingerprint, "model": embedder_name})


def encode_with_progress(embedder: Embedder, texts: list[str], batch_size: int = 256,
                         show: bool = True) -> np.ndarray:
    """Encode in batches under a tqdm bar; returns (len(texts), dim) float32."""
    chunks = [np.zeros((0, embedder.dim), dtype=np.float32)]
    starts = range(0, len(texts), batch_size)
    for start in tqdm(starts, desc=f"Embedding items ({embedder.name})", unit="batch",
                      disable=not show):
        chunks.append(embedder.encode(texts[start:start + batch_size]))
    return np.concatenate(chunks).astype(np.float32)


@dataclass(frozen=True)
class ItemVectors:
    """Item embeddings aligned with the catalog, and where they were cached."""

    vectors: np.ndarray
    cache: ArtifactCache


def item_vectors(dataset: Dataset, embedder_name: str, cache_root: str | Path,
                 embedder_factory: Callable[[], Embedder], show_progress: bool = True
                 ) -> ItemVectors:
    """Cached item embeddings; the embedder is only built when the cache misses."""
    cache = embedding_cache(cache_root, dataset, embedder_name)

    def build() -> np.ndarray:
        return encode_with_progress(embedder_factory(), dataset.catalog.texts(),
                                    show=show_progress)

    vectors = cache.get_or_build("item_vectors", build)
    if vectors.shape[0] != len(dataset.catalog):
        log.warning("cached embeddings do not match the catalog size; rebuilding")
        vectors = build()
        cache.save("item_vectors", vectors)
    return ItemVectors(vectors, cache)
