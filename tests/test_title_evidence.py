"""Cautious title spotting (issue 12 item 2) and the negation forms and genre phrasings around it.

A bare lower-case span becomes a title only with enough evidence (the item's popularity against
how common its words are); idioms made of everyday words are no titles, well-known titles typed
in lower case are; sequel numbers and typos still match; a weak match is asked about and never
stored silently. Parser checks run on MovieLens-100k (real titles such as *Money Talks*), the
dialogue checks on a small film catalog and a small books catalog that hold idiom-like titles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_recommender import build

from chatrec.domain.catalog import CatalogInfo, Dataset, build_catalog
from chatrec.domain.loaders import load_dataset
from chatrec.understand.parse import Parser


@pytest.fixture(scope="module")
def ml100k():
    dataset = load_dataset("ml-100k")
    from chatrec.models.embedder import HashingEmbedder

    return dataset, Parser.from_dataset(dataset, HashingEmbedder(dim=64))


def _labels(dataset, indices) -> set[str]:
    return {dataset.catalog.label(i) for i in indices}


def _found(parsed) -> set[str]:
    """The titles a parse found with confidence."""
    return {m.matches[0].label for m in parsed.titles if m.confident}


def _named(dataset, parsed) -> set[str]:
    """Every title a parse acts on: liked, disliked or asked about / compared with."""
    delta = parsed.delta
    return _labels(dataset, (*delta.liked, *delta.disliked, *parsed.targets))


@pytest.mark.parametrize("text", [
    "money talks in this town, so something cheap and cheerful",
    "one fine day i'll see them all, a drama for now",
    "something to talk about with my date after, a romance",
    "fools rush in where they shouldn't, so choose carefully",
])
def test_an_everyday_phrase_is_no_title(ml100k, text) -> None:
    dataset, parser = ml100k
    parsed = parser.parse(text)
    assert _named(dataset, parsed) == set() and not parsed.clarify


@pytest.mark.parametrize(("text", "label"), [
    ("pulp fiction, anything like it?", "Pulp Fiction (1994)"),
    ("independence day was great", "Independence Day (ID4) (1996)"),
    ("star wars never gets old", "Star Wars (1977)"),
    ("men in black, more like that please", "Men in Black (1997)"),
])
def test_a_well_known_title_in_lower_case_needs_no_cue(ml100k, text, label) -> None:
    _, parser = ml100k
    assert _found(parser.parse(text)) == {label}


@pytest.mark.parametrize(("text", "label"), [
    ("star trek 3 was great", "Star Trek III: The Search for Spock (1984)"),
    ("i loved free willy 2", "Free Willy 2: The Adventure Home (1995)"),
    ("termnator 2 is the best sequel", "Terminator 2: Judgment Day (1991)"),
    ("monty pithon holy grail rocks", "Monty Python and the Holy Grail (1974)"),
    ("i loved raiders, what else is like it", "Raiders of the Lost Ark (1981)"),
    ("akira blew my mind", "Akira (1988)"),
])
def test_sequel_numbers_typos_and_short_names_find_their_title(ml100k, text, label) -> None:
    _, parser = ml100k
    assert _found(parser.parse(text)) == {label}


def test_a_verdict_on_a_title_describes_it_rather_than_asking_for_a_genre(ml100k) -> None:
    dataset, parser = ml100k
    parsed = parser.parse("the big lebowski is hilarious")
    assert parsed.intent == "like_title" and parsed.delta.genres_in == ()
    assert _labels(dataset, parsed.delta.liked) == {"The Big Lebowski (1998)"}
    parsed = parser.parse("austin powers wasnt funny to me")
    assert parsed.intent == "dislike_title" and parsed.delta.genres_out == ()


def test_a_correctly_spelt_word_is_no_typo_of_a_title(ml100k) -> None:
    dataset, parser = ml100k
    assert _named(dataset, parser.parse("so choose carefully, a drama")) == set()


def test_an_ambiguous_title_stores_no_verdict_and_asks(ml100k) -> None:
    _, parser = ml100k
    parsed = parser.parse("i liked star trek")
    assert parsed.clarify and parsed.delta.liked == ()


@pytest.mark.parametrize(("text", "genres_in", "genres_out"), [
    ("anything apart from comedy", (), ("Comedy",)),
    ("a mystery that isnt a thriller", ("Mystery",), ("Thriller",)),
    ("anything aside from action and sci fi", (), ("Action", "Sci-Fi")),
    ("besides westerns, what do you have", (), ("Western",)),
    ("never seen a western, where do i start", ("Western",), ()),
    ("musicals are a no from me", (), ("Musical",)),
    ("no comedy, just romance", ("Romance",), ("Comedy",)),
])
def test_negation_forms(ml100k, text, genres_in, genres_out) -> None:
    _, parser = ml100k
    delta = parser.parse(text).delta
    assert (delta.genres_in, delta.genres_out) == (genres_in, genres_out)


# -- the dialogue, on a film catalog and a books catalog --------------------------------------
FILMS = [  # item id, title, genres, ratings (popularity)
    ("f1", "Money Talks", ["Comedy", "Action"], 1),
    ("f2", "Pulp Fiction", ["Crime", "Drama"], 9),
    ("f3", "Heat", ["Crime", "Thriller"], 7),
    ("f4", "The Shining", ["Horror"], 6),
    ("f5", "Airplane!", ["Comedy"], 5),
    ("f6", "Big Night", ["Comedy", "Drama"], 1),
    ("f7", "Unforgiven", ["Western"], 4),
]
BOOKS = [
    ("b1", "Money Talks", ["Comedy", "Crime"], 1),
    ("b2", "Gone Girl", ["Crime", "Mystery"], 9),
    ("b3", "The Shining", ["Horror"], 8),
    ("b4", "Good Omens", ["Comedy", "Fantasy"], 6),
    ("b5", "Big Night", ["Comedy"], 1),
    ("b6", "Lonesome Dove", ["Western"], 4),
    ("b7", "The Big Sleep", ["Crime", "Mystery"], 5),
]
CATALOGS = {"films": (FILMS, "movie", "pulp fiction"), "books": (BOOKS, "book", "gone girl")}


def _make(rows, noun: str) -> Dataset:
    catalog = build_catalog([{"item_id": i, "title": t, "year": 1990 + k, "genres": g}
                             for k, (i, t, g, _) in enumerate(rows)], CatalogInfo(noun=noun))
    ratings = [(f"u{u}", i, 4.0) for i, _, _, n in rows for u in range(n)]
    frame = pd.DataFrame({
        "user": [u for u, _, _ in ratings],
        "item": [catalog.index_of(i) for _, i, _ in ratings],
        "rating": np.array([r for _, _, r in ratings], dtype=np.float32),
        "timestamp": np.arange(len(ratings), dtype=np.int64)})
    return Dataset(f"idioms-{noun}", catalog, frame, fingerprint=f"idioms{noun}01")


@pytest.fixture(params=sorted(CATALOGS))
def chat(request, fake_embedder, tmp_path):
    rows, noun, well_known = CATALOGS[request.param]
    rec = build(_make(rows, noun), fake_embedder, tmp_path / "titles.db")
    return rec, noun, well_known


def test_an_idiom_is_never_stored_as_a_like(chat) -> None:
    rec, noun, _ = chat
    user = rec.new_user_id()
    turn = rec.respond(user, f"money talks, they say, and i'm broke and bored: a funny {noun}")
    assert rec.profile(user)["liked"] == [] and rec.profile(user)["disliked"] == []
    assert turn.recommendations and not turn.text.startswith("Do you mean")
    rec.respond(user, "what a big night, loved it, give me another")
    assert rec.profile(user)["liked"] == []


def test_a_lower_case_well_known_title_is_found_without_a_cue(chat) -> None:
    rec, noun, well_known = chat
    user = rec.new_user_id()
    rec.respond(user, f"{well_known} is a masterpiece")
    assert rec.profile(user)["liked"] == [rec.catalog.label(rec.catalog.titles.index(
        "Gone Girl" if noun == "book" else "Pulp Fiction"))]


def test_anything_apart_from_comedy_excludes_comedy(chat) -> None:
    rec, _, _ = chat
    user = rec.new_user_id()
    turn = rec.respond(user, "anything apart from comedy")
    assert turn.recommendations
    assert all("Comedy" not in r.genres for r in turn.recommendations)
    turn = rec.respond(rec.new_user_id(), "something that will give me the creeps")
    assert turn.recommendations and "Horror" in turn.recommendations[0].genres


def test_a_low_confidence_title_is_asked_about(chat) -> None:
    rec, _, _ = chat
    user = rec.new_user_id()
    turn = rec.respond(user, "big night was lovely")  # a verdict, but everyday words, rare item
    assert turn.text.startswith("Do you mean") and rec.profile(user)["liked"] == []
    rec.respond(user, "yes")
    assert rec.profile(user)["liked"] == [rec.catalog.label(rec.catalog.titles.index(
        "Big Night"))]
