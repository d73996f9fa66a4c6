"""The artifact cache: reuse when fresh, rebuild when stale or corrupt."""

from __future__ import annotations

import numpy as np

from chatrec.app.artifacts import ArtifactCache, item_vectors


class CountingEmbedder:
    """Wraps the fake embedder and counts how often it is built and used."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0
        self.name, self.dim = inner.name, inner.dim

    def encode(self, texts):
        self.calls += 1
        return self.inner.encode(texts)


def test_vectors_are_cached_and_reused(tmp_path, tiny_dataset, fake_embedder) -> None:
    counter = CountingEmbedder(fake_embedder)
    first = item_vectors(tiny_dataset, "hashing", tmp_path, lambda: counter, show_progress=False)
    again = item_vectors(tiny_dataset, "hashing", tmp_path, lambda: counter, show_progress=False)
    assert counter.calls == 1
    np.testing.assert_array_equal(first.vectors, again.vectors)
    assert first.vectors.shape == (12, 64)
    np.testing.assert_allclose(np.linalg.norm(first.vectors, axis=1), 1.0, rtol=1e-5)


def test_changed_dataset_or_model_gets_a_new_folder(tmp_path, tiny_dataset) -> None:
    import dataclasses

    changed = dataclasses.replace(tiny_dataset, fingerprint="other")
    a = ArtifactCache(tmp_path, "tiny", {"data": tiny_dataset.fingerprint, "model": "m"})
    b = ArtifactCache(tmp_path, "tiny", {"data": changed.fingerprint, "model": "m"})
    c = ArtifactCache(tmp_path, "tiny", {"data": tiny_dataset.fingerprint, "model": "n"})
    assert len({a.folder, b.folder, c.folder}) == 3


def test_corrupt_file_is_detected_and_rebuilt(tmp_path, tiny_dataset, fake_embedder) -> None:
    counter = CountingEmbedder(fake_embedder)
    cached = item_vectors(tiny_dataset, "hashing", tmp_path, lambda: counter, show_progress=False)
    path = cached.cache.folder / "item_vectors.npy"
    raw = bytearray(path.read_bytes())
    raw[-4:] = b"\x00\x00\x80\x7f"  # flip the last float to +inf
    path.write_bytes(bytes(raw))
    assert cached.cache.load("item_vectors") is None
    rebuilt = item_vectors(tiny_dataset, "hashing", tmp_path, lambda: counter, show_progress=False)
    assert counter.calls == 2 and np.isfinite(rebuilt.vectors).all()


def test_truncated_manifest_means_rebuild(tmp_path) -> None:
    cache = ArtifactCache(tmp_path, "x", {"k": 1})
    cache.save("a", np.arange(3.0))
    (cache.folder / "manifest.json").write_text("{not json")
    built = []
    value = cache.get_or_build("a", lambda: built.append(1) or np.arange(3.0))
    assert built == [1] and value.tolist() == [0.0, 1.0, 2.0]
