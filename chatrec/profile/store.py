"""Durable per-user feedback: an append-only event log plus profile snapshots (SQLAlchemy Core).

The log is the truth; the ``profiles`` table only caches a replay of it, so any profile can be
rebuilt. SQLite runs in WAL mode with a busy timeout and a retry on "database is locked", so many
threads can write at once; PostgreSQL (the ``postgres`` extra) works by passing its URL instead.
Nothing personal is stored: a user is an opaque token, an event is item ids and signals, and the
last chat messages are kept only so that a session survives a restart (``forget`` erases them).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from chatrec.profile.events import FeedbackEvent
from chatrec.profile.replay import UserProfile, replay
from chatrec.profile.schema import (  # noqa: F401 - re-exported for callers and tests
    FEEDBACK,
    MESSAGES,
    META,
    PROFILES,
    SCHEMA_VERSION,
    SECRET_KEY,
    create_store_engine,
    migrate,
    read_meta,
    retrying,
    validate_user_id,
)

DEFAULT_URL = "sqlite:///data/chatrec.db"
KEPT_MESSAGES = 50  # per user: enough to restore the visible conversation


class ProfileStore:
    """Per-user feedback events and profile snapshots behind one database URL."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        self._engine = create_store_engine(url)
        migrate(self._engine)

    def close(self) -> None:
        """Release pooled connections."""
        self._engine.dispose()

    def __enter__(self) -> ProfileStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @staticmethod
    def new_user_id() -> str:
        """A random opaque user token (no names, nothing personal)."""
        return secrets.token_urlsafe(16)

    def install_secret(self) -> bytes:
        """This installation's random secret (made once by `migrate`, shared by every process
        on the database); it signs user ids and encrypts what the browser keeps."""
        value = read_meta(self._engine, SECRET_KEY)
        if value is None:  # a database emptied by hand since start-up
            migrate(self._engine)
            value = read_meta(self._engine, SECRET_KEY)
        return bytes.fromhex(str(value))

    def schema_version(self) -> int:
        """The schema version recorded in ``meta``."""
        with self._engine.connect() as conn:
            found = conn.execute(select(META.c.value).where(META.c.key == "schema_version"))
            return int(found.scalar_one())

    def append(self, user_id: str, event: FeedbackEvent) -> int:
        """Store one event and return its id; it is committed when this returns."""
        return self.append_many(user_id, [event])[0]

    def append_many(self, user_id: str, events: Sequence[FeedbackEvent]) -> list[int]:
        """Store events in one transaction (e.g. a history import); returns their ids in order."""
        validate_user_id(user_id)
        rows = [{"user_id": user_id, "item_id": e.item_id, "signal": e.signal, "source": e.source,
                 "payload": None if e.payload is None else json.dumps(e.payload),
                 "created_at": e.created_at} for e in events]

        def write() -> list[int]:
            with self._engine.begin() as conn:
                return [int(conn.execute(insert(FEEDBACK).values(**row)).inserted_primary_key[0])
                        for row in rows]

        return retrying(write)

    def events(self, user_id: str, after_id: int = 0) -> list[FeedbackEvent]:
        """The user's events in log order (only those with ``id > after_id``)."""
        validate_user_id(user_id)
        query = (select(FEEDBACK).where(FEEDBACK.c.user_id == user_id, FEEDBACK.c.id > after_id)
                 .order_by(FEEDBACK.c.id))
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [FeedbackEvent(r.signal, r.item_id, r.source,
                              None if r.payload is None else json.loads(r.payload),
                              r.created_at, int(r.id)) for r in rows]

    def load_profile(self, user_id: str) -> UserProfile:
        """The current profile: the snapshot plus any newer events, or a full replay of the log
        when the snapshot is missing, unreadable or disagrees with the log."""
        base = self._current_snapshot(user_id)
        newer = self.events(user_id, base.last_event_id if base else 0)
        profile = replay(newer, base)
        if newer:
            self.save_snapshot(user_id, profile)
        return profile

    def _current_snapshot(self, user_id: str) -> UserProfile | None:
        validate_user_id(user_id)
        with self._engine.connect() as conn:
            row = conn.execute(select(PROFILES).where(PROFILES.c.user_id == user_id)).first()
            if row is None:
                return None
            counted = conn.execute(select(func.count()).select_from(FEEDBACK).where(
                FEEDBACK.c.user_id == user_id, FEEDBACK.c.id <= row.last_event_id)).scalar_one()
        try:
            snapshot = UserProfile.from_dict(json.loads(row.data))
        except (ValueError, KeyError, TypeError):
            return None  # written by another profile version: replay the log instead
        # An event that committed late with an older id (possible on PostgreSQL) shows up here.
        return snapshot if counted == row.event_count == snapshot.event_count else None

    def save_snapshot(self, user_id: str, profile: UserProfile) -> None:
        """Cache ``profile`` (built from this user's log); an older snapshot never replaces a
        newer one."""
        row = self._snapshot_row(user_id, profile)
        try:
            retrying(lambda: self._upsert_snapshot(row))
        except IntegrityError:
            # PostgreSQL: a concurrent first snapshot inserted the row; now it is an update.
            retrying(lambda: self._upsert_snapshot(row))

    @staticmethod
    def _snapshot_row(user_id: str, profile: UserProfile) -> dict[str, Any]:
        return {"user_id": validate_user_id(user_id), "data": json.dumps(profile.to_dict()),
                "updated_at": time.time(), "event_count": profile.event_count,
                "last_event_id": profile.last_event_id}

    def _upsert_snapshot(self, row: dict[str, Any]) -> None:
        with self._engine.begin() as conn:
            updated = conn.execute(PROFILES.update().where(
                PROFILES.c.user_id == row["user_id"],
                PROFILES.c.last_event_id <= row["last_event_id"]).values(**row)).rowcount
            if updated:
                return
            exists = conn.execute(select(PROFILES.c.user_id).where(
                PROFILES.c.user_id == row["user_id"])).first()
            if exists is None:
                conn.execute(insert(PROFILES).values(**row))

    def rebuild(self, user_id: str) -> UserProfile:
        """Replay the whole log, overwrite the snapshot, and return the profile."""
        profile = replay(self.events(user_id))
        row = self._snapshot_row(user_id, profile)

        def overwrite() -> None:
            with self._engine.begin() as conn:
                conn.execute(delete(PROFILES).where(PROFILES.c.user_id == user_id))
                conn.execute(insert(PROFILES).values(**row))

        retrying(overwrite)
        return profile

    def forget(self, user_id: str) -> int:
        """Delete every event, the snapshot and the kept messages of this user; returns the
        event and snapshot rows removed."""
        validate_user_id(user_id)

        def erase() -> int:
            with self._engine.begin() as conn:
                conn.execute(delete(MESSAGES).where(MESSAGES.c.user_id == user_id))
                removed = conn.execute(delete(FEEDBACK).where(FEEDBACK.c.user_id == user_id))
                dropped = conn.execute(delete(PROFILES).where(PROFILES.c.user_id == user_id))
                return int(removed.rowcount) + int(dropped.rowcount)

        return retrying(erase)

    def append_messages(self, user_id: str, messages: Sequence[dict[str, Any]],
                        keep: int = KEPT_MESSAGES) -> None:
        """Keep chat messages (``role``, ``content``, optional ``metadata``) for a restore;
        only the newest ``keep`` of this user stay."""
        validate_user_id(user_id)
        rows = [{"user_id": user_id, "role": str(m["role"]), "content": str(m["content"]),
                 "metadata": json.dumps(m["metadata"]) if m.get("metadata") else None,
                 "created_at": time.time()} for m in messages]

        def write() -> None:
            with self._engine.begin() as conn:
                if rows:
                    conn.execute(insert(MESSAGES), rows)
                newest = (select(MESSAGES.c.id).where(MESSAGES.c.user_id == user_id)
                          .order_by(MESSAGES.c.id.desc()).offset(keep).limit(1)).scalar_subquery()
                conn.execute(delete(MESSAGES).where(MESSAGES.c.user_id == user_id,
                                                    MESSAGES.c.id <= newest))

        if rows:
            retrying(write)

    def messages(self, user_id: str, limit: int = KEPT_MESSAGES) -> list[dict[str, Any]]:
        """The user's newest kept messages (at most ``limit``), oldest first."""
        validate_user_id(user_id)
        query = (select(MESSAGES).where(MESSAGES.c.user_id == user_id)
                 .order_by(MESSAGES.c.id.desc()).limit(limit))
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"role": r.role, "content": r.content,
                 **({"metadata": json.loads(r.metadata)} if r.metadata else {})}
                for r in reversed(rows)]

    def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as a JSON-able dict."""
        return {"user_id": user_id, "schema_version": self.schema_version(),
                "exported_at": time.time(),
                "events": [e.to_dict() for e in self.events(user_id)],
                "messages": self.messages(user_id),
                "profile": self.load_profile(user_id).to_dict()}
