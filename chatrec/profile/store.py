"""Durable per-user feedback: an append-only event log plus profile snapshots (SQLAlchemy Core).

The log is the truth; the ``profiles`` table only caches a replay of it, so any profile can be
rebuilt. SQLite runs in WAL mode with a busy timeout and a retry on "database is locked", so many
threads can write at once; PostgreSQL works by passing its URL instead. Nothing personal is
stored: a user is an opaque token, an event is item ids and signals.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool

from chatrec.profile.events import FeedbackEvent
from chatrec.profile.replay import UserProfile, replay

SCHEMA_VERSION = 1
DEFAULT_URL = "sqlite:///data/chatrec.db"
BUSY_TIMEOUT_S = 30.0
LOCK_RETRIES = 8
_USER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
T = TypeVar("T")

# Table definitions are the schema, built once and never mutated.
METADATA = MetaData()
META = Table("meta", METADATA, Column("key", String(64), primary_key=True),
             Column("value", String(255), nullable=False))
FEEDBACK = Table(
    "feedback", METADATA,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("user_id", String(64), nullable=False),
    Column("item_id", String(64), nullable=True),
    Column("signal", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("payload", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Index("ix_feedback_user_id_id", "user_id", "id"),
    sqlite_autoincrement=True,  # never reuse an id after forget(): snapshots key on ids
)
PROFILES = Table("profiles", METADATA, Column("user_id", String(64), primary_key=True),
                 Column("data", Text, nullable=False), Column("updated_at", Float, nullable=False),
                 Column("event_count", Integer, nullable=False),
                 Column("last_event_id", BigInteger, nullable=False))


def validate_user_id(user_id: str) -> str:
    """Return ``user_id`` if it is 1–64 characters of ``[A-Za-z0-9_-]``, else raise ValueError."""
    if not isinstance(user_id, str) or not _USER_ID_RE.match(user_id):
        raise ValueError(f"invalid user id {str(user_id)[:80]!r}: use 1-64 of A-Z a-z 0-9 _ -")
    return user_id


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its parent folder created, WAL and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database in ("", ":memory:"):
        # One shared connection, else every pooled connection would see its own empty database.
        engine = create_engine(parsed, poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def migrate(engine: Engine) -> int:
    """Create missing tables and record the schema version; running it again changes nothing."""
    try:
        METADATA.create_all(engine)
    except OperationalError:
        METADATA.create_all(engine)  # another process created a table between check and create
    with engine.begin() as conn:
        found = conn.execute(select(META.c.value).where(META.c.key == "schema_version")).scalar()
    if found is None:
        try:
            with engine.begin() as conn:
                conn.execute(insert(META).values(key="schema_version", value=str(SCHEMA_VERSION)))
        except IntegrityError:
            pass  # a concurrent start-up recorded it first
        return SCHEMA_VERSION
    if int(found) > SCHEMA_VERSION:
        raise RuntimeError(f"database schema v{found} is newer than this chatrec "
                           f"(v{SCHEMA_VERSION}); upgrade chatrec")
    return int(found)


def _is_locked(exc: OperationalError) -> bool:
    message = str(exc.orig).lower()
    return "locked" in message or "busy" in message


class ProfileStore:
    """Per-user feedback events and profile snapshots behind one database URL."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        self._engine = create_store_engine(url)
        self._retrying(lambda: migrate(self._engine))

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

        return self._retrying(write)

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
            self._retrying(lambda: self._upsert_snapshot(row))
        except IntegrityError:
            # PostgreSQL: a concurrent first snapshot inserted the row; now it is an update.
            self._retrying(lambda: self._upsert_snapshot(row))

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

        self._retrying(overwrite)
        return profile

    def forget(self, user_id: str) -> int:
        """Delete every event and the snapshot of this user; returns the rows removed."""
        validate_user_id(user_id)

        def erase() -> int:
            with self._engine.begin() as conn:
                removed = conn.execute(delete(FEEDBACK).where(FEEDBACK.c.user_id == user_id))
                dropped = conn.execute(delete(PROFILES).where(PROFILES.c.user_id == user_id))
                return int(removed.rowcount) + int(dropped.rowcount)

        return self._retrying(erase)

    def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as a JSON-able dict."""
        return {"user_id": user_id, "schema_version": self.schema_version(),
                "exported_at": time.time(),
                "events": [e.to_dict() for e in self.events(user_id)],
                "profile": self.load_profile(user_id).to_dict()}

    def _retrying(self, action: Callable[[], T]) -> T:
        """Run ``action``, retrying with jittered backoff while SQLite reports a lock."""
        for attempt in range(LOCK_RETRIES):
            try:
                return action()
            except OperationalError as exc:
                if not _is_locked(exc) or attempt == LOCK_RETRIES - 1:
                    raise
                time.sleep(0.01 * 2**attempt * (1 + random.random()))
        raise AssertionError("unreachable")
