"""Follow-up requests: an earlier ask in force, exclusions said as "take out", and dropping an
era said as "without the year thing" (films and books catalogs)."""

from __future__ import annotations

import pytest
from conftest import make_books_dataset, make_tiny_dataset

from chatrec.understand.parse import ParseContext, Parser


@pytest.fixture(params=["films", "books"])
def parser(request, fake_embedder) -> tuple[Parser, str, str]:
    """A parser, a genre word of its catalog and that genre's catalog name."""
    if request.param == "films":
        return Parser.from_catalog(make_tiny_dataset().catalog, fake_embedder), "romance", \
            "Romance"
    return Parser.from_catalog(make_books_dataset().catalog, fake_embedder), "fantasy", "Fantasy"


def test_an_addition_to_an_ask_in_force_refines_it(parser):
    p, word, _ = parser
    text = f"ooh and throw some {word} in there too"
    assert p.parse(text).intent == "recommend"  # nothing asked before: a request of its own
    assert p.parse(text, ParseContext(asked=True)).intent == "refine"
    assert p.parse("same but from the 60s", ParseContext(asked=True)).intent == "refine"


@pytest.mark.parametrize("cue", ["take out the", "leave out the", "cut out the"])
def test_take_out_excludes_the_genre_and_is_no_wish(parser, cue):
    p, word, genre = parser
    parsed = p.parse(f"{cue} {word} stuff", ParseContext(asked=True))
    assert parsed.delta.genres_out == (genre,) and parsed.delta.genres_in == ()
    assert parsed.intent == "refine" and parsed.delta.wish == ""


def test_without_the_year_thing_drops_the_era(parser):
    p, _, _ = parser
    assert p.parse("ok now without the year thing", ParseContext(asked=True)).drop == ("era",)
    assert p.parse("same again without the genre filter").drop == ("genre",)
    assert p.parse("a film without a love story").drop == ()
