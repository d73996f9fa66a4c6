"""Reactions to the picks on screen, constraints with provenance and no dead ends (issue 12,
items 1-3), multi-turn through a real recommender on the tiny films AND books catalogs."""

from __future__ import annotations

import pytest
from conftest import make_books_dataset, make_tiny_dataset
from test_recommender import build

from chatrec.understand.parse import ParseContext, Parser
from chatrec.understand.reactions import Act

CATALOGS = {
    # name: (dataset factory, singular noun, a genre with items in it, a title as typed)
    "films": (make_tiny_dataset, "film", "comedy", "Heat"),
    "books": (make_books_dataset, "book", "fantasy", "Dune"),
}


@pytest.fixture(params=sorted(CATALOGS))
def chat(request, fake_embedder, tmp_path):
    factory, noun, genre, title = CATALOGS[request.param]
    dataset = factory()
    rec = build(dataset, fake_embedder, tmp_path / "reactions.db")
    return rec, noun, genre, title


def _stored(rec, user: str, start: int) -> dict[str, tuple[str, str]]:
    """item id -> (signal, source) of the item events stored since event ``start``."""
    return {e.item_id: (e.signal, e.source) for e in rec.store.events(user)[start:]
            if e.item_id}


def _after_picks(rec, noun: str):
    user = rec.new_user_id()
    turn = rec.respond(user, f"recommend me a {noun}")
    assert turn.recommendations
    return user, turn.recommendations


def test_not_seen_but_will_try_it_stores_an_accepted_like_for_that_pick(chat) -> None:
    rec, noun, _, _ = chat
    user, picks = _after_picks(rec, noun)
    start = len(rec.store.events(user))
    turn = rec.respond(user, "haven't seen it, I'll check it out")
    assert turn.intent == "feedback_ref"
    assert _stored(rec, user, start) == {picks[0].item_id: ("like", "accepted")}


def test_not_seen_alone_is_never_negative(chat) -> None:
    rec, noun, _, _ = chat
    user, picks = _after_picks(rec, noun)
    start = len(rec.store.events(user))
    rec.respond(user, "never seen the second one")
    assert picks[1].item_id not in _stored(rec, user, start)
    assert rec.profile(user)["disliked"] == []


@pytest.mark.parametrize("text", ["the first one didn't do much for me", "I'll pass on #1",
                                  "#1 is not really my kind of thing", "not a big fan of #1"])
def test_soft_rejections_store_a_dislike(chat, text) -> None:
    rec, noun, _, _ = chat
    user, picks = _after_picks(rec, noun)
    start = len(rec.store.events(user))
    rec.respond(user, text)
    assert _stored(rec, user, start)[picks[0].item_id][0] == "dislike"


def test_accepting_a_pick_is_weaker_than_a_thumb_and_never_overrides_it(chat) -> None:
    rec, noun, _, _ = chat
    user, picks = _after_picks(rec, noun)
    rec.feedback(user, picks[1].item_id, True)
    start = len(rec.store.events(user))
    rec.respond(user, "the second one sounds good")
    assert _stored(rec, user, start) == {}  # the thumb stays the stronger mark
    rec.respond(user, "ok I like that suggestion")
    signals = rec.store.events(user)[start:]
    assert any(e.source == "accepted" and e.signal == "like" for e in signals)


def test_seen_it_stores_no_verdict_and_seen_loved_it_does(chat) -> None:
    rec, noun, _, _ = chat
    user, picks = _after_picks(rec, noun)
    start = len(rec.store.events(user))
    rec.respond(user, "seen the first one already")
    assert _stored(rec, user, start) == {}
    rec.respond(user, "seen the last one, loved it")
    last = rec.conversation(user)  # the last message's picks replaced the list: check store
    assert any(e.signal == "like" and e.source == "stated" for e in rec.store.events(user)[start:])
    assert last.shown


def test_more_like_this_one_is_its_own_act(chat) -> None:
    rec, noun, _, _ = chat
    user, _ = _after_picks(rec, noun)
    assert rec.respond(user, "more like the first one").intent == "more_like"


def test_a_shown_pick_named_in_lower_case_with_a_typo_gets_the_reaction(fake_embedder) -> None:
    catalog = make_tiny_dataset().catalog
    parser = Parser.from_catalog(catalog, fake_embedder)
    shown = (catalog.index_of("3"), catalog.index_of("10"))  # Usual Suspects, Pulp Fiction
    parsed = parser.parse("pulp fictoin, watched it, great fun", ParseContext.on_screen(shown))
    assert [(r.act, r.item) for r in parsed.reactions] == [(Act.SEEN_LIKED, shown[1])]


def test_a_shown_pick_named_by_nickname_or_a_rare_short_word_gets_the_reaction(
        fake_embedder) -> None:
    from chatrec.domain.catalog import CatalogInfo, build_catalog
    catalog = build_catalog([
        {"item_id": "1", "title": "Die Hard", "year": 1988, "genres": ["Action"]},
        {"item_id": "2", "title": "Terminator 2: Judgment Day", "year": 1991,
         "genres": ["Action"]},
        {"item_id": "3", "title": "Forrest Gump", "year": 1994, "genres": ["Drama"]},
        {"item_id": "4", "title": "Heat", "year": 1995, "genres": ["Action"]}],
        CatalogInfo(noun="movie"))
    parser = Parser.from_catalog(catalog, fake_embedder)
    shown = (0, 1, 2, 3)
    parsed = parser.parse("t2 is the best, seen it a million times",
                          ParseContext.on_screen(shown))
    assert [(r.act, r.item) for r in parsed.reactions] == [(Act.SEEN_LIKED, 1)]
    parsed = parser.parse("gump seen, die hard too", ParseContext.on_screen(shown))
    assert {(r.act, r.item) for r in parsed.reactions} == {(Act.SEEN, 2), (Act.SEEN, 0)}


def test_reaction_phrases_use_the_catalogs_verbs(fake_embedder) -> None:
    catalog = make_books_dataset().catalog
    parser = Parser.from_catalog(catalog, fake_embedder)
    shown = (catalog.index_of("b1"),)
    parsed = parser.parse("haven't read it yet", ParseContext.on_screen(shown))
    assert [r.act for r in parsed.reactions] == [Act.NOT_SEEN]


# -- constraints: provenance, relaxation, coverage ---------------------------------------------
def test_a_year_next_to_a_title_never_becomes_a_filter(chat) -> None:
    rec, _, _, title = chat
    user = rec.new_user_id()
    year = int(rec.catalog.years[next(i for i in range(len(rec.catalog))
                                      if rec.catalog.titles[i] == title)])
    for text in (f"I loved {title} ({year})", f"the {year} {title} was great",
                 f"{title.lower()} from {year} was great"):
        turn = rec.respond(user, text)
        prefs = rec.conversation(user).preferences
        assert (prefs.year_min, prefs.year_max) == (None, None), text
        assert turn.recommendations, text


def test_an_age_or_a_viewing_date_is_no_era(chat) -> None:
    rec, noun, _, _ = chat
    user = rec.new_user_id()
    rec.respond(user, f"back when I was 20 I loved every {noun}")
    rec.respond(user, f"a {noun} like the one I saw in 1989 please")
    prefs = rec.conversation(user).preferences
    assert (prefs.year_min, prefs.year_max) == (None, None)


def test_after_an_era_outside_the_catalog_a_genre_request_still_gets_picks(chat) -> None:
    rec, noun, genre, _ = chat
    user = rec.new_user_id()
    first = rec.respond(user, f"a {noun} from the 1600s")
    assert first.recommendations and "1600s" in first.text
    assert "starts in" in first.text  # it says what the catalog covers
    turn = rec.respond(user, f"recommend a {genre}")
    wanted = {g.lower() for r in turn.recommendations for g in r.genres}
    assert turn.recommendations and genre in " ".join(wanted)
    assert "1600s" in turn.text  # the reply says why the era was not kept


def test_last_year_on_an_older_catalog_says_where_it_ends(chat) -> None:
    rec, noun, _, _ = chat
    user = rec.new_user_id()
    turn = rec.respond(user, f"the best {noun}s from last year")
    last = int(max(rec.catalog.years))
    assert turn.recommendations and f"ends in {last}" in turn.text


def test_an_era_without_that_genre_moves_to_the_closest_and_says_so(tiny_dataset,
                                                                     fake_embedder,
                                                                     tmp_path) -> None:
    rec = build(tiny_dataset, fake_embedder, tmp_path / "relax.db")
    user = rec.new_user_id()
    turn = rec.respond(user, "an animated film from the 1970s")  # tiny: animation is 1994-95
    assert turn.recommendations
    assert "Nothing from the 1970s" in turn.text
    assert all("Animation" in r.genres for r in turn.recommendations[:1])


# -- cautious titles ------------------------------------------------------------------------
TYPOS = {"films": ("toy stroy was great", "4"), "books": ("gone gril was great", "b4")}


def test_a_low_confidence_title_asks_first_and_yes_stores_it(chat) -> None:
    rec, _, _, _ = chat
    text, item = TYPOS["films" if rec.catalog.info.noun == "movie" else "books"]
    user = rec.new_user_id()
    turn = rec.respond(user, text)
    assert turn.text.startswith("Do you mean") and not turn.recommendations
    assert rec.profile(user)["liked"] == []  # never stored silently
    turn = rec.respond(user, "yes")
    assert rec.catalog.label(rec.catalog.index_of(item)) in rec.profile(user)["liked"]
    assert turn.recommendations


def test_a_low_confidence_title_answered_no_stores_nothing(chat) -> None:
    rec, _, _, _ = chat
    text, _ = TYPOS["films" if rec.catalog.info.noun == "movie" else "books"]
    user = rec.new_user_id()
    rec.respond(user, text)
    turn = rec.respond(user, "no")
    assert rec.profile(user)["liked"] == [] and "leave that one out" in turn.text


def test_a_bare_verdict_on_an_unknown_title_is_no_verdict_on_the_first_pick(chat) -> None:
    rec, noun, _, _ = chat
    user, picks = _after_picks(rec, noun)
    start = len(rec.store.events(user))
    rec.respond(user, "zorblax quintent was great")
    assert picks[0].item_id not in _stored(rec, user, start)


@pytest.mark.parametrize("text", ["thanks for asking, im good", "superhero films please",
                                  "i am a big fan of thrillers"])
def test_ordinary_phrases_are_not_titles(fake_embedder, text) -> None:
    from chatrec.domain.catalog import build_catalog
    records = [{"item_id": str(i), "title": t, "year": 2000 + i, "genres": ["Comedy"]}
               for i, t in enumerate(["Thank You for Smoking", "Superhero Movie", "Big Fan",
                                      "Heat"])]
    parser = Parser.from_catalog(build_catalog(records), fake_embedder)
    parsed = parser.parse(text)
    assert parsed.delta.liked == () and parsed.delta.disliked == () and not parsed.targets


def test_a_title_seen_without_a_verdict_is_excluded_but_not_judged(chat) -> None:
    rec, _, _, title = chat
    user = rec.new_user_id()
    index = next(i for i in range(len(rec.catalog)) if rec.catalog.titles[i] == title)
    genre = rec.catalog.genres[index][0].lower()
    turn = rec.respond(user, f"I've seen {title} already. any {genre}?")
    assert rec.catalog.item_ids[index] not in {r.item_id for r in turn.recommendations}
    profile = rec.profile(user)
    assert profile["liked"] == [] and profile["disliked"] == []


@pytest.mark.parametrize(("factory", "ids", "text"), [
    (make_tiny_dataset, ("2", "1"), "fargo was brilliant, heat I haven't seen"),
    (make_books_dataset, ("b1", "b6"), "dune was brilliant, rebecca I haven't read"),
])
def test_picks_named_in_different_clauses_get_their_own_acts(fake_embedder, factory, ids,
                                                             text) -> None:
    catalog = factory().catalog
    parser = Parser.from_catalog(catalog, fake_embedder)
    shown = tuple(catalog.index_of(i) for i in ids)
    parsed = parser.parse(text, ParseContext.on_screen(shown))
    assert {(r.item, r.act) for r in parsed.reactions} == {(shown[0], Act.SEEN_LIKED),
                                                           (shown[1], Act.NOT_SEEN)}


@pytest.mark.parametrize("factory", [make_tiny_dataset, make_books_dataset])
def test_whos_typed_without_an_apostrophe_opens_a_question(fake_embedder, factory) -> None:
    parser = Parser.from_catalog(factory().catalog, fake_embedder)
    assert parser.acts.is_question("whos the author of that one")
    assert parser.acts.is_question("who's in it")
    assert not parser.acts.is_question("wholesome stuff please")


@pytest.mark.parametrize("factory", [make_tiny_dataset, make_books_dataset])
def test_dropping_a_constraint_reacts_to_no_pick(fake_embedder, factory) -> None:
    parser = Parser.from_catalog(factory().catalog, fake_embedder)
    shown = ParseContext.on_screen([0, 1, 2, 3])
    parsed = parser.parse("any decade is fine", shown)  # "is fine" drops the era here
    assert parsed.intent == "refine" and parsed.reactions == ()
    parsed = parser.parse("#2 sounds good, any era is fine", shown)  # a pick named still reacts
    assert [(r.index, r.act) for r in parsed.reactions] == [(1, Act.ACCEPT)]
    parsed = parser.parse("only one please", shown)  # a count: no pick accepted
    assert parsed.reactions == ()
