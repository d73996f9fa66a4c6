"""Verdicts typed as idioms ("i could quote the whole thing", "couldnt finish", "blew me away",
"in a good way"), verdicts that carry back over a clause without one, a "no" that answers "seen
it?" rather than refusing, and other people's verdicts against the speaker's; films and books
catalogs."""

from __future__ import annotations

import pytest
from conftest import catalog_parser, title_index

from chatrec.understand.parse import ParseContext, Parser

# (a title of the catalog, a second title)
CATALOGS = {"films": ("fargo", "pulp fiction"), "books": ("dune", "gone girl")}


@pytest.fixture(params=["films", "books"])
def parser(request, fake_embedder) -> tuple[Parser, tuple[str, str]]:
    """A parser and the titles its catalog names in these tests."""
    return catalog_parser(request.param, fake_embedder), CATALOGS[request.param]


_index = title_index


@pytest.mark.parametrize(("text", "act"), [
    ("{t} i could quote the whole thing", "seen_liked"),
    ("{t} i couldnt finish", "seen_disliked"),
    ("{t}, seen, didnt care for it", "seen_disliked"),
    ("{t} is one of my all time favs", "seen_liked"),
    ("{t} freaked me out too much last time", "seen_disliked"),
    ("{t} lmao yes my kids will love it", "accept"),  # a guess about the future: not seen
    ("my brother loved {t}, im a wimp so no", "reject"),  # the speaker's own word decides
    ("hmm idk, maybe not", "reject"),
    ("nope never seen that", "not_seen"),  # "nope" answers "seen it?", it refuses nothing
])
def test_idioms_judge_the_pick_on_screen(parser, text, act):
    p, (title, other) = parser
    shown = (_index(p, title), _index(p, other))
    parsed = p.parse(text.format(t=title), ParseContext.on_screen(shown))
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(shown[0], act)]
    assert parsed.intent == "feedback_ref"


def test_a_no_before_not_seen_stores_no_dislike(parser):
    p, (title, other) = parser
    shown = (_index(p, title), _index(p, other))
    parsed = p.parse("nah havent seen it", ParseContext.on_screen(shown))
    assert [r.positive for r in parsed.reactions] == [None]
    refused = p.parse("never seen it and dont want to, no", ParseContext.on_screen(shown))
    assert [str(r.act) for r in refused.reactions] == ["reject"]


def test_a_verdict_carries_back_over_seen_clauses(parser):
    p, (title, other) = parser
    shown = (_index(p, title), _index(p, other))
    parsed = p.parse(f"{title} seen, {other} seen, both good", ParseContext.on_screen(shown))
    assert sorted((r.index, str(r.act)) for r in parsed.reactions) == sorted(
        [(shown[0], "seen_liked"), (shown[1], "seen_liked")])


@pytest.mark.parametrize(("text", "intent"), [
    ("{o} blew me away", "like_title"),
    ("{o} is one of my favs", "like_title"),
    ("{o} was my whole childhood", "like_title"),
    ("{o}, the ending stays with you, love it", "like_title"),  # "it" reaches back two clauses
    ("{o} messed with my head, in a good way", "like_title"),  # a verdict-only clause
    ("{o}? i couldnt finish it", "dislike_title"),
])
def test_idioms_judge_a_title_off_screen(parser, text, intent):
    p, (_, other) = parser
    parsed = p.parse(text.format(o=other))
    verdicts = parsed.delta.liked if intent == "like_title" else parsed.delta.disliked
    assert parsed.intent == intent and list(verdicts) == [_index(p, other)]



def test_many_viewings_say_the_pick_is_loved(parser):
    p, (title, other) = parser
    shown = (_index(p, title), _index(p, other))
    loved = p.parse(f"{title}! seen it 20 times", ParseContext.on_screen(shown))
    assert [str(r.act) for r in loved.reactions] == ["seen_liked"]
    counted = p.parse(f"{title}, saw it 3 times in school", ParseContext.on_screen(shown))
    assert [str(r.act) for r in counted.reactions] == ["seen"]


def test_had_enough_of_those_turns_down_every_pick(parser):
    p, (title, other) = parser
    shown = (_index(p, title), _index(p, other))
    parsed = p.parse("nah ive had enough of those", ParseContext.on_screen(shown))
    assert sorted((r.index, str(r.act)) for r in parsed.reactions) == sorted(
        [(shown[0], "reject"), (shown[1], "reject")])


def test_a_decade_after_a_seen_clause_is_asked_for(parser):
    p, (title, other) = parser
    shown = (_index(p, title), _index(p, other))
    parsed = p.parse(f"{title} seen, got anything from the 80s", ParseContext.on_screen(shown))
    assert parsed.intent == "refine" and [r.index for r in parsed.reactions] == [shown[0]]
    assert (parsed.delta.year_min, parsed.delta.year_max) == (1980, 1989)
    dated = p.parse(f"saw {title} in 1989, loved it")
    assert (dated.delta.year_min, dated.delta.year_max) == (None, None)


def test_someone_elses_viewings_say_nothing_of_the_speaker(parser):
    p, (title, other) = parser
    shown = (_index(p, title), _index(p, other))
    parsed = p.parse(f"she's seen {title} like 50 times", ParseContext.on_screen(shown))
    assert [str(r.act) for r in parsed.reactions] == ["seen"]


def test_a_recent_viewing_is_no_era_and_its_verdict_carries_back(parser):
    p, (_, other) = parser
    parsed = p.parse(f"saw {other} recently, so good")
    assert parsed.intent == "like_title" and list(parsed.delta.liked) == [_index(p, other)]
    assert (parsed.delta.year_min, parsed.delta.year_max) == (None, None)


def test_a_liked_title_and_what_else_to_try_recommends(parser):
    p, (_, other) = parser
    verb = "watch" if other == "pulp fiction" else "read"
    parsed = p.parse(f"i loved {other}, what else should i {verb}")
    assert parsed.intent == "recommend" and list(parsed.delta.liked) == [_index(p, other)]
