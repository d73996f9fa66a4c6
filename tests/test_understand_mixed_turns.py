"""Mid-conversation turns that mix acts: a reaction with a new constraint refines, a bare
"what's <title>" asks about that title (only a whole one), ratings asked "worth it or nah",
and help and profile questions in chat phrasings (films and books catalogs)."""

from __future__ import annotations

import pytest
from conftest import catalog_parser, title_index

from chatrec.understand.parse import ParseContext, Parser

# (first shown title, second shown title, a genre word, its catalog genre) per catalog
SCREENS = {"films": ("pulp fiction", "sleepless in seattle", "comedies", "Comedy"),
           "books": ("gone girl", "me before you", "fantasy", "Fantasy")}


@pytest.fixture(params=["films", "books"])
def screen(request, fake_embedder) -> tuple[Parser, ParseContext, tuple[str, str, str, str]]:
    """A parser, two of its titles on screen, and the names used in the messages."""
    p = catalog_parser(request.param, fake_embedder)
    names = SCREENS[request.param]
    shown = (title_index(p, names[0]), title_index(p, names[1]))
    return p, ParseContext.on_screen(shown), names


def test_a_reaction_with_an_exclusion_refines(screen):
    p, ctx, (first, _, word, genre) = screen
    parsed = p.parse(f"{first} looks like garbage, no. no {word} at all", ctx)
    assert parsed.intent == "refine" and parsed.delta.genres_out == (genre,)
    assert [r.act for r in parsed.reactions] == ["reject"]
    # the verdict alone is feedback
    assert p.parse(f"{first} looks like garbage, no", ctx).intent == "feedback_ref"


def test_a_reaction_with_a_dropped_era_or_a_count_for_more_refines(screen):
    p, ctx, (first, _, _, _) = screen
    assert p.parse(f"{first}... eh no. any era is fine btw", ctx).intent == "refine"
    assert p.parse(f"{first} seen it, forgettable. gimme 5 more", ctx).intent == "refine"
    # "the best one there" counts nothing: still a verdict
    assert p.parse(f"{first} is the best one there", ctx).intent == "feedback_ref"


def test_every_year_alone_drops_no_era(screen):
    p, ctx, (first, _, _, _) = screen
    assert p.parse(f"{first} every year, seen it 20 times", ctx).drop == ()
    assert p.parse("every decade is fine", ctx).drop == ("era",)


def test_a_bare_whats_asks_about_a_whole_title(screen):
    p, _, (first, _, _, _) = screen
    parsed = p.parse(f"whats {first}")
    assert parsed.intent == "ask_item" and parsed.question == "about"
    assert parsed.targets == (title_index(p, first),)
    # not a fuzzy or partial match: "whats next", "whats up" name no title
    for text in ("whats next", "whats up", f"whats {first.split()[0]}x"):
        assert p.parse(text).question is None


def test_a_pick_named_first_then_whats_that_about(screen):
    p, ctx, (first, _, _, _) = screen
    parsed = p.parse(f"{first} whats that about", ctx)
    assert parsed.intent == "ask_item" and parsed.question == "about"


def test_rating_questions_in_chat_phrasings(screen):
    p, ctx, (first, _, _, _) = screen
    assert p.parse(f"{first} worth it or nah", ctx).question == "rating"
    parsed = p.parse("what is the 2nd one rated", ctx)
    assert parsed.intent == "ask_item" and parsed.question == "rating" and parsed.refs == (2,)
    assert not parsed.reactions  # a question judges nothing


# Help, profile, social and control messages in chat phrasings, and chat about the bot.
CHAT_INTENTS = [
    ("what kinda stuff can i even ask you", "help"), ("can i rate stuff here?", "help"),
    ("what can i actually ask you", "help"),
    ("show me what ive liked so far", "profile"),
    ("what genres do i like according to your notes", "profile"),
    ("heyyy bot, u there?", "greeting"), ("yo chatbot", "greeting"),
    ("nvm all that, from the top", "reset"), ("from the top", "reset"),
    ("cheers, thats all i needed tonight", "goodbye"),
    ("pls delete every bit of data you have on me", "forget"),
    *((text, "smalltalk") for text in (
        "lol youre kinda funny for a bot", "ur honestly pretty good at picking stuff",
        "thanks for asking, doing great", "i like talking to you", "you have good taste",
        "love your recommendations", "do you ever get tired of it")),
]


@pytest.mark.parametrize(("text", "intent"), CHAT_INTENTS)
def test_chat_phrasings_have_their_intent(screen, text, intent):
    p, _, _ = screen
    assert p.parse(text).intent == intent


def test_a_number_opening_the_message_is_a_position(screen):
    p, ctx, _ = screen
    for text, ref, act in (("2 nah", 2, "reject"), ("ok 2 sure", 2, "accept"),
                           ("1 sounds fun", 1, "accept")):
        parsed = p.parse(text, ctx)
        assert parsed.refs == (ref,) and [r.act for r in parsed.reactions] == [act]
    # before a unit it is no position: "2 hours max pls" speaks of running time
    assert p.parse("2 hours max pls", ctx).refs == ()
    assert p.parse("2 more please", ctx).count == 2


def test_declining_politely_rejects(screen):
    p, ctx, (first, _, _, _) = screen
    reactions = p.parse(f"{first} my mom loves, im good tho", ctx).reactions
    assert [r.act for r in reactions] == ["reject"]


@pytest.mark.parametrize(("text", "act"), [
    ("{t}, seen it, kinda mid", "seen_disliked"),
    ("{t} hit hard. seen it", "seen_liked"),
    ("{t}, seen, gorgeous", "seen_liked"),
])
def test_seen_with_a_verdict_word(screen, text, act):
    p, ctx, (first, _, _, _) = screen
    assert [r.act for r in p.parse(text.format(t=first), ctx).reactions] == [act]


def test_kinda_mid_judges_but_the_mid_90s_do_not(screen):
    p, ctx, _ = screen
    assert [r.act for r in p.parse("seen it. anything from the mid 90s?", ctx).reactions] == [
        "seen"]


def test_a_one_word_title_typed_as_two_words(fake_embedder):
    p = catalog_parser("books", fake_embedder)
    assert p.parse("out lander was great").delta.liked == (title_index(p, "outlander"),)
    assert p.parse("out there was great").delta.liked == ()


def test_a_year_long_after_a_viewing_is_no_era(screen):
    p, ctx, (first, _, _, _) = screen
    for text in (f"{first} we watched in music class in 2003, dont remember much",
                 f"{first}, my aunt walked out of it in 1996 lol"):
        parsed = p.parse(text, ctx)
        assert (parsed.delta.year_min, parsed.delta.year_max) == (None, None), text
    # the next sentence asks for an era of its own
    parsed = p.parse(f"{first} we watched in class in 2003. anything from the 90s?", ctx)
    assert (parsed.delta.year_min, parsed.delta.year_max) == (1990, 1999)


@pytest.mark.parametrize(("typed", "word"), [
    ("passsss", "pass"), ("yesss", "yes"), ("nooo", "no"), ("loooved", "loved"),
    ("heyyy", "hey"), ("cool", "cool"), ("aaaand", "and")])
def test_a_letter_held_down_reads_as_the_word(typed, word):
    from chatrec.understand.lexicon import squeeze, tokenize

    assert squeeze(typed) == word
    assert [t.lower for t in tokenize(f"{typed.upper()}!")] == [word, "!"]


def test_a_held_down_rejection_with_a_genre_only_refines(screen):
    p, ctx, (first, _, word, genre) = screen
    parsed = p.parse(f"{first}? passsss. {word} only", ctx)
    assert parsed.intent == "refine" and parsed.delta.genres_in == (genre,)
    assert [r.act for r in parsed.reactions] == ["reject"]


def test_a_greeting_with_a_request_is_a_request(screen):
    p, _, (_, _, word, genre) = screen
    parsed = p.parse(f"hey bot, any {word}?")
    assert parsed.intent == "recommend" and parsed.delta.genres_in == (genre,)


def test_allowing_a_genre_again_is_no_reaction(screen):
    p, ctx, (_, _, word, _) = screen
    parsed = p.parse(f"{word} are fine too", ctx)
    assert parsed.intent == "refine" and not parsed.reactions


def test_a_number_before_please_is_no_position(screen):
    p, ctx, _ = screen
    assert 2 not in p.parse("2 pls, im in a rush", ctx).refs


@pytest.mark.parametrize("said", ["tried both, trash", "already suffered thru it once",
                                  "watched it in school and slept thru it"])
def test_sat_through_and_tried_are_seen_and_judged(screen, said):
    p, ctx, (first, _, _, _) = screen
    assert [r.act for r in p.parse(f"{first}, {said}", ctx).reactions] == ["seen_disliked"]


@pytest.mark.parametrize(("said", "kind"), [
    ("{t} whats it even about", "about"),
    ("{t}, whats the deal with it", "about"),
    ("is {t} the one with that actor from the 90s", "cast"),
    ("{t}? never heard of it, was it a flop or what", "popularity"),
    ("{t} and {u} never heard of. are they any good", "rating"),
    ("{t} and {u} havent seen either, which ones better", "rating"),
    ("{t} - is it rude? watching with my parents", "content"),
])
def test_item_questions_in_chat_phrasings(screen, said, kind):
    p, ctx, (first, second, _, _) = screen
    parsed = p.parse(said.format(t=first, u=second), ctx)
    assert parsed.intent == "ask_item" and parsed.question == kind


def test_a_rude_question_asks_about_explicit_content(screen):
    p, ctx, (first, _, _, _) = screen
    assert p.parse(f"{first} - is it rude?", ctx).question_aspect == "explicit"


def test_praise_of_the_bot_with_a_request_is_a_request(screen):
    p, _, (_, _, word, genre) = screen
    parsed = p.parse(f"youre good at this, show me some {word}")
    assert parsed.intent == "recommend" and parsed.delta.genres_in == (genre,)


def test_all_n_covers_every_pick_on_screen(screen):
    p, ctx, _ = screen
    parsed = p.parse("all 2 are too long for a weeknight, something shorter", ctx)
    assert sorted(r.ref for r in parsed.reactions) == [1, 2]
    assert {r.act for r in parsed.reactions} == {"reject"}


def test_couldnt_stand_it_is_seen_and_disliked(screen):
    p, ctx, (first, _, _, _) = screen
    assert [r.act for r in p.parse(f"{first}? seen it, couldnt stand him in it", ctx).reactions
            ] == ["seen_disliked"]


def test_more_like_a_position_is_no_count(screen):
    p, ctx, _ = screen
    parsed = p.parse("more like 2 but even sillier", ctx)
    assert parsed.intent == "more_like" and parsed.refs == (2,) and parsed.count is None
    assert p.parse("give me like 2 comedies", ctx).count == 2


def test_who_is_in_a_pick_checked_by_name(screen):
    p, ctx, _ = screen
    assert p.parse("the 2nd one has sandler too right?", ctx).question == "cast"
    assert p.parse("who else is in it", ctx).question == "cast"
    # something other than a person is no cast question
    assert p.parse("the 2nd one has subtitles right? not for me then", ctx).question is None


@pytest.mark.parametrize("kind", ["films", "books"])
def test_a_rare_title_opening_a_verdict_or_question(fake_embedder, kind):
    p = catalog_parser(kind, fake_embedder)
    name = "fargo" if kind == "films" else "outlander"
    assert p.parse(f"{name}, never again").delta.disliked == (title_index(p, name),)
    parsed = p.parse(f"{name} how old is that thing")
    assert parsed.question == "age" and parsed.targets == (title_index(p, name),)
    # an everyday word opening a message stays a word
    assert p.parse("something, never again").titles == ()


def test_dropping_a_constraint_judges_no_pick(screen):
    p, ctx, _ = screen
    for text in ("any era is fine actually, just keep it funny", "any era, just make it good"):
        parsed = p.parse(text, ctx)
        assert parsed.drop == ("era",) and not parsed.reactions, text


def test_too_bad_after_seen_is_regret_not_a_verdict(screen):
    p, ctx, _ = screen
    assert [r.act for r in p.parse("seen it already, too bad", ctx).reactions] == ["seen"]
    assert [r.act for r in p.parse("seen it, way too slow", ctx).reactions] == ["seen_disliked"]


@pytest.mark.parametrize("text", ["thatll work", "sure thing", "sounds like a winner",
                                  "nice, downloading it", "ill bite"])
def test_chat_forms_of_yes_accept_the_pick(screen, text):
    p, ctx, _ = screen
    assert [r.act for r in p.parse(text, ctx).reactions] == ["accept"]


def test_praise_with_a_request_for_more_asks_for_more(screen):
    p, ctx, _ = screen
    assert p.parse("you have good taste, more like that please", ctx).intent == "more_like"
    assert p.parse("youre good at this, keep them coming", ctx).intent == "refine"


@pytest.mark.parametrize(("said", "liked"), [
    ("obsessed with {t}", True), ("cant stop rewatching {t}", True), ("{t} hits different", True),
    ("grew up on {t}", True), ("{t} aged badly", False),
    ("never understood the hype around {t}", False)])
def test_slang_verdicts_on_a_lower_case_title(fake_embedder, said, liked):
    p = catalog_parser("films", fake_embedder)
    delta = p.parse(said.format(t="fargo")).delta
    assert (delta.liked if liked else delta.disliked) == (title_index(p, "fargo"),)
