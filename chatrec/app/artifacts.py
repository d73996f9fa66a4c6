"""Computed artifacts (item embeddings, fitted source state) cached under ``data/cache/``.

A cache folder is keyed by a hash of the dataset fingerprint, the model or source (with its
parameters and training data) and a code version, so changing any of them lands in a new
folder. Every file's SHA-256 is kept in a manifest and checked on load: a corrupt or stale file
is rebuilt, never used silently.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from tqdm.auto import tqdm

from chatrec.candidates.base import TrainingData
from chatrec.domain.catalog import Dataset, hash_files
from chatrec.models.embedder import Embedder

# Bump when the way an artifact is computed changes, so old caches are not reused.
CACHE_VERSION = 1
log = logging.getLogger(__name__)


def _read_verified(path: Path, sha256: str) -> np.ndarray | None:
    """The array in ``path`` if its bytes hash to ``sha256``, else ``None``.

    The file is memory-mapped once: the checksum and the returned (read-only) array see the same
    bytes, nothing is copied, and processes share the pages, which matters for EASE's
    items x items matrix. Files are only ever replaced, never rewritten, so the map stays valid.
    """
    with path.open("rb") as handle:
        version = np.lib.format.read_magic(handle)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read_header(handle)
        offset = handle.tell()
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if hashlib.sha256(mapped).hexdigest() != sha256:
        log.warning("cache file %s is corrupt (checksum mismatch); rebuilding", path)
        return None
    if dtype.hasobject:
        raise ValueError("object arrays are not allowed")
    return np.ndarray(shape, dtype, buffer=mapped, offset=offset, order="F" if fortran else "C")


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

    def names(self) -> list[str]:
        """The arrays recorded in the manifest."""
        return sorted(self._manifest())

    def load(self, name: str, copy: bool = True) -> np.ndarray | None:
        """The cached array, or ``None`` when missing, corrupt or not in the manifest.

        ``copy=False`` returns a read-only memory-mapped array (no copy of a large file).
        """
        return self.load_all([name], copy).get(name)

    def load_all(self, names: list[str] | None = None, copy: bool = True
                 ) -> dict[str, np.ndarray]:
        """The named arrays (default: every one in the manifest); ``{}`` if any one is bad."""
        manifest = self._manifest()
        out = {}
        for name in manifest if names is None else names:
            path = self.folder / f"{name}.npy"
            if name not in manifest or not path.exists():
                return {}
            try:
                array = _read_verified(path, manifest[name]["sha256"])
            except (OSError, ValueError) as exc:
                log.warning("cache file %s is unreadable (%s); rebuilding", path, exc)
                array = None
            if array is None:
                return {}
            out[name] = np.array(array) if copy else array
        return out

    def save(self, name: str, array: np.ndarray) -> None:
        """Write an array atomically and record its checksum."""
        self.save_all({name: array})

    def save_all(self, arrays: dict[str, np.ndarray]) -> None:
        """Write arrays atomically and record their checksums in one manifest update.

        Each file is checksummed before it is moved into place, and the manifest entries of a
        group are written together, so a racing writer can leave a mismatch (a rebuild) but
        never a silent mix of two fits.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        entries = {}
        for name, array in arrays.items():
            path = self.folder / f"{name}.npy"
            tmp = path.with_suffix(f".{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
            with tmp.open("wb") as handle:
                np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
            entries[name] = {"sha256": hash_files([tmp]), "shape": list(np.shape(array))}
            os.replace(tmp, path)
        manifest = {**self._manifest(), **entries}
        tmp_manifest = self._manifest_path.with_suffix(f".{os.getpid()}.tmp")
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


def embedding_store(root: str | Path, dataset: Dataset, embedder_name: str) -> ArtifactCache:
    """The folder of one dataset's item vectors from one model, keyed by item text.

    Keyed by the dataset's name, not its fingerprint: an edited catalog keeps its folder, and
    only items whose text is new are embedded again.
    """
    return ArtifactCache(root, f"{dataset.name}-vectors", {"model": embedder_name})


def text_keys(texts: list[str]) -> np.ndarray:
    """A 64-bit content hash per text (BLAKE2b): the vector store's keys."""
    return np.array([int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "big")
                     for t in texts], dtype=np.uint64)


def encode_with_progress(embedder: Embedder, texts: list[str], batch_size: int = 256,
                         show: bool = True) -> np.ndarray:
    """Encode in batches under a tqdm bar (items done, rate, ETA); (len(texts), dim) float32."""
    chunks = [np.zeros((0, embedder.dim), dtype=np.float32)]
    with tqdm(total=len(texts), desc=f"Embedding items ({embedder.name})", unit="item",
              disable=not show) as bar:
        for start in range(0, len(texts), batch_size):
            chunks.append(embedder.encode(texts[start:start + batch_size]))
            bar.update(len(chunks[-1]))
    return np.concatenate(chunks).astype(np.float32)


@dataclass(frozen=True)
class ItemVectors:
    """Item embeddings aligned with the catalog, the store they came from, and how many of
    them had to be embedded now (0 when every item text was already in the store)."""

    vectors: np.ndarray
    cache: ArtifactCache
    embedded: int = 0


def _lookup(store: dict[str, np.ndarray], keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``keys`` in the store's sorted keys, and which of them are there."""
    known = store.get("item_keys", np.zeros(0, dtype=np.uint64))
    if known.size == 0:
        return np.zeros(keys.size, dtype=np.int64), np.zeros(keys.size, dtype=bool)
    pos = np.minimum(np.searchsorted(known, keys), known.size - 1)
    return pos, known[pos] == keys


def item_vectors(dataset: Dataset, embedder_name: str, cache_root: str | Path,
                 embedder_factory: Callable[[], Embedder], show_progress: bool = True
                 ) -> ItemVectors:
    """Catalog embeddings: stored vectors for known item texts, the embedder for the rest.

    The embedder is only built when some item's text is not in the store; the store then
    grows by those items (keys and vectors are written together, checksummed).
    """
    cache = embedding_store(cache_root, dataset, embedder_name)
    texts = dataset.catalog.texts()
    keys = text_keys(texts)
    store = cache.load_all(["item_keys", "item_vectors"], copy=False)
    pos, found = _lookup(store, keys)
    missing = np.flatnonzero(~found)
    fresh = np.zeros((0, 0), dtype=np.float32)
    if missing.size:
        log.info("embedding %d of %d items (the rest are stored)", missing.size, keys.size)
        fresh = encode_with_progress(embedder_factory(), [texts[i] for i in missing],
                                     show=show_progress)
    dim = fresh.shape[1] if missing.size else store["item_vectors"].shape[1]
    vectors = np.empty((keys.size, dim), dtype=np.float32)
    if found.any():
        vectors[found] = store["item_vectors"][pos[found]]
    if missing.size:
        vectors[missing] = fresh
        _extend(cache, store, keys[missing], fresh)
    return ItemVectors(vectors, cache, int(missing.size))


def _extend(cache: ArtifactCache, store: dict[str, np.ndarray], keys: np.ndarray,
            vectors: np.ndarray) -> None:
    """Add new (key, vector) pairs to the store, kept sorted by key and free of repeats."""
    old_keys = store.get("item_keys", np.zeros(0, dtype=np.uint64))
    old = store.get("item_vectors", np.zeros((0, vectors.shape[1]), dtype=np.float32))
    if old.shape[1:] != vectors.shape[1:]:  # another model's width: start the store afresh
        old_keys, old = old_keys[:0], np.zeros((0, vectors.shape[1]), dtype=np.float32)
    all_keys, first = np.unique(np.concatenate([old_keys, keys]), return_index=True)
    merged = np.concatenate([old, vectors])[first]
    try:
        cache.save_all({"item_keys": all_keys, "item_vectors": merged})
    except OSError as exc:  # a read-only cache costs the next start an embedding, no more
        log.warning("could not store item vectors in %s (%s)", cache.folder, exc)


# -- fitted candidate-source state --------------------------------------------------------------
@runtime_checkable
class StatefulSource(Protocol):
    """A candidate source whose fitted state can be saved as arrays and restored without fitting.

    ``load_state`` rebuilds the source from ``state()`` plus the training data (for what is
    cheap to derive) and raises ``KeyError`` / ``ValueError`` when the arrays do not fit the
    data. Optional class attributes: ``STATE_VERSION`` (bump when ``fit`` changes) and
    ``uses_item_vectors`` (``False`` keeps the state when only the embeddings change).
    Constructor parameters are the source's public attributes; fitted state is private.
    """

    name: str

    def fit(self, data: TrainingData) -> StatefulSource: ...

    def state(self) -> dict[str, np.ndarray]: ...

    def load_state(self, data: TrainingData, state: dict[str, np.ndarray]) -> StatefulSource: ...


def source_params(source: object) -> dict[str, object]:
    """A source's constructor parameters: its public instance attributes."""
    return {k: v for k, v in sorted(vars(source).items()) if not k.startswith("_")}


def training_digest(data: TrainingData, with_vectors: bool = True) -> str:
    """SHA-256 over what a source fits on: the rating matrix, timestamps and item vectors.

    Keying on the data itself, not just the dataset, keeps subsets (evaluation splits) and
    injected embeddings apart; hashing ml-latest-small's matrix and vectors takes ~30 ms.
    """
    digest = hashlib.sha256(repr(data.ratings.shape).encode())
    ratings = data.ratings.tocsr()
    parts = [ratings.indptr, ratings.indices, ratings.data, data.timestamps]
    for part in [*parts, data.item_vectors if with_vectors else None]:
        blob = b"-" if part is None else np.ascontiguousarray(part).tobytes()
        digest.update(f"{len(blob)}:".encode())
        digest.update(blob)
    return digest.hexdigest()


@dataclass(frozen=True)
class EngineCache:
    """Where fitted source state is cached: a folder per data, source, parameters and version."""

    root: Path
    dataset: str
    fingerprint: str

    @classmethod
    def for_dataset(cls, root: str | Path, dataset: Dataset) -> EngineCache:
        """The engine cache of one dataset under ``root``."""
        return cls(Path(root), dataset.name, dataset.fingerprint)

    def folder(self, source: StatefulSource, data: TrainingData) -> ArtifactCache:
        """The cache folder for this (unfitted) source fitted on ``data``."""
        key = {"data": self.fingerprint, "source": source.name,
               "training": training_digest(data, getattr(source, "uses_item_vectors", True)),
               "params": source_params(source), "code": getattr(source, "STATE_VERSION", 0)}
        return ArtifactCache(self.root, f"{self.dataset}-{source.name}", key)

    def fit(self, source: object, data: TrainingData) -> object:
        """``source`` fitted on ``data``: restored from the cache, or fitted and cached."""
        if not isinstance(source, StatefulSource):
            return source.fit(data)
        folder = self.folder(source, data)
        state = folder.load_all(copy=False)
        if state:
            try:
                return source.load_state(data, state)
            except (KeyError, ValueError) as exc:
                log.warning("cached %s state does not fit (%s); refitting", source.name, exc)
        fitted = source.fit(data)
        try:
            folder.save_all(fitted.state())
        except OSError as exc:  # a read-only or full disk costs the next start a refit, no more
            log.warning("could not cache %s state in %s (%s)", source.name, folder.folder, exc)
        return fitted
