"""Every CandidateSource passes the same contract on the tiny dataset (benfred/implicit style).

A subclass names the source and the evidence keys it promises; the mixin does the rest.
"""

from __future__ import annotations

import numpy as np
import pytest

from chatrec.candidates import make_source, training_data
from chatrec.candidates.base import CandidateSource, Query, candidates

HEAT, FARGO, SUSPECTS, TOY_STORY, GODFATHER = 0, 1, 2, 3, 7


class SourceContract:
    """Mixin: set ``name`` and ``keys`` (evidence keys every returned candidate carries)."""

    name: str = ""
    keys: frozenset[str] = frozenset()
    params: dict = {}

    @pytest.fixture
    def source(self, tiny_dataset, fake_embedder) -> CandidateSource:
        vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
        data = training_data(tiny_dataset, item_vectors=vectors)
        return make_source(self.name, **self.params).fit(data)

    @pytest.fixture
    def query(self, tiny_dataset, fake_embedder) -> Query:
        return Query(history=np.array([HEAT, SUSPECTS]), exclude=np.array([FARGO]),
                     disliked=np.array([TOY_STORY]),
                     profile_vector=fake_embedder.encode(["crime thriller heist"])[0])

    def test_is_a_candidate_source(self, source):
        assert isinstance(source, CandidateSource)
        assert source.name == self.name

    def test_scores_every_item_with_finite_values(self, source, query, tiny_dataset):
        scores = source.score(query)
        assert scores.shape == (len(tiny_dataset.catalog),)
        assert np.isfinite(scores).all()

    def test_never_returns_history_excluded_or_disliked(self, source, query):
        returned = {c.item_index for c in candidates(source, query, k=12)}
        assert returned, "a source with history should return something"
        assert returned.isdisjoint({HEAT, SUSPECTS, FARGO, TOY_STORY})

    def test_candidates_are_sorted_and_carry_documented_evidence(self, source, query):
        found = candidates(source, query, k=5)
        assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
        for cand in found:
            assert cand.source == self.name
            assert self.keys <= set(cand.evidence), cand.evidence

    def test_unknown_user_with_empty_history(self, source, tiny_dataset):
        scores = source.score(Query())
        assert scores.shape == (len(tiny_dataset.catalog),)
        assert not np.isnan(scores).any()
        assert len(candidates(source, Query(), k=3)) <= 3

    def test_out_of_range_items_are_ignored(self, source, query):
        noisy = Query(history=np.array([HEAT, SUSPECTS, -1, 999]),
                      exclude=np.array([FARGO, 12345]), disliked=np.array([TOY_STORY, -7]),
                      profile_vector=query.profile_vector)
        np.testing.assert_allclose(source.score(noisy), source.score(query), rtol=1e-5)
        assert source.evidence(noisy, np.array([GODFATHER]))[0].keys() >= self.keys


class TestPopularity(SourceContract):
    name, keys = "popularity", frozenset({"n_ratings", "mean_rating"})


class TestItemKNN(SourceContract):
    name, keys = "itemknn", frozenset({"because", "co_raters", "similarity"})


class TestUserKNN(SourceContract):
    name, keys = "userknn", frozenset({"neighbors", "similarity"})


class TestEASE(SourceContract):
    name, keys, params = "ease", frozenset({"because", "co_raters"}), {"lam": 1.0}


class TestCEASE(SourceContract):
    name, keys, params = "cease", frozenset({"because", "co_raters"}), {"lam": 1.0}


class TestContent(SourceContract):
    name, keys = "content", frozenset({"similarity", "shared", "tags", "genres"})


class TestSemantic(SourceContract):
    name, keys = "semantic", frozenset({"similarity"})

    def test_unknown_user_with_empty_history(self, source, tiny_dataset):
        # Documented: with no history, wish or profile the semantic source abstains (-inf).
        assert np.isneginf(source.score(Query())).all()
        assert candidates(source, Query(), k=3) == []


class TestNeural(SourceContract):
    name, keys = "neural", frozenset({"because", "co_raters", "similarity"})
    params = {"epochs": 20, "dim": 16}


class TestALS(SourceContract):
    name, keys = "als", frozenset({"because", "co_raters", "similarity"})
    params = {"factors": 8, "iterations": 5}
