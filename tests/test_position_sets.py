"""Reactions to several picks at once and the weak intents (issue 12, dev5's failure kinds):
position ranges and the middle of the list, whole-screen verdicts with a new request, several
acts on several picks in one line, a reaction inside a question, short soft verdicts, verdicts
on a title with no cue, and goodbyes / small talk / off-topic asks in chat shorthand, on the
tiny films AND books catalogs."""

from __future__ import annotations

import pytest
from conftest import make_books_dataset, make_tiny_dataset
from test_recommender import build

from chatrec.understand.message import Intent
from chatrec.understand.parse import ParseContext, Parser
from chatrec.understand.reactions import Act
from chatrec_eval.nlu_v2 import counted_from_top

# name: (dataset factory, what one does with an item, its past form)
CATALOGS = {"films": (make_tiny_dataset, "watch", "seen"),
            "books": (make_books_dataset, "read", "read")}


@pytest.fixture(params=sorted(CATALOGS))
def setup(request, fake_embedder):
    factory, verb, done = CATALOGS[request.param]
    dataset = factory()
    parser = Parser.from_catalog(dataset.catalog, fake_embedder)
    titles = [t.lower().removesuffix(", the") for t in dataset.catalog.titles]
    return parser, titles, verb, done


def _acts(parsed) -> dict[int, Act]:
    return {r.index: r.act for r in parsed.reactions}


def test_a_range_of_positions_reacts_for_each(setup) -> None:
    parser, _, _, done = setup
    shown = ParseContext.on_screen([0, 1, 2, 3, 4])
    assert _acts(parser.parse(f"1-3 {done}", shown)) == dict.fromkeys([0, 1, 2], Act.SEEN)
    assert _acts(parser.parse(f"{done} 2 to 4", shown)) == dict.fromkeys([1, 2, 3], Act.SEEN)
    assert parser.parse(f"1-3 {done}", shown).refs == (1, 2, 3)


def test_the_middle_ones_count_from_the_list_length(setup) -> None:
    parser, _, _, done = setup
    parsed = parser.parse(f"the middle two ive {done}", ParseContext.on_screen([0, 1, 2, 3]))
    assert _acts(parsed) == {1: Act.SEEN, 2: Act.SEEN}
    assert parser.parse("the middle one pls", ParseContext.on_screen([0, 1, 2, 3, 4])).refs == (3,)


def test_none_of_these_with_a_new_wish_rejects_all_and_refines(setup) -> None:
    parser, _, _, _ = setup
    parsed = parser.parse("none of these, somthing less dark", ParseContext.on_screen([0, 1, 2]))
    assert _acts(parsed) == dict.fromkeys([0, 1, 2], Act.REJECT)
    assert parsed.intent is Intent.REFINE


def test_several_acts_on_several_picks_in_one_line(setup) -> None:
    parser, titles, _, done = setup
    shown = ParseContext.on_screen([0, 1, 2, 3, 4])
    parsed = parser.parse(f"{done} 1 and 3, {titles[3]} looks good", shown)
    assert _acts(parsed) == {0: Act.SEEN, 2: Act.SEEN, 3: Act.ACCEPT}
    parsed = parser.parse(f"{titles[1]} sounds good, the others not so much", shown)
    assert _acts(parsed) == {1: Act.ACCEPT, **dict.fromkeys([0, 2, 3, 4], Act.REJECT)}
    assert parsed.intent is Intent.FEEDBACK_REF


def test_all_but_one_then_a_clause_about_the_one_left_out(setup) -> None:
    parser, _, _, done = setup
    parsed = parser.parse(f"{done} all except the last one, havent got to that",
                          ParseContext.on_screen([0, 1, 2, 3]))
    assert _acts(parsed) == {**dict.fromkeys([0, 1, 2], Act.SEEN), 3: Act.NOT_SEEN}
    parsed = parser.parse(f"{done} all but the last", ParseContext.on_screen([0, 1, 2, 3]))
    assert _acts(parsed) == dict.fromkeys([0, 1, 2], Act.SEEN)
    assert -1 not in parsed.refs  # the pick left out is not pointed at


def test_a_reaction_after_a_question_is_kept(setup) -> None:
    parser, titles, _, _ = setup
    parsed = parser.parse(f"is {titles[2]} any good? never heard of it",
                          ParseContext.on_screen([0, 1, 2]))
    assert parsed.intent is Intent.ASK_ITEM
    assert _acts(parsed) == {2: Act.NOT_SEEN}


@pytest.mark.parametrize(("text", "act"), [("{0}... eh", Act.REJECT),
                                          ("#1 sounds intresting", Act.ACCEPT),
                                          ("{0} added to my list", Act.ACCEPT),
                                          ("cheers, {0} it is", Act.ACCEPT),
                                          ("sounds depressing ngl", Act.REJECT),
                                          ("hm those arent really my thing", Act.REJECT)])
def test_short_soft_verdicts_on_a_pick(setup, text, act) -> None:
    parser, titles, _, _ = setup
    parsed = parser.parse(text.format(titles[0]), ParseContext.on_screen([0, 1, 2], focus=0))
    assert parsed.intent is Intent.FEEDBACK_REF
    assert {r.act for r in parsed.reactions} == {act}


def test_two_named_picks_both_fine(setup) -> None:
    parser, titles, _, _ = setup
    parsed = parser.parse(f"{titles[1]} and {titles[2]} both fine",
                          ParseContext.on_screen([0, 1, 2]))
    assert _acts(parsed) == {1: Act.ACCEPT, 2: Act.ACCEPT}


def test_verdicts_on_titles_with_no_cue(setup) -> None:
    parser, titles, _, _ = setup
    parsed = parser.parse(f"{titles[8]} and {titles[9]}, love both")
    assert parsed.intent is Intent.LIKE_TITLE and set(parsed.delta.liked) == {8, 9}
    parsed = parser.parse(f"{titles[9]}, never again")
    assert parsed.intent is Intent.DISLIKE_TITLE and parsed.delta.disliked == (9,)


def test_a_question_about_a_pick_named_before_it(setup) -> None:
    parser, titles, _, _ = setup
    parsed = parser.parse(f"{titles[1]}? who or what is that", ParseContext.on_screen([0, 1]))
    assert (parsed.intent, parsed.question, parsed.targets) == (Intent.ASK_ITEM, "about", (1,))
    parsed = parser.parse(f"{titles[1]} lol whats that", ParseContext.on_screen([0, 1]))
    assert (parsed.question, parsed.targets) == ("about", (1,))
    parsed = parser.parse(f"{titles[1]} came out when exactly?")
    assert (parsed.intent, parsed.question) == (Intent.ASK_ITEM, "age")


@pytest.mark.parametrize(("text", "intent"), [
    ("ok gtg", Intent.GOODBYE), ("aight peace", Intent.GOODBYE),
    ("lmao ur kinda sassy", Intent.SMALLTALK), ("i'm good thanks for asking", Intent.SMALLTALK),
    ("dang ur better at this than my friends", Intent.SMALLTALK),
    ("ugh mondays", Intent.SMALLTALK), ("omg thank youuu", Intent.THANKS),
    ("did the lakers win yesterday", Intent.OFF_TOPIC), ("how do i fix my wifi", Intent.OFF_TOPIC),
    ("quick math q: 17x23?", Intent.OFF_TOPIC),
    ("is there a list of commands or something", Intent.HELP)])
def test_weak_intents_in_chat_shorthand(setup, text, intent) -> None:
    parser, _, _, _ = setup
    assert parser.parse(text).intent is intent


def test_positions_from_the_bottom_compare_with_positions_from_the_top() -> None:
    shown = ["a", "b", "c", "d", "e"]
    assert counted_from_top([-2, -1, 0, 1], shown) == [4, 5, 0, 1]
    assert counted_from_top([-1], []) == [-1]


def test_a_whole_screen_rejection_and_a_question_store_what_they_say(fake_embedder,
                                                                      tmp_path) -> None:
    for factory, noun in ((make_tiny_dataset, "movie"), (make_books_dataset, "book")):
        rec = build(factory(), fake_embedder, tmp_path / f"{noun}.db")
        user = rec.new_user_id()
        picks = rec.respond(user, f"recommend me a {noun}").recommendations
        start = len(rec.store.events(user))
        title = picks[0].title.lower().removesuffix(", the")
        rec.respond(user, f"is {title} any good? never heard of it")
        assert rec.profile(user)["disliked"] == []
        rec.respond(user, "none of these")
        signals = {e.item_id: e.signal for e in rec.store.events(user)[start:] if e.item_id}
        assert {signals.get(p.item_id) for p in picks} == {"dislike"}


@pytest.mark.parametrize(("text", "act"), [
    ("{0} is on my list", Act.ACCEPT), ("{0} is on my list, never got to it", Act.NOT_SEEN),
    ("{0} and {1} i've both {done}, they're ok", Act.SEEN_LIKED),
    ("{0} is really confusing, didnt like it", Act.SEEN_DISLIKED),
    ("{0}? not a fantasy person sorry", Act.REJECT),
    ("{0} {done} it 3 times ok, no regrets", Act.SEEN_LIKED)])
def test_verdict_phrases_on_named_picks(setup, text, act) -> None:
    parser, titles, _, done = setup
    parsed = parser.parse(text.format(titles[0], titles[1], done=done),
                          ParseContext.on_screen([0, 1, 2]))
    assert {r.act for r in parsed.reactions} == {act}
    assert {r.index for r in parsed.reactions} <= {0, 1}


def test_a_one_word_title_typed_as_two_words(fake_embedder) -> None:
    # the films catalog has no one-word title long enough to split ("fargo" is too short)
    parser = Parser.from_catalog(make_books_dataset().catalog, fake_embedder)
    parsed = parser.parse("neuro mancer nah", ParseContext.on_screen([0, 1, 2]))
    assert _acts(parsed) == {2: Act.REJECT}
    assert _acts(parser.parse("heat wave nah", ParseContext.on_screen([0, 1, 2]))) != {
        2: Act.REJECT}


def test_a_verdict_after_several_exclamation_marks_judges_the_title(setup) -> None:
    parser, titles, _, _ = setup
    parsed = parser.parse(f"{titles[9]}!!! best ever")
    assert parsed.intent is Intent.LIKE_TITLE and parsed.delta.liked == (9,)


@pytest.mark.parametrize(("text", "intent"), [
    ("ive {done} all of those. others?", Intent.REFINE),
    ("nah none of these, funnier stuff", Intent.REFINE)])
def test_a_reaction_with_a_request_refines(setup, text, intent) -> None:
    parser, _, _, done = setup
    parsed = parser.parse(text.format(done=done), ParseContext.on_screen([0, 1, 2]))
    assert parsed.intent is intent and len(parsed.reactions) == 3


@pytest.mark.parametrize("text", ["list the {noun}s i gave ratings to",
                                  "what do you have on me so far"])
def test_profile_questions_in_other_words(setup, text) -> None:
    parser, _, _, _ = setup
    noun = parser.vocabulary.item_nouns[0][0]
    assert parser.parse(text.format(noun=noun)).intent is Intent.PROFILE


def test_it_with_a_genre_word_still_reacts_to_the_pick(setup) -> None:
    parser, _, _, done = setup
    genre = "thriller" if done == "seen" else "fantasy"
    parsed = parser.parse(f"{done} it, a great {genre} one", ParseContext.on_screen([0, 1],
                                                                                     focus=1))
    assert parsed.intent is Intent.FEEDBACK_REF
    assert _acts(parsed) == {1: Act.SEEN_LIKED} and parsed.delta.genres_in == ()


def test_a_title_by_its_content_words_alone(fake_embedder) -> None:
    # no film of the tiny catalog has three content words in its title
    parser = Parser.from_catalog(make_books_dataset().catalog, fake_embedder)
    parsed = parser.parse("girl dragon tattoo i need to finally read",
                          ParseContext.on_screen([3, 4, 5]))
    assert _acts(parsed) == {4: Act.NOT_SEEN}


def test_an_unknown_subject_is_no_verdict_on_the_pick_in_focus(setup) -> None:
    parser, _, _, _ = setup
    shown = ParseContext.on_screen([0, 1, 2], focus=1)
    assert parser.parse("fmj is on my list", shown).reactions == ()
    assert _acts(parser.parse("it is on my list", shown)) == {1: Act.ACCEPT}


@pytest.mark.parametrize("text", ["hmm how come no {0} on the list?", "ok so why not {0}"])
def test_a_why_question_after_an_interjection(setup, text) -> None:
    parser, titles, _, _ = setup
    parsed = parser.parse(text.format(titles[9]))
    assert parsed.intent is Intent.WHY and parsed.why_not
