"""Weak intents in new phrasings (goodbyes, starting over, help, profile, forget) and praise of
the bot with picks on screen, which judges no pick ("lol youre pretty good at this"); films and
books catalogs."""

from __future__ import annotations

import pytest
from conftest import catalog_parser, title_index

from chatrec.understand.parse import ParseContext, Parser

CATALOGS = {"films": ("fargo", "pulp fiction", "movies"), "books": ("dune", "gone girl", "books")}


@pytest.fixture(params=["films", "books"])
def parser(request, fake_embedder) -> tuple[Parser, tuple[str, str, str]]:
    """A parser, two titles of its catalog and its plural item noun."""
    return catalog_parser(request.param, fake_embedder), CATALOGS[request.param]


_index = title_index


@pytest.mark.parametrize(("text", "intent"), [
    ("catch ya later", "goodbye"),
    ("laterz", "goodbye"),
    ("talk tmrw", "goodbye"),
    ("back to square one", "reset"),
    ("what are my options here", "help"),
    ("what kind of stuff do you understand", "help"),
    ("list the {n} i said i liked", "profile"),
    ("list the {n} ive given a thumbs up or down", "profile"),
    ("based on everything ive told you, what kind of fan am i", "profile"),
    ("i dont want you keeping my likes anymore, remove them all", "forget"),
    ("my cat just walked on the keyboard sorry", "smalltalk"),
])
def test_weak_intents_in_new_phrasings(parser, text, intent):
    p, (_, _, noun) = parser
    parsed = p.parse(text.format(n=noun))
    assert parsed.intent == intent
    if intent == "reset":
        assert parsed.drop == ("all",)


@pytest.mark.parametrize("text", ["lol youre pretty good at this", "haha nice one bot",
                                  "this is kinda fun actually"])
def test_praise_of_the_bot_judges_no_pick(parser, text):
    p, (title, other, _) = parser
    parsed = p.parse(text, ParseContext.on_screen((_index(p, title), _index(p, other))))
    assert parsed.intent == "smalltalk" and not parsed.reactions


def test_a_pick_named_beside_words_to_the_bot_is_still_judged(parser):
    p, (title, other, _) = parser
    shown = (_index(p, other), _index(p, title))
    parsed = p.parse(f"youre right, {title} looks good", ParseContext.on_screen(shown))
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(shown[1], "accept")]


@pytest.mark.parametrize("text", ["somethin with boxing in it", "a good biopic about a musician"])
def test_a_loose_request_with_a_wish_recommends(parser, text):
    p = parser[0]
    parsed = p.parse(text)
    assert parsed.intent == "recommend" and parsed.delta.wish


def test_dropping_a_thing_refines(parser):
    p = parser[0]
    assert p.parse("drop the spielberg thing, any director").intent == "refine"


def test_a_longer_list_is_a_count(parser):
    p = parser[0]
    parsed = p.parse("can u make the list longer")
    assert parsed.intent == "refine" and parsed.count == 10


def test_the_other_two_are_the_last_two_picks(parser):
    p, (title, other, _) = parser
    catalog = p.titles.catalog
    shown = tuple(range(len(catalog)))[:5]
    parsed = p.parse("the other two ill skip", ParseContext.on_screen(shown))
    assert [(r.ref, str(r.act)) for r in parsed.reactions] == [(4, "reject"), (5, "reject")]


def test_a_no_before_asking_for_other_picks_turns_down_no_pick(parser):
    p, (title, other, _) = parser
    shown = (_index(p, title), _index(p, other))
    parsed = p.parse("nah show me some different ones", ParseContext.on_screen(shown))
    assert parsed.intent == "refine" and not parsed.reactions
    kept = p.parse("nah not that one, show me others", ParseContext.on_screen(shown))
    assert [str(r.act) for r in kept.reactions] == ["reject"]
