"""PostgreSQL as the store (KNOWHOW_DATABASE_URL): the same schema as SQLite's, SQL spelled for it, and a change
log that servers can follow without missing a write committed out of order. A real server (tests/postgres_server.py)."""

from __future__ import annotations

import sqlite3
import threading
import time

import numpy as np
import pytest

from models.errors import InvalidInputError
from models.migrations import MIGRATIONS
from models.postgres import postgres_sql
from models.settings import Settings
from models.store import Store


@pytest.fixture
def pg_store(postgres):
    stores: list[Store] = []

    def open_store(url: str | None = None) -> Store:
        store = Store(url or postgres.new_database())
        stores.append(store)
        return store

    yield open_store
    for store in stores:
        store.close_all()


@pytest.mark.parametrize(("sqlite", "postgres"), [
    ("SELECT * FROM t WHERE a = ? AND b LIKE '%x?' AND c = :name",
     "SELECT * FROM t WHERE a = %s AND b LIKE '%%x?' AND c = %(name)s"),
    ("INSERT OR IGNORE INTO follows (party, kind) VALUES (?, ?)",
     "INSERT INTO follows (party, kind) VALUES (%s, %s) ON CONFLICT DO NOTHING"),
    ("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?) RETURNING key",
     "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING key"),
    ("SELECT id FROM people ORDER BY p.name COLLATE NOCASE, id", "SELECT id FROM people ORDER BY lower(p.name), id"),
    ("SELECT 1 FROM [_migrations] WHERE name = 'it''s ?'", "SELECT 1 FROM \"_migrations\" WHERE name = 'it''s ?'"),
    ("SELECT x::json, '{a:b}'", "SELECT x::json, '{a:b}'"),
])
def test_sqlite_statements_are_spelled_for_postgresql(sqlite, postgres):
    assert postgres_sql(sqlite) == postgres


def _columns_sqlite(path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(path)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    columns = {(table, row[1]) for table in tables for row in conn.execute(f"PRAGMA table_info([{table}])")}
    conn.close()
    return {(table, column) for table, column in columns if table != "sqlite_sequence"}


def test_the_postgresql_schema_has_sqlites_tables_and_columns(pg_store, empty_store):
    store = pg_store()
    rows = store.db.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema()").fetchall()
    postgres = {(table, column) for table, column in rows if table != "change_log_head"}
    assert postgres == _columns_sqlite(empty_store)


def test_a_new_database_records_every_migration_and_a_second_opening_applies_none(pg_store, postgres):
    url = postgres.new_database()
    first = pg_store(url)
    names = [row[0] for row in first.db.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == sorted(name for name, _ in MIGRATIONS)
    second = pg_store(url)
    assert [row[0] for row in second.db.execute("SELECT name FROM _migrations ORDER BY name")] == names


def _passages(store: Store, n: int) -> list[int]:
    from models.records import Chunk

    store.db["content"].insert({"id": f"c{n}", "title": "t", "body": "b"})
    chunks = [Chunk(content_id=f"c{n}", position=i, heading="", text=f"text {i}") for i in range(n)]
    store.replace_chunks({f"c{n}": ("t", chunks)})
    return [row[0] for row in store.db.execute("SELECT id FROM chunks WHERE content_id = ? ORDER BY id", [f"c{n}"])]


def test_change_log_numbers_commit_in_order_with_no_gaps(pg_store, postgres):
    """A writer of passages waits for the one before it to commit (or roll back): a server reading the log
    after seq N never meets N+2 committed while N+1 is still to come, and a rollback leaves no hole."""
    url = postgres.new_database()
    first, second = pg_store(url), pg_store(url)
    ids = _passages(first, 3)
    start = first.latest_vector_change()
    vector = np.ones((1, 384), dtype=np.float32)

    with pytest.raises(RuntimeError), first.transaction():
        first.set_vectors("chunks", ids[:1], vector)
        raise RuntimeError("rolled back")

    holding, release, second_done = threading.Event(), threading.Event(), threading.Event()

    def first_writer():
        with first.transaction():
            first.set_vectors("chunks", ids[1:2], vector)
            holding.set()
            release.wait(10)

    def second_writer():
        with second.transaction():
            second.set_vectors("chunks", ids[2:3], vector)
        second_done.set()

    threads = [threading.Thread(target=first_writer)]
    threads[0].start()
    assert holding.wait(10)
    threads.append(threading.Thread(target=second_writer))
    threads[1].start()
    time.sleep(0.5)
    assert not second_done.is_set()  # waiting for the first writer's commit
    release.set()
    for thread in threads:
        thread.join(10)
    seq, changes = first.vector_changes_since(start, 100)
    assert [(s, table, passage, added) for s, table, passage, added in changes] == [
        (start + 1, "chunks", ids[1], True), (start + 2, "chunks", ids[2], True)]
    assert seq == start + 2 == second.latest_vector_change()


def test_words_and_deletions_are_logged_as_on_sqlite(pg_store):
    store = pg_store()
    start = store.latest_vector_change()
    ids = _passages(store, 2)
    store.set_vectors("chunks", ids, np.ones((2, 384), dtype=np.float32))
    store.replace_chunks({"c2": ("t", [])})
    _, changes = store.vector_changes_since(start, 100)
    assert [(table, passage, added) for _, table, passage, added in changes] == [
        ("words", ids[0], True), ("words", ids[1], True), ("chunks", ids[0], True), ("chunks", ids[1], True),
        ("chunks", ids[0], False), ("words", ids[0], False), ("chunks", ids[1], False), ("words", ids[1], False)]


def test_backups_are_refused_with_the_tools_to_use_instead(tmp_path, postgres):
    from models.backup import backup

    settings = Settings(data=tmp_path / "data", database_url=postgres.new_database())
    with pytest.raises(InvalidInputError, match="pg_dump"):
        backup(settings, tmp_path / "copy")


def test_a_database_url_of_another_engine_is_refused():
    with pytest.raises(ValueError, match="postgresql://"):
        Settings(database_url="mysql://host/db")


def test_requests_at_once_share_a_bounded_pool_of_connections(tmp_path, postgres, embedder):
    """However many requests a server runs at once, it holds at most `database_pool_size` connections for them;
    the others wait their turn and are answered. More at once than the server has request threads (40): waiting
    for a connection in those threads deadlocked, the holders left without a thread to finish in."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    import psycopg

    from indexer.importer import import_files
    from models.postgres import POOL_NAME
    from tests.conftest import LiveServer, api_token
    from tests.factories import ANA, VPN, jsonl
    from web.services import Services

    url = postgres.new_database()
    services = Services(Settings(data=tmp_path / "data", database_url=url, database_pool_size=2), embedder)
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, VPN)])
    token = api_token(services)
    most, stop = 0, threading.Event()

    def count_connections() -> None:
        nonlocal most
        with psycopg.connect(url, autocommit=True) as db:
            while not stop.is_set():
                count = db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND application_name = %s", [POOL_NAME]).fetchone()[0]
                most = max(most, count)
                time.sleep(0.01)

    watcher = threading.Thread(target=count_connections)
    watcher.start()
    try:
        with LiveServer(services) as server, ThreadPoolExecutor(max_workers=64) as pool:
            def ask(n: int) -> int:
                return httpx.get(f"{server.url}/api/search", params={"q": f"vpn token reset {n}"}, timeout=20,
                                 headers={"Authorization": f"Bearer {token}"}).status_code

            statuses = list(pool.map(ask, range(128)))
    finally:
        stop.set()
        watcher.join()
        services.close()
    assert statuses == [200] * 128
    assert 1 <= most <= 2
