"""The two engines a Store runs on: an SQLite file (the embedded default) or a PostgreSQL database
(KNOWHOW_DATABASE_URL, several app servers on one database). Each answers what really differs between them:
connecting, transactions, building the schema, a consistent copy, the change log's head, JSON fields."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from models.errors import InvalidInputError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
DEFAULT_POOL_SIZE = 10
WRITE_LOCK = 72_231_002  # PostgreSQL: the advisory lock a writing transaction holds (SQLite's write lock)
POSTGRES_BACKUPS = ("the store is PostgreSQL (KNOWHOW_DATABASE_URL): back it up and restore it with PostgreSQL's "
                    "tools (pg_dump and pg_restore, or your service's backups); each server's indexes are rebuilt "
                    "from it")


def is_postgres(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


class SqliteEngine:
    row_order = "rowid"  # the order rows were inserted in, for ties (a table without an integer key has one)
    pool_size = None  # each thread keeps its own connection to the file

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    def current(self) -> sqlite_utils.Database:
        """This thread's connection (sqlite3 connections are not thread-safe)."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            db = sqlite_utils.Database(conn)
            with db.ensure_autocommit_on():
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self, db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
        """The write lock is taken up front (`BEGIN IMMEDIATE`), where busy_timeout makes a second writer
        wait its turn. A deferred transaction that reads first and then writes fails at once with
        "database is locked" when another connection wrote in between: SQLite cannot wait there.
        Nested calls become savepoints of the outer transaction."""
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise

    def insert_alone(self, db: sqlite_utils.Database, sql: str, params: list) -> None:
        """One INSERT committed on its own (a savepoint within the caller's transaction), without the schema
        reads sqlite-utils' insert makes on every call."""
        with self.transaction(db):
            db.execute(sql, params)

    def migrate(self, db: sqlite_utils.Database) -> None:
        from models.migrations import apply_migrations

        apply_migrations(db)

    def backup_to(self, db: sqlite_utils.Database, path: Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API), safe while others write."""
        path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(str(path))
        try:
            db.conn.backup(target)
        finally:
            target.close()

    def latest_change(self, db: sqlite_utils.Database) -> int:
        """The seq of the last change ever logged (kept by SQLite for the table, pruned or not)."""
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'vector_changes'").fetchone()
        return row[0] if row else 0

    def serialise(self, db: sqlite_utils.Database, name: str) -> None:
        """Make concurrent transactions about `name` run one at a time: SQLite's transactions already do
        (BEGIN IMMEDIATE takes the one write lock)."""

    @staticmethod
    def json_true(document: str, key: str) -> str:
        """SQL that is true where the JSON object in column `document` has `key` set to true."""
        return f"json_extract({document}, '$.{key}') = 1"

    @contextmanager
    def lease(self) -> Iterator[None]:
        """Nothing to borrow: each thread keeps its connection to the file."""
        yield

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def close_all(self) -> None:
        """This thread's connection; another thread's goes with that thread (nothing on a server waits on it)."""
        self.close()


class PostgresEngine:
    row_order = "id"  # no rowid: ties (the same microsecond) fall back on the key

    def __init__(self, url: str, pool_size: int):
        from models.postgres import Connections

        self._connections = Connections(url, pool_size)
        self.pool_size = pool_size

    def current(self) -> Any:
        return self._connections.current()

    def lease(self) -> AbstractContextManager[None]:
        """One pooled connection for everything within (a request), in whichever threads it runs."""
        return self._connections.lease()

    @contextmanager
    def transaction(self, db: Any) -> Iterator[Any]:
        """READ COMMITTED, one writing transaction at a time, as SQLite's BEGIN IMMEDIATE makes it: every
        write of passages also updates the change log's head row, so two writes that lock the head and
        another row (an author's profile) in opposite orders deadlocked, and two edits of one item read the
        same last version and both wrote the next (test_concurrency, twenty writers). Reads never wait for it.
        Nested calls become savepoints."""
        outermost = not db.conn.in_transaction
        with db.conn.raw.transaction():
            if outermost:
                db.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK])
            yield db

    def insert_alone(self, db: Any, sql: str, params: list) -> None:
        """One INSERT committed on its own (the connection autocommits), outside the write lock: a row no
        other write touches, such as a logged query, need not wait for an import's transaction."""
        db.execute(sql, params)

    def migrate(self, db: Any) -> None:
        from models.migrations import apply_postgres_migrations

        apply_postgres_migrations(db)

    def backup_to(self, db: Any, path: Path) -> None:
        raise InvalidInputError(POSTGRES_BACKUPS)

    def latest_change(self, db: Any) -> int:
        """The change log's head row (models.pg_schema): the last seq given, pruned or not."""
        return db.execute("SELECT seq FROM change_log_head WHERE id = 1").fetchone()[0]

    def serialise(self, db: Any, name: str) -> None:
        """Make concurrent transactions about `name` run one at a time (READ COMMITTED lets two read the same
        counts and both write): a transaction-scoped advisory lock on the name, released at commit."""
        db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [name])

    @staticmethod
    def json_true(document: str, key: str) -> str:
        return f"({document})::jsonb -> '{key}' IN ('true'::jsonb, '1'::jsonb)"

    def close(self) -> None:
        self._connections.close_current()

    def close_all(self) -> None:
        self._connections.close_all()


def engine_for(location: str | Path, pool_size: int = DEFAULT_POOL_SIZE) -> SqliteEngine | PostgresEngine:
    """PostgreSQL for a postgresql:// URL (a request borrows one of `pool_size` connections), else an SQLite
    file at that path."""
    return PostgresEngine(str(location), pool_size) if is_postgres(location) else SqliteEngine(location)
