"""Per-user conversation state and locks for a bounded number of recent users.

A user's `Conversation` lives in memory only while they are among the ``capacity`` most recent
users; after that it is dropped and rebuilt from the store (their saved constraints) when they
come back. A session in use is never evicted, so two turns of one user always share one lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from chatrec.dialogue.state import Conversation


@dataclass
class Session:
    """One user's conversation (None until restored) and the lock that serialises their turns."""

    conversation: Conversation | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0  # callers holding or waiting for the lock; evictable only at 0


class Sessions:
    """An LRU of `Session`s: bounded memory however many users come and go."""

    def __init__(self, capacity: int = 1000) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._guard = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    @contextmanager
    def open(self, user_id: str) -> Iterator[Session]:
        """Hold ``user_id``'s lock for the block and yield their session."""
        with self._guard:
            session = self._sessions.get(user_id)
            if session is None:
                session = self._sessions[user_id] = Session()
            self._sessions.move_to_end(user_id)
            session.users += 1
            self._evict()
        try:
            with session.lock:
                yield session
        finally:
            with self._guard:
                session.users -= 1

    def drop(self, user_id: str) -> None:
        """Forget the in-memory state of one user (their next turn restores from the store)."""
        with self._guard:
            session = self._sessions.get(user_id)
            if session is not None and session.users == 0:
                del self._sessions[user_id]
            elif session is not None:
                session.conversation = None

    def _evict(self) -> None:
        """Drop the least recent idle sessions beyond capacity (the guard is held)."""
        excess = len(self._sessions) - self.capacity
        for user_id in list(self._sessions):
            if excess <= 0:
                break
            if self._sessions[user_id].users == 0:
                del self._sessions[user_id]
                excess -= 1
