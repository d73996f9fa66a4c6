"""The engine cache: fitted source state is reused only when data, parameters and bytes match."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from chatrec.app import resources
from chatrec.app.artifacts import EngineCache
from chatrec.app.settings import Settings
from chatrec.candidates import training_data
from chatrec.candidates.base import Query
from chatrec.candidates.ease import EASESource
from chatrec.candidates.itemknn import ItemKNNSource
from chatrec.candidates.neural import NeuralSource
from chatrec.rank.engine import EngineConfig, build_engine

STATEFUL = (EASESource, NeuralSource, ItemKNNSource)
# A short neural run keeps the tests fast; the cache does not care how long training took.
CONFIG = EngineConfig(params={"neural": {"epochs": 5, "dim": 16}})
QUERIES = (Query(history=np.array([0, 2])), Query(history=np.array([3]), exclude=np.array([10])),
           Query(history=np.array([4, 5]), genres_in=frozenset({"Action"})), Query())


@pytest.fixture
def fits(monkeypatch) -> list[str]:
    """Names of the stateful sources fitted from scratch, in order."""
    calls: list[str] = []
    for cls in STATEFUL:
        def counting(self, data, *args, _fit=cls.fit, **kwargs):
            calls.append(self.name)
            return _fit(self, data, *args, **kwargs)
        monkeypatch.setattr(cls, "fit", counting)
    return calls


@pytest.fixture
def data(tiny_dataset, fake_embedder):
    return training_data(tiny_dataset, item_vectors=fake_embedder.encode(
        tiny_dataset.catalog.texts()))


def ranked(engine) -> list[list[tuple[int, float]]]:
    return [[(r.item_index, round(r.score, 5)) for r in engine.recommend(q, 5)] for q in QUERIES]


def test_cached_engine_recommends_like_a_fresh_one(tmp_path, tiny_dataset, data, fits) -> None:
    cache = EngineCache.for_dataset(tmp_path, tiny_dataset)
    fresh = build_engine(data, CONFIG)
    first = build_engine(data, CONFIG, cache=cache)
    assert sorted(fits) == sorted(["ease", "neural", "itemknn"] * 2)
    fits.clear()
    cached = build_engine(data, CONFIG, cache=cache)
    assert fits == []  # everything came from the cache
    assert ranked(cached) == ranked(fresh) == ranked(first)
    assert all(ranked(cached))


def test_changed_fingerprint_or_param_misses(tmp_path, tiny_dataset, data, fits) -> None:
    cache = EngineCache.for_dataset(tmp_path, tiny_dataset)
    build_engine(data, CONFIG, cache=cache)
    fits.clear()
    other = EngineCache.for_dataset(tmp_path, dataclasses.replace(tiny_dataset,
                                                                  fingerprint="changed"))
    build_engine(data, CONFIG, cache=other)
    assert sorted(fits) == ["ease", "itemknn", "neural"]
    fits.clear()
    params = {**CONFIG.params, "ease": {"lam": 50.0}}
    build_engine(data, dataclasses.replace(CONFIG, params=params), cache=cache)
    assert fits == ["ease"]


def test_changed_training_data_misses(tmp_path, tiny_dataset, data, fits) -> None:
    cache = EngineCache.for_dataset(tmp_path, tiny_dataset)
    build_engine(data, CONFIG, cache=cache)
    fits.clear()
    # New embeddings change only what the neural model learned from; fewer ratings change all.
    build_engine(dataclasses.replace(data, item_vectors=data.item_vectors[:, ::-1].copy()),
                 CONFIG, cache=cache)
    assert fits == ["neural"]
    fits.clear()
    subset = training_data(tiny_dataset, tiny_dataset.interactions.iloc[:-3], data.item_vectors)
    build_engine(subset, CONFIG, cache=cache)
    assert sorted(fits) == ["ease", "itemknn", "neural"]


def test_corrupt_state_is_detected_and_rebuilt(tmp_path, tiny_dataset, data, fits) -> None:
    cache = EngineCache.for_dataset(tmp_path, tiny_dataset)
    expected = ranked(build_engine(data, CONFIG, cache=cache))
    folder = cache.folder(EASESource(), data).folder
    path = folder / "b.npy"
    raw = bytearray(path.read_bytes())
    raw[-4:] = b"\x00\x00\x80\x7f"  # the last weight becomes +inf
    corrupt = path.with_suffix(".bad")
    corrupt.write_bytes(bytes(raw))
    os.replace(corrupt, path)  # replaced, as the cache itself writes files
    fits.clear()
    again = build_engine(data, CONFIG, cache=cache)
    assert fits == ["ease"] and ranked(again) == expected
    assert np.isfinite(cache.folder(EASESource(), data).load("b")).all()


def test_state_that_does_not_fit_the_data_is_refitted(tmp_path, tiny_dataset, data,
                                                      fits) -> None:
    cache = EngineCache.for_dataset(tmp_path, tiny_dataset)
    cache.folder(EASESource(), data).save("b", np.zeros((3, 3), np.float32))
    fits.clear()
    build_engine(data, EngineConfig(sources=("ease",)), cache=cache)
    assert fits == ["ease"]


def test_prepare_is_a_no_op_the_second_time(tmp_path, monkeypatch, tiny_dataset, fits) -> None:
    monkeypatch.setattr(resources, "load_dataset", lambda spec: tiny_dataset)
    settings = Settings(data="tiny", lm="none", embedder="hashing", cache_dir=str(tmp_path))
    resources.prepare(settings)
    assert sorted(fits) == ["ease", "itemknn", "neural"]
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    fits.clear()
    timings = resources.prepare(settings)
    assert fits == [] and "engine_s" in timings
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == stamps
