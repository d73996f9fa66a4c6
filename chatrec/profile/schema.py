"""The store's schema, its engine and a migration that many processes may run at once.

Tables: ``feedback`` (the append-only event log), ``profiles`` (cached replays of it),
``messages`` (the last chat messages per user, so a session survives a restart) and ``meta``
(the schema version and the install secret). ``migrate`` creates what is missing and is safe
when 20 processes start on a fresh database together: on PostgreSQL it holds an advisory lock,
on SQLite it uses ``IF NOT EXISTS`` and retries while the file is locked.
"""

from __future__ import annotations

import random
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable

SCHEMA_VERSION = 2  # v2 added ``messages`` and the install secret
BUSY_TIMEOUT_S = 30.0
LOCK_RETRIES = 8
MIGRATE_LOCK_KEY = 0x63686174726563  # "chatrec": one advisory lock id for every process
SECRET_KEY = "install_secret"
POSTGRES_EXTRA = "pip install 'chatrec[postgres]'  (psycopg 3)"
_USER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
T = TypeVar("T")

# Table definitions are the schema, built once and never mutated.
METADATA = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")
META = Table("meta", METADATA, Column("key", String(64), primary_key=True),
             Column("value", String(255), nullable=False))
FEEDBACK = Table(
    "feedback", METADATA,
    Column("id", _ID, primary_key=True, autoincrement=True),
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
MESSAGES = Table(
    "messages", METADATA,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("metadata", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Index("ix_messages_user_id_id", "user_id", "id"),
)


def validate_user_id(user_id: str) -> str:
    """Return ``user_id`` if it is 1–64 characters of ``[A-Za-z0-9_-]``, else raise ValueError."""
    if not isinstance(user_id, str) or not _USER_ID_RE.match(user_id):
        raise ValueError(f"invalid user id {str(user_id)[:80]!r}: use 1-64 of A-Z a-z 0-9 _ -")
    return user_id


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its parent folder created, WAL and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(_postgres_url(parsed), pool_pre_ping=True)
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


def _postgres_url(parsed: URL) -> URL:
    """Use psycopg 3 (the ``postgres`` extra) and say how to install it when it is missing."""
    if parsed.drivername == "postgresql":  # SQLAlchemy would otherwise pick psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername == "postgresql+psycopg":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise RuntimeError("a PostgreSQL database needs the psycopg driver, which is not "
                               f"installed: {POSTGRES_EXTRA}") from None
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # The timeout first: switching to WAL needs a lock that a concurrent start may hold.
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.close()


def is_locked(exc: OperationalError) -> bool:
    """Whether SQLite reports a lock (the one error worth retrying)."""
    message = str(exc.orig).lower()
    return "locked" in message or "busy" in message


def retrying(action: Callable[[], T]) -> T:
    """Run ``action``, retrying with jittered backoff while SQLite reports a lock."""
    for attempt in range(LOCK_RETRIES):
        try:
            return action()
        except OperationalError as exc:
            if not is_locked(exc) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.01 * 2**attempt * (1 + random.random()))
    raise AssertionError("unreachable")


def migrate(engine: Engine) -> int:
    """Create missing tables, record the schema version and the install secret; running it
    again, or in many processes at once, changes nothing."""
    def run() -> int:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Held until commit: concurrent CREATEs otherwise collide in pg_type.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                             {"key": MIGRATE_LOCK_KEY})
            return _migrate_in(conn)

    for attempt in range(3):
        try:
            return retrying(run)
        except IntegrityError:
            if attempt == 2:  # SQLite: a concurrent start inserted a meta row first
                raise
    raise AssertionError("unreachable")


def _migrate_in(conn: Connection) -> int:
    for table in METADATA.sorted_tables:
        conn.execute(CreateTable(table, if_not_exists=True))
        for index in table.indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))
    found = conn.execute(select(META.c.value).where(META.c.key == "schema_version")).scalar()
    if found is not None and int(found) > SCHEMA_VERSION:
        raise RuntimeError(f"database schema v{found} is newer than this chatrec "
                           f"(v{SCHEMA_VERSION}); upgrade chatrec")
    if found is None:
        conn.execute(insert(META).values(key="schema_version", value=str(SCHEMA_VERSION)))
    elif int(found) < SCHEMA_VERSION:  # older schemas only lacked tables, created above
        conn.execute(META.update().where(META.c.key == "schema_version")
                     .values(value=str(SCHEMA_VERSION)))
    if conn.execute(select(META.c.value).where(META.c.key == SECRET_KEY)).scalar() is None:
        conn.execute(insert(META).values(key=SECRET_KEY, value=secrets.token_hex(32)))
    return SCHEMA_VERSION


def read_meta(engine: Engine, key: str) -> str | None:
    """One ``meta`` value, or None."""
    with engine.connect() as conn:
        return conn.execute(select(META.c.value).where(META.c.key == key)).scalar()
