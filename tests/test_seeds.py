"""The seed table (chatrec/dialogue/seeds.toml): a named title > a 👍 > an accepted pick, thumbs
capped once a title is named, "more like #2" stored as a named title, and the genre nudge from
thumbs applied by the engine before its diversity step; on the tiny films AND books catalogs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_books_dataset, make_tiny_dataset
from test_rank_quality import _engine
from test_recommender import build

from chatrec.candidates.base import Query
from chatrec.dialogue.query import to_query_parts
from chatrec.dialogue.seeds import SEEDS, SeedTable
from chatrec.profile.events import item_event
from chatrec.profile.replay import Mark, replay

CATALOGS = {"films": (make_tiny_dataset, "movie"), "books": (make_books_dataset, "book")}


@pytest.fixture(params=sorted(CATALOGS))
def side(request):
    factory, noun = CATALOGS[request.param]
    return factory(), noun


def _ratings(catalog, sources: list[str]) -> list[float]:
    """Seed ratings of likes of the catalog's first items, one per source, in that order."""
    events = [item_event("like", catalog.item_ids[n], catalog, source=s)
              for n, s in enumerate(sources)]
    return to_query_parts(replay(events), catalog).history_ratings.tolist()


def test_the_shipped_table_orders_named_over_thumb_over_accepted() -> None:
    table = SeedTable.read()
    assert table.ratings["stated"] > table.ratings["thumb"] > table.ratings["accepted"] > 0
    assert table.named == {"stated"} and table.weak == {"thumb", "accepted"}
    assert 0 < table.share < 1 and table.genre_effect > 0
    assert table.rating(Mark("import", 0.0, rating=3.5)) == 3.5  # imports keep their rating


def test_thumbs_keep_their_weight_until_a_title_is_named(side) -> None:
    catalog = side[0].catalog
    thumb, accepted = _ratings(catalog, ["thumb", "accepted"])
    assert (thumb, accepted) == pytest.approx((SEEDS.ratings["thumb"], SEEDS.ratings["accepted"]))


def test_once_a_title_is_named_thumbs_and_accepts_carry_a_small_share(side) -> None:
    catalog = side[0].catalog
    ratings = _ratings(catalog, ["thumb", "thumb", "stated", "accepted", "thumb"])
    named, weak = ratings[2], ratings[:2] + ratings[3:]
    assert named == SEEDS.ratings["stated"]
    assert sum(weak) == pytest.approx(SEEDS.share * named, rel=1e-5)
    assert ratings[0] > ratings[3] > 0  # a thumb still outweighs an accepted pick
    imported = [item_event("like", catalog.item_ids[n], catalog, source="import", rating=4.0)
                for n in range(3)]
    parts = to_query_parts(replay([*imported, item_event("like", catalog.item_ids[3], catalog,
                                                          source="thumb")]), catalog)
    assert parts.history_ratings[-1] == pytest.approx(SEEDS.ratings["thumb"])  # imports name none


@pytest.mark.parametrize("text", ["more like #2", "more like the second one"])
def test_more_like_a_pick_on_screen_stores_it_as_a_named_title(side, fake_embedder, tmp_path,
                                                                text) -> None:
    dataset, noun = side
    rec = build(dataset, fake_embedder, tmp_path / "seeds.db")
    user = rec.new_user_id()
    picks = rec.respond(user, f"recommend me a {noun}").recommendations
    turn = rec.respond(user, text)
    assert turn.intent == "more_like"
    liked = rec.store.load_profile(user).liked
    assert liked[picks[1].item_id].source == "stated"


def test_the_genre_nudge_leaves_out_the_asked_genres() -> None:
    shift = SEEDS.genre_shift({"Crime": 0.5, "Drama": 1.0, "Comedy": 1.2}, frozenset({"Comedy"}))
    assert shift == {"Crime": pytest.approx(SEEDS.genre_effect * -0.5)}


def test_the_engine_demotes_a_thumbed_down_genre_before_diversity(side, fake_embedder) -> None:
    dataset = side[0]
    engine, catalog = _engine(dataset, fake_embedder), dataset.catalog
    k = 4
    plain = engine.recommend(Query(), k)
    genre = catalog.genres[plain[0].item_index][0]  # the top pick's genre
    nudged = engine.recommend(Query(genre_shift={genre: -10.0}), k)
    assert not any(genre in catalog.genres[r.item_index] for r in nudged)
    other = next(g for g in sorted(set().union(*catalog.genres))
                 if not any(g in catalog.genres[r.item_index] for r in plain))
    raised = engine.recommend(Query(genre_shift={other: 10.0}), k)
    having = int(np.sum([other in g for g in catalog.genres]))
    assert sum(other in catalog.genres[r.item_index] for r in raised) == min(k, having)
