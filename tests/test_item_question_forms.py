"""Item questions in chat forms (films and books): the item first and the question after it
("{t} is it sad?"), a pick pointed at with no title ("who is that", "hows it rated", "the last
one, any good?", "is 3 popular?"), and a question sentence after another ("whos in it, tom
hanks?")."""

from __future__ import annotations

import pytest
from conftest import catalog_parser

from chatrec.understand.message import Intent
from chatrec.understand.parse import ParseContext, Parser

TITLES = {"films": "pulp fiction", "books": "gone girl"}


@pytest.fixture(params=sorted(TITLES))
def parser(request, fake_embedder) -> tuple[Parser, str]:
    """A parser and a title of its catalog."""
    return catalog_parser(request.param, fake_embedder), TITLES[request.param]


SCREEN = ParseContext.on_screen((0, 1, 2, 3))


@pytest.mark.parametrize(("template", "kind"), [
    ("{t} is it sad?", "content"),
    ("{t} might be too scary for a 5yo? is it", "content"),
    ("is {t} too mean for an 8yo", "content"),
])
def test_a_question_after_the_title_it_asks_about(parser, template, kind):
    p, title = parser
    parsed = p.parse(template.format(t=title))
    assert (parsed.intent, parsed.question) == (Intent.ASK_ITEM, kind)
    assert [p.titles.catalog.titles[i].lower() for i in parsed.targets] == [title]


def test_a_worry_without_a_question_mark_is_no_question(parser):
    p, title = parser
    index = [t.lower() for t in p.titles.catalog.titles].index(title)
    context = ParseContext.on_screen((index, 0 if index else 1))
    parsed = p.parse(f"{title} might be too creepy for her", context)
    assert parsed.intent is not Intent.ASK_ITEM


@pytest.mark.parametrize(("text", "kind", "refs"), [
    ("who is that", "about", (0,)), ("whats that even", "about", (0,)),
    ("whos in it, tom hanks?", "cast", (0,)), ("how long ago did it come out", "age", (0,)),
    ("hows it rated", "rating", (0,)), ("the last one, any good?", "rating", (-1,)),
    ("is 3 popular? never heard of it", "popularity", (3,)),
])
def test_a_question_about_a_pick_with_no_title(parser, text, kind, refs):
    p, _ = parser
    parsed = p.parse(text, SCREEN)
    assert (parsed.intent, parsed.question, parsed.refs) == (Intent.ASK_ITEM, kind, refs)
    assert all(r.positive is None for r in parsed.reactions)  # a question stores no verdict
