"""Numbers that name picks on screen: a sequel by its number ("star trek 3" for Star Trek III,
not the other Treks shown), a title made of a number ("2001", "1984") that no year or position
takes, and coined short names written with a joining mark ("s&s"); films and books."""

from __future__ import annotations

import dataclasses

import pytest

from chatrec.domain.catalog import CatalogInfo, build_catalog
from chatrec.domain.vocabulary import Vocabulary
from chatrec.understand.parse import ParseContext, Parser

SERIES = {
    "films": (CatalogInfo(noun="movie", synonym="film"),
              ["Star Trek: First Contact", "Star Trek III: The Search for Spock",
               "2001: A Space Odyssey", "Sense and Sensibility", "Emma"],
              "star trek", "2001"),
    "books": (CatalogInfo(noun="book"),
              ["Dune: House Atreides", "Dune III: Children of Dune", "1984",
               "Sense and Sensibility", "Emma"],
              "dune", "1984"),
}


@pytest.fixture(params=["films", "books"])
def screen(request, fake_embedder) -> tuple[Parser, ParseContext, str, str]:
    """A parser for a small series catalog, every item of it on screen, the series' name and
    the number-title."""
    info, titles, series, number = SERIES[request.param]
    catalog = build_catalog([{"item_id": str(k), "title": t, "year": 1980 + k, "genres": ["Drama"]}
                             for k, t in enumerate(titles)], info)
    names = {"s&s": ("Sense and Sensibility",)}
    vocabulary = dataclasses.replace(Vocabulary.from_catalog(catalog), nicknames=names)
    parser = Parser.from_catalog(catalog, fake_embedder, vocabulary)
    return parser, ParseContext.on_screen(tuple(range(len(titles)))), series, number


def test_a_sequel_number_names_that_part_on_screen(screen):
    p, context, series, _ = screen
    parsed = p.parse(f"{series} 3 is mid, seen it", context)
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(1, "seen_disliked")]
    assert not parsed.ambiguous_titles  # the pick on screen says which one was meant


def test_a_title_made_of_a_number_is_the_pick_not_a_year(screen):
    p, context, _, number = screen
    parsed = p.parse(f"{number} i tried twice and turned it off", context)
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(2, "seen_disliked")]
    assert parsed.delta.year_min is None and parsed.intent == "feedback_ref"
    assert p.parse("seen 2, loved it", context).reactions[0].index == 1  # a small one: a position


def test_a_joined_short_name_needs_no_cue(screen):
    p, context, _, _ = screen
    parsed = p.parse("s&s and emma seen, loved both", context)
    assert sorted((r.index, str(r.act)) for r in parsed.reactions) == [
        (3, "seen_liked"), (4, "seen_liked")]
    assert [m.matches[0].index for m in p.titles.find_in_text("s&s is on my list")] == [3]
