"""Message parsing and preference merging on the tiny catalog with the fake embedder."""

from __future__ import annotations

import pytest

from chatrec.dialogue.state import Preferences
from chatrec.domain.vocabulary import Vocabulary
from chatrec.understand.intents import IntentClassifier
from chatrec.understand.message import INTENTS, ParsedMessage, PreferenceDelta
from chatrec.understand.parse import ParseContext, Parser


@pytest.fixture
def parse(tiny_dataset, fake_embedder):
    """parse(text, shown_count=None) -> ParsedMessage on the tiny catalog."""
    parser = Parser.from_catalog(tiny_dataset.catalog, fake_embedder)

    def run(text: str, shown_count: int | None = None) -> ParsedMessage:
        parsed = parser.parse(text, ParseContext(shown_count=shown_count))
        assert parsed.intent in INTENTS
        return parsed

    return run


def names(tiny_dataset, indices) -> list[str]:
    return [tiny_dataset.catalog.titles[i] for i in indices]


@pytest.mark.parametrize(("text", "genres"), [
    ("something scary", ["Horror"]), ("a spooky horror flick", ["Horror"]),
    ("funny movies", ["Comedy"]), ("any good sci fi?", ["Sci-Fi"]),
    ("a space movie", ["Sci-Fi"]), ("a cartoon", ["Animation"]),
    ("something for the kids", ["Children's"]), ("a rom-com", ["Romance", "Comedy"]),
    ("a mafia movie", ["Crime"]), ("musicals please", ["Musical"]),
])
def test_genre_words_and_slang_map_to_catalog_genres(parse, text, genres):
    parsed = parse(text)
    assert list(parsed.delta.genres_in) == genres and parsed.intent == "recommend"


def test_genres_missing_from_the_catalog_are_dropped(parse):
    assert parse("a western from the 60s").delta.genres_in == ()


@pytest.mark.parametrize(("text", "out"), [
    ("no horror", "Horror"), ("anything but comedy", "Comedy"), ("nothing scary", "Horror"),
    ("without romance", "Romance"), ("I hate musicals", "Musical"),
    ("i don't like thrillers", "Thriller"), ("not into sci-fi", "Sci-Fi"),
    ("horror is not my thing", "Horror"),
])
def test_negated_genres_are_exclusions_never_inclusions(parse, text, out):
    delta = parse(text).delta
    assert delta.genres_out == (out,) and delta.genres_in == ()


def test_negation_scope_ends_at_but(parse):
    delta = parse("no horror but something funny").delta
    assert delta.genres_out == ("Horror",) and delta.genres_in == ("Comedy",)


def test_softened_negation_is_a_soft_avoid_not_a_genre(parse):
    delta = parse("not too violent please").delta
    assert delta.avoid == ("violent",) and delta.genres_out == () and delta.genres_in == ()
    assert parse("nothing too scary").delta.genres_out == ()
    assert parse("something lighter").delta.avoid == ("dark",)


def test_allowing_a_genre_again(parse):
    parsed = parse("actually horror is fine")
    assert parsed.delta.genres_ok == ("Horror",) and parsed.intent == "refine"


@pytest.mark.parametrize(("text", "bounds"), [
    ("comedies from the 90s", (1990, 1999)), ("the eighties", (1980, 1989)),
    ("something from the '70s", (1970, 1979)), ("1980s crime", (1980, 1989)),
    ("late 90s", (1997, 1999)), ("between 1980 and 1990", (1980, 1990)),
    ("from the 60s to the 80s", (1960, 1989)), ("after 2000", (2001, None)),
    ("before 1980", (None, 1979)), ("nothing older than 1990", (1990, None)),
    ("in 1995", (1995, 1995)), ("older ones", (None, 1976)), ("more recent please", (1991, None)),
])
def test_decades_ranges_and_relative_years(parse, text, bounds):
    delta = parse(text).delta
    assert (delta.year_min, delta.year_max) == bounds


def test_a_title_year_is_not_a_year_constraint(parse):
    delta = parse("I loved Heat (1995)").delta
    assert delta.year_min is None and delta.year_max is None


def test_liked_and_disliked_titles(parse, tiny_dataset):
    parsed = parse("I didn't like Alien but loved Aliens")
    assert names(tiny_dataset, parsed.delta.disliked) == ["Alien"]
    assert names(tiny_dataset, parsed.delta.liked) == ["Aliens"]
    parsed = parse("I loved Heat and Fargo but not Alien")
    assert names(tiny_dataset, parsed.delta.liked) == ["Heat", "Fargo"]
    assert names(tiny_dataset, parsed.delta.disliked) == ["Alien"]
    assert parse("Heat was boring").intent == "dislike_title"
    assert parse("i loved the godfater").intent == "like_title"


def test_mixed_message_is_a_recommendation_with_every_slot(parse, tiny_dataset):
    parsed = parse("something tense from the 90s, I loved Heat, no horror")
    assert parsed.intent == "recommend"
    assert names(tiny_dataset, parsed.delta.liked) == ["Heat"]
    assert (parsed.delta.year_min, parsed.delta.year_max) == (1990, 1999)
    assert parsed.delta.genres_out == ("Horror",)
    assert parsed.wish == "tense"


def test_descriptive_wish_keeps_the_free_text(parse):
    parsed = parse("I want a slow-burn story with a twist")
    assert parsed.intent == "recommend" and parsed.wish == "slow-burn story with a twist"


def test_more_like_targets_the_title(parse, tiny_dataset):
    parsed = parse("more like pulp fictoin but older")
    assert parsed.intent == "more_like" and names(tiny_dataset, parsed.targets) == ["Pulp Fiction"]
    assert parsed.delta.year_max == 1976 and parsed.delta.liked == ()


@pytest.mark.parametrize(("text", "refs", "liked"), [
    ("the second one", (2,), None), ("#3 looks good", (3,), True),
    ("that last one was boring", (-1,), False), ("not that one", (0,), False),
    ("I liked the first one", (1,), True), ("the first two look great", (1, 2), True),
])
def test_references_to_shown_items(parse, text, refs, liked):
    parsed = parse(text, shown_count=5)
    assert parsed.intent == "feedback_ref"
    assert parsed.refs == refs and parsed.ref_liked is liked


def test_references_beyond_the_shown_list_are_reported(parse):
    parsed = parse("#3 and #1 look good", shown_count=2)
    assert parsed.refs == (1,) and parsed.invalid_refs == (3,)


def test_why_questions(parse, tiny_dataset):
    assert parse("why #2?").refs == (2,)
    parsed = parse("why not Heat?")
    assert parsed.intent == "why" and parsed.why_not
    assert names(tiny_dataset, parsed.targets) == ["Heat"] and parsed.delta.is_empty()
    assert not parse("why did you pick the first one").why_not


@pytest.mark.parametrize(("text", "intent"), [
    ("what do you know about me", "profile"), ("forget me", "forget"),
    ("start over", "reset"), ("hi there", "greeting"), ("thanks!", "thanks"),
    ("help", "help"), ("what can you do?", "help"), ("recommend me a movie", "recommend"),
])
def test_rule_intents(parse, text, intent):
    assert parse(text).intent == intent


def test_classifier_picks_the_nearest_exemplar_or_unknown(tiny_dataset, fake_embedder):
    vocabulary = Vocabulary.from_catalog(tiny_dataset.catalog)
    classifier = IntentClassifier.for_vocabulary(fake_embedder, vocabulary)
    assert classifier.classify("who built you")[0] == "smalltalk"
    strict = IntentClassifier.for_vocabulary(fake_embedder, vocabulary, threshold=0.99)
    assert strict.classify("zorblax quux")[0] == "unknown"


def test_merge_latest_statement_wins():
    prefs = Preferences().merge(PreferenceDelta(genres_in=("Horror",), year_min=1990,
                                                year_max=1999, wish="tense"))
    prefs = prefs.merge(PreferenceDelta(genres_out=("Horror",)))
    assert prefs.genres_in == () and prefs.genres_out == ("Horror",)
    prefs = prefs.merge(PreferenceDelta(genres_ok=("Horror",)))
    assert prefs.genres_out == () and prefs.genres_in == ()
    prefs = prefs.merge(PreferenceDelta(year_max=1978))  # "older": the 90s floor must go
    assert (prefs.year_min, prefs.year_max) == (None, 1978) and prefs.wish == "tense"


def test_merge_moves_items_and_avoids():
    prefs = Preferences().merge(PreferenceDelta(liked=(1, 2), avoid=("violent",)))
    prefs = prefs.merge(PreferenceDelta(disliked=(2,), avoid_ok=("violent",), wish="funny"))
    assert prefs.liked == (1,) and prefs.disliked == (2,)
    assert prefs.avoid == () and prefs.wish == "funny"


def test_parsed_messages_feed_merge(parse):
    prefs = Preferences()
    for text in ("horror from the 90s", "no horror", "actually horror is fine"):
        prefs = prefs.merge(parse(text).delta)
    assert prefs.genres_out == () and (prefs.year_min, prefs.year_max) == (1990, 1999)


@pytest.mark.parametrize(("text", "intent", "liked", "disliked"), [
    ("Heat (1995) was great", "like_title", ["Heat"], []),
    ("Fargo (1996) is one of my favourites", "like_title", ["Fargo"], []),
    ("Scream (1996) was a letdown", "dislike_title", [], ["Scream"]),
    ("Alien (1979)? an absolute classic", "like_title", ["Alien"], []),
    ("Heat (1995) and Fargo (1996) were both superb", "like_title", ["Heat", "Fargo"], []),
])
def test_a_dated_title_opening_a_sentence_takes_the_verdict_not_a_year(
        parse, tiny_dataset, text, intent, liked, disliked):
    parsed = parse(text)
    assert parsed.intent == intent and (parsed.delta.year_min, parsed.delta.year_max) == (None,
                                                                                       None)
    assert names(tiny_dataset, parsed.delta.liked) == liked
    assert names(tiny_dataset, parsed.delta.disliked) == disliked


@pytest.mark.parametrize("text", ["keep going", "keep them coming", "keep 'em coming!", "go on",
                                  "more", "next", "next batch please", "any other ideas?",
                                  "none of those, try again", "something else", "carry on",
                                  "what else have you got?"])
def test_asking_for_more_picks_is_a_refine_without_a_wish(parse, text):
    parsed = parse(text)
    assert parsed.intent == "refine" and parsed.delta.is_empty()


@pytest.mark.parametrize("text", ["forget me", "forget everything", "delete my data",
                                  "delete my profile", "delete my history",
                                  "reset", "clear my profile", "wipe my ratings"])
def test_forget_comes_from_explicit_phrases(parse, text):
    parsed = parse(text)
    assert parsed.intent == "forget" and parsed.intent_score == 1.0


def test_start_over_resets_the_search_and_keeps_the_profile(parse):
    # Issue 12: "start over" clears the conversation's constraints, never the profile.
    parsed = parse("start over")
    assert parsed.intent == "reset" and parsed.intent_score == 1.0 and parsed.drop == ("all",)


def test_the_classifier_never_answers_forget(fake_embedder):
    table = {"forget": ("keep going", "start over"), "refine": ("keep going please",)}
    classifier = IntentClassifier(fake_embedder, exemplars=table, threshold=0.1)
    assert classifier.classify("keep going")[0] == "refine"
    table = {"forget": ("keep going",), "greeting": ("hello there",)}
    assert IntentClassifier(fake_embedder, exemplars=table).classify("keep going")[0] == "unknown"


@pytest.mark.parametrize(("text", "wish", "bounds"), [
    ("I'd like something made in the '90s", "", (1990, 1999)),
    ("anything filmed in the eighties?", "", (1980, 1989)),
    ("a slow-burn story released after 1990", "slow-burn story", (1991, None)),
    ("something shot in 1995", "", (1995, 1995)),
    ("a thriller set in the 70s", "thriller", (1970, 1979)),
    ("a film that came out recently", "", (1991, None)),
    ("I want a story set in Paris", "story set in Paris", (None, None)),
])
def test_verbs_that_introduce_a_time_stay_out_of_the_wish(parse, text, wish, bounds):
    delta = parse(text).delta
    assert delta.wish == wish and (delta.year_min, delta.year_max) == bounds
