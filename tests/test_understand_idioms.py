"""Verdict idioms on picks and titles ("tried it, turned it off", "seen it 20 times", "changed
my life", "didnt do it for me"), and titles typed loosely: without their apostrophe, before a
question mark, or with a two-digit year ("heat from 95"); films and books catalogs."""

from __future__ import annotations

import pytest
from conftest import catalog_parser, title_index

from chatrec.understand.lexicon import tokenize
from chatrec.understand.parse import ParseContext, Parser
from chatrec.understand.title_text import title_keys, trailing_year

# (a title of the catalog, its year's last two digits, a second title)
CATALOGS = {"films": ("fargo", "96", "pulp fiction"), "books": ("dune", "65", "gone girl")}


@pytest.fixture(params=["films", "books"])
def parser(request, fake_embedder) -> tuple[Parser, tuple[str, str, str]]:
    """A parser and the titles its catalog names in these tests."""
    return catalog_parser(request.param, fake_embedder), CATALOGS[request.param]


_index = title_index


@pytest.mark.parametrize(("verdict", "act"), [
    ("tried it, turned it off after 20 min", "seen_disliked"),
    ("{t}? seen it twice, once would have been enough", "seen_disliked"),
    ("already suffered through it once, no thanks", "seen_disliked"),
    ("{t} i started once and bailed halfway", "seen_disliked"),
    ("{t} is mid, seen it", "seen_disliked"),
    ("{t}! seen it loads", "seen_liked"),
    ("saw it 3 times in school", "seen"),  # a count alone judges nothing
    ("seen it loads, that ending is everything", "seen_liked"),
    ("{t} still gets me every time", "seen_liked"),
    ("{t} is my comfort {n} lol", "seen_liked"),
    ("{t} ive seen, just not my thing", "seen_disliked"),
    ("seen it too many times", "seen"),  # how often, no verdict
])
def test_idioms_of_a_viewing_judge_the_pick(parser, verdict, act):
    p, (title, _, other) = parser
    shown = (_index(p, title), _index(p, other))
    noun = "movie" if title == "fargo" else "book"
    parsed = p.parse(verdict.format(t=title, n=noun), ParseContext.on_screen(shown))
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(shown[0], act)]
    assert parsed.intent == "feedback_ref"


@pytest.mark.parametrize(("text", "intent"), [
    ("{o} changed my life ngl", "like_title"),
    ("{o} gets me every time", "like_title"),
    ("{o} is such a blast", "like_title"),
    ("{o} didnt do it for me", "dislike_title"),
    ("{o} was a disaster lol", "dislike_title"),
    ("{t} was sick", "like_title"),
    ("{t}? never again", "dislike_title"),
])
def test_idioms_judge_a_title_off_screen(parser, text, intent):
    p, (title, _, other) = parser
    parsed = p.parse(text.format(t=title, o=other))
    named = title if "{t}" in text else other
    verdicts = parsed.delta.liked if intent == "like_title" else parsed.delta.disliked
    assert parsed.intent == intent and list(verdicts) == [_index(p, named)]


def test_sick_of_is_no_praise(parser):
    p, (title, _, _) = parser
    parsed = p.parse(f"i was sick of {title} after a while")
    assert _index(p, title) not in parsed.delta.liked


def test_a_two_digit_year_after_a_title_picks_that_title(parser):
    p, (title, year, _) = parser
    parsed = p.parse(f"{title} from {year} is a masterpiece")
    assert parsed.intent == "like_title" and list(parsed.delta.liked) == [_index(p, title)]
    assert parsed.delta.year_min is None and parsed.delta.year_max is None
    tokens = tokenize("heat from '05 was great")
    assert trailing_year("heat from '05 was great", tokens, 1)[0] == 2005


def test_a_title_is_keyed_without_its_apostrophe():
    assert "its a wonderful life" in title_keys("It's a Wonderful Life (1946)")
    assert "schindlers list" in title_keys("Schindler's List (1993)")
