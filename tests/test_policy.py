"""The dialogue's bookkeeping: one profile load per turn, constraints written only when they
change, typed intents, bounded per-user memory, and why-turns that always carry text."""

from __future__ import annotations

import threading

import pytest
from test_recommender import build

from chatrec.app.sessions import Sessions
from chatrec.dialogue.state import Preferences
from chatrec.understand.message import INTENTS, Intent


@pytest.fixture
def rec(tiny_dataset, fake_embedder, tmp_path):
    return build(tiny_dataset, fake_embedder, tmp_path / "policy.db")


@pytest.fixture
def loads(rec, monkeypatch) -> list[str]:
    """Every `load_profile` call the recommender makes, by user id."""
    calls: list[str] = []
    original = rec.store.load_profile

    def counting(user_id: str):
        calls.append(user_id)
        return original(user_id)

    monkeypatch.setattr(rec.store, "load_profile", counting)
    return calls


@pytest.mark.parametrize("messages", [
    ["a crime movie please"],
    ["a crime movie please", "I loved Heat, more like it"],
    ["a crime movie please", "why #1?"],
    ["a crime movie please", "why not Scream?"],
    ["a crime movie please", "I liked the second one"],
])
def test_a_turn_reads_the_profile_at_most_once(rec, loads, messages) -> None:
    user = rec.new_user_id()
    for message in messages:
        loads.clear()
        assert rec.respond(user, message).text
        assert len(loads) <= 1, f"{message!r} loaded the profile {len(loads)} times"


def test_constraints_are_written_only_when_they_change(rec) -> None:
    user = rec.new_user_id()

    def constraint_rows() -> int:
        return sum(e.signal == "constraints" for e in rec.store.events(user))

    rec.respond(user, "a crime movie from the 90s")
    assert constraint_rows() == 1
    rec.respond(user, "show me more")
    rec.respond(user, "I loved Heat")
    assert constraint_rows() == 1  # nothing about the constraints changed
    rec.respond(user, "no horror")
    assert constraint_rows() == 2
    saved = Preferences.from_dict(rec.store.load_profile(user).constraints)
    assert saved.genres_in == ("Crime",) and saved.genres_out == ("Horror",)
    assert (saved.year_min, saved.year_max) == (1990, 1999)


def test_preferences_round_trip_through_their_stored_form() -> None:
    prefs = Preferences(genres_in=("Crime",), genres_out=("Horror", "Musical"), year_min=1990,
                        year_max=1999, avoid=("violent",), wish="tense")
    assert Preferences.from_dict(prefs.to_dict()) == prefs
    assert Preferences.from_dict({"genres_out": "Sci-Fi"}).genres_out == ("Sci-Fi",)
    assert Preferences.from_dict(None) == Preferences()


def test_turns_carry_typed_intents_and_why_turns_have_text(rec) -> None:
    user = rec.new_user_id()
    first = rec.respond(user, "a crime movie please")
    why = rec.respond(user, "why #2?")
    assert first.intent is Intent.RECOMMEND and why.intent is Intent.WHY
    assert why.text and why.text == why.explanation
    assert rec.respond(user, "   ").intent is Intent.INVALID
    assert Intent.INVALID not in INTENTS and {"recommend"} == {Intent.RECOMMEND}


def test_a_conversation_dropped_from_memory_is_restored_from_the_store(
        tiny_dataset, fake_embedder, tmp_path) -> None:
    rec = build(tiny_dataset, fake_embedder, tmp_path / "lru.db", max_sessions=2)
    first = rec.new_user_id()
    rec.respond(first, "no horror please")
    for _ in range(5):
        rec.respond(rec.new_user_id(), "a comedy")
    assert len(rec.sessions) <= 2
    turn = rec.respond(first, "show me more")
    assert turn.recommendations and all("Horror" not in r.genres for r in turn.recommendations)


def test_sessions_never_evict_a_session_in_use() -> None:
    sessions = Sessions(capacity=1)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with sessions.open("a") as session:
            session.conversation = "kept"  # type: ignore[assignment]
            entered.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    entered.wait(5)
    with sessions.open("b"):
        pass
    with sessions.open("c"):
        pass
    assert len(sessions) <= 2  # "a" is held, so it stays; one idle session may remain
    release.set()
    worker.join(5)
    with sessions.open("a") as session:
        assert session.conversation == "kept"
    with pytest.raises(ValueError):
        Sessions(capacity=0)
