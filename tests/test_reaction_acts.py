"""Reaction acts that generalise (issue 12, item 1): negation scope, verdicts that need a
watched/read pick, "the rest", the embedding fallback, and the small-talk/profile/help intents,
multi-turn through a real recommender on the tiny films AND books catalogs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_books_dataset, make_tiny_dataset
from test_recommender import build

from chatrec.domain.catalog import CatalogInfo, build_catalog
from chatrec.domain.vocabulary import Vocabulary
from chatrec.understand.act_guess import ActGuess, act_exemplars
from chatrec.understand.parse import ParseContext, Parser
from chatrec.understand.reactions import Act

CATALOGS = {"films": (make_tiny_dataset, "film", "watched"),
            "books": (make_books_dataset, "book", "read")}


@pytest.fixture(params=sorted(CATALOGS))
def chat(request, fake_embedder, tmp_path):
    factory, noun, done = CATALOGS[request.param]
    rec = build(factory(), fake_embedder, tmp_path / "acts.db")
    return rec, noun, done


def _after_picks(rec, noun: str):
    user = rec.new_user_id()
    turn = rec.respond(user, f"recommend me a {noun}")
    assert len(turn.recommendations) >= 3
    return user, turn.recommendations, len(rec.store.events(user))


def _stored(rec, user: str, start: int) -> dict[str, str]:
    return {e.item_id: e.signal for e in rec.store.events(user)[start:] if e.item_id}


@pytest.mark.parametrize("template", ["i don't think i've ever {done} that one",
                                      "nope never caught that one, ill give it a go",
                                      "no idea what that is but sure",
                                      "havent gotten around to that one"])
def test_a_paraphrased_not_seen_never_stores_a_dislike(chat, template) -> None:
    rec, noun, done = chat
    user, picks, start = _after_picks(rec, noun)
    turn = rec.respond(user, template.format(done=done))
    assert "dislike" not in _stored(rec, user, start).values()
    assert rec.profile(user)["disliked"] == []
    assert "seen" not in turn.text or noun == "film"  # a book is read, not seen


@pytest.mark.parametrize("text", ["i've {done} it too many times", "nah, {done} it already",
                                  "ugh {done} that one already anyway"])
def test_seen_with_no_verdict_stores_no_verdict(chat, text) -> None:
    rec, noun, done = chat
    user, picks, start = _after_picks(rec, noun)
    turn = rec.respond(user, text.format(done=done))
    assert turn.intent == "feedback_ref"
    assert _stored(rec, user, start) == {}  # excluded from later picks, neither liked nor not


def test_a_negated_accept_is_a_rejection_and_prospective_praise_an_accept(chat) -> None:
    rec, noun, _ = chat
    user, picks, start = _after_picks(rec, noun)
    rec.respond(user, "that one's not gonna work for me")
    assert _stored(rec, user, start) == {picks[0].item_id: "dislike"}
    user, picks, start = _after_picks(rec, noun)
    rec.respond(user, "oh the second one could be fun")
    assert _stored(rec, user, start) == {picks[1].item_id: "like"}


def test_the_rest_takes_its_own_clause(chat) -> None:
    rec, noun, done = chat
    user, picks, start = _after_picks(rec, noun)
    turn = rec.respond(user, f"{done} the first one, the rest are new to me")
    assert turn.intent == "feedback_ref"
    assert _stored(rec, user, start) == {}  # one seen, the others not seen: no verdict at all
    assert rec.profile(user)["disliked"] == []


def test_a_seen_clause_then_not_means_not_seen(fake_embedder) -> None:
    dataset = make_tiny_dataset()
    parser = Parser.from_catalog(dataset.catalog, fake_embedder)
    parsed = parser.parse("seen 1 and 2, not the others", ParseContext.on_screen([0, 1, 2, 3]))
    acts = {r.index: r.act for r in parsed.reactions}
    assert acts == {0: Act.SEEN, 1: Act.SEEN, 2: Act.NOT_SEEN, 3: Act.NOT_SEEN}


def test_listed_positions_after_a_reference_all_react(fake_embedder) -> None:
    dataset = make_books_dataset()
    parser = Parser.from_catalog(dataset.catalog, fake_embedder)
    parsed = parser.parse("number 2 and 3 i've already read", ParseContext.on_screen([0, 1, 2]))
    assert {r.index: r.act for r in parsed.reactions} == {1: Act.SEEN, 2: Act.SEEN}


class _Axes:
    """A model-free encoder: one axis per word group, so the test knows every cosine."""

    groups = {"splendid": 0, "marvellous": 0, "dreadful": 1, "awful": 1, "weather": 2}

    def encode_one(self, text: str) -> np.ndarray:
        vector = np.zeros(4, dtype=np.float32)
        for word in text.lower().split():
            vector[self.groups.get(word.strip(",.!?"), 3)] += 1.0
        return vector / (np.linalg.norm(vector) or 1.0)

    def batch(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.encode_one(t) for t in texts])


def test_the_fallback_answers_only_when_one_act_leads_clearly() -> None:
    axes = _Axes()
    guess = ActGuess(axes.encode_one, {"accept": ["splendid", "marvellous"],
                                       "reject": ["dreadful", "awful"], "none": ["weather"]},
                     axes.batch)
    assert guess.act("splendid") is Act.ACCEPT
    assert guess.act("awful") is Act.REJECT
    assert guess.act("weather") is None  # nearest to "none": no act forced on a message
    assert guess.act("splendid dreadful") is None  # no clear lead


def test_the_exemplars_speak_the_catalogs_words() -> None:
    films = act_exemplars(Vocabulary.from_catalog(make_tiny_dataset().catalog))
    books = act_exemplars(Vocabulary.from_catalog(make_books_dataset().catalog))
    assert any("watched" in t for t in films["seen"])
    assert any(" read" in t for t in books["seen"]) and not any("watch" in t for t in
                                                                books["seen"])
    assert set(films) == {"accept", "reject", "seen", "not_seen", "none"}


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_the_embedding_fallback_finds_an_accept_absent_from_the_phrases(name) -> None:
    from chatrec.models.embedder import minilm_embedder

    factory, noun, _ = CATALOGS[name]
    parser = Parser.from_catalog(factory().catalog, minilm_embedder())
    text = "i'm choosing that one"
    assert parser.acts.act(text)[0] is None  # no phrase of reactions.toml says it
    parsed = parser.parse(text, ParseContext.on_screen([0, 1, 2], focus=1))
    assert [(r.act, r.index) for r in parsed.reactions] == [(Act.ACCEPT, 1)]
    assert parsed.intent == "feedback_ref"
    refusal = parser.parse("that doesn't interest me in the slightest",
                           ParseContext.on_screen([0, 1, 2]))
    assert [(r.act, r.index) for r in refusal.reactions] == [(Act.REJECT, 0)]
    # a request mid-conversation is not forced into an act
    assert parser.parse(f"a longer {noun} from the 80s", ParseContext.on_screen([0, 1])
                        ).reactions == ()


@pytest.mark.parametrize("text,intent", [
    ("are you a bot or a human", "smalltalk"), ("lol ur kinda smart", "smalltalk"),
    ("im good thx, you?", "smalltalk"), ("do you even {verb} {nouns} lol", "smalltalk"),
    ("which {nouns} did i say i didnt like", "profile"), ("what have i rated", "profile"),
    ("um how do i rate a {noun} here", "help"), ("what kinds of things can i say", "help"),
    ("ta!", "thanks"), ("im done, thanks", "goodbye")])
def test_small_talk_profile_and_help_on_both_catalogs(chat, text, intent) -> None:
    rec, noun, _ = chat
    verb = "watch" if noun == "film" else "read"
    user = rec.new_user_id()
    turn = rec.respond(user, text.format(noun=noun, nouns=noun + "s", verb=verb))
    assert turn.intent == intent
    assert rec.profile(user)["liked"] == [] and rec.profile(user)["disliked"] == []


def test_a_plan_to_read_is_no_read_on_a_books_catalog(tmp_path, fake_embedder) -> None:
    rec = build(make_books_dataset(), fake_embedder, tmp_path / "plan.db")
    user, picks, start = _after_picks(rec, "book")
    rec.respond(user, "i'll read the second one tonight")  # "read" is also the past form
    assert _stored(rec, user, start) == {picks[1].item_id: "like"}
    user, picks, start = _after_picks(rec, "book")
    rec.respond(user, "read the first one already")
    assert _stored(rec, user, start) == {}


@pytest.mark.parametrize("factory", [make_tiny_dataset, make_books_dataset])
def test_positions_listed_across_clauses_get_their_own_acts(fake_embedder, factory) -> None:
    parser = Parser.from_catalog(factory().catalog, fake_embedder)
    shown = ParseContext.on_screen([0, 1, 2, 3])
    parsed = parser.parse("1 and 2 done already, 3 she'd love", shown)
    assert {r.index: r.act for r in parsed.reactions} == {0: Act.SEEN, 1: Act.SEEN,
                                                          2: Act.ACCEPT}
    parsed = parser.parse("first n last seen", shown)
    assert {r.index: r.act for r in parsed.reactions} == {0: Act.SEEN, 3: Act.SEEN}


@pytest.mark.parametrize("factory,done", [(make_tiny_dataset, "watched"),
                                          (make_books_dataset, "read")])
def test_the_others_no_after_a_plain_seen_is_not_seen(fake_embedder, factory, done) -> None:
    parser = Parser.from_catalog(factory().catalog, fake_embedder)
    shown = ParseContext.on_screen([0, 1, 2, 3])
    parsed = parser.parse(f"the first two ive {done}, the other two no", shown)
    assert {r.index: r.act for r in parsed.reactions} == {
        0: Act.SEEN, 1: Act.SEEN, 2: Act.NOT_SEEN, 3: Act.NOT_SEEN}
    parsed = parser.parse(f"{done} the first two, loved the 2nd, rest no", shown)
    assert {r.index: r.act for r in parsed.reactions}[3] is Act.REJECT  # a verdict: refused


@pytest.mark.parametrize("noun,done", [("movie", "watched"), ("book", "read")])
def test_words_of_a_shown_title_are_no_verdict(fake_embedder, noun, done) -> None:
    records = [{"item_id": f"i{k}", "title": t, "year": 1960 + k, "genres": ["Drama"], "tags": []}
               for k, t in enumerate(["The Good, the Bad and the Ugly", "Terrible Lizards",
                                      "Quiet Harbour", "Morning Tide"])]
    catalog = build_catalog(records, CatalogInfo(noun=noun))
    parser = Parser.from_catalog(catalog, fake_embedder)
    shown = ParseContext.on_screen([0, 1, 2, 3])
    parsed = parser.parse(f"the good the bad and the ugly, {done} it twice lol", shown)
    assert [(r.index, r.act) for r in parsed.reactions] == [(0, Act.SEEN)]
    parsed = parser.parse(f"terrible lizards, {done} it last year", shown)
    assert [(r.index, r.act) for r in parsed.reactions] == [(1, Act.SEEN)]


@pytest.mark.parametrize("factory,done,verb", [(make_tiny_dataset, "watched", "watch"),
                                               (make_books_dataset, "read", "read")])
@pytest.mark.parametrize("text,act", [
    ("the first one, wasnt a fan", Act.SEEN_DISLIKED),  # a past verdict: it was watched/read
    ("the first one, {done} it years ago, so-so", Act.SEEN_DISLIKED),
    ("the first one i tried it, couldnt follow it at all", Act.SEEN_DISLIKED),
    ("the first one ive {done}, the author is the goat", Act.SEEN_LIKED),
    ("the first one is an all timer", Act.SEEN_LIKED),
    ("the first one i could {verb} again", Act.SEEN_LIKED),  # again: it was watched/read
    ("the first one, i {verb} it every christmas lol", Act.SEEN_LIKED),
    ("might give that a go", Act.ACCEPT),
    ("the first one looks decent", Act.ACCEPT),
    ("the first one isnt really my thing", Act.REJECT),
    ("zzz sounds boring", Act.REJECT),
])
def test_soft_verdicts_and_soft_accepts(fake_embedder, factory, done, verb, text, act) -> None:
    parser = Parser.from_catalog(factory().catalog, fake_embedder)
    parsed = parser.parse(text.format(done=done, verb=verb), ParseContext.on_screen([0, 1, 2, 3]))
    assert [(r.index, r.act) for r in parsed.reactions] == [(0, act)]


@pytest.mark.parametrize("factory,done", [(make_tiny_dataset, "watched"),
                                          (make_books_dataset, "read")])
def test_a_not_clause_that_says_more_keeps_its_own_act(fake_embedder, factory, done) -> None:
    parser = Parser.from_catalog(factory().catalog, fake_embedder)
    shown = ParseContext.on_screen([0, 1, 2, 3])
    parsed = parser.parse(f"1 and 4 {done}, not into the others", shown)
    assert {r.index: r.act for r in parsed.reactions} == {
        0: Act.SEEN, 3: Act.SEEN, 1: Act.REJECT, 2: Act.REJECT}
    parsed = parser.parse(f"{done} 1 and 2, not 3", shown)  # a bare "not": not seen
    assert {r.index: r.act for r in parsed.reactions}[2] is Act.NOT_SEEN


@pytest.mark.parametrize("factory,done", [(make_tiny_dataset, "watched"),
                                          (make_books_dataset, "read")])
def test_a_count_of_picks_opening_a_message_points_at_them(fake_embedder, factory, done) -> None:
    parser = Parser.from_catalog(factory().catalog, fake_embedder)
    shown = ParseContext.on_screen([0, 1, 2, 3])
    parsed = parser.parse("last 2 look good", shown)
    assert {r.index: r.act for r in parsed.reactions} == {2: Act.ACCEPT, 3: Act.ACCEPT}
    parsed = parser.parse(f"first two ive {done}", shown)
    assert {r.index: r.act for r in parsed.reactions} == {0: Act.SEEN, 1: Act.SEEN}
    parsed = parser.parse("top 3 please", shown)  # asks for three picks, points at none
    assert parsed.reactions == ()


@pytest.mark.parametrize("factory", [make_tiny_dataset, make_books_dataset])
def test_not_one_pick_and_the_rest_fine_rejects_only_that_one(fake_embedder, factory) -> None:
    parser = Parser.from_catalog(factory().catalog, fake_embedder)
    parsed = parser.parse("not 3, the rest are fine", ParseContext.on_screen([0, 1, 2, 3]))
    assert {r.index: r.act for r in parsed.reactions} == {
        0: Act.ACCEPT, 1: Act.ACCEPT, 2: Act.REJECT, 3: Act.ACCEPT}
