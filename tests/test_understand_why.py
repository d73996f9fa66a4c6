"""Questions with no cue word: why-questions about a title ("how come fargo is on here"), a
shown pick named beside a verdict ("why fargo? weird pick"), "sure why not" after a pick's
title, which agrees rather than asks, and content questions of a pick and a word alone ("#4
gory?", "the phantom, for kids?"); films and books catalogs."""

from __future__ import annotations

import time

import pytest
from conftest import catalog_parser, title_index

from chatrec.understand.parse import ParseContext, Parser

# (a one-word title, a second title)
CATALOGS = {"films": ("fargo", "pulp fiction"), "books": ("dune", "gone girl")}


@pytest.fixture(params=["films", "books"])
def parser(request, fake_embedder) -> tuple[Parser, tuple[str, str]]:
    """A parser and the titles its catalog names in these tests."""
    return catalog_parser(request.param, fake_embedder), CATALOGS[request.param]


_index = title_index


@pytest.mark.parametrize("text", ["how come {t} is on here", "why is {t} even in this list",
                                  "why do you keep pushing {t} on me"])
def test_a_why_question_needs_no_cue_before_its_title(parser, text):
    p, (title, _) = parser
    parsed = p.parse(text.format(t=title))
    assert parsed.intent == "why" and list(parsed.targets) == [_index(p, title)]


def test_a_why_not_question_names_what_is_missing(parser):
    p, (title, other) = parser
    parsed = p.parse(f"how come theres no {title} in there",
                     ParseContext.on_screen((_index(p, other),)))
    assert parsed.intent == "why" and parsed.why_not
    assert list(parsed.targets) == [_index(p, title)]


def test_a_shown_pick_named_in_a_why_question_is_its_target(parser):
    p, (title, other) = parser
    shown = (_index(p, other), _index(p, title))
    parsed = p.parse(f"why {title}? weird pick", ParseContext.on_screen(shown))
    assert parsed.intent == "why" and list(parsed.targets) == [shown[1]]
    assert not parsed.reactions


def test_sure_why_not_after_a_title_accepts_it(parser):
    p, (title, other) = parser
    shown = (_index(p, other), _index(p, title))
    parsed = p.parse(f"{title} sure why not", ParseContext.on_screen(shown))
    assert parsed.intent == "feedback_ref" and not parsed.why_not
    assert [(r.index, str(r.act)) for r in parsed.reactions] == [(shown[1], "accept")]


@pytest.mark.parametrize(("text", "aspect"), [("#2 gory?", "violent"),
                                              ("{t}... is that like, explicit?", "explicit"),
                                              ("{t}, for kids?", "family")])
def test_a_content_question_needs_no_question_word(parser, text, aspect):
    p, (title, other) = parser
    shown = (_index(p, other), _index(p, title))
    parsed = p.parse(text.format(t=title), ParseContext.on_screen(shown))
    assert parsed.intent == "ask_item" and parsed.question == "content"
    assert parsed.question_aspect == aspect
    assert list(parsed.targets) == [shown[1]] or parsed.refs == (2,)


@pytest.mark.parametrize("text", ["something gory?", "anything for kids?"])
def test_a_request_with_a_content_word_asks_no_question(parser, text):
    p, (title, other) = parser
    parsed = p.parse(text, ParseContext.on_screen((_index(p, other), _index(p, title))))
    assert parsed.intent != "ask_item"


@pytest.mark.parametrize("text", ["🙂" * 2000, "x" * 2000, "<script>alert(1)</script>" * 80,
                                  "is " + "very " * 400 + "scary?", "- " * 1000 + "for kids?"])
def test_messages_at_the_length_cap_parse_quickly(parser, text):
    """The item-question patterns once backtracked cubically on 2,000 non-word characters (the
    app's message cap): a subject must start with a word and stay short."""
    p, _ = parser
    start = time.perf_counter()
    p.parse(text, ParseContext(shown=(0, 1)))
    assert time.perf_counter() - start < 2.0
