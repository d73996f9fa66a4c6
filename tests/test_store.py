"""The feedback store: durability, concurrency, isolation, forgetting, migration, snapshots."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from pg import fresh_database, needs_pg
from sqlalchemy import create_engine, func, inspect, select, text

from chatrec.profile.events import FeedbackEvent, constraints_event, item_event, shown_event
from chatrec.profile.replay import replay, thumb_event
from chatrec.profile.store import (
    FEEDBACK,
    MESSAGES,
    META,
    PROFILES,
    SCHEMA_VERSION,
    ProfileStore,
    migrate,
    validate_user_id,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_pg)])
def url(request, tmp_path):
    """Every store test runs on SQLite and, when a server is available, on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nested' / 'chatrec.db'}"
        return
    with fresh_database() as pg_url:
        yield pg_url


@pytest.fixture
def store(url):
    with ProfileStore(url) as opened:
        yield opened


def _rows(url: str, table, user_id: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(table)
                             .where(table.c.user_id == user_id)).scalar_one()
    engine.dispose()
    return int(count)


def test_survives_a_restart(url, tiny_dataset):
    catalog = tiny_dataset.catalog
    with ProfileStore(url) as first:
        first.append("alice-token", item_event("like", "1", catalog))
        first.append("alice-token", item_event("dislike", "7", catalog))
    with ProfileStore(url) as second:
        assert [e.signal for e in second.events("alice-token")] == ["like", "dislike"]
        profile = second.load_profile("alice-token")
    assert list(profile.liked) == ["1"] and list(profile.disliked) == ["7"]


def test_sqlite_uses_wal(store, url):
    if not url.startswith("sqlite"):
        pytest.skip("a SQLite setting")
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_twenty_threads_lose_no_row(store, url):
    per_thread, users = 15, [f"user-{n:02d}" for n in range(20)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(users))

    def post(user_id: str) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                store.append(user_id, FeedbackEvent("like", str(n + 1), "thumb"))
                store.append("shared-user", shown_event([str(n)]))
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(_rows(url, FEEDBACK, u) == per_thread for u in users)
    assert _rows(url, FEEDBACK, "shared-user") == per_thread * len(users)
    ids = [e.id for e in store.events("shared-user")]
    assert len(set(ids)) == len(ids) == per_thread * len(users)


def test_forget_removes_only_that_user(store, url, tiny_dataset):
    catalog = tiny_dataset.catalog
    for user in ("gone-user", "kept-user"):
        store.append(user, item_event("like", "1", catalog))
        store.load_profile(user)  # writes a snapshot
    assert _rows(url, PROFILES, "gone-user") == 1
    assert store.forget("gone-user") == 2
    assert _rows(url, FEEDBACK, "gone-user") == 0 and _rows(url, PROFILES, "gone-user") == 0
    assert _rows(url, FEEDBACK, "kept-user") == 1 and _rows(url, PROFILES, "kept-user") == 1
    assert store.load_profile("gone-user").liked == {}


def test_migration_twice_is_a_noop(store, url, tiny_dataset):
    store.append("some-user", item_event("like", "1", tiny_dataset.catalog))
    secret = store.install_secret()
    engine = create_engine(url)
    before = sorted(inspect(engine).get_table_names())
    assert migrate(engine) == SCHEMA_VERSION == 2 and migrate(engine) == 2
    with engine.connect() as conn:
        meta_rows = sorted(tuple(r) for r in conn.execute(select(META)).all())
    engine.dispose()
    assert before == ["feedback", "messages", "meta", "profiles"]
    assert [r[0] for r in meta_rows] == ["install_secret", "schema_version"]
    assert meta_rows[1] == ("schema_version", "2") and len(meta_rows[0][1]) == 64
    assert ProfileStore(url).schema_version() == 2
    assert ProfileStore(url).install_secret() == secret and len(secret) == 32
    assert _rows(url, FEEDBACK, "some-user") == 1


def test_a_version_1_database_is_upgraded_in_place(url, tmp_path):
    (tmp_path / "nested").mkdir()
    engine = create_engine(url)
    with engine.begin() as conn:  # what chatrec v1 created: no messages table, no secret
        for table in (META, FEEDBACK, PROFILES):
            table.create(conn)
        conn.execute(META.insert().values(key="schema_version", value="1"))
        conn.execute(FEEDBACK.insert().values(user_id="old-user", item_id="1", signal="like",
                                              source="thumb", created_at=1.0))
    engine.dispose()
    with ProfileStore(url) as upgraded:
        assert upgraded.schema_version() == 2 and len(upgraded.install_secret()) == 32
        assert list(upgraded.load_profile("old-user").liked) == ["1"]
        upgraded.append_messages("old-user", [{"role": "user", "content": "hi"}])
        assert upgraded.messages("old-user") == [{"role": "user", "content": "hi"}]


def test_newer_schema_is_refused(url):
    ProfileStore(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(META.update().values(value="99"))
    with pytest.raises(RuntimeError, match="newer"):
        migrate(engine)
    engine.dispose()


def test_toggling_a_thumb(store, tiny_dataset):
    catalog = tiny_dataset.catalog
    for _ in range(2):
        store.append("thumb-user", thumb_event(store.load_profile("thumb-user"), "2", True,
                                               catalog))
    profile = store.load_profile("thumb-user")
    assert [e.signal for e in store.events("thumb-user")] == ["like", "clear"]
    assert profile.liked == {} and profile.disliked == {}


def test_snapshot_catch_up_and_rebuild_agree(store, tiny_dataset):
    catalog = tiny_dataset.catalog
    store.append("snap-user", item_event("like", "1", catalog))
    store.load_profile("snap-user")  # snapshot at the first event
    store.append_many("snap-user", [item_event("dislike", "5", catalog), shown_event(["3"]),
                                    constraints_event({"genres_in": ["Crime"]})])
    loaded = store.load_profile("snap-user")
    assert loaded == replay(store.events("snap-user"))
    assert store.rebuild("snap-user") == loaded
    assert loaded.event_count == 4 and loaded.last_event_id == store.events("snap-user")[-1].id


def test_a_snapshot_that_disagrees_with_the_log_is_ignored(store, url, tiny_dataset):
    store.append("drift-user", item_event("like", "1", tiny_dataset.catalog))
    store.load_profile("drift-user")
    engine = create_engine(url)
    with engine.begin() as conn:  # a stale cache claiming a different history
        conn.execute(PROFILES.update().values(data=json.dumps({"version": 999}), event_count=7))
    engine.dispose()
    assert list(store.load_profile("drift-user").liked) == ["1"]


def test_users_are_isolated(store, tiny_dataset):
    store.append("user-a", item_event("like", "1", tiny_dataset.catalog))
    store.append("user-b", item_event("dislike", "1", tiny_dataset.catalog))
    assert list(store.load_profile("user-a").liked) == ["1"]
    assert list(store.load_profile("user-b").disliked) == ["1"]
    assert [e.signal for e in store.events("user-b")] == ["dislike"]


def test_export_is_json_and_user_ids_are_validated(store, tiny_dataset):
    store.append("export-user", item_event("like", "1", tiny_dataset.catalog))
    exported = json.loads(json.dumps(store.export("export-user")))
    assert [e["item_id"] for e in exported["events"]] == ["1"]
    assert exported["profile"]["liked"]["1"]["source"] == "thumb"
    token = store.new_user_id()
    assert validate_user_id(token) == token and token != store.new_user_id()
    for bad in ("", "x" * 65, "a b", "<script>", "../etc", "ünï"):
        with pytest.raises(ValueError, match="invalid user id"):
            store.append(bad, FeedbackEvent("like", "1"))


@needs_pg
def test_postgresql_round_trip(tiny_dataset):
    with ProfileStore(os.environ["CHATREC_TEST_PG_URL"]) as pg:  # the URL as a user gives it
        user = pg.new_user_id()
        pg.append(user, item_event("like", "1", tiny_dataset.catalog))
        assert list(pg.load_profile(user).liked) == ["1"]
        assert pg.rebuild(user) == pg.load_profile(user)
        assert pg.forget(user) == 2 and pg.events(user) == []


def test_kept_messages_are_bounded_ordered_and_forgotten(store, url):
    sent = [{"role": "user" if n % 2 else "assistant", "content": f"message {n}",
             **({"metadata": {"id": f"movie:{n}"}} if n % 3 == 0 else {})} for n in range(70)]
    for start in range(0, 70, 7):
        store.append_messages("talk-user", sent[start:start + 7])
    store.append_messages("other-user", sent[:3])
    assert store.messages("talk-user") == sent[-50:]
    assert _rows(url, MESSAGES, "talk-user") == 50
    assert store.export("talk-user")["messages"] == sent[-50:]
    store.forget("talk-user")
    assert store.messages("talk-user") == [] and store.messages("other-user") == sent[:3]


def test_twenty_writers_lose_none_of_a_thousand(store, url):
    """20 threads append 50 events each to one user at once: all 1,000 are stored, ids unique."""
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for k in range(50):
                store.append("busy-user", FeedbackEvent("like", str(n * 50 + k), "thumb"))
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ids = [e.id for e in store.events("busy-user")]
    print(f"20 writers on {url.split(':')[0]}: {len(ids)} of 1000 stored, {len(errors)} errors, "
          f"{elapsed:.2f} s")
    assert errors == [] and _rows(url, FEEDBACK, "busy-user") == 1000
    assert len(set(ids)) == 1000
    assert len({e.item_id for e in store.events("busy-user")}) == 1000


def test_postgresql_without_its_driver_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_psycopg(name, *args, **kwargs):
        if name == "psycopg" or name.startswith("psycopg."):
            raise ModuleNotFoundError("No module named 'psycopg'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    with pytest.raises(RuntimeError, match=r"chatrec\[postgres\]"):
        ProfileStore("postgresql://nobody@127.0.0.1:1/none")
