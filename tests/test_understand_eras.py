"""An explicit era beside a vague one ("old musicals before 1960", "newer, after 1990",
"older ones, nothing after 1980"), a negated "or earlier" ("nothing from the 50s or earlier")
and "older" before people ("for older kids"), which is an age; films and books catalogs."""

from __future__ import annotations

import pytest
from conftest import catalog_parser

from chatrec.understand.parse import Parser


@pytest.fixture(params=["films", "books"])
def parser(request, fake_embedder) -> Parser:
    """A parser of a films or a books catalog."""
    return catalog_parser(request.param, fake_embedder)


@pytest.mark.parametrize(("text", "bounds"), [
    ("old hollywood musicals before 1960", (None, 1959)),
    ("newer please, after 1990", (1991, None)),
    ("only the older ones please, nothing after 1980", (None, 1980)),
    ("these are fine but nothing from the 50s or earlier", (1960, None)),
    ("nothing from 1990 or later", (None, 1989)),
    ("the 70s or earlier", (None, 1979)),
])
def test_an_explicit_era_decides_over_a_vague_word(parser, text, bounds):
    delta = parser.parse(text).delta
    assert (delta.year_min, delta.year_max) == bounds


@pytest.mark.parametrize("text", ["something funny for older kids",
                                  "a comedy my younger sister would like"])
def test_older_before_people_is_an_age(parser, text):
    delta = parser.parse(text).delta
    assert (delta.year_min, delta.year_max) == (None, None)


def test_a_vague_word_alone_still_moves_the_era(parser):
    delta = parser.parse("older stuff please").delta
    assert delta.year_max is not None and delta.year_min is None
