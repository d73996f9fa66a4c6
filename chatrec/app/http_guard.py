"""An ASGI guard in front of Gradio's routes: a malformed call gets 400, never a 500.

Gradio lets some bad requests escape as exceptions (an unknown function index or API name),
which the server answers with 500 and a logged traceback. Those are the caller's mistakes, so
the guard answers 400 with a short JSON error and logs one line instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
BODY = json.dumps({"error": "malformed request"}).encode()


class BadRequestGuard:
    """Wraps an ASGI app; exceptions raised before a response started become a 400."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message.get("type") == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - answered below, never a traceback
            if started:
                raise
            log.warning("refused a malformed request to %s (%s)", scope.get("path"),
                        type(exc).__name__)
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(BODY)).encode())]})
            await send({"type": "http.response.body", "body": BODY})
