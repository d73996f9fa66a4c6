"""Cold start: quality-aware popularity within the asked genre, personalised sources ramping in
with evidence (a named title is full evidence, one 👍 is little), and wish words that count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_rank_quality import FAST, _engine

from chatrec.candidates import CF_SOURCES, training_data
from chatrec.candidates.base import Query
from chatrec.dialogue.query import Ranker, WishWords, profile_vector
from chatrec.dialogue.seeds import SEEDS
from chatrec.dialogue.state import Preferences
from chatrec.domain.catalog import CatalogInfo, Dataset, build_catalog
from chatrec.domain.vocabulary import Vocabulary
from chatrec.profile.events import item_event
from chatrec.profile.replay import UserProfile, replay
from chatrec.rank.engine import FULL_EVIDENCE, EngineConfig, build_engine

HEAT, FARGO, SUSPECTS, TOY_STORY = range(4)
LION_KING, SLEEPLESS = 10, 11
CRIME = {1, 2, 7, 8, 9}  # Fargo, The Usual Suspects, The Godfather, Reservoir Dogs, Pulp Fiction

# Per catalog: the asked genre, the other genre, and the item noun.
CATALOGS = {"movies": ("Drama", "Comedy", "movie"), "books": ("Science Fiction", "Romance", "book")}


def _quality_dataset(kind: str) -> Dataset:
    """Item 0, the asked genre's well loved one (30 x 5); item 1, its more popular but middling
    one (40 x 3); items 2-6, the other genre, poorly rated so item 1 is not under the floor."""
    genre, other, noun = CATALOGS[kind]
    records = [{"item_id": f"{kind}{i}", "title": f"{kind.title()} {i}", "year": 1990 + i,
                "genres": [genre if i < 2 else other]} for i in range(7)]
    rows = [(u, 0, 5.0) for u in range(30)] + [(u, 1, 3.0) for u in range(40)]
    rows += [(u, i, 1.0 + 0.2 * i) for i in range(2, 7) for u in range(12)]
    frame = pd.DataFrame({"user": [f"u{u}" for u, _, _ in rows],
                          "item": [i for _, i, _ in rows],
                          "rating": np.array([r for _, _, r in rows], dtype=np.float32),
                          "timestamp": np.arange(len(rows), dtype=np.int64)})
    catalog = build_catalog(records, CatalogInfo(noun=noun))
    return Dataset(kind, catalog, frame, fingerprint=f"{kind}-quality")


@pytest.mark.parametrize("kind", sorted(CATALOGS))
def test_cold_ranking_prefers_the_well_rated_item_within_the_asked_genre(kind, fake_embedder
                                                                        ) -> None:
    dataset = _quality_dataset(kind)
    vectors = fake_embedder.encode(dataset.catalog.texts())
    data = training_data(dataset, item_vectors=vectors)
    query = Query(genres_in=frozenset({CATALOGS[kind][0]}))
    full = build_engine(data, EngineConfig(params=FAST)).recommend(query, 2)
    popular = build_engine(data, EngineConfig.variant("pop_filter")).recommend(query, 2)
    assert [r.item_index for r in full] == [0, 1]  # loved by 30 beats shrugged at by 40
    assert popular[0].item_index == 1  # plain popularity would have led with the middling one


def test_personalised_sources_ramp_in_with_evidence(tiny_dataset, fake_embedder) -> None:
    engine = _engine(tiny_dataset, fake_embedder)
    blend = engine.config.blend
    thumb = SEEDS.ratings["thumb"] / 5
    cold = engine.weights(Query())
    one_thumb = engine.weights(Query(history=np.array([HEAT]),
                                     history_ratings=np.array([SEEDS.ratings["thumb"]])))
    named = engine.weights(Query(history=np.array([HEAT]),
                                 history_ratings=np.array([SEEDS.ratings["stated"]])))
    assert not any(name in cold for name in CF_SOURCES)  # nothing to personalise on
    assert one_thumb["ease"] == pytest.approx(blend.ease * thumb / FULL_EVIDENCE)
    assert one_thumb["popularity"] == pytest.approx(
        max(blend.popularity, blend.cold_popularity * (1 - thumb)))
    assert named["ease"] == blend.ease and named["neural"] == blend.neural  # full evidence
    assert named["popularity"] == blend.popularity
    assert cold["quality"] > one_thumb["quality"] > named["quality"] > 0
    assert engine.mmr_lambda(Query()) == blend.cold_mmr_lambda
    assert engine.mmr_lambda(Query(history=np.array([HEAT]))) == blend.mmr_lambda


def test_a_named_title_outweighs_thumbs_on_another_cluster(tiny_dataset, fake_embedder) -> None:
    engine = _engine(tiny_dataset, fake_embedder)
    history = np.array([HEAT, TOY_STORY, LION_KING])  # crime named; two family picks thumbed

    def top(*ratings: float) -> list[int]:
        query = Query(history=history, history_ratings=np.array(ratings, dtype=np.float32))
        return [r.item_index for r in engine.recommend(query, 3)]

    stated, thumb = SEEDS.ratings["stated"], SEEDS.ratings["thumb"]
    assert SLEEPLESS in top(stated, stated, stated)  # all named: the family cluster shows
    assert SLEEPLESS not in top(stated, thumb, thumb)  # the named crime title leads
    assert set(top(stated, thumb, thumb)) & CRIME


@pytest.mark.parametrize(("wish", "kept"), [
    ("kids", ""), ("romantic", ""), ("got any good comedies?", ""),
    ("something with a twist", "something with a twist"),
    # what "preferably 90s", "make it a 1990s movie", "not quite, anything else?" leave
    ("preferably", ""), ("ideally", ""), ("make", ""), ("quite", ""), ("different", ""),
])
def test_only_informative_wishes_reach_the_keyword_source(tiny_dataset, fake_embedder, wish,
                                                          kept) -> None:
    engine = _engine(tiny_dataset, fake_embedder)
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    ranker = Ranker(engine, fake_embedder, vectors, Vocabulary.from_dataset(tiny_dataset))
    query = ranker.query(UserProfile(), Preferences(wish=wish))
    assert query.text == kept
    assert (query.text_vector is None) == (not kept)  # no embedding of filler to rank by
    assert WishWords(Vocabulary.from_dataset(tiny_dataset)).informative_words(wish) == (
        ["twist"] if kept else [])


def test_the_taste_vector_leans_to_the_named_title(tiny_dataset) -> None:
    catalog = tiny_dataset.catalog
    vectors = np.eye(len(catalog), dtype=np.float32)
    events = [item_event("like", catalog.item_ids[HEAT], catalog, source="stated"),
              item_event("like", catalog.item_ids[TOY_STORY], catalog, source="thumb"),
              item_event("like", catalog.item_ids[LION_KING], catalog, source="accepted")]
    vector = profile_vector(replay(events), vectors, catalog)
    assert vector[HEAT] > vector[TOY_STORY] > vector[LION_KING] > 0
