"""Chat forms found in the development files (session 6): misspelt genres, recommend versus
refine by what is on screen, counts after "make it", complaints about unchanged picks,
everyday words that resemble a shown title, and verdicts said in comparisons, ratings or for
someone else. Each runs on the tiny films and books catalogs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import make_books_dataset, make_tiny_dataset

from chatrec.understand.message import ParsedMessage
from chatrec.understand.parse import ParseContext, Parser


@dataclass
class Case:
    """One catalog with its words: a genre, a misspelling of it, and titles."""

    name: str
    parser: Parser
    genre_typo: str  # a misspelt one-word genre alias
    genre: str  # the catalog genre it means
    other_genre: str  # another genre word
    other: str  # its catalog name
    title: str  # a catalog title, lower case
    second: str  # another one

    def parse(self, text: str, shown: tuple[int, ...] = ()) -> ParsedMessage:
        return self.parser.parse(text, ParseContext.on_screen(shown) if shown else None)

    def screen(self) -> tuple[int, ...]:
        """Picks on screen: the title first, then two others."""
        titles = [t.lower() for t in self.parser.titles.catalog.titles]
        first = titles.index(self.title)
        return (first, *[i for i in range(3) if i != first][:2])

    def liked(self, parsed: ParsedMessage) -> list[str]:
        return [self.parser.titles.catalog.titles[i].lower() for i in parsed.delta.liked]

    def disliked(self, parsed: ParsedMessage) -> list[str]:
        return [self.parser.titles.catalog.titles[i].lower() for i in parsed.delta.disliked]


@pytest.fixture(params=["films", "books"])
def case(request, fake_embedder) -> Case:
    if request.param == "films":
        return Case("films", Parser.from_catalog(make_tiny_dataset().catalog, fake_embedder),
                    "thriler", "Thriller", "romance", "Romance", "pulp fiction", "aliens")
    return Case("books", Parser.from_catalog(make_books_dataset().catalog, fake_embedder),
                "fantsy", "Fantasy", "romance", "Romance", "gone girl", "the hobbit")


def test_a_misspelt_genre_is_read_as_the_genre(case):
    parsed = case.parse(f"recomend a good {case.genre_typo}")
    assert parsed.delta.genres_in == (case.genre,) and parsed.intent == "recommend"
    assert case.parse(f"no {case.genre_typo} pls").delta.genres_out == (case.genre,)


@pytest.mark.parametrize("word", ["dance", "roman", "homer", "thrill", "drame"])
def test_everyday_and_short_words_are_no_genre_typos(case, word):
    assert case.parse(f"something with {word} please").delta.genres_in == ()


def test_a_request_with_picks_on_screen_refines_them(case):
    shown = (0, 1, 2)
    assert case.parse(f"also add some {case.other_genre}", shown).intent == "refine"
    assert case.parse(f"ok now {case.other_genre} ones", shown).intent == "refine"
    assert case.parse(f"ok now {case.other_genre} ones").intent == "recommend"


def test_with_nothing_on_screen_a_request_recommends_and_an_exclusion_refines(case):
    parsed = case.parse(f"{case.other_genre} stuff but nothing too violent")
    assert parsed.intent == "recommend" and parsed.delta.genres_in == (case.other,)
    assert case.parse(f"only {case.other_genre} stuff").intent == "refine"  # changes an ask
    assert case.parse(f"anything apart from {case.other_genre}").intent == "refine"
    assert case.parse("nothing made before 1975").intent == "refine"


def test_make_it_n_is_a_count(case):
    parsed = case.parse("make it 3", (0, 1, 2, 3))
    assert parsed.intent == "refine" and parsed.count == 3 and parsed.reactions == ()


def test_same_picks_again_asks_for_other_picks(case):
    assert case.parse("hmm, same picks again?", (0, 1, 2)).intent == "refine"


def test_an_everyday_word_is_no_typo_of_a_shown_title(fake_embedder):
    from chatrec.domain.catalog import CatalogInfo, build_catalog

    catalog = build_catalog([
        {"item_id": "1", "title": "Singin' in the Rain", "year": 1952, "genres": ["Musical"]},
        {"item_id": "2", "title": "Trainspotting", "year": 1996, "genres": ["Drama"]},
    ], CatalogInfo(noun="movie", synonym="film"))
    parser = Parser.from_catalog(catalog, fake_embedder)
    parsed = parser.parse("these are ok. got any with less singing",
                          ParseContext.on_screen((1, 0)))
    assert all(r.index != 0 for r in parsed.reactions) and parsed.intent == "refine"
    typo = parser.parse("trainspoting sounds good", ParseContext.on_screen((0, 1)))
    assert [(str(r.act), r.index) for r in typo.reactions] == [("accept", 1)]


@pytest.mark.parametrize("verdict", ["!!! best ever", ", 10/10", " always makes me laugh",
                                     " gets too much hate, i liked it",
                                     " is even better than the first"])
def test_verdicts_in_ratings_comparisons_and_asides(case, verdict):
    parsed = case.parse(f"{case.title}{verdict}")
    assert parsed.intent == "like_title" and case.liked(parsed) == [case.title]
    assert parsed.delta.genres_in == ()


def test_a_title_compared_with_is_the_yardstick_not_a_target(case):
    parsed = case.parse(f"{case.second} is way better than {case.title}")
    assert parsed.intent == "like_title" and parsed.targets == ()
    assert case.liked(parsed) == [case.second]
    worse = case.parse(f"{case.title} was worse than the original")
    assert worse.intent == "dislike_title" and case.disliked(worse) == [case.title]


def test_a_typo_before_an_everyday_title_word_is_read(fake_embedder):
    from chatrec.domain.catalog import CatalogInfo, build_catalog

    catalog = build_catalog([
        {"item_id": "1", "title": "Independence Day", "year": 1996, "genres": ["Sci-Fi"]},
        {"item_id": "2", "title": "Heat", "year": 1995, "genres": ["Crime"]},
    ], CatalogInfo(noun="movie", synonym="film"))
    parsed = Parser.from_catalog(catalog, fake_embedder).parse(
        "independance day is a guilty pleasure")
    assert parsed.intent == "like_title" and parsed.delta.liked == (0,)


@pytest.mark.parametrize(("text", "act"), [
    ("my wife loved {t} i didnt", "seen_disliked"),
    ("my kids hated {t} but i loved it", "seen_liked"),
    ("my son loved {t}, i havent seen it yet", "not_seen"),
    ("she loved {t}", "seen_liked"),  # no word of the speaker's: watched together
])
def test_the_speakers_verdict_counts_not_someone_elses(case, text, act):
    parsed = case.parse(text.format(t=case.title), case.screen())
    shown = [r for r in parsed.reactions if r.index is not None]
    assert [(str(r.act), case.parser.titles.catalog.titles[r.index].lower())
            for r in shown] == [(act, case.title)]


def test_a_pick_on_the_users_list_is_accepted(case):
    parsed = case.parse(f"{case.title} is on my list", case.screen())
    assert [str(r.act) for r in parsed.reactions] == ["accept"]
    parsed = case.parse(f"{case.title} is on my list, never got to it", case.screen())
    assert [str(r.act) for r in parsed.reactions] == ["not_seen"]


def test_someone_elses_exclusion_is_one(case):
    delta = case.parse(f"she hates {case.other_genre} and i want something {case.genre_typo}y"
                       ).delta
    assert case.other in delta.genres_out


def test_dropping_a_named_genre_or_widening_the_era(case):
    parsed = case.parse(f"ok forget the {case.other_genre} part", case.screen())
    assert parsed.drop == ("genre",) and parsed.delta.genres_in == ()
    parsed = case.parse("older stuff is fine too", case.screen())
    assert parsed.drop == ("era",) and parsed.delta.year_max is None


def test_not_in_the_mood_is_no_request(case):
    parsed = case.parse("hmm not in the mood for sad then", case.screen())
    assert parsed.intent == "feedback_ref" and [str(r.act) for r in parsed.reactions] == [
        "reject"]


def test_others_after_a_reaction_asks_for_more(case):
    parsed = case.parse("ive seen all of those. others?", case.screen())
    assert parsed.intent == "refine" and {str(r.act) for r in parsed.reactions} == {"seen"}


def test_a_named_pick_too_much_of_something_is_rejected(case):
    parsed = case.parse(f"{case.title} too grim for tonight", case.screen())
    assert [(str(r.act), r.index) for r in parsed.reactions] == [("reject", case.screen()[0])]
    seen = case.parse(f"{case.title} nah seen it too many times", case.screen())
    assert [str(r.act) for r in seen.reactions] == ["seen"]


@pytest.mark.parametrize(("text", "bounds"), [
    ("can we do mid 80s instead of 90s", (1984, 1986)),
    ("a thriller from 1995 or 1996", (1995, 1996)),
    ("something from the 80s or 90s", (1980, 1999)),
    ("a {noun} to enjoy with my parents, theyre in their 60s", (None, None)),
])
def test_eras_said_as_alternatives_replacements_and_ages(case, text, bounds):
    noun = "film" if case.name == "films" else "book"
    delta = case.parse(text.format(noun=noun)).delta
    assert (delta.year_min, delta.year_max) == bounds


def test_not_seen_and_not_wanted_is_a_rejection(case):
    parsed = case.parse(f"{case.title}, never seen it and 3 hours? no", case.screen())
    assert [str(r.act) for r in parsed.reactions] == ["reject"]
    parsed = case.parse(f"{case.title}, never seen it, sounds good", case.screen())
    assert [str(r.act) for r in parsed.reactions] == ["not_seen"]


def test_profile_and_forget_phrasings(case):
    assert case.parse("what do you have on me so far").intent == "profile"
    assert case.parse("please remove my profile data").intent == "forget"
    assert case.parse(f"remove the {case.other_genre} filter").intent != "forget"


@pytest.mark.parametrize("verdict", [" was a snooze", " 2/10", " was a snoozefest tbh"])
def test_a_snooze_or_a_low_rating_is_a_dislike(case, verdict):
    parsed = case.parse(f"{case.title}{verdict}")
    assert parsed.intent == "dislike_title" and case.disliked(parsed) == [case.title]
