"""The Gradio handlers (called directly, since gradio_client cannot send likes) and a live app."""

from __future__ import annotations

import gradio as gr
import pytest
from test_recommender import build

from chatrec.app.ui import ChatHandlers, item_id_at, launch


@pytest.fixture
def handlers(tiny_dataset, fake_embedder, tmp_path) -> ChatHandlers:
    return ChatHandlers(build(tiny_dataset, fake_embedder, tmp_path / "ui.db"))


def free_port() -> int:
    """An unused loopback port, so tests never collide with a running app."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plain(handlers: ChatHandlers, token: str) -> str:
    """The store's id behind a signed token."""
    user_id = handlers.identity.verify(token)
    assert user_id is not None
    return user_id


def serve(rec):
    """The real app (launch options included) on a free loopback port, not blocking."""
    return launch(rec, prevent_thread_lock=True, port=free_port(), quiet=True)


def run_respond(handlers: ChatHandlers, message: str, history=None, user_id=None):
    *_, (history, textbox, profile, _) = handlers.respond(message, history or [], user_id)
    return history, textbox, profile


def movie_indices(history) -> list[int]:
    return [i for i, m in enumerate(history) if item_id_at(history, i)]


def test_each_movie_is_its_own_message_with_an_id(handlers) -> None:
    user, *_ = handlers.ensure_user(None)
    history, textbox, profile = run_respond(handlers, "a crime movie please", [], user)
    movies = movie_indices(history)
    assert textbox == "" and len(movies) == 3
    assert history[0]["role"] == "user" and "What I know" in profile or profile
    assert all(history[i]["metadata"]["id"].startswith("movie:") for i in movies)


def test_like_on_second_movie_records_that_movie(handlers) -> None:
    user, *_ = handlers.ensure_user(None)
    history, _, _ = run_respond(handlers, "recommend something", [], user)
    second = movie_indices(history)[1]
    item_id = item_id_at(history, second)
    data = gr.LikeData(None, {"index": second, "value": history[second]["content"],
                              "liked": True})
    history, profile = handlers.on_like(history, data, user)
    title = handlers.rec.catalog.label(handlers.rec.catalog.index_of(item_id))
    assert title in handlers.rec.profile(plain(handlers, user))["liked"]
    assert "Noted" in history[-1]["content"]
    dislike = gr.LikeData(None, {"index": movie_indices(history)[0], "value": "", "liked": False})
    handlers.on_like(history, dislike, user)
    assert handlers.rec.profile(plain(handlers, user))["disliked"]


def test_like_on_a_non_movie_message_does_nothing(handlers) -> None:
    user, *_ = handlers.ensure_user(None)
    history, _, _ = run_respond(handlers, "hello", [], user)
    data = gr.LikeData(None, {"index": 1, "value": "", "liked": True})
    new_history, _ = handlers.on_like(history, data, user)
    assert new_history == history and not handlers.rec.profile(plain(handlers, user))["liked"]


def test_user_text_is_escaped_and_errors_are_friendly(handlers, monkeypatch) -> None:
    user, *_ = handlers.ensure_user(None)
    history, _, _ = run_respond(handlers, "<img src=x onerror=alert(1)> *bold*", [], user)
    assert "<img" not in history[0]["content"] and "\\*bold\\*" in history[0]["content"]

    def boom(*_args, **_kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(handlers.rec, "respond_stream", boom)
    history, _, _ = run_respond(handlers, "anything", [], user)
    assert "went wrong" in history[-1]["content"]
    assert "exploded" not in history[-1]["content"]


def test_forget_and_import(handlers, tmp_path) -> None:
    user, *_ = handlers.ensure_user(None)
    csv = tmp_path / "mine.csv"
    csv.write_text("title,rating\nFargo,5\nNot A Film,3\n")
    message, _ = handlers.import_ratings(str(csv), user)
    assert "Imported 1 rating" in message and "Not A Film" in message
    old = plain(handlers, user)
    history, new_user, profile = handlers.forget(user)
    assert history == [] and new_user != user
    assert handlers.rec.profile(old)["imported_liked"] == 0


def test_invalid_stored_user_id_is_replaced(handlers) -> None:
    user, *_ = handlers.ensure_user("bad id with spaces")
    assert handlers.rec.is_valid_user_id(plain(handlers, user)) and user != "bad id with spaces"


def test_live_app_answers_through_gradio_client(handlers) -> None:
    from gradio_client import Client

    demo = serve(handlers.rec)
    try:
        client = Client(demo.local_url, verbose=False)
        user = handlers.identity.sign(handlers.rec.new_user_id())
        history, textbox, _, user_back = client.predict("a crime movie please", [], user,
                                                        api_name="/respond")
        assert user_back == user
        movie_ids = [m["metadata"]["id"] for m in history
                     if (m.get("metadata") or {}).get("id")]
        assert textbox == "" and len(movie_ids) == 3
        assert all(i.startswith("movie:") for i in movie_ids)
    finally:
        demo.close()
