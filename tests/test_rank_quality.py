"""Cold start by quality-aware popularity, all asked genres together, and the quality floor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import chatrec.rank.engine as engine_module
from chatrec.candidates import training_data
from chatrec.candidates.base import Query, TrainingData
from chatrec.candidates.quality import QualitySource, bayesian_average, user_weighted_counts
from chatrec.domain.catalog import Dataset, build_catalog
from chatrec.rank.engine import BlendConfig, EngineConfig, build_engine
from chatrec.rank.filters import poorly_rated

HEAT, FARGO, SUSPECTS, TOY_STORY, ALIEN, ALIENS, SCREAM, GODFATHER, DOGS = range(9)
FAST = {"neural": {"epochs": 5, "dim": 8}, "ease": {"lam": 1.0}}


def _engine(dataset, embedder, config: EngineConfig | None = None):
    vectors = embedder.encode(dataset.catalog.texts())
    config = config or EngineConfig(params=FAST)
    return build_engine(training_data(dataset, item_vectors=vectors), config)


def test_bayesian_average_shrinks_few_ratings_towards_the_mean() -> None:
    sums, counts = np.array([15.0, 200.0, 100.0]), np.array([3.0, 45.0, 50.0])
    average = bayesian_average(sums, counts, prior_count=10)
    assert average[1] > average[0] > average[2]  # 45 x ~4.4 beats 3 x 5; 50 x 2 is last


def test_quality_source_prefers_well_rated_over_merely_popular() -> None:
    # Item 0: 40 ratings of 2; item 1: 30 ratings of 5; item 2: 2 ratings of 5.
    rows = [(u, 0, 2.0) for u in range(40)] + [(u, 1, 5.0) for u in range(30)]
    rows += [(u, 2, 5.0) for u in range(2)]
    users, items, values = zip(*rows, strict=True)
    ratings = sp.csr_matrix((values, (users, items)), shape=(40, 3), dtype=np.float32)
    catalog = build_catalog([{"item_id": str(i), "title": f"t{i}"} for i in range(3)])
    scores = QualitySource().fit(TrainingData(catalog, ratings)).score(Query())
    assert scores[1] > scores[0] and scores[1] > scores[2]


def test_user_weighted_counts_give_each_rater_one_vote() -> None:
    # User 0 rated items 0-3, users 1 and 2 rated only item 1: plain counts 1, 3, 1, 1.
    rows = [(0, i) for i in range(4)] + [(1, 1), (2, 1)]
    users, items = zip(*rows, strict=True)
    ratings = sp.csr_matrix((np.full(len(rows), 4.0), (users, items)), shape=(3, 4))
    assert user_weighted_counts(ratings, 0.0) == pytest.approx([1, 3, 1, 1])
    reach = user_weighted_counts(ratings, 1.0)
    assert reach.sum() == pytest.approx(6.0)  # rescaled to the plain total
    assert reach == pytest.approx(np.array([0.25, 2.25, 0.25, 0.25]) * 6 / 3)


def test_quality_reach_discounts_one_heavy_rater() -> None:
    # Items 0 and 41 both have five 5-star ratings. Item 0's raters are one prolific user (who
    # rated items 0-40) and four others; item 41's are five users who rated only it. One vote
    # per rater: the item five people chose beats the one a single rater added to a long list.
    rows = [(0, i) for i in range(41)] + [(u, 0) for u in range(6, 10)]
    rows += [(u, 41) for u in range(1, 6)]
    users, items = zip(*rows, strict=True)
    ratings = sp.csr_matrix((np.full(len(rows), 5.0), (users, items)), shape=(10, 42))
    catalog = build_catalog([{"item_id": str(i), "title": f"t{i}"} for i in range(42)])
    data = TrainingData(catalog, ratings)
    plain = QualitySource(user_norm=0.0).fit(data).score(Query())
    voted = QualitySource().fit(data).score(Query())
    assert plain[0] == pytest.approx(plain[41])
    assert voted[41] > voted[0]


def test_cold_query_weights_quality_and_skips_mmr(tiny_dataset, fake_embedder) -> None:
    engine = _engine(tiny_dataset, fake_embedder)
    blend = engine.config.blend
    cold, warm = Query(), Query(history=np.array([HEAT, FARGO, SUSPECTS, DOGS]))
    assert engine.weights(cold)["quality"] == pytest.approx(blend.cold_quality)
    assert engine.weights(warm).get("quality", 0.0) < blend.cold_quality / 2  # faded
    assert engine.mmr_lambda(cold) == blend.cold_mmr_lambda == 1.0
    assert engine.mmr_lambda(warm) == blend.mmr_lambda


def test_several_genres_prefer_items_having_all(tiny_dataset, fake_embedder,
                                                monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "MIN_FULL_MATCHES", 3)
    engine = _engine(tiny_dataset, fake_embedder)
    catalog = tiny_dataset.catalog
    query = Query(genres_in=frozenset({"Crime", "Thriller"}))
    ranked = engine.recommend(query, k=10)
    assert {r.item_index for r in ranked} == {HEAT, FARGO, SUSPECTS, DOGS}
    assert all({"Crime", "Thriller"} <= set(catalog.genres[r.item_index]) for r in ranked)
    assert all(r.missing_genres == () for r in ranked)


def test_too_few_full_matches_fall_back_to_partial_and_say_so(tiny_dataset, fake_embedder,
                                                              monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "MIN_FULL_MATCHES", 3)
    engine = _engine(tiny_dataset, fake_embedder)
    query = Query(genres_in=frozenset({"Horror", "Sci-Fi"}))  # only Alien has both
    ranked = engine.recommend(query, k=10)
    assert ranked[0].item_index == ALIEN and ranked[0].missing_genres == ()
    rest = {r.item_index: r.missing_genres for r in ranked[1:]}
    assert rest == {ALIENS: ("Horror",), SCREAM: ("Sci-Fi",)}


def _floor_dataset() -> Dataset:
    """20 items rated by 12 users each: items 0-3 average 1.5★, item 4 has 2 ratings of 1★."""
    records = [{"item_id": str(i), "title": f"Film {i}", "genres": ["Drama"]} for i in range(20)]
    catalog = build_catalog(records)
    rows = []
    for item in range(20):
        raters = range(2) if item == 4 else range(12)
        for user in raters:
            rating = 1.0 if item == 4 else (1.0 + user % 2 if item < 4 else 3.5 + user % 3 * 0.5)
            rows.append((f"u{user}", item, rating))
    frame = pd.DataFrame({"user": [r[0] for r in rows], "item": [r[1] for r in rows],
                          "rating": np.array([r[2] for r in rows], dtype=np.float32),
                          "timestamp": np.arange(len(rows), dtype=np.int64)})
    return Dataset("floor", catalog, frame, "floor0001")


def test_quality_floor_hides_the_bottom_fifth(fake_embedder) -> None:
    dataset = _floor_dataset()
    data = training_data(dataset)
    poor = poorly_rated(data.ratings)
    assert set(np.flatnonzero(poor)) == {0, 1, 2, 3}  # item 4: too few ratings to tell
    for variant in ("full", "pop_filter"):
        config = EngineConfig.variant(variant)
        engine = _engine(dataset, fake_embedder,
                         EngineConfig(config.sources, FAST, config.blend, config.use_rerank))
        shown = {r.item_index for r in engine.recommend(Query(), k=20)}
        assert shown.isdisjoint({0, 1, 2, 3}) and 4 in shown
        lifted = {r.item_index for r in engine.recommend(Query(allow_poor=True), k=20)}
        assert {0, 1, 2, 3} <= lifted


def test_implicit_data_floors_nothing() -> None:
    ratings = sp.csr_matrix(np.ones((12, 5), dtype=np.float32))
    assert not poorly_rated(ratings).any()


def test_blend_config_knobs_are_read(tiny_dataset, fake_embedder) -> None:
    config = EngineConfig(params=FAST, blend=BlendConfig(cold_quality=0.0, cold_mmr_lambda=0.5))
    engine = _engine(tiny_dataset, fake_embedder, config)
    assert "quality" not in engine.weights(Query()) and engine.mmr_lambda(Query()) == 0.5


@pytest.mark.parametrize(("wish", "lifted"), [
    ("something so bad it's good", True), ("a SO BAD IT'S GOOD horror, please", True),
    ("a guilty pleasure", True), ("something good", False), ("bad boys", False), ("", False)])
def test_so_bad_its_good_lifts_the_floor(wish, lifted, tiny_dataset, fake_embedder,
                                         tmp_path) -> None:
    from chatrec.app.recommender import ChatRecommender
    from chatrec.app.settings import Settings
    from chatrec.dialogue.state import Preferences
    from chatrec.profile.replay import UserProfile

    settings = Settings(data="tiny", lm="none", embedder="hashing", db_url=f"sqlite:///"
                        f"{tmp_path / 'f.db'}", cache_dir=str(tmp_path / "cache"))
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    rec = ChatRecommender.from_settings(settings, dataset=tiny_dataset, embedder=fake_embedder,
                                        language_model=None, item_vectors=vectors)
    try:
        query = rec.ranker.query(UserProfile(), Preferences(wish=wish))
        assert query.allow_poor is lifted
    finally:
        rec.close()


def test_reply_says_when_picks_only_partly_match_the_asked_genres(
        tiny_dataset, fake_embedder, tmp_path, monkeypatch) -> None:
    from test_recommender import build

    monkeypatch.setattr(engine_module, "MIN_FULL_MATCHES", 3)
    rec = build(tiny_dataset, fake_embedder, tmp_path / "chat.db")
    turn = rec.respond("u1", "a horror sci-fi movie")
    assert turn.recommendations[0].title.startswith("Alien")
    assert "Few movies in my catalog are Horror and Sci-Fi all at once: only the first is" \
        in turn.text
    full = rec.respond("u2", "a crime thriller")  # enough items have both: nothing to say
    assert "all at once" not in full.text


def test_partial_genres_text_counts_complete_picks() -> None:
    from chatrec.dialogue.compose import partial_genres_text
    from chatrec.reply.templates import Phrasebook

    book = Phrasebook("book", "books")
    assert partial_genres_text(book, ("Fantasy",), [("Fantasy",)], "s") == ""  # one genre
    assert partial_genres_text(book, ("Fantasy", "Mystery"), [(), ()], "s") == ""
    assert "the first 2 are" in partial_genres_text(book, ("Fantasy", "Mystery"),
                                                    [(), (), ("Mystery",)], "s")
    assert partial_genres_text(book, ("Fantasy", "Mystery"), [("Mystery",)], "s").startswith(
        "No book in my catalog is Fantasy and Mystery")
