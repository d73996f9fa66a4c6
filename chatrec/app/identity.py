"""Who is talking: user ids issued and signed by the server, never chosen by the caller.

The browser keeps only a signed token ``<id>.<signature>`` (HMAC-SHA256 with the install secret
kept in the store's database); the server accepts nothing else, so an id cannot be guessed,
forged or replayed from another install. With ``--auth`` the login name decides the id, so each
login has its own profile. The same secret, through its own derivation, encrypts what Gradio's
`BrowserState` keeps, which is why ids survive a restart. New ids are rate-limited per client so
anonymous callers cannot create users without bound.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

SIGNATURE_CHARS = 32  # 192 bits of HMAC-SHA256, URL-safe base64
MAX_TOKEN_CHARS = 128


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class Identity:
    """Issues, signs and checks user ids with one install secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the install secret must be at least 16 bytes")
        self._secret = secret

    def _mac(self, purpose: str, message: str) -> bytes:
        return hmac.new(self._secret, f"{purpose}\0{message}".encode(), hashlib.sha256).digest()

    @property
    def browser_secret(self) -> str:
        """The key Gradio's BrowserState encrypts with (stable across restarts)."""
        return self._mac("browser-state", "v1").hex()

    def new_user_id(self) -> str:
        """A fresh random plain id (22 URL-safe characters)."""
        return secrets.token_urlsafe(16)

    def login_user_id(self, username: str) -> str:
        """The plain id of a login name: stable, and unrelated to any other login's id."""
        return "login-" + _b64(self._mac("login", str(username)))[:22]

    def sign(self, user_id: str) -> str:
        """The token the browser keeps for ``user_id``."""
        return f"{user_id}.{_b64(self._mac('user', user_id))[:SIGNATURE_CHARS]}"

    def verify(self, token: object) -> str | None:
        """The plain id inside a valid token, or None for anything else (unsigned, forged,
        truncated, not a string)."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        user_id, sep, signature = token.rpartition(".")
        if not sep or not user_id:
            return None
        expected = self.sign(user_id).rpartition(".")[2]
        return user_id if hmac.compare_digest(expected, signature) else None


class NewIdLimiter:
    """At most ``per_minute`` new ids per client in any 60 s window; remembers at most
    ``max_clients`` clients (the least recent are forgotten), so its memory is bounded too."""

    def __init__(self, per_minute: int, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.max_clients = per_minute, max_clients
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._guard = threading.Lock()

    def allow(self, client: str) -> bool:
        """Count one new id for ``client``; False (and nothing counted) when over the limit."""
        now = self._clock()
        with self._guard:
            stamps = self._seen.pop(client, None) or deque()
            while stamps and now - stamps[0] >= 60.0:
                stamps.popleft()
            allowed = len(stamps) < self.per_minute
            if allowed:
                stamps.append(now)
            self._seen[client] = stamps
            while len(self._seen) > self.max_clients:
                self._seen.popitem(last=False)
            return allowed
