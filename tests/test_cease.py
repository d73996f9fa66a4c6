"""Collective EASE: content tokens as weighted pseudo-users in EASE's Gram matrix."""

from __future__ import annotations

import numpy as np
import pytest

from chatrec.candidates import make_source, training_data
from chatrec.candidates.base import Query
from chatrec.candidates.cease import embedding_gram, side_gram
from chatrec.candidates.content import token_matrix

HEAT, FARGO, SUSPECTS, DOGS = 0, 1, 2, 8
HOBBIT, THRONES = 8, 9  # books: both Fantasy, both tagged "dragons", decades apart


def test_side_gram_counts_shared_genres_decades_and_people_but_not_tags(tiny_dataset):
    gram = side_gram(tiny_dataset.catalog, 2.0)
    # Heat and Reservoir Dogs: Crime, Thriller and the 1990s; the shared "heist" tag is left
    # out (MovieLens tags come from the users being evaluated), the directors differ.
    assert gram[HEAT, DOGS] == pytest.approx(2.0 * 3)
    assert gram[HEAT, HEAT] == pytest.approx(2.0 * 5)  # 3 genres, a decade, a director
    np.testing.assert_allclose(gram, gram.T)


def test_books_share_a_genre_not_a_tag(books_dataset):
    gram = side_gram(books_dataset.catalog, 1.0)
    assert gram[HOBBIT, THRONES] == pytest.approx(1.0)  # Fantasy; "dragons" is a tag
    tokens = token_matrix(books_dataset.catalog, drop=frozenset({"tag"}))[1]
    assert not [t for t in tokens if t.startswith("tag:")]
    assert "tag:dragons" in token_matrix(books_dataset.catalog)[1]


def test_no_side_information_is_plain_ease(tiny_dataset):
    data = training_data(tiny_dataset)
    query = Query(history=np.array([HEAT, SUSPECTS]))
    plain = make_source("ease", lam=1.0).fit(data).score(query)
    np.testing.assert_allclose(make_source("cease", lam=1.0, side=0.0).fit(data).score(query),
                               plain, atol=1e-6)


def test_shared_attributes_lift_an_item_the_ratings_alone_give_nothing(tiny_dataset):
    # Fargo shares Crime, Thriller and the 1990s with The Usual Suspects; EASE's weight from
    # Suspects to Fargo is 0 on these ratings, and grows with the pseudo-users' weight.
    data = training_data(tiny_dataset)
    query = Query(history=np.array([SUSPECTS]))
    ease = make_source("ease", lam=1.0).fit(data).score(query)[FARGO]
    lifted = [make_source("cease", lam=1.0, side=s).fit(data).score(query)[FARGO]
              for s in (1.0, 3.0)]
    assert abs(ease) < 1e-6 and 0 < lifted[0] < lifted[1]


def test_embedding_pseudo_users_lift_an_item_whose_text_is_close(tiny_dataset):
    # Give Fargo and The Usual Suspects the same embedding, every other item its own
    # direction: with ``emb`` > 0 Suspects' weight into Fargo grows, and without item vectors
    # (or at emb 0) collective EASE is unchanged.
    n_items = len(tiny_dataset.catalog)
    vectors = np.eye(n_items, n_items + 1, dtype=np.float32)
    vectors[FARGO] = vectors[SUSPECTS]
    plain = training_data(tiny_dataset)
    data = training_data(tiny_dataset, item_vectors=vectors)
    query = Query(history=np.array([SUSPECTS]))
    base = make_source("cease", lam=1.0, side=0.0).fit(data).score(query)[FARGO]
    lifted = [make_source("cease", lam=1.0, side=0.0, emb=e).fit(data).score(query)[FARGO]
              for e in (1.0, 3.0)]
    assert abs(base) < 1e-6 and 0 < lifted[0] < lifted[1]
    no_vectors = make_source("cease", lam=1.0, side=0.0, emb=3.0).fit(plain).score(query)
    np.testing.assert_allclose(no_vectors[FARGO], base, atol=1e-6)
    assert make_source("cease", emb=3.0).uses_item_vectors
    assert not make_source("cease").uses_item_vectors


def test_embedding_gram_is_positive_semidefinite():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    gram = embedding_gram(vectors, 2.0)
    np.testing.assert_allclose(gram, gram.T, atol=1e-6)
    assert np.linalg.eigvalsh(gram.astype(np.float64)).min() > -1e-5
    np.testing.assert_allclose(np.diag(gram), 2.0, rtol=1e-5)
