"""Blending, hard filters, exclusion, MMR and the ablation switches of the engine."""

from __future__ import annotations

import numpy as np
import pytest

from chatrec.candidates import training_data
from chatrec.candidates.base import Query
from chatrec.rank.engine import (
    BlendConfig,
    EngineConfig,
    RankedItem,
    build_engine,
    filter_mask,
    mmr,
    normalise,
)

HEAT, FARGO, SUSPECTS, TOY_STORY, ALIEN, ALIENS, SCREAM, GODFATHER = range(8)
FAST = {"neural": {"epochs": 10, "dim": 8}, "ease": {"lam": 1.0}}


@pytest.fixture
def engine(tiny_dataset, fake_embedder):
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    config = EngineConfig(sources=("popularity", "itemknn", "userknn", "ease", "content",
                                   "semantic", "neural"),
                          params=FAST, blend=BlendConfig(popularity=0.1, itemknn=0.5,
                                                         semantic=0.3, neural=0.2, profile=0.2))
    return build_engine(training_data(tiny_dataset, item_vectors=vectors), config)


def test_recommend_returns_explained_ranked_items(engine):
    ranked = engine.recommend(Query(history=np.array([HEAT, FARGO])), k=4)
    assert len(ranked) == 4 and all(isinstance(r, RankedItem) for r in ranked)
    top = ranked[0]
    assert set(top.contributions) >= {"ease", "itemknn"}
    assert top.score == pytest.approx(sum(top.contributions.values()))
    assert "because" in top.evidence["ease"] and "n_ratings" in top.evidence["popularity"]


def test_genre_and_year_filters_are_hard(engine, tiny_dataset):
    catalog = tiny_dataset.catalog
    query = Query(history=np.array([HEAT, FARGO]), genres_in=frozenset({"Sci-Fi"}),
                  year_min=1980)
    ranked = engine.recommend(query, k=5)
    assert [r.item_index for r in ranked] == [ALIENS]  # Alien (1979) fails the year filter
    out = engine.recommend(Query(history=np.array([HEAT]), genres_out=frozenset({"crime"})), 12)
    assert out and all("Crime" not in catalog.genres[r.item_index] for r in out)


def test_excluded_disliked_and_history_never_come_back(engine):
    query = Query(history=np.array([HEAT]), exclude=np.array([SUSPECTS, GODFATHER]),
                  disliked=np.array([FARGO]))
    returned = {r.item_index for r in engine.recommend(query, k=12)}
    assert len(returned) == 8
    assert returned.isdisjoint({HEAT, SUSPECTS, GODFATHER, FARGO})


def test_filter_mask_with_unknown_genre_matches_nothing(tiny_dataset):
    assert not filter_mask(tiny_dataset.catalog, Query(genres_in=frozenset({"Western"}))).any()


def test_normalise_ignores_blocked_and_non_finite_items():
    scores = np.array([1.0, 2.0, 3.0, 100.0, -np.inf])
    allowed = np.array([True, True, True, False, True])
    out = normalise(scores, allowed)
    np.testing.assert_allclose(out[:3], [-1.2247449, 0.0, 1.2247449], rtol=1e-5)
    assert out[3] == 0.0 and out[4] == 0.0


def test_mmr_pushes_a_near_duplicate_down():
    vectors = np.array([[1, 0, 0], [0.99, 0.1, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    items, relevance = np.arange(4), np.array([1.0, 0.95, 0.6, 0.5])
    assert mmr(items, relevance, vectors, lam=1.0, k=3).tolist() == [0, 1, 2]
    diverse = mmr(items, relevance, vectors, lam=0.5, k=3).tolist()
    assert diverse == [0, 2, 3]


def test_mmr_in_the_engine_lowers_list_similarity(engine):
    query = Query(history=np.array([HEAT, FARGO]))
    vectors = engine.vectors

    def mean_similarity(config: EngineConfig) -> float:
        engine.config = config
        picked = [r.item_index for r in engine.recommend(query, k=4)]
        sims = vectors[picked] @ vectors[picked].T
        return float(sims[np.triu_indices(len(picked), 1)].mean())

    base = engine.config
    plain = mean_similarity(EngineConfig(base.sources, blend=BlendConfig(mmr_lambda=1.0)))
    diverse = mean_similarity(EngineConfig(base.sources, blend=BlendConfig(mmr_lambda=0.3)))
    assert diverse < plain


@pytest.mark.parametrize("variant", ["full", "no_rerank", "no_cf", "pop_filter"])
def test_ablation_variants_respect_filters(variant, tiny_dataset, fake_embedder):
    config = EngineConfig.variant(variant)
    config = EngineConfig(config.sources, FAST, config.blend, config.use_rerank)
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    engine = build_engine(training_data(tiny_dataset, item_vectors=vectors), config)
    ranked = engine.recommend(Query(history=np.array([HEAT]), genres_in=frozenset({"Crime"})), 5)
    assert ranked and all("Crime" in tiny_dataset.catalog.genres[r.item_index] for r in ranked)
    assert HEAT not in {r.item_index for r in ranked}
    if variant in ("no_cf", "pop_filter"):
        assert not set(engine.sources) & {"itemknn", "userknn", "ease", "neural"}


def test_unknown_variant_is_rejected():
    with pytest.raises(ValueError, match="pop_filter"):
        EngineConfig.variant("everything")


def test_cold_queries_lean_on_popularity(tiny_dataset, fake_embedder) -> None:
    import numpy as np

    from chatrec.candidates import training_data
    from chatrec.candidates.base import Query
    from chatrec.rank.engine import build_engine

    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    engine = build_engine(training_data(tiny_dataset, item_vectors=vectors))
    cold = engine.weights(Query())
    warm = engine.weights(Query(history=np.array([0])))
    assert cold["popularity"] >= engine.config.blend.cold_popularity
    assert warm.get("popularity", 0.0) == engine.config.blend.popularity
