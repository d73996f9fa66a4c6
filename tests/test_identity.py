"""Server-owned identity: signed ids, logins, the per-client limit on new ids, restore."""

from __future__ import annotations

from contextlib import nullcontext

import gradio as gr
import pytest
from pg import fresh_database, needs_pg
from test_recommender import build
from test_ui import movie_indices, plain, run_respond

from chatrec.app.handlers import TOO_MANY_NEW, ChatHandlers
from chatrec.app.identity import Identity, NewIdLimiter
from chatrec.app.messages import escape_text


@pytest.fixture
def handlers(tiny_dataset, fake_embedder, tmp_path) -> ChatHandlers:
    return ChatHandlers(build(tiny_dataset, fake_embedder, tmp_path / "id.db"))


class FakeRequest:
    """What a handler reads from `gr.Request`: the login name and the client address."""

    def __init__(self, username: str | None = None, host: str = "127.0.0.1") -> None:
        self.username = username
        self.client = type("Client", (), {"host": host})()


def test_signed_ids_verify_and_forgeries_do_not() -> None:
    identity = Identity(b"k" * 32)
    user = identity.new_user_id()
    token = identity.sign(user)
    assert identity.verify(token) == user and user not in (identity.new_user_id(), token)
    other = Identity(b"z" * 32)
    forged = [user, "alice", f"{user}.", f".{token}", token[:-1], token + "x",
              f"alice.{token.rpartition('.')[2]}", other.sign(user), token.upper(), None, 5,
              ["x"], "x" * 10_000]
    assert [identity.verify(f) for f in forged] == [None] * len(forged)
    assert identity.browser_secret == Identity(b"k" * 32).browser_secret != other.browser_secret
    assert identity.login_user_id("ann") != identity.login_user_id("bob")
    assert identity.login_user_id("ann") == Identity(b"k" * 32).login_user_id("ann")


def test_the_secret_is_made_once_per_database(tiny_dataset, fake_embedder, tmp_path) -> None:
    first = ChatHandlers(build(tiny_dataset, fake_embedder, tmp_path / "same.db"))
    token, *_ = first.ensure_user(None)
    first.rec.close()
    again = ChatHandlers(build(tiny_dataset, fake_embedder, tmp_path / "same.db"))
    other = ChatHandlers(build(tiny_dataset, fake_embedder, tmp_path / "other.db"))
    assert again.identity.browser_secret == first.identity.browser_secret
    assert again.known_user(token) == first.known_user(token) is not None
    assert other.known_user(token) is None and other.identity.browser_secret != \
        first.identity.browser_secret


def test_caller_chosen_or_foreign_ids_reach_no_profile(handlers) -> None:
    victim, *_ = handlers.ensure_user(None)
    history, _, _ = run_respond(handlers, "recommend something", [], victim)
    handlers.on_like(history, gr.LikeData(None, {"index": movie_indices(history)[0],
                                                 "value": "", "liked": True}), victim)
    victim_id = plain(handlers, victim)
    liked = handlers.rec.profile(victim_id)["liked"]
    assert liked
    for chosen in ("alice", victim_id, f"{victim_id}.forged"):
        token, panel, restored = handlers.ensure_user(chosen)
        assert token != chosen and plain(handlers, token) != victim_id and restored == []
        *_, (_, _, _, used) = handlers.respond("I loved Heat", [], chosen)
        assert plain(handlers, used) not in (victim_id, "alice")
        handlers.forget(chosen)
        handlers.on_like(history, gr.LikeData(None, {"index": movie_indices(history)[0],
                                                     "value": "", "liked": False}), chosen)
    assert handlers.rec.profile(victim_id)["liked"] == liked
    assert handlers.rec.store.events("alice") == []


def test_each_login_has_its_own_profile(handlers) -> None:
    ann, bob = FakeRequest("ann"), FakeRequest("bob")
    token, *_ = handlers.ensure_user(None, ann)
    *_, (history, _, _, _) = handlers.respond("recommend something", [], None, ann)
    data = gr.LikeData(None, {"index": movie_indices(history)[0], "value": "", "liked": True})
    handlers.on_like(history, data, "anything", ann)
    ann_id = handlers.identity.login_user_id("ann")
    assert handlers.known_user(token, ann) == ann_id and handlers.rec.profile(ann_id)["liked"]
    # bob, even holding ann's browser token, sees only his own (empty) profile
    bob_token, _, restored = handlers.ensure_user(token, bob)
    assert plain(handlers, bob_token) == handlers.identity.login_user_id("bob") != ann_id
    assert restored == [] and not handlers.rec.profile(plain(handlers, bob_token))["liked"]
    # ann's conversation comes back on any browser she logs in from
    assert handlers.ensure_user(None, ann)[2][0]["content"] == "recommend something"


def test_new_ids_are_limited_per_client(tiny_dataset, fake_embedder, tmp_path) -> None:
    rec = build(tiny_dataset, fake_embedder, tmp_path / "limit.db", new_users_per_minute=5)
    handlers = ChatHandlers(rec)
    here, there = FakeRequest(host="10.0.0.1"), FakeRequest(host="10.0.0.2")
    tokens = [handlers.ensure_user(None, here)[0] for _ in range(8)]
    assert all(tokens[:5]) and tokens[5:] == ["", "", ""]
    assert handlers.ensure_user(None, here)[1] == TOO_MANY_NEW
    *_, (history, _, _, token) = handlers.respond("hello", [], None, here)
    assert token == "" and history[-1]["content"] == TOO_MANY_NEW
    assert handlers.ensure_user(None, there)[0]  # another client is not affected
    assert handlers.ensure_user(tokens[0], here)[0] == tokens[0]  # known users never limited


def test_limiter_window_and_memory_are_bounded() -> None:
    now = [0.0]
    limiter = NewIdLimiter(2, max_clients=3, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    now[0] = 61.0
    assert limiter.allow("a")
    for n in range(100):
        limiter.allow(f"client-{n}")
    assert len(limiter._seen) == 3


def test_sessions_stay_bounded_under_many_new_users(tiny_dataset, fake_embedder, tmp_path):
    rec = build(tiny_dataset, fake_embedder, tmp_path / "many.db", max_sessions=20,
                new_users_per_minute=1000)
    handlers = ChatHandlers(rec)
    for n in range(200):
        *_, (_, _, _, token) = handlers.respond("a crime movie", [], None,
                                                FakeRequest(host=f"10.1.{n // 250}.{n % 250}"))
        assert token
    assert len(rec.sessions) <= 20


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=needs_pg)])
def test_the_conversation_is_restored_after_a_restart(backend, tiny_dataset, fake_embedder,
                                                      tmp_path):
    """Chat, thumbs, restart (a new recommender on the same store): the same token finds the
    same profile panel and conversation, and thumbs still work."""
    with (fresh_database() if backend == "postgresql" else nullcontext(None)) as pg_url:
        restore_after_restart(tiny_dataset, fake_embedder, tmp_path, pg_url)


def restore_after_restart(tiny_dataset, fake_embedder, tmp_path, pg_url) -> None:
    url = {"db_url": pg_url} if pg_url else {}
    first = ChatHandlers(build(tiny_dataset, fake_embedder, tmp_path / "restore.db", **url))
    token, *_ = first.ensure_user(None)
    history, _, panel = run_respond(first, "a crime movie please", [], token)
    history, panel = first.on_like(history, gr.LikeData(
        None, {"index": movie_indices(history)[1], "value": "", "liked": True}), token)
    first.rec.close()
    again = ChatHandlers(build(tiny_dataset, fake_embedder, tmp_path / "restore.db", **url))
    token_back, panel_back, restored = again.ensure_user(token)
    assert token_back == token and panel_back == panel
    assert [(m["role"], m["content"]) for m in restored] == \
        [(m["role"], m["content"]) for m in history]
    assert movie_indices(restored) == movie_indices(history)  # thumbs still find their movie
    again.on_like(restored, gr.LikeData(None, {"index": movie_indices(restored)[0], "value": "",
                                              "liked": False}), token)
    assert again.rec.profile(plain(again, token))["disliked"]
    again.rec.close()


def test_kept_messages_are_capped_at_fifty(handlers) -> None:
    token, *_ = handlers.ensure_user(None)
    history: list = []
    for n in range(30):
        history, _, _ = run_respond(handlers, f"hello {n}", history, token)
    restored = handlers.ensure_user(token)[2]
    assert len(history) > 50 and len(restored) == 50
    assert restored == [{k: m[k] for k in m if k in ("role", "content", "metadata")}
                        for m in history[-50:]]


def test_long_messages_are_cut_with_a_notice(handlers) -> None:
    token, *_ = handlers.ensure_user(None)
    history, _, _ = run_respond(handlers, "crime " * 1000, [], token)
    assert "6,000 characters long" in history[1]["content"]
    assert "first 2,000" in history[1]["content"] and movie_indices(history)


def test_urls_keep_no_escaping_backslash_and_markup_stays_text(handlers, tmp_path) -> None:
    assert escape_text("see http://x.org/a_b?c=1&d=2, *now*") == \
        "see http://x.org/a_b?c=1&amp;d=2, \\*now\\*"
    assert escape_text("<b>www.x.org/(y)</b>") == "&lt;b&gt;www.x.org/\\(y\\)&lt;/b&gt;"
    token, *_ = handlers.ensure_user(None)
    csv = tmp_path / "evil.csv"
    csv.write_text("title,rating\n<img src=http://203.0.113.9/t.png>,5\n")
    status, _ = handlers.import_ratings(str(csv), token)
    assert "<img" not in status and "&lt;img" in status
