"""The understanding stage on two catalogs: the tiny film catalog and the tiny books catalog.

Every test runs on both; a case names its words per catalog ("sci-fi films" / "science fiction
books"), so the same behaviour is asserted where the catalog speaks a different language.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import make_books_dataset, make_tiny_dataset

from chatrec.dialogue.query import WishWords
from chatrec.understand.message import ParsedMessage
from chatrec.understand.parse import ParseContext, Parser


@dataclass
class Case:
    """One catalog and the words to talk about it."""

    name: str
    parser: Parser
    noun: str  # a singular item noun
    nouns: str  # a plural one
    title: str  # a catalog title, as typed
    typo: str  # that title with a typo
    genre_words: str  # words for a catalog genre
    genre: str  # that genre's catalog name

    def parse(self, text: str, shown_count: int | None = None) -> ParsedMessage:
        return self.parser.parse(text, ParseContext(shown_count=shown_count))

    def titles(self, indices) -> list[str]:
        return [self.parser.titles.catalog.titles[i] for i in indices]


def _case(name: str, embedder) -> Case:
    if name == "films":
        return Case(name, Parser.from_catalog(make_tiny_dataset().catalog, embedder), "movie",
                    "films", "Pulp Fiction", "pulp fictoin", "sci-fi", "Sci-Fi")
    return Case(name, Parser.from_catalog(make_books_dataset().catalog, embedder), "novel",
                "books", "Gone Girl", "gone gril", "science fiction", "Science Fiction")


@pytest.fixture(params=["films", "books"])
def case(request, fake_embedder) -> Case:
    return _case(request.param, fake_embedder)


def test_genre_words_map_to_the_catalogs_own_genres(case):
    parsed = case.parse(f"some {case.genre_words} {case.nouns} please")
    assert parsed.delta.genres_in == (case.genre,) and parsed.intent == "recommend"


@pytest.mark.parametrize(("films", "books"), [
    (("something scary", ("Horror",)), ("some mysteries", ("Mystery & Thriller",))),
    (("a thriller", ("Thriller",)), ("a thriller", ("Mystery & Thriller",))),
    (("a whodunit", ()), ("a whodunit", ("Mystery & Thriller",))),
    (("a rom-com", ("Romance", "Comedy")), ("a rom-com", ())),
    (("funny movies", ("Comedy",)), ("biographies", ("Biography",))),
    (("sci fi", ("Sci-Fi",)), ("sci-fi", ("Science Fiction",))),
])
def test_slang_and_plurals_per_catalog(case, films, books):
    text, genres = films if case.name == "films" else books
    assert case.parse(text).delta.genres_in == genres


def test_a_slang_word_applies_to_books_once_its_genres_exist(fake_embedder):
    parser = Parser.from_catalog(make_books_dataset(("Comedy",)).catalog, fake_embedder)
    assert parser.parse("a rom-com").delta.genres_in == ("Romance", "Comedy")


def test_negated_genres_are_exclusions(case):
    delta = case.parse(f"no {case.genre_words} please").delta
    assert delta.genres_out == (case.genre,) and delta.genres_in == ()


def test_a_negated_genre_the_catalog_lacks_is_no_wish(case):
    other = "memoirs" if case.name == "films" else "horror"  # slang of a genre it lacks
    parsed = case.parse(f"a {case.genre_words} {case.noun}, but no {other}")
    assert parsed.delta.genres_in == (case.genre,) and other not in parsed.wish


@pytest.mark.parametrize("template", ["recommend me a {noun}", "any good {nouns}?",
                                      "I want a {noun} tonight", "what {noun} should I pick"])
def test_item_nouns_ask_for_picks(case, template):
    parsed = case.parse(template.format(noun=case.noun, nouns=case.nouns))
    assert parsed.intent == "recommend" and parsed.wish == ""


def test_item_nouns_point_at_shown_items(case):
    assert case.parse(f"the second {case.noun} looks good", shown_count=3).refs == (2,)
    assert case.parse(f"I like that {case.noun}").refs == (0,)
    assert case.parse(f"{case.noun} 4 please", shown_count=5).refs == (4,)


def test_relative_time_words_before_item_nouns(case):
    newest = case.parser.vocabulary.year_max
    assert case.parse(f"older {case.nouns}").delta.year_max == newest - 20
    assert case.parse(f"new {case.nouns}").delta.year_min == newest - 5
    assert case.parse(f"{case.genre_words} from the 90s").delta.year_min == 1990


def test_titles_with_cues_and_typos(case):
    parsed = case.parse(f"I loved {case.title}")
    assert parsed.intent == "like_title" and case.titles(parsed.delta.liked) == [case.title]
    parsed = case.parse(f"more like {case.typo}")
    assert parsed.intent == "more_like" and case.titles(parsed.targets) == [case.title]
    parsed = case.parse(f"{case.title} was boring, no {case.genre_words}")
    assert case.titles(parsed.delta.disliked) == [case.title]


def test_the_catalogs_verb_is_a_request_and_a_cue(case):
    verb, past = ("watch", "watched") if case.name == "films" else ("read", "read")
    assert case.parse(f"what should I {verb} tonight").intent == "recommend"
    parsed = case.parse(f"I {past} {case.title.lower()} twice")
    assert case.titles(t.matches[0].index for t in parsed.titles) == [case.title]


def test_the_example_prompts_parse_into_preferences(case):
    for example in case.parser.vocabulary.examples:
        parsed = case.parse(example)
        assert parsed.intent.states_preferences, example
        assert not parsed.delta.is_empty() or parsed.targets, example


def test_genre_and_noun_words_are_no_semantic_wish(case):
    informative = WishWords(case.parser.vocabulary).informative
    assert not informative(f"{case.genre_words} {case.nouns}")
    assert not informative(f"a {case.parser.vocabulary.genre_names[0]} {case.noun} tonight")
    assert informative(f"a slow-burn {case.noun}") and informative("dark and mind-bending")
