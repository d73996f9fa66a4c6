"""A small OpenAI-compatible chat-completions server on 127.0.0.1, for tests only."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAIServer:
    """Answers ``/v1/models`` and ``/v1/chat/completions`` (streamed or not) with ``reply``.

    ``delay_s`` waits before answering (a slow server); ``status`` other than 200 answers an
    error; every request body is kept in ``requests`` and headers in ``headers``.
    """

    def __init__(self, reply: str = "A tense night of movies awaits.", delay_s: float = 0.0,
                 status: int = 200, model: str = "fake-smol") -> None:
        self.reply, self.delay_s, self.status, self.model = reply, delay_s, status, model
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path != "/v1/models":
                    return self._send(404, {"error": "not found"})
                self._send(200, {"object": "list", "data": [{"id": fake.model}]})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                fake.headers.append(dict(self.headers))
                time.sleep(fake.delay_s)
                if fake.status != 200:
                    return self._send(fake.status, {"error": {"message": "boom"}})
                if body.get("stream"):
                    return self._stream()
                self._send(200, {"choices": [{"index": 0, "message": {
                    "role": "assistant", "content": fake.reply}, "finish_reason": "stop"}]})

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                self.wfile.write(b": keep-alive comment\n\n")
                for word in fake.reply.split(" "):
                    chunk = {"choices": [{"index": 0, "delta": {"content": word + " "}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@contextmanager
def fake_openai_server(**kwargs: object) -> Iterator[FakeOpenAIServer]:
    """Run a `FakeOpenAIServer` in a thread for the duration of the block."""
    fake = FakeOpenAIServer(**kwargs)  # type: ignore[arg-type]
    thread = threading.Thread(target=fake._server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake._server.shutdown()
        fake._server.server_close()
