"""Behaviour of the individual sources and the shared helpers on the tiny dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chatrec.candidates import make_source, training_data
from chatrec.candidates.base import Query, TrainingData, candidates, history_weights, top_k
from chatrec.candidates.popularity import SECONDS_PER_DAY, PopularitySource

HEAT, FARGO, SUSPECTS, TOY_STORY, ALIEN, ALIENS = 0, 1, 2, 3, 4, 5
GODFATHER, DOGS, PULP, LION_KING, SLEEPLESS = 7, 8, 9, 10, 11


def fitted(name, dataset, vectors=None, **params):
    return make_source(name, **params).fit(training_data(dataset, item_vectors=vectors))


def test_top_k_skips_excluded_and_non_finite():
    scores = np.array([0.5, np.inf * -1, 3.0, 2.0, 1.0])
    assert top_k(scores, np.array([2]), 3).tolist() == [3, 4, 0]
    assert top_k(scores, np.array([], dtype=int), 0).size == 0


def test_history_weights_drop_unknown_items_and_keep_ratings_aligned():
    query = Query(history=np.array([3, -1, 50, 1]), history_ratings=np.array([5, 4, 3, 2.5]))
    items, weights = history_weights(query, n_items=10)
    assert items.tolist() == [3, 1]
    np.testing.assert_allclose(weights, [1.0, 0.5])


def test_training_data_aligns_timestamps_with_ratings(tiny_dataset):
    data = training_data(tiny_dataset)
    coo = data.ratings.tocoo()
    frame = tiny_dataset.interactions
    users = np.asarray(tiny_dataset.user_ids)[coo.row]
    expected = frame.set_index(["user", "item"]).loc[list(zip(users, coo.col, strict=True))]
    np.testing.assert_array_equal(data.timestamps[np.argsort(np.lexsort((coo.col, coo.row)))],
                                  expected["timestamp"].to_numpy()[
                                      np.argsort(np.lexsort((coo.col, coo.row)))])
    np.testing.assert_array_equal(coo.data, expected["rating"].to_numpy())


def test_co_raters_match_the_training_matrix_exactly(tiny_dataset):
    frame = tiny_dataset.interactions
    liked = frame[frame["rating"] >= 4].groupby("item")["user"].apply(set)
    for name in ("itemknn", "ease"):
        source = fitted(name, tiny_dataset, **({"lam": 1.0} if name == "ease" else {}))
        found = candidates(source, Query(history=np.array([HEAT, FARGO, DOGS])), k=8)
        pairs = [(h, c.item_index, n) for c in found for h, n in c.evidence["co_raters"].items()]
        assert pairs, f"{name} gave no co_raters"
        for history_item, item, count in pairs:
            both = liked.get(history_item, set()) & liked.get(item, set())
            assert count == len(both), (name, history_item, item)


def test_ease_prefers_crime_for_a_crime_history(tiny_dataset):
    source = fitted("ease", tiny_dataset, lam=1.0)
    top = [c.item_index for c in candidates(source, Query(history=np.array([HEAT, FARGO])), 3)]
    assert all("Crime" in tiny_dataset.catalog.genres[i] for i in top), top


def test_itemknn_scores_are_sums_of_cosines(tiny_dataset):
    source = fitted("itemknn", tiny_dataset)
    binary = (training_data(tiny_dataset).ratings > 0).astype(float).toarray()
    unit = binary / np.linalg.norm(binary, axis=0)
    cosine = unit.T @ unit
    scores = source.score(Query(history=np.array([HEAT, PULP])))
    np.testing.assert_allclose(scores[GODFATHER], cosine[HEAT, GODFATHER] + cosine[PULP, GODFATHER],
                               rtol=1e-5)


def test_userknn_follows_the_seed_formula(tiny_dataset):
    source = fitted("userknn", tiny_dataset, k=3)
    binary = (training_data(tiny_dataset).ratings > 0).astype(float).toarray()
    query_vector = np.zeros(binary.shape[1])
    query_vector[[HEAT, SUSPECTS]] = 1.0
    sims = binary @ query_vector / (np.linalg.norm(binary, axis=1) * np.linalg.norm(query_vector))
    top = np.argsort(-sims, kind="stable")[:3]
    expected = sims[top] @ binary[top] / sims[top].sum()
    np.testing.assert_allclose(source.score(Query(history=np.array([HEAT, SUSPECTS]))), expected,
                               rtol=1e-5)
    evidence = source.evidence(Query(history=np.array([HEAT, SUSPECTS])), np.array([DOGS]))[0]
    assert evidence["neighbors"] == int((binary[top, DOGS] > 0).sum())


def test_content_lists_history_items_sharing_a_director(tiny_dataset):
    source = fitted("content", tiny_dataset)
    query = Query(history=np.array([DOGS]), genres_in=frozenset({"Crime"}))
    evidence = source.evidence(query, np.array([PULP, GODFATHER]))
    assert evidence[0]["shared"] == {"director": [DOGS]}
    assert evidence[1]["shared"] == {}
    assert evidence[0]["genres"] == ["Crime"]
    assert PULP in [c.item_index for c in candidates(source, query, 2)]


def test_popularity_boosts_recently_watched_items(tiny_dataset):
    ratings = sp.csr_matrix(np.array([[5, 5], [4, 4]], dtype=np.float32))
    day = SECONDS_PER_DAY
    # Row-major order of data: (u0,i0) old, (u0,i1) new, (u1,i0) old, (u1,i1) new.
    stamps = np.array([0, 900 * day, 0, 900 * day], dtype=np.int64)
    wide = sp.hstack([ratings, sp.csr_matrix((2, 10))], format="csr")
    data = TrainingData(catalog=tiny_dataset.catalog, ratings=wide, timestamps=stamps)
    scores = PopularitySource(half_life_days=100).fit(data).score(Query())
    assert scores[1] > scores[0] > scores[2]
    flat = PopularitySource(recency_weight=0.0).fit(data).score(Query())
    assert flat[0] == flat[1]


def test_semantic_matches_the_wish(tiny_dataset, fake_embedder):
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    source = fitted("semantic", tiny_dataset, vectors, text_weight=1.0)
    wish = fake_embedder.encode(["Alien space Sci-Fi"])[0]
    found = candidates(source, Query(text="space aliens", text_vector=wish), 2)
    assert {c.item_index for c in found} == {ALIEN, ALIENS}
    assert found[0].evidence["wish"] == "space aliens"


def test_neural_folds_a_chat_user_in_from_liked_items(tiny_dataset, fake_embedder):
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    source = fitted("neural", tiny_dataset, vectors, epochs=200, dim=16)
    scores = source.score(Query(history=np.array([HEAT, SUSPECTS])))
    assert scores[[DOGS, PULP, GODFATHER]].mean() > scores[[LION_KING, SLEEPLESS]].mean()


def test_make_source_rejects_unknown_names():
    try:
        make_source("nope")
    except ValueError as exc:
        assert "popularity" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_dataset_frame_is_not_modified(tiny_dataset):
    before = tiny_dataset.interactions.copy()
    training_data(tiny_dataset)
    pd.testing.assert_frame_equal(before, tiny_dataset.interactions)
