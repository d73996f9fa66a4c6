"""ChatRecommender end to end on the tiny catalog: multi-turn state, feedback, persistence."""

from __future__ import annotations

import pytest

from chatrec.app.recommender import ChatRecommender
from chatrec.app.settings import Settings


def build(tiny_dataset, fake_embedder, db_path, **overrides) -> ChatRecommender:
    """A recommender on the tiny catalog; the store is SQLite at ``db_path`` unless ``db_url``
    is among the overrides."""
    overrides.setdefault("db_url", f"sqlite:///{db_path}")
    settings = Settings(data="tiny", lm="none", embedder="hashing",
                        cache_dir=str(db_path.parent / "cache"), k_shown=3, **overrides)
    vectors = fake_embedder.encode(tiny_dataset.catalog.texts())
    return ChatRecommender.from_settings(settings, dataset=tiny_dataset, embedder=fake_embedder,
                                         language_model=None, item_vectors=vectors)


@pytest.fixture
def rec(tiny_dataset, fake_embedder, tmp_path) -> ChatRecommender:
    return build(tiny_dataset, fake_embedder, tmp_path / "chat.db")


def genres_of(rec, turn) -> list[set[str]]:
    return [set(r.genres) for r in turn.recommendations]


def test_constraint_from_turn_one_still_holds_in_turn_three(rec) -> None:
    user = rec.new_user_id()
    first = rec.respond(user, "something with no horror please")
    assert first.recommendations
    rec.respond(user, "I loved Heat")
    third = rec.respond(user, "show me more")
    assert third.recommendations
    assert all("Horror" not in g for g in genres_of(rec, first) + genres_of(rec, third))
    assert "Horror" in rec.profile(user)["genres_excluded"]


def test_the_user_can_lift_a_constraint(rec) -> None:
    user = rec.new_user_id()
    rec.respond(user, "no horror")
    rec.respond(user, "actually horror is fine")
    assert "Horror" not in rec.profile(user)["genres_excluded"]


def test_the_second_one_resolves_to_the_second_item_shown(rec) -> None:
    user = rec.new_user_id()
    shown = rec.respond(user, "recommend me a crime movie").recommendations
    second = shown[1]
    turn = rec.respond(user, "I liked the second one")
    assert turn.intent == "feedback_ref"
    assert rec.catalog.label(rec.catalog.index_of(second.item_id)) in rec.profile(user)["liked"]


def test_dislike_removes_item_for_good_and_like_changes_the_picks(rec) -> None:
    user = rec.new_user_id()
    first = rec.respond(user, "recommend something")
    disliked = first.recommendations[0].item_id
    rec.feedback(user, disliked, liked=False)
    rec.feedback(user, first.recommendations[1].item_id, liked=True)
    later = [rec.respond(user, "more please") for _ in range(3)]
    assert all(disliked not in {r.item_id for r in t.recommendations} for t in later)
    before = {r.item_id for r in first.recommendations}
    assert {r.item_id for r in later[0].recommendations} != before


def test_thumb_twice_toggles_it_off(rec) -> None:
    user = rec.new_user_id()
    rec.feedback(user, "2", liked=True)
    assert rec.profile(user)["liked"]
    rec.feedback(user, "2", liked=True)
    assert not rec.profile(user)["liked"]


def test_feedback_survives_a_restart(tiny_dataset, fake_embedder, tmp_path) -> None:
    first = build(tiny_dataset, fake_embedder, tmp_path / "db.sqlite")
    user = first.new_user_id()
    first.feedback(user, "2", liked=True)
    first.respond(user, "no horror")
    again = build(tiny_dataset, fake_embedder, tmp_path / "db.sqlite")
    profile = again.profile(user)
    assert any("Fargo" in t for t in profile["liked"]) and "Horror" in profile["genres_excluded"]
    # A returning user's constraints are restored with the conversation.
    turn = again.respond(user, "show me something")
    assert all("Horror" not in g for g in genres_of(again, turn))


def test_forget_me_empties_the_profile(rec) -> None:
    user = rec.new_user_id()
    rec.respond(user, "I loved Fargo, no horror")
    assert rec.respond(user, "forget me").intent == "forget"
    profile = rec.profile(user)
    assert not profile["liked"] and not profile["genres_excluded"]
    assert rec.store.events(user) == []


def test_users_are_isolated(rec) -> None:
    alice, bob = rec.new_user_id(), rec.new_user_id()
    rec.respond(alice, "I loved Fargo")
    assert rec.profile(bob)["liked"] == []
    with pytest.raises(ValueError):
        rec.profile("../../etc/passwd")


def test_why_names_real_evidence(rec) -> None:
    user = rec.new_user_id()
    rec.respond(user, "I loved Heat")
    turn = rec.respond(user, "recommend something")
    top = turn.recommendations[0]
    answer = rec.respond(user, "why #1?")
    assert answer.intent == "why" and answer.explanation
    assert rec.explain(user, top.item_id) in answer.explanation


def test_why_not_a_filtered_title(rec) -> None:
    user = rec.new_user_id()
    rec.respond(user, "no horror")
    answer = rec.respond(user, "why not Scream?")
    assert "Horror" in answer.explanation and "no horror" in answer.explanation


def test_bad_input_gets_a_clear_message(rec) -> None:
    user = rec.new_user_id()
    assert "type a message" in rec.respond(user, "   ").text
    assert "2,000" in rec.respond(user, "x" * 2500).text
    assert "haven't recommended" in rec.respond(user, "I liked the second one").text


def test_import_history_reports_unmatched(rec, tmp_path) -> None:
    user = rec.new_user_id()
    report = rec.import_history(user, [("2", 5), ("3", 4.5), ("999", 4)])
    assert len(report.matched) == 2 and report.unmatched[0][1] == "999"
    assert "1 row(s) matched nothing" in report.message
    csv = tmp_path / "ratings.csv"
    csv.write_text("Name,Year,Rating\nThe Godfather,1972,5\nNo Such Film,2001,4\n")
    report = rec.import_history(user, str(csv))
    assert len(report.matched) == 1 and "No Such Film" in report.message


def test_user_text_is_escaped_in_replies(rec) -> None:
    user = rec.new_user_id()
    turn = rec.respond(user, "something <script>alert(1)</script> dark")
    assert "<script>" not in turn.text


def test_forget_from_a_classifier_guess_asks_instead_of_deleting(rec) -> None:
    from chatrec.understand.message import ParsedMessage

    user = rec.new_user_id()
    rec.respond(user, "I loved Fargo")
    guess = ParsedMessage(text="keep going", intent="forget", intent_score=0.62)
    turns = list(rec.respond_to(user, guess))
    assert "forget me" in turns[-1].text
    assert rec.profile(user)["liked"]  # nothing was deleted


def test_genre_weights_skip_the_genres_the_user_asked_for(rec) -> None:
    import dataclasses

    user = rec.new_user_id()
    rec.respond(user, "a crime movie please")
    conv = rec.conversation(user)
    profile = rec.store.load_profile(user)
    raw = [r.item_index for r in rec.ranker.rank(rec.ranker.query(profile, conv.preferences), 3)]
    lowered = dataclasses.replace(profile, genre_weights={"Crime": 0.0})
    query = rec.ranker.query(lowered, conv.preferences)
    assert [r.item_index for r in rec.ranker.rank(query, 3)] == raw
    other = dataclasses.replace(profile, genre_weights={"Thriller": 0.0})
    ranked = rec.ranker.rank(rec.ranker.query(other, conv.preferences), 3)
    thrillers = [r for r in ranked if "Thriller" in rec.catalog.genres[r.item_index]]
    if thrillers and len(thrillers) < len(ranked):  # demoted below the non-thrillers
        assert "Thriller" in rec.catalog.genres[ranked[-1].item_index]


def test_every_final_turn_reports_stage_timings(rec) -> None:
    user = rec.new_user_id()
    turn = rec.respond(user, "a crime movie please")
    assert {"nlu", "candidates", "rerank", "explain", "store", "total"} <= set(turn.timings)
    assert turn.timings["total"] >= turn.timings["candidates"] > 0


def test_a_wish_of_only_genre_words_adds_no_semantic_noise() -> None:
    from chatrec.dialogue.query import WishWords
    from chatrec.domain.catalog import CatalogInfo, build_catalog
    from chatrec.domain.vocabulary import Vocabulary

    # Genre words only count as such where the catalog has the genre: here Western and Comedy.
    catalog = build_catalog([{"item_id": 1, "title": "Shane", "genres": ["Western", "Comedy"]}],
                            CatalogInfo(noun="movie"))
    informative = WishWords(Vocabulary.from_catalog(catalog)).informative

    assert not informative("westerns") and not informative("a comedy tonight")
    assert informative("dark and mind-bending") and informative("a slow-burn mystery")
