"""Follow-up requests: an earlier ask in force, exclusions said as "take out", and dropping an
era said as "without the year thing" (films and books catalogs)."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import make_books_dataset, make_tiny_dataset

from chatrec.domain.vocabulary import Vocabulary
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


SCREENS = {"films": ("pulp fiction", "sleepless in seattle"),
           "books": ("gone girl", "me before you")}


def _screen(p: Parser) -> tuple[ParseContext, dict[str, int]]:
    titles = [t.lower() for t in p.titles.catalog.titles]
    names = SCREENS["films" if "pulp fiction" in titles else "books"]
    shown = tuple(titles.index(n) for n in names) + (0,)
    return ParseContext.on_screen(shown), dict(zip(names, shown, strict=False))


@pytest.mark.parametrize(("verdict", "act"), [
    ("{t} is the weakest one, skip", "seen_disliked"),  # ranked against others: seen
    ("{t} freaks me out lol, no", "seen_disliked"),
    ("{t} is kinda boring", "seen_disliked"),
    ("{t} sounds boring", "reject"),  # not seen: judged from the description
    ("{t} freaks me out but i love it", "seen_liked"),
])
def test_blame_that_needs_a_viewing_is_seen_disliked(parser, verdict, act):
    p, _, _ = parser
    context, names = _screen(p)
    title = next(iter(names))
    reactions = p.parse(verdict.format(t=title), context).reactions
    assert [(r.index, str(r.act)) for r in reactions] == [(names[title], act)]


def test_someone_elses_verdict_in_the_titles_clause_is_not_the_speakers(parser):
    p, _, _ = parser
    context, names = _screen(p)
    title = next(iter(names))
    reactions = p.parse(f"my wife loved {title}, i didnt", context).reactions
    assert [str(r.act) for r in reactions] == ["seen_disliked"]


def test_n_stands_for_and_in_a_title(fake_embedder):
    from chatrec.domain.catalog import normalize_title

    assert normalize_title("Dumb & Dumber") == normalize_title("dumb n dumber")
    assert normalize_title("n sync") == "n sync"  # only between two words


def test_a_coined_nickname_needs_no_cue(fake_embedder):
    catalog = make_tiny_dataset().catalog
    names = {"rdgs": ("Reservoir Dogs",), "dogs": ("Reservoir Dogs",)}
    vocab = dataclasses.replace(Vocabulary.from_catalog(catalog), nicknames=names)
    p = Parser.from_catalog(catalog, fake_embedder, vocab)
    dogs = [t.lower() for t in catalog.titles].index("reservoir dogs")
    found = p.titles.find_in_text("rdgs is on my list")
    assert [m.matches[0].index for m in found] == [dogs]
    assert not p.titles.find_in_text("dogs is on my list")  # an English word needs a cue
    assert [m.matches[0].index for m in p.titles.find_in_text("i loved dogs")] == [dogs]


def test_too_much_for_me_judges_and_nothing_that_violent_asks_anew(parser):
    p, _, _ = parser
    context, names = _screen(p)
    title = next(iter(names))
    parsed = p.parse(f"{title} was too much for me, nothing that violent pls", context)
    assert parsed.intent == "refine" and "violent" in parsed.delta.avoid
    assert [str(r.act) for r in parsed.reactions] in (["reject"], ["seen_disliked"])
    assert p.parse(f"{title} is too violent for me", context).intent == "feedback_ref"
    assert str(p.parse("seen it too much", context).reactions[0].act) == "seen"


def test_a_verdict_pointing_back_at_picks_seen_judges_them(parser):
    p, _, _ = parser
    context, names = _screen(p)
    first, second = names
    parsed = p.parse(f"{first} and {second} seen, loved both, the last one no way", context)
    acts = {r.index: str(r.act) for r in parsed.reactions}
    assert acts[names[first]] == acts[names[second]] == "seen_liked"
    parsed = p.parse(f"{first} and {second} seen, the last one loved it", context)
    assert {str(r.act) for r in parsed.reactions if r.index in names.values()} == {"seen"}


@pytest.mark.parametrize("text", ["how old are you", "are you smarter than siri",
                                  "brb getting snacks", "sorry was afk", "whats ur fav one"])
def test_chat_that_asks_for_nothing_is_small_talk(parser, text):
    p, _, _ = parser
    p.intents.threshold = 2.0  # no exemplar is near enough: the rules alone decide
    assert p.parse(text).intent == "smalltalk"
    assert p.parse("asdfgh").intent == "unknown"


def test_requests_and_gibberish_are_no_small_talk(parser):
    p, word, genre = parser
    parsed = p.parse(f"do you have any {word} ones")
    assert parsed.intent == "recommend" and parsed.delta.genres_in == (genre,)
    assert p.parse(f"can you suggest some {word} lol").intent == "recommend"
    assert p.parse("asdfgh").intent != "smalltalk"
