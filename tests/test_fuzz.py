"""Every UI handler is total: malformed events, ids and values never raise, never touch another
user's data, and the live app keeps answering (HTTP routes give 4xx, never 500)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import gradio as gr
import pytest
from test_recommender import build
from test_ui import movie_indices, plain, run_respond, serve

from chatrec.app.handlers import ChatHandlers
from chatrec.app.identity import Identity

INDICES = [None, -1, 10**12, "1", "zz", 1.5, True, [], [None], ["1"], (0, 1), [2, 0], {"a": 1}, 0,
           2]
LIKED = [True, False, "", None, "yes", "Like", 1, 0, [], {"x": 1}]
HISTORIES = [None, "text", 5, [None], [5, "x"], [{"role": "bogus", "content": "x"}],
             [{"role": "assistant"}], [{"role": "assistant", "content": None}],
             [{"role": "assistant", "content": "x", "metadata": "notadict"}],
             [{"role": "assistant", "content": "x", "metadata": {"id": "movie:99999"}}],
             [{"role": "assistant", "content": "x", "metadata": {"id": "movie:"}}],
             [{"role": "assistant", "content": "x", "metadata": {"id": ["movie", 1]}}],
             [{"role": "assistant", "content": [{"type": "text", "text": "x"}],
               "metadata": {"id": "movie:1"}}] * 3,
             [{"role": "user", "content": "y" * 100_000}] * 50]
MESSAGES = [None, 5, "", "   ", "\x00\x01", "x" * 200_000, "🙂" * 5000, "<script>alert(1)</script>",
            ["list"], {"a": 1}, "forget me", "why #99?", "the 7th one", "I liked the 0th one"]
FILES = [None, "", 5, "/nonexistent/file.csv", "/", SimpleNamespace(name=None),
         SimpleNamespace(name="/dev/null"), b"bytes", ["a.csv"]]


def bad_tokens(identity: Identity, victim_id: str) -> list:
    return [None, "", "alice", 7, [], {}, "x" * 100_000, "a.b", victim_id, f"{victim_id}.x",
            Identity(b"other-install-key").sign(victim_id), "../../etc/passwd", "<script>",
            identity.sign(victim_id)[:-2]]


@pytest.fixture
def handlers(tiny_dataset, fake_embedder, tmp_path) -> ChatHandlers:
    rec = build(tiny_dataset, fake_embedder, tmp_path / "fuzz.db", new_users_per_minute=10**6)
    return ChatHandlers(rec)


def drain(result):
    """A handler's result, generators run to the end (their last yield)."""
    if hasattr(result, "__next__"):
        last = None
        for last in result:  # noqa: B007 - keep the last
            pass
        return last
    return result


def test_malformed_calls_never_raise_nor_reach_another_user(handlers, tmp_path, capsys):
    victim, *_ = handlers.ensure_user(None)
    history, _, _ = run_respond(handlers, "recommend something", [], victim)
    drain(handlers.on_like(history, gr.LikeData(None, {"index": movie_indices(history)[0],
                                                       "value": "", "liked": True}), victim))
    victim_id = plain(handlers, victim)
    before = handlers.rec.store.events(victim_id)
    good = handlers.identity.sign(handlers.rec.new_user_id())
    tokens = bad_tokens(handlers.identity, victim_id) + [good]
    calls = []
    for token, index, liked, hist in itertools.product(tokens, INDICES, LIKED, HISTORIES[:4]):
        data = gr.LikeData(None, {"index": index, "value": None, "liked": liked})
        calls.append((handlers.on_like, (hist, data, token)))
    for token, index, hist in itertools.product(tokens, INDICES, HISTORIES):
        calls.append((handlers.on_select, (hist, SimpleNamespace(index=index), token)))
        calls.append((handlers.on_like, (hist, gr.LikeData(None, {"index": index, "value": 1,
                                                                  "liked": True}), token)))
    for token, message, hist in itertools.product(tokens, MESSAGES, HISTORIES[:6]):
        calls.append((handlers.respond, (message, hist, token)))
    for token, file in itertools.product(tokens, FILES):
        calls.append((handlers.import_ratings, (file, token)))
    for token in tokens[:-1]:
        calls += [(handlers.ensure_user, (token,)), (handlers.forget, (token,))]
    calls.append((handlers.on_like, (history, SimpleNamespace(), victim)))  # no attributes
    raised = []
    for fn, args in calls:
        try:
            drain(fn(*args))
        except Exception as exc:  # noqa: BLE001 - collected for the assert
            raised.append((fn.__name__, repr(exc)[:200]))
    with capsys.disabled():
        print(f"\nfuzz: {len(calls)} handler calls, {len(raised)} raised")
    assert raised == []
    # Nothing above carried the victim's valid token, so their data is exactly as it was.
    assert handlers.rec.store.events(victim_id) == before


def test_custom_like_values_never_undo(handlers):
    token, *_ = handlers.ensure_user(None)
    history, _, _ = run_respond(handlers, "recommend something", [], token)
    index = movie_indices(history)[0]
    drain(handlers.on_like(history, gr.LikeData(None, {"index": index, "value": "",
                                                       "liked": True}), token))
    liked = handlers.rec.profile(plain(handlers, token))["liked"]
    for value in ("yes", "Like", 1, None, [], "Dislike"):
        after, _ = handlers.on_like(history, gr.LikeData(None, {"index": index, "value": "",
                                                                "liked": value}), token)
        assert after == history  # ignored: no acknowledgement, nothing written
    assert handlers.rec.profile(plain(handlers, token))["liked"] == liked
    handlers.on_like(history, gr.LikeData(None, {"index": index, "value": "", "liked": ""}),
                     token)  # what Gradio sends when the thumb is clicked off
    assert not handlers.rec.profile(plain(handlers, token))["liked"]
    handlers.on_like(history, gr.LikeData(None, {"index": [index, 0], "value": "",
                                                 "liked": True}), token)
    assert handlers.rec.profile(plain(handlers, token))["liked"] == liked


def test_http_routes_refuse_malformed_calls_and_keep_serving(handlers):
    import httpx
    from gradio_client import Client

    demo = serve(handlers.rec)
    base = demo.local_url.rstrip("/")
    bodies = [None, "x", {}, {"data": None}, {"data": [1]}, {"data": ["hi", "notalist", 5]},
              {"data": ["hi", [{"role": "x"}], "alice"]}, {"data": ["a" * 100_000, [], None]},
              {"data": [None, None, None], "fn_index": 10**6, "session_hash": "s"},
              {"data": [], "fn_index": -5, "session_hash": "s"},
              {"data": [None], "fn_index": "x", "session_hash": "s"},
              {"data": [None, "bogus", {"x": 1}], "fn_index": 3, "session_hash": "s",
               "event_data": {"index": "zz", "liked": "yes"}}]
    routes = ["/gradio_api/run/respond", "/gradio_api/call/respond", "/gradio_api/run/nothing",
              "/gradio_api/queue/join", "/gradio_api/run/ensure_user", "/gradio_api/call/forget",
              "/gradio_api/call/nothing", "/gradio_api/upload", "/gradio_api/file=/etc/passwd"]
    statuses = []
    try:
        with httpx.Client(timeout=30) as http:
            for route, body in itertools.product(routes, bodies):
                kwargs = {"content": body} if isinstance(body, str) else {"json": body}
                statuses.append(http.post(base + route, **kwargs).status_code)
            statuses.append(http.get(base + "/gradio_api/file=/etc/passwd").status_code)
        client = Client(demo.local_url, verbose=False)
        history, _, _, token = client.predict("a crime movie please", [], None,
                                              api_name="/respond")
    finally:
        demo.close()
    print(f"http fuzz: {len(statuses)} requests, statuses {sorted(set(statuses))}")
    assert max(statuses) < 500 and len(statuses) == len(routes) * len(bodies) + 1
    assert handlers.identity.verify(token) and any((m.get("metadata") or {}).get("id")
                                                   for m in history)
