"""Issue 12 items 3-6 on both tiny catalogs (films and books): item questions answered from the
catalog, how many picks to show, goodbyes / thanks / off-topic redirects, dropping one
constraint and starting over without losing the profile. Parser cases first, then multi-turn
conversations through a real `ChatRecommender`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import TINY_MOVIES, make_books_dataset, make_tiny_dataset
from test_recommender import build

from chatrec.app.recommender import ChatRecommender
from chatrec.domain.catalog import CatalogInfo, Dataset, build_catalog
from chatrec.understand.message import Intent
from chatrec.understand.parse import ParseContext, Parser


@dataclass
class Side:
    """One catalog and the words to talk about it."""

    name: str
    dataset: Dataset
    nouns: str  # the plural the replies must use
    title: str  # a title as typed
    label: str  # its catalog label
    genre_words: str  # a genre request
    genre: str  # the catalog's name for it


SIDES = {
    "films": lambda: Side("films", make_tiny_dataset(), "movies", "heat", "Heat (1995)",
                          "a crime movie", "Crime"),
    "books": lambda: Side("books", make_books_dataset(), "books", "gone girl",
                          "Gone Girl (2012)", "some science fiction books", "Science Fiction"),
}


@pytest.fixture(params=sorted(SIDES))
def side(request) -> Side:
    return SIDES[request.param]()


@pytest.fixture
def parser(side, fake_embedder) -> Parser:
    return Parser.from_catalog(side.dataset.catalog, fake_embedder)


@pytest.fixture
def rec(side, fake_embedder, tmp_path) -> ChatRecommender:
    return build(side.dataset, fake_embedder, tmp_path / "acts.db")


def labels(parser: Parser, indices) -> list[str]:
    return [parser.titles.catalog.label(i) for i in indices]


# -- item questions ------------------------------------------------------------------------------
@pytest.mark.parametrize(("template", "kind"), [
    ("what is {t} about?", "about"), ("tell me about {t}", "about"), ("who is in {t}?", "cast"),
    ("is {t} very violent?", "content"), ("how old is {t}?", "age"),
    ("how popular is {t}?", "popularity"), ("is {t} any good", "rating"),
    ("who plays the lead in {t}", "cast"), ("is {t} popular or super niche", "popularity"),
    ("is {t} any good or should i skip it", "rating"), ("{t}, is it very violent?", "content"),
])
def test_a_question_about_a_named_title(parser, side, template, kind):
    parsed = parser.parse(template.format(t=side.title))
    assert parsed.intent is Intent.ASK_ITEM and parsed.question == kind
    assert labels(parser, parsed.targets) == [side.label]
    assert parsed.delta.is_empty()  # a question states no like


@pytest.mark.parametrize(("text", "kind", "refs", "aspect"), [
    ("who is in it?", "cast", (0,), ""), ("is it scary?", "content", (0,), "scary"),
    ("is #1 very violent?", "content", (1,), "violent"), ("how old is that one?", "age", (0,), ""),
    ("tell me more about the second one", "about", (2,), ""),
    ("is the last one any good", "rating", (-1,), ""),
    ("whos actually in #2", "cast", (2,), ""),
    ("do people actually like the last one", "rating", (-1,), ""),
])
def test_a_question_about_a_shown_pick_or_the_focus(parser, text, kind, refs, aspect):
    parsed = parser.parse(text, ParseContext(shown_count=3))
    assert (parsed.intent, parsed.question, parsed.refs) == (Intent.ASK_ITEM, kind, refs)
    assert parsed.question_aspect == aspect


@pytest.mark.parametrize("text", ["is there anything scary?", "tell me about yourself",
                                  "are there any good ones from the 90s",
                                  "is there anything ok for kids?", "who made you?"])
def test_requests_that_look_like_questions_are_not_item_questions(parser, text):
    assert parser.parse(text).intent is not Intent.ASK_ITEM


def test_a_subject_may_be_the_start_of_one_title(parser, side):
    text, label = {"films": ("is pulp ok for kids?", "Pulp Fiction (1994)"),
                   "books": ("what is the left hand about?",
                             "The Left Hand of Darkness (1969)")}[side.name]
    parsed = parser.parse(text)
    assert parsed.intent is Intent.ASK_ITEM and labels(parser, parsed.targets) == [label]


def test_questions_are_answered_from_the_catalog_about_the_pick_in_focus(rec, side):
    user = rec.new_user_id()
    picks = rec.respond(user, side.genre_words).recommendations
    second = rec.catalog.index_of(picks[1].item_id)
    about = rec.respond(user, "what is the second one about?")
    title = rec.catalog.label(second).replace("(", r"\(").replace(")", r"\)")
    assert about.intent is Intent.ASK_ITEM and not about.recommendations
    assert title in about.text and side.genre in about.text.replace("&amp;", "&")
    cast = rec.respond(user, "who is in it?")  # "it" is now the second pick
    assert title in cast.text and "doesn't list" in cast.text
    old = rec.respond(user, "how old is it?")
    assert str(int(rec.catalog.years[second])) in old.text
    stored = {e.signal for e in rec.store.events(user) if e.item_id == picks[1].item_id}
    assert stored <= {"shown"}  # asking is no like


def test_rating_and_popularity_answers_use_the_rating_data(rec, side):
    user = rec.new_user_id()
    rating = rec.respond(user, f"is {side.title} any good?")
    popular = rec.respond(user, f"how popular is {side.title}?")
    index = rec.catalog.index_of(next(i for i, t in zip(rec.catalog.item_ids, rec.catalog.titles,
                                                         strict=True)
                                      if t.lower() == side.title))
    ratings = rec.dataset.interactions
    mine = ratings[ratings["item"] == index]["rating"]
    assert f"{mine.mean():.1f}★" in rating.text and f"{len(mine)} rating" in rating.text
    assert f"{len(mine)} rating" in popular.text and side.nouns in popular.text


def test_a_question_with_nothing_to_point_at_asks_which_item(rec):
    turn = rec.respond(rec.new_user_id(), "who is in it?")
    assert turn.intent is Intent.ASK_ITEM and "Which" in turn.text and not turn.recommendations


def test_an_item_description_is_quoted_escaped_and_never_invented(fake_embedder, tmp_path):
    records = [{"item_id": i, "title": t, "year": y, "genres": g, "tags": tg}
               for i, t, y, g, tg, _ in TINY_MOVIES]
    records[0]["description"] = "A *slick* heist <thriller> in L.A."
    base = make_tiny_dataset()
    catalog = build_catalog(records, CatalogInfo(noun="movie", synonym="film"))
    dataset = Dataset("described", catalog, base.interactions, "described")
    rec = build(dataset, fake_embedder, tmp_path / "described.db")
    user = rec.new_user_id()
    about = rec.respond(user, "what is heat about?")
    assert r"A \*slick\* heist &lt;thriller&gt; in L.A." in about.text
    other = rec.respond(user, "what is fargo about?")
    assert "no plot summary" in other.text
    assert "violent" in rec.respond(user, "is heat violent?").text  # Crime/Action: may be


def test_a_content_question_reads_the_tags(tiny_dataset, fake_embedder, tmp_path):
    rec = build(tiny_dataset, fake_embedder, tmp_path / "tags.db")  # Alien is tagged "scary"
    turn = rec.respond(rec.new_user_id(), "is alien scary?")
    assert "tags" in turn.text and "scary" in turn.text


# -- counts ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "count"), [
    ("give me 4", 4), ("a couple of {g}", 2), ("a longer list please", 10), ("just one", 1),
    ("top 10 {g}", 10), ("three {g} please", 3), ("give me 50", 20),
])
def test_a_count_sets_how_many_picks(parser, side, text, count):
    g = side.genre_words.split()[-1] if side.name == "films" else "science fiction books"
    parsed = parser.parse(text.format(g=g))
    assert parsed.count == count
    assert parsed.intent in {Intent.REFINE, Intent.RECOMMEND}


@pytest.mark.parametrize("text", ["something for my 5 year old", "i'm 30 and bored",
                                  "the first two", "watched it 3 times", "that one",
                                  "something like Alien³", "more like ² or ½"])
def test_numbers_that_are_no_count(parser, text):
    assert parser.parse(text, ParseContext(shown_count=3)).count is None


@pytest.mark.parametrize("text", ["seen ³ and ²", "more like Alien³", "² was great", "#³ is fine"])
def test_superscript_digits_are_no_position(parser, text):
    """"Alien³" (ml-latest-small) once reached int() as a position and crashed the turn."""
    parsed = parser.parse(text, ParseContext.on_screen([0, 1, 2]))
    assert not set(parsed.refs) & {2, 3}


def test_a_count_changes_the_number_of_picks_and_is_clamped(rec, side):
    user = rec.new_user_id()
    assert len(rec.respond(user, "recommend something").recommendations) == 3  # the default
    assert len(rec.respond(user, "just one").recommendations) == 1
    assert len(rec.respond(user, "show me more").recommendations) == 1  # the count holds
    assert len(rec.respond(user, "start over").recommendations) == 0
    assert len(rec.respond(user, "recommend something").recommendations) == 3  # the default
    many = rec.respond(user, "give me 50")
    assert "between 1 and 20" in many.text and side.nouns in many.text
    assert len(many.recommendations) == len(rec.catalog) - 8  # all the unseen ones


# -- goodbyes, thanks, off topic -------------------------------------------------------------------
@pytest.mark.parametrize(("text", "intent"), [
    ("bye for now", "goodbye"), ("ok that's all", "goodbye"), ("gotta go", "goodbye"),
    ("cya", "goodbye"), ("gotta go, thanks", "goodbye"), ("thanks!", "thanks"),
    ("tell me a joke", "off_topic"), ("what's the weather like", "off_topic"),
    ("whats 12 times 7", "off_topic"), ("know any good sushi places near me", "off_topic"),
    ("whats your all time fave", "smalltalk"), ("its been a long friday lol", "smalltalk"),
    ("sorry my cat just walked on the keyboard", "smalltalk"),
    ("long day, need something light", "recommend"),  # a request, not chit-chat
])
def test_small_talk_and_off_topic(parser, text, intent):
    assert parser.parse(text).intent == intent


def test_a_goodbye_with_a_request_is_a_request(parser, side):
    assert parser.parse(f"{side.genre_words} please, gotta go soon").intent is Intent.RECOMMEND


def test_goodbye_and_off_topic_redirect_in_the_catalogs_words(rec, side):
    user = rec.new_user_id()
    rec.respond(user, side.genre_words)
    for text, intent in (("bye for now", Intent.GOODBYE), ("tell me a joke", Intent.OFF_TOPIC),
                         ("what's the weather like", Intent.OFF_TOPIC)):
        turn = rec.respond(user, text)
        assert turn.intent is intent and not turn.recommendations
        assert side.nouns[:-1] in turn.text  # "movie"/"book": the catalog's own noun
    other = "movies" if side.name == "books" else "movie"
    joke = rec.respond(user, "tell me a joke").text
    assert (other not in joke) if side.name == "books" else ("books" not in joke)


# -- dropping a constraint, starting over ----------------------------------------------------------
@pytest.mark.parametrize(("text", "drop"), [
    ("any era is fine", ("era",)), ("forget the genre", ("genre",)), ("drop the year", ("era",)),
    ("no preference on genre", ("genre",)), ("forget the 90s, any era", ("era",)),
    ("start over", ("all",)), ("new search", ("all",)), ("let's start fresh", ("all",)),
])
def test_dropping_and_resetting_phrases(parser, text, drop):
    parsed = parser.parse(text)
    assert parsed.drop == drop
    assert parsed.intent is (Intent.RESET if drop == ("all",) else Intent.REFINE)
    assert (parsed.delta.year_min, parsed.delta.year_max) == (None, None)


def test_dropping_one_constraint_keeps_the_others(rec, side):
    user = rec.new_user_id()
    rec.respond(user, f"{side.genre_words} from the 60s")
    assert rec.sessions  # the conversation is held
    turn = rec.respond(user, "any era is fine")
    assert turn.recommendations and "era" in turn.text
    prefs = constraints(rec, user)
    assert prefs["genres_in"] == [side.genre] and prefs["year_min"] is None
    rec.respond(user, "forget the genre")
    assert constraints(rec, user)["genres_in"] == []


def test_start_over_clears_the_search_but_keeps_the_profile(rec, side):
    user = rec.new_user_id()
    rec.respond(user, f"I loved {side.title}")
    rec.respond(user, f"{side.genre_words} from the 60s")
    turn = rec.respond(user, "start over")
    assert turn.intent is Intent.RESET and "forget me" in turn.text and side.nouns[:-1] in turn.text
    prefs = constraints(rec, user)
    assert prefs["genres_in"] == [] and prefs["year_min"] is None
    liked = rec.store.load_profile(user).liked
    assert any(rec.catalog.label(rec.catalog.index_of(i)) == side.label for i in liked)
    assert rec.respond(user, "recommend something").recommendations
    assert rec.respond(user, "forget me").intent is Intent.FORGET  # still there, still explicit


def test_start_over_with_a_request_answers_it(rec, side):
    user = rec.new_user_id()
    rec.respond(user, "from the 60s")
    turn = rec.respond(user, f"start over: {side.genre_words}")
    assert turn.recommendations
    assert all(side.genre in r.genres for r in turn.recommendations)
    assert constraints(rec, user)["year_min"] is None


def constraints(rec: ChatRecommender, user: str) -> dict:
    return dict(rec.store.load_profile(user).constraints or {})


def test_a_dropped_era_may_be_replaced_in_the_same_message(parser, rec, side):
    parsed = parser.parse("forget the 90s, let's do the 80s")
    assert parsed.drop == ("era",) and (parsed.delta.year_min, parsed.delta.year_max) == (1980,
                                                                                          1989)
    user = rec.new_user_id()
    rec.respond(user, "recommend something from the 90s")
    turn = rec.respond(user, "forget the 90s, let's do the 80s")
    assert "any era is fine" not in turn.text  # replaced, not dropped
    assert (constraints(rec, user)["year_min"], constraints(rec, user)["year_max"]) == (1980, 1989)


class InventingLM:
    """An LM that would make up a cast; it records every call."""

    name = "inventing"

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, messages, max_new_tokens=40, stream=False, max_time_s=None):
        self.calls += 1
        text = "It stars Robert De Niro and Al Pacino."
        return iter([text]) if stream else text


def test_item_answers_never_come_from_the_language_model(tiny_dataset, fake_embedder, tmp_path):
    from chatrec.app.settings import Settings

    settings = Settings(data="tiny", lm="fake", embedder="hashing", k_shown=3,
                        db_url=f"sqlite:///{tmp_path / 'lm.db'}", lm_reply="grounded",
                        cache_dir=str(tmp_path / "cache"))
    lm = InventingLM()
    rec = ChatRecommender.from_settings(settings, dataset=tiny_dataset, embedder=fake_embedder,
                                        language_model=lm, item_vectors=fake_embedder.encode(
                                            tiny_dataset.catalog.texts()))
    user = rec.new_user_id()
    rec.respond(user, "a crime movie")
    calls = lm.calls
    assert calls >= 1  # the LM is wired in: it wrote the lead-in of the picks
    for text in ("who is in it?", "what is heat about?", "is it violent?", "bye for now",
                 "tell me a joke", "start over"):
        turn = rec.respond(user, text)
        assert "De Niro" not in turn.text and "Pacino" not in turn.text
    assert lm.calls == calls  # none of these turns asked the LM anything
