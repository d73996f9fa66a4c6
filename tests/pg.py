"""Scratch PostgreSQL databases for tests, on the server named by ``CHATREC_TEST_PG_URL``.

`.ci/run` starts a real server and exports the URL; without it the PostgreSQL variants skip.
Each test gets a fresh database, dropped afterwards, so runs never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "CHATREC_TEST_PG_URL"
needs_pg = pytest.mark.skipif(not os.environ.get(PG_ENV),
                              reason=f"set {PG_ENV} to a PostgreSQL server (.ci/run does)")


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new empty database on the test server; dropped on exit."""
    base = make_url(os.environ[PG_ENV])
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    name = f"chatrec_test_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
