"""Feedback rules, replay and the profile's views (query parts, taste vector, summary)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chatrec.dialogue.compose import profile_summary as summary
from chatrec.dialogue.query import profile_vector, to_query_parts
from chatrec.explain.words import era_label
from chatrec.profile.events import (
    FeedbackEvent,
    constraints_event,
    import_events,
    item_event,
    shown_event,
)
from chatrec.profile.replay import UserProfile, apply_event, replay, thumb_event


@pytest.fixture
def catalog(tiny_dataset):
    return tiny_dataset.catalog


def test_like_then_dislike_moves_the_item(catalog):
    profile = replay([item_event("like", "1", catalog), item_event("dislike", "1", catalog)])
    assert "1" not in profile.liked
    assert profile.disliked["1"].source == "thumb"


def test_latest_explicit_statement_wins(catalog):
    events = [item_event("dislike", "2", catalog),
              item_event("like", "2", catalog, source="stated")]
    profile = replay(events)
    assert profile.liked["2"].source == "stated" and "2" not in profile.disliked
    profile = apply_event(profile, item_event("dislike", "2", catalog))
    assert "2" in profile.disliked and "2" not in profile.liked


def test_import_never_overrides_an_explicit_mark(catalog):
    profile = replay([item_event("dislike", "1", catalog),
                      *import_events([(catalog.index_of("1"), 5.0)], catalog)])
    assert "1" in profile.disliked and "1" not in profile.liked


def test_import_low_ratings_become_dislikes(catalog):
    profile = replay(import_events([(0, 4.5), (1, 1.5)], catalog))
    assert profile.liked["1"].rating == 4.5 and profile.liked["1"].source == "import"
    assert profile.disliked["2"].rating == 1.5


def test_thumb_event_toggles_off_the_same_thumb(catalog):
    profile = UserProfile()
    first = thumb_event(profile, "1", True, catalog)
    assert first.signal == "like"
    profile = apply_event(profile, first)
    second = thumb_event(profile, "1", True, catalog)
    assert second.signal == "clear"
    profile = apply_event(profile, second)
    assert not profile.liked and not profile.disliked
    # The other thumb is not a toggle: 👎 on a liked item dislikes it.
    liked = apply_event(UserProfile(), first)
    assert thumb_event(liked, "1", False, catalog).signal == "dislike"


def test_genre_weights_drop_per_dislike_beyond_the_first_and_undo_restores(catalog):
    # Heat: Action, Crime, Thriller; Fargo: Crime, Drama, Thriller; Reservoir Dogs: Crime, Thriller
    events = [item_event("dislike", "1", catalog), item_event("dislike", "2", catalog)]
    profile = replay(events)
    assert profile.genre_weights == {"Crime": 0.75, "Thriller": 0.75}
    profile = apply_event(profile, item_event("like", "9", catalog))
    assert profile.genre_weights == {"Crime": 0.85, "Thriller": 0.85}
    profile = apply_event(profile, FeedbackEvent("clear", "2"))
    # One dislike left in Action/Crime/Thriller no longer counts against them.
    assert profile.genre_weights == {"Crime": 1.1, "Thriller": 1.1}


def test_genre_weight_is_floored_and_imports_do_not_move_it(catalog):
    crime = [i for i in catalog.item_ids if "Crime" in catalog.genres[catalog.index_of(i)]]
    profile = replay([item_event("dislike", i, catalog) for i in crime])
    assert len(crime) == 6 and profile.genre_weights["Crime"] == 0.0
    imported = replay(import_events([(catalog.index_of(i), 5.0) for i in crime], catalog))
    assert imported.genre_weights == {}


def test_shown_keeps_first_seen_order_without_duplicates():
    profile = replay([shown_event(["3", "1"]), shown_event(["1", "5"])])
    assert profile.shown == ["3", "1", "5"]


def test_constraints_replace_the_previous_snapshot():
    profile = replay([constraints_event({"genres_in": ["Crime"]}),
                      constraints_event({"year_min": 1990})])
    assert profile.constraints == {"year_min": 1990}


def test_apply_event_does_not_mutate_its_input(catalog):
    before = UserProfile()
    after = apply_event(before, item_event("like", "1", catalog))
    assert before.liked == {} and before.event_count == 0 and after.event_count == 1


def test_json_round_trip_and_replay_counts(catalog):
    events = [FeedbackEvent(e.signal, e.item_id, e.source, e.payload, e.created_at, id=n)
              for n, e in enumerate([item_event("like", "1", catalog),
                                     item_event("dislike", "5", catalog),
                                     shown_event(["4"]), constraints_event({"text": "tense"})],
                                    start=10)]
    profile = replay(events)
    assert (profile.event_count, profile.last_event_id) == (4, 13)
    assert UserProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


def test_event_validation_rejects_garbage():
    with pytest.raises(ValueError, match="signal"):
        FeedbackEvent("love", "1")
    with pytest.raises(ValueError, match="item_id"):
        FeedbackEvent("like")
    with pytest.raises(ValueError, match="payload"):
        FeedbackEvent("shown", source="system")


def test_to_query_parts(catalog):
    events = [item_event("like", "1", catalog, source="stated"),
              *import_events([(catalog.index_of("9"), 4.0)], catalog),
              item_event("dislike", "7", catalog), shown_event(["4", "1"]),
              FeedbackEvent("like", "not-in-catalog", "stated")]
    parts = to_query_parts(replay(events), catalog)
    idx = catalog.index_of
    assert parts.history.tolist() == [idx("1"), idx("9")]
    assert parts.history_ratings.tolist() == [5.0, 4.0]
    assert parts.disliked.tolist() == [idx("7")]
    assert parts.exclude.tolist() == sorted([idx("1"), idx("9"), idx("7"), idx("4")])


def test_seed_weight_by_source_stated_over_thumb_over_accepted(catalog):
    events = [item_event("like", "1", catalog, source="stated"), item_event("like", "2", catalog),
              item_event("like", "3", catalog, source="accepted")]
    stated, thumb, accepted = to_query_parts(replay(events), catalog).history_ratings.tolist()
    assert stated == 5.0 and stated > thumb > accepted > 0


def test_profile_vector_is_rocchio(catalog):
    vectors = np.eye(len(catalog), dtype=np.float32)
    assert profile_vector(UserProfile(), vectors, catalog) is None
    profile = replay([item_event("like", "1", catalog), item_event("like", "2", catalog),
                      item_event("dislike", "5", catalog)])
    vec = profile_vector(profile, vectors, catalog, beta=1.0, gamma=0.5)
    expected = np.zeros(len(catalog))
    expected[[0, 1]], expected[4] = 0.5, -0.5
    np.testing.assert_allclose(vec, expected / np.linalg.norm(expected), atol=1e-6)
    wish = np.zeros(len(catalog))
    wish[3] = 2.0
    only_wish = profile_vector(UserProfile(), vectors, catalog, wish_vector=wish)
    np.testing.assert_allclose(only_wish, np.eye(len(catalog))[3], atol=1e-6)


def test_summary_reports_beliefs(catalog):
    events = [item_event("like", "1", catalog), item_event("like", "2", catalog),
              item_event("dislike", "7", catalog),
              *import_events([(catalog.index_of("9"), 4.0)], catalog),
              constraints_event({"genres_in": ["Crime"], "genres_out": ["Horror"],
                                 "year_min": 1990, "year_max": 1999, "text": "dark"})]
    info = summary(replay(events), catalog)
    assert info["liked"] == ["Fargo (1996)", "Heat (1995)"]
    assert info["disliked"] == ["Scream (1996)"]
    assert (info["imported_liked"], info["imported_disliked"]) == (1, 0)
    assert info["genres_wanted"] == ["Crime"] and info["genres_excluded"] == ["Horror"]
    assert info["era"] == "1990s" and info["wish"] == "dark"
    assert info["genre_weights"]["Crime"] == pytest.approx(1.2)


def test_a_single_genre_string_is_one_genre(catalog):
    info = summary(replay([constraints_event({"genres_out": "Sci-Fi"})]), catalog)
    assert info["genres_excluded"] == ["Sci-Fi"]


@pytest.mark.parametrize(("lo", "hi", "text"), [
    (1990, 1999, "1990s"), (1980, 1995, "1980–1995"), (1990, None, "from 1990"),
    (None, 2000, "up to 2000"), (None, None, None), (1995, 1995, "1995")])
def test_era_label(lo, hi, text):
    assert era_label(lo, hi) == text


def test_dislikes_alone_give_no_taste_direction(tiny_dataset) -> None:
    import numpy as np


    catalog = tiny_dataset.catalog
    vectors = np.eye(len(catalog), dtype=np.float32)
    only_dislikes = replay([item_event("dislike", "5", catalog)], UserProfile())
    assert profile_vector(only_dislikes, vectors, catalog) is None
    with_like = replay([item_event("like", "1", catalog)], only_dislikes)
    vector = profile_vector(with_like, vectors, catalog)
    assert vector is not None and vector[catalog.index_of("1")] > 0 > vector[catalog.index_of("5")]


def test_accepted_picks_are_listed_apart_from_stated_likes(catalog):
    # "haven't seen it, I'll check it out" stores a light like: its owner must see it stored,
    # but not as something they said they loved.
    from chatrec.dialogue.compose import profile_markdown
    from chatrec.reply.templates import Phrasebook

    profile = replay([item_event("like", "1", catalog, source="stated"),
                      item_event("like", "2", catalog, source="accepted")])
    view = summary(profile, catalog)
    assert view["liked"] == [catalog.label(catalog.index_of("1"))]
    assert view["accepted"] == [catalog.label(catalog.index_of("2"))]
    panel = profile_markdown(Phrasebook("movie", "movies"), view)
    assert "**Want to try:**" in panel and catalog.titles[catalog.index_of("2")] in panel
