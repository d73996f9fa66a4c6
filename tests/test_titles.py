"""Title matching on the tiny catalog and on hand-built catalogs with awkward titles."""

from __future__ import annotations

import pytest

from chatrec.domain.catalog import CatalogInfo, build_catalog, display_title
from chatrec.understand.titles import TitleMatch, TitleMatcher, is_ambiguous


@pytest.fixture
def matcher(tiny_dataset):
    return TitleMatcher(tiny_dataset.catalog)


@pytest.fixture
def awkward() -> TitleMatcher:
    """Alternative titles in parentheses and two films sharing one title."""
    return TitleMatcher(build_catalog([
        {"item_id": 1, "title": "Seven (Se7en)", "year": 1995, "genres": ["Thriller"]},
        {"item_id": 2, "title": "Nikita (La Femme Nikita)", "year": 1990, "genres": ["Action"]},
        {"item_id": 3, "title": "Scarlet Letter, The", "year": 1926, "genres": ["Drama"]},
        {"item_id": 4, "title": "Scarlet Letter, The", "year": 1995, "genres": ["Drama"]},
        {"item_id": 5, "title": "Heat", "year": 1995, "genres": ["Action"]},
        {"item_id": 6, "title": "Kids", "year": 1995, "genres": ["Drama"]},
    ]))


def best(matcher: TitleMatcher, text: str) -> str:
    """Display title of the best match (the tiny catalog stores "Usual Suspects, The")."""
    return display_title(matcher.catalog.titles[matcher.match(text)[0].index])


@pytest.mark.parametrize("text", ["The Usual Suspects", "usual suspects, the", "USUAL SUSPECTS",
                                  "Usual Suspects (1995)", "usual suspect"])
def test_match_handles_article_case_year_and_plural(matcher, text):
    assert best(matcher, text) == "The Usual Suspects"


@pytest.mark.parametrize(("text", "title"), [("Godfater", "The Godfather"),
                                             ("pulp fictoin", "Pulp Fiction"),
                                             ("sleepless in seatle", "Sleepless in Seattle")])
def test_match_tolerates_typos(matcher, text, title):
    assert best(matcher, text) == title


def test_match_reads_a_trailing_year_and_scores_exact_hits_highest(matcher):
    for text in ("Heat 1995", "Heat (1995)", "heat"):
        found = matcher.match(text)
        assert found[0].label == "Heat (1995)" and found[0].score == 100.0


def test_match_returns_nothing_for_unrelated_text(matcher):
    assert matcher.match("zxqv wrmbl") == []


def test_alternative_titles_in_parentheses_match(awkward):
    assert best(awkward, "Se7en") == "Seven (Se7en)"
    assert best(awkward, "seven") == "Seven (Se7en)"
    assert best(awkward, "La Femme Nikita") == "Nikita (La Femme Nikita)"
    assert best(awkward, "femme nikita") == "Nikita (La Femme Nikita)"


def test_shared_titles_are_ambiguous_until_a_year_is_given(awkward):
    both = awkward.match("the scarlet letter")
    assert len(both) == 2 and is_ambiguous(both)
    dated = awkward.match("Scarlet Letter 1926")
    assert int(awkward.catalog.years[dated[0].index]) == 1926
    assert not is_ambiguous(dated)
    mention = awkward.find_in_text("I loved The Scarlet Letter")[0]
    assert mention.ambiguous
    assert {int(awkward.catalog.years[m.index]) for m in mention.matches} == {1926, 1995}


def test_find_in_text_reads_a_list_with_cues(matcher):
    mentions = matcher.find_in_text("I loved Heat and Fargo but not Alien")
    assert [m.text for m in mentions] == ["Heat", "Fargo", "Alien"]
    assert [matcher.catalog.titles[m.matches[0].index] for m in mentions] == [
        "Heat", "Fargo", "Alien"]
    assert mentions[0].span == (8, 12) and mentions[0].cue == "loved"


def test_find_in_text_prefers_the_longest_title_and_keeps_the_article(matcher):
    mentions = matcher.find_in_text("something like the usual suspects please")
    assert [m.text for m in mentions] == ["the usual suspects"]


def test_find_in_text_fixes_typos_after_a_cue(matcher):
    (mention,) = matcher.find_in_text("more like pulp fictoin")
    assert mention.matches[0].label == "Pulp Fiction (1994)" and mention.matches[0].score < 100


def test_find_in_text_absorbs_a_year_after_the_title(matcher):
    (mention,) = matcher.find_in_text("I loved Heat (1995) a lot")
    assert mention.text == "Heat (1995)"


@pytest.mark.parametrize("text", ["the heat is unbearable today", "I like twisted plots",
                                  "something for the kids", "a movie my kids would enjoy",
                                  "I want something scary tonight", "show me something new"])
def test_ordinary_words_are_not_titles(awkward, text):
    assert awkward.find_in_text(text) == []


@pytest.mark.parametrize("text", ["i loved heat", "Heat was boring", "more like Kids",
                                  "have you seen Heat?", 'what about "heat"'])
def test_one_word_titles_need_a_cue(awkward, text):
    assert len(awkward.find_in_text(text)) == 1


@pytest.fixture
def tricky() -> TitleMatcher:
    """A one-letter title, a title that starts like it, catalog duplicates, a genre-word title."""
    return TitleMatcher(build_catalog([
        {"item_id": 1, "title": "M", "year": 1931, "genres": ["Crime"]},
        {"item_id": 2, "title": "M. Butterfly", "year": 1993, "genres": ["Drama"]},
        {"item_id": 3, "title": "Ulee's Gold", "year": 1997, "genres": ["Drama"]},
        {"item_id": 4, "title": "Shine", "year": 1996, "genres": ["Drama"]},
        {"item_id": 5, "title": "Ulee's Gold", "year": 1997, "genres": ["Drama"]},
        {"item_id": 6, "title": "Kids", "year": 1995, "genres": ["Drama"]},
        {"item_id": 7, "title": "Scarlet Letter, The", "year": 1926, "genres": ["Drama"]},
        {"item_id": 8, "title": "Scarlet Letter, The", "year": 1995, "genres": ["Drama"]},
        {"item_id": 9, "title": "That Darn Cat!", "year": 1997, "genres": ["Comedy"]},
        {"item_id": 10, "title": "Shadows (Cienie)", "year": 1988, "genres": ["Drama"]},
    ]))


@pytest.mark.parametrize(("text", "label"), [
    ("Shine (1996) was great", "Shine (1996)"), ("Shine (1996) moved me", "Shine (1996)"),
    ("Kids (1995) is underrated", "Kids (1995)"), ("M (1931) is a classic", "M (1931)"),
    ("Shine (1995) was great", "Shine (1996)"),  # a wrong year still lets the verdict through
    ("That Darn Cat! (1997) was fun", "That Darn Cat! (1997)"),
    ("Shadows (Cienie) (1988) was dull", "Shadows (Cienie) (1988)"),
])
def test_a_title_with_its_year_opens_a_sentence(tricky, text, label):
    (mention,) = tricky.find_in_text(text)
    assert mention.matches[0].label == label
    assert mention.text == text[:text.index(")", text.index("(19")) + 1]


def test_a_year_alone_does_not_license_a_common_word(tricky):
    assert tricky.find_in_text("kids movies from 1995") == []
    assert tricky.find_in_text("Shine (1980) please") == []  # no such film and no verdict


@pytest.mark.parametrize("text", ["I really liked M. Butterfly", "M. Butterfly was great",
                                  "more like M. Butterfly", "why M. Butterfly?"])
def test_a_one_letter_title_never_beats_the_full_title(tricky, text):
    (mention,) = tricky.find_in_text(text)
    assert mention.text == "M. Butterfly" and mention.matches[0].label == "M. Butterfly (1993)"


def test_a_full_stop_after_a_word_still_ends_the_sentence(tricky):
    mentions = tricky.find_in_text("I loved Kids. Shine was great")
    assert [m.text for m in mentions] == ["Kids", "Shine"]


def test_catalog_duplicates_are_one_choice_the_lowest_index(tricky):
    found = tricky.match("ulee's gold")
    assert [m.index for m in found] == [2] and not is_ambiguous(found)
    (mention,) = tricky.find_in_text("I loved Ulee's Gold")
    assert not mention.ambiguous and mention.matches[0].index == 2
    assert tricky.find_in_text("I loved the Scarlet Letter")[0].ambiguous
    mixed = [TitleMatch(4, 98.0, "Ulee's Gold (1997)"), TitleMatch(3, 99.0, "Shine (1996)"),
             TitleMatch(2, 100.0, "Ulee's Gold (1997)")]
    assert [m.index for m in tricky._rank(mixed, None)] == [2, 3]  # best first, duplicate gone


def test_is_ambiguous_counts_distinct_labels():
    same = [TitleMatch(4, 100.0, "Deceiver (1997)"), TitleMatch(9, 100.0, "Deceiver (1997)")]
    assert not is_ambiguous(same)
    assert is_ambiguous(same + [TitleMatch(1, 99.0, "Deceiver (1998)")])


@pytest.fixture
def sequels() -> TitleMatcher:
    """Films people call by nicknames or by a sequel number the title spells otherwise."""
    return TitleMatcher(build_catalog([
        {"item_id": 1, "title": "Terminator 2: Judgment Day", "year": 1991, "genres": ["Action"]},
        {"item_id": 2, "title": "The Lost World: Jurassic Park", "year": 1997,
         "genres": ["Action"]},
        {"item_id": 3, "title": "Jurassic Park", "year": 1993, "genres": ["Action"]},
        {"item_id": 4, "title": "The Godfather: Part II", "year": 1974, "genres": ["Crime"]},
        {"item_id": 5, "title": "The Godfather", "year": 1972, "genres": ["Crime"]},
        {"item_id": 6, "title": "Raiders of the Lost Ark", "year": 1981, "genres": ["Action"]},
        {"item_id": 7, "title": "Indiana Jones and the Last Crusade", "year": 1989,
         "genres": ["Action"]},
    ], CatalogInfo(noun="movie")))


def found(matcher: TitleMatcher, text: str) -> list[tuple[str, bool]]:
    """(best label, ambiguous) for each mention in ``text``."""
    return [(matcher.catalog.label(m.matches[0].index), m.ambiguous)
            for m in matcher.find_in_text(text)]


@pytest.mark.parametrize(("text", "label"), [
    ("i loved t2", "Terminator 2: Judgment Day (1991)"),
    ("t2", "Terminator 2: Judgment Day (1991)"),
    ("jurassic park 2 was fun", "The Lost World: Jurassic Park (1997)"),
    ("godfather 2 is the best one", "The Godfather: Part II (1974)"),
])
def test_nicknames_and_part_numbers_name_the_sequel(sequels, text, label):
    assert found(sequels, text) == [(label, False)]


def test_a_nickname_of_several_films_is_ambiguous(sequels):
    mentions = sequels.find_in_text("have you seen indiana jones")
    assert len(mentions) == 1 and mentions[0].ambiguous
    assert {sequels.catalog.label(m.index) for m in mentions[0].matches} == {
        "Raiders of the Lost Ark (1981)", "Indiana Jones and the Last Crusade (1989)"}


def test_film_nicknames_stay_off_other_catalogs(books_dataset):
    books = TitleMatcher(books_dataset.catalog)
    assert books.cues.reserved and not books.find_in_text("i loved t2")
    assert found(books, "give me 2 books") == []


@pytest.mark.parametrize(("text", "label"), [
    ("couldnt stand the godfather", "The Godfather (1972)"),
    ("similar movies to the godfather?", "The Godfather (1972)"),
    ("the godfather, is it very violent?", "The Godfather (1972)"),
])
def test_two_word_verdicts_nouns_in_cue_pairs_and_a_question_after_a_comma_license(
        sequels, text, label):
    assert found(sequels, text) == [(label, False)]


@pytest.fixture
def books(books_dataset) -> TitleMatcher:
    return TitleMatcher(books_dataset.catalog)


def labels(matcher: TitleMatcher, text: str) -> list[str]:
    """Best label of each mention in ``text``, left to right."""
    return [matcher.catalog.label(m.matches[0].index) for m in matcher.find_in_text(text)]


@pytest.mark.parametrize(("films", "books_text"), [
    ("fargo 10/10", "dune 10/10"),
    ("fargo 9/10, would watch again", "dune 4/5, would read again"),
])
def test_a_rating_after_a_title_is_a_verdict_and_stays_out_of_the_span(
        matcher, books, films, books_text):
    assert labels(matcher, films) == ["Fargo (1996)"]
    assert [m.text for m in matcher.find_in_text(films)] == ["fargo"]
    assert labels(books, books_text) == ["Dune (1965)"]


def test_a_fraction_in_a_title_is_no_rating():
    naked = TitleMatcher(build_catalog([{"item_id": 1, "title": "Naked Gun 33 1/3: The Final "
                                         "Insult", "year": 1994, "genres": ["Comedy"]}]))
    assert [m.text for m in naked.find_in_text("naked gun 33 1/3 is hilarious")] == [
        "naked gun 33 1/3"]


def test_at_all_pauses_after_a_one_word_title(matcher, books):
    assert labels(matcher, "didnt like fargo at all, sorry") == ["Fargo (1996)"]
    assert labels(books, "didnt like rebecca at all, sorry") == ["Rebecca (1938)"]


def test_lol_ends_a_first_sentence_like_a_full_stop(matcher, books):
    assert labels(matcher, "fargo lol no. terrible") == ["Fargo (1996)"]
    assert labels(books, "neuromancer lol no. terrible") == ["Neuromancer (1984)"]
    assert labels(matcher, "i like fargo lol") == ["Fargo (1996)"]


def test_one_and_two_name_both_parts_of_a_series(sequels):
    assert labels(sequels, "godfather 1 and 2 both masterpieces") == [
        "The Godfather (1972)", "The Godfather: Part II (1974)"]
    series = TitleMatcher(build_catalog([
        {"item_id": 1, "title": "Wings of Fire", "year": 2012, "genres": ["Fantasy"]},
        {"item_id": 2, "title": "Wings of Fire 2", "year": 2013, "genres": ["Fantasy"]},
    ], CatalogInfo(noun="book")))
    assert labels(series, "loved wings of fire 1 and 2") == [
        "Wings of Fire (2012)", "Wings of Fire 2 (2013)"]
    assert labels(sequels, "godfather and 2 friends") == []


def test_a_sequel_number_is_evidence_for_a_bare_lower_case_title():
    films = build_catalog([
        {"item_id": 1, "title": "Free Willy", "year": 1993, "genres": ["Children's"]},
        {"item_id": 2, "title": "Free Willy 2: The Adventure Home", "year": 1995,
         "genres": ["Children's"]},
        {"item_id": 3, "title": "Heat", "year": 1995, "genres": ["Action"]},
    ], CatalogInfo(noun="movie"))
    matcher = TitleMatcher(films, popularity=[20, 20, 2000])
    assert labels(matcher, "free willy 2 was my whole childhood") == [
        "Free Willy 2: The Adventure Home (1995)"]
    assert labels(matcher, "free willy was my whole childhood") == []


def test_film_nicknames_for_short_names_and_on_screen_numbers():
    films = TitleMatcher(build_catalog([
        {"item_id": 1, "title": "Shawshank Redemption, The", "year": 1994, "genres": ["Drama"]},
        {"item_id": 2, "title": "Twelve Monkeys", "year": 1995, "genres": ["Sci-Fi"]},
        {"item_id": 3, "title": "Jaws 3-D", "year": 1983, "genres": ["Horror"]},
    ], CatalogInfo(noun="movie")))
    assert labels(films, "shawshank is the best movie ever made") == [
        "Shawshank Redemption, The (1994)"]
    assert labels(films, "12 monkeys messed with my head") == ["Twelve Monkeys (1995)"]
    assert labels(films, "jaws 3 was so bad lol") == ["Jaws 3-D (1983)"]


def test_pick_and_choose_are_cues_for_a_lower_case_title(matcher, books):
    assert labels(matcher, "why did u pick fargo for me") == ["Fargo (1996)"]
    assert labels(books, "why did you choose dune") == ["Dune (1965)"]
    assert labels(matcher, "just pick one") == []
