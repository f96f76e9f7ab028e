"""PostgreSQL under the Store: a connection that answers the calls the store's areas make on sqlite-utils'
Database (execute, query, and the table calls insert, upsert, update, rows_where), so each area's code serves
both engines. SQL written for SQLite is turned into PostgreSQL's where the two differ in spelling only:
placeholders, `INSERT OR IGNORE`, `COLLATE NOCASE`, [bracketed] names. Where they differ in meaning the store
asks its engine (models.engines); the schema is models.pg_schema.

psycopg's client-side binding is used (ClientCursor): parameters are quoted into the statement, so a value
takes its type from the column it meets, as in SQLite, rather than failing on `text = integer`.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.adapt import Loader
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

_PIECES = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\[(\w+)\]|(?<![:\w]):(\w+)|\?|%""")
_NOCASE = re.compile(r"([\w.]+) COLLATE NOCASE", re.IGNORECASE)
_OR_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO", re.IGNORECASE)
_RETURNING = re.compile(r"\sRETURNING\s", re.IGNORECASE)
# SQLite's null-safe comparison `a IS b` (not `IS NULL`, `IS NOT NULL`, ...)
_IS_VALUE = re.compile(r"\bIS (NOT )?(?!(?:NULL|TRUE|FALSE|DISTINCT|UNKNOWN|NOT)\b)", re.IGNORECASE)


@lru_cache(maxsize=4096)
def postgres_sql(sql: str) -> str:
    """The statement in PostgreSQL's spelling (placeholders for psycopg: `%s`, `%(name)s`, a literal `%%`)."""

    def piece(match: re.Match) -> str:
        text = match.group(0)
        if match.group(1):
            return f'"{match.group(1)}"'
        if match.group(2):
            return f"%({match.group(2)})s"
        if text == "?":
            return "%s"
        return text.replace("%", "%%")  # a quoted string, or a % sign: psycopg reads % even inside quotes

    sql = _IS_VALUE.sub(lambda m: "IS DISTINCT FROM " if m.group(1) else "IS NOT DISTINCT FROM ", sql)
    sql = _NOCASE.sub(r"lower(\1)", _PIECES.sub(piece, sql))
    if _OR_IGNORE.match(sql):
        sql = _OR_IGNORE.sub("INSERT INTO", sql, count=1)
        returning = _RETURNING.search(sql)
        at = returning.start() if returning else len(sql.rstrip().rstrip(";"))
        sql = f"{sql[:at]} ON CONFLICT DO NOTHING{sql[at:]}"
    return sql


def _value(value: Any) -> Any:
    """A parameter as SQLite's module would store it: flags as 0/1, times as ISO text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    if hasattr(value, "item") and not isinstance(value, (bytes, str)):  # numpy scalars
        return value.item()
    return value


def _params(params: Sequence | Mapping | None) -> Sequence | Mapping:
    if params is None:
        return ()
    if isinstance(params, Mapping):
        return {key: _value(value) for key, value in params.items()}
    return [_value(value) for value in params]


class _Number(Loader):
    """numeric (what sum() and avg() of integers return) as int or float, as SQLite returns them, not Decimal."""

    def load(self, data: bytes | bytearray | memoryview) -> int | float:
        text = bytes(data).decode()
        return float(text) if "." in text or "e" in text.lower() or text.isalpha() else int(text)


def connect(url: str) -> psycopg.Connection:
    """A connection as the store uses it: autocommit (a statement outside a transaction commits on its own,
    as sqlite-utils' execute() does), values bound on the client, numeric read as SQLite returns it."""
    raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
    _configure(raw)
    return raw


def _configure(raw: psycopg.Connection) -> None:
    raw.adapters.register_loader("numeric", _Number)


class PgConnection:
    """The part of sqlite3.Connection the store uses, over one psycopg connection (see `connect`)."""

    def __init__(self, raw: psycopg.Connection):
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence | Mapping | None = None) -> psycopg.Cursor:
        return self.raw.execute(postgres_sql(sql), _params(params))

    def executemany(self, sql: str, rows: Iterable[Sequence]) -> psycopg.Cursor:
        cursor = self.raw.cursor()
        cursor.executemany(postgres_sql(sql), [_params(row) for row in rows])
        return cursor

    def close(self) -> None:
        self.raw.close()


@dataclass(frozen=True)
class Column:
    name: str


class PgDatabase:
    """sqlite_utils.Database's calls the store makes, on PostgreSQL."""

    def __init__(self, raw: psycopg.Connection, schema: dict[str, list[str]] | None = None):
        self.conn = PgConnection(raw)
        self._tables: dict[str, PgTable] = {}
        self.schema = {} if schema is None else schema  # tables' columns and keys, shared by a store's connections

    def execute(self, sql: str, params: Sequence | Mapping | None = None) -> psycopg.Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence | Mapping | None = None) -> Iterator[dict[str, Any]]:
        cursor = self.conn.raw.cursor(row_factory=dict_row)
        cursor.execute(postgres_sql(sql), _params(params))
        yield from cursor

    def __getitem__(self, name: str) -> PgTable:
        if name not in self._tables:
            self._tables[name] = PgTable(self, name)
        return self._tables[name]

    @contextmanager
    def atomic(self) -> Iterator[PgDatabase]:
        """A transaction, or a savepoint inside the one open."""
        with self.conn.raw.transaction():
            yield self

    def rollback(self) -> None:
        self.conn.raw.rollback()

    def close(self) -> None:
        self.conn.close()


class PgTable:
    """sqlite_utils.Table's writes and reads the store uses: rows as dicts, `last_pk` after an insert."""

    def __init__(self, db: PgDatabase, name: str):
        self.db = db
        self.name = name
        self.last_pk: Any = None

    @property
    def columns(self) -> list[Column]:
        key = f"{self.name}.columns"
        if key not in self.db.schema:
            self.db.schema[key] = [row[0] for row in self.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ? ORDER BY ordinal_position", [self.name])]
        return [Column(name) for name in self.db.schema[key]]

    @property
    def pks(self) -> list[str]:
        key = f"{self.name}.pks"
        if key not in self.db.schema:
            self.db.schema[key] = [row[0] for row in self.db.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?::regclass AND i.indisprimary "
                "ORDER BY array_position(i.indkey, a.attnum)", [self.name])]
        return self.db.schema[key]

    @property
    def rows(self) -> Iterator[dict[str, Any]]:
        return self.rows_where()

    def rows_where(self, where: str | None = None, where_args: Sequence | Mapping | None = None,
                   order_by: str | None = None, limit: int | None = None) -> Iterator[dict[str, Any]]:
        sql = f'SELECT * FROM "{self.name}"'
        if where:
            sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.db.query(sql, where_args)

    def insert(self, record: Mapping[str, Any], pk: Any = None, ignore: bool = False, replace: bool = False,
               **_: Any) -> PgTable:
        """One row; `last_pk` is its key (the one the database gave it, for an identity column)."""
        columns = list(record)
        keys = self.pks
        conflict = self._on_conflict(columns, pk, ignore, replace)
        returning = f" RETURNING {', '.join(_quoted(keys))}" if keys else ""
        cursor = self.db.conn.raw.execute(
            f'INSERT INTO "{self.name}" ({", ".join(_quoted(columns))}) VALUES ({", ".join(["%s"] * len(columns))})'
            f"{conflict}{returning}", [_value(record[c]) for c in columns])
        row = cursor.fetchone() if returning else None
        self.last_pk = None if row is None else (row[0] if len(keys) == 1 else tuple(row))
        return self

    def insert_all(self, records: Iterable[Mapping[str, Any]], pk: Any = None, batch_size: int = 100,
                   ignore: bool = False, replace: bool = False, **_: Any) -> PgTable:
        """Rows in statements of `batch_size`; rows naming different columns go in separate statements."""
        by_columns: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        for record in records:
            by_columns.setdefault(tuple(record), []).append(record)
        for columns, rows in by_columns.items():
            conflict = self._on_conflict(list(columns), pk, ignore, replace)
            row_sql = f"({', '.join(['%s'] * len(columns))})"
            for start in range(0, len(rows), batch_size):
                part = rows[start : start + batch_size]
                values = [_value(row[c]) for row in part for c in columns]
                self.db.conn.raw.execute(
                    f'INSERT INTO "{self.name}" ({", ".join(_quoted(columns))}) VALUES '
                    f'{", ".join([row_sql] * len(part))}{conflict}', values)
        return self

    def upsert(self, record: Mapping[str, Any], pk: Any = None, **kwargs: Any) -> PgTable:
        return self.insert(record, pk=pk, replace=True, **kwargs)

    def upsert_all(self, records: Iterable[Mapping[str, Any]], pk: Any = None, **kwargs: Any) -> PgTable:
        """Insert rows, or update the columns they name where their key exists (others keep their values)."""
        return self.insert_all(records, pk=pk, replace=True, **kwargs)

    def update(self, pk_values: Any, updates: Mapping[str, Any] | None = None, **_: Any) -> PgTable:
        if updates:
            values = list(pk_values) if isinstance(pk_values, (list, tuple)) else [pk_values]
            sets = ", ".join(f'"{c}" = %s' for c in updates)
            where = " AND ".join(f'"{pk}" = %s' for pk in self.pks)
            self.db.conn.raw.execute(f'UPDATE "{self.name}" SET {sets} WHERE {where}',
                                     [*map(_value, updates.values()), *map(_value, values)])
        return self

    def delete(self, pk_values: Any) -> PgTable:
        values = list(pk_values) if isinstance(pk_values, (list, tuple)) else [pk_values]
        where = " AND ".join(f'"{pk}" = %s' for pk in self.pks)
        self.db.conn.raw.execute(f'DELETE FROM "{self.name}" WHERE {where}', [_value(v) for v in values])
        return self

    def _on_conflict(self, columns: list[str], pk: Any, ignore: bool, replace: bool) -> str:
        if ignore:
            return " ON CONFLICT DO NOTHING"
        if not replace:
            return ""
        keys = [pk] if isinstance(pk, str) else list(pk or self.pks)
        updated = [c for c in columns if c not in keys]
        if not updated:
            return f" ON CONFLICT ({', '.join(_quoted(keys))}) DO NOTHING"
        sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in updated)
        return f" ON CONFLICT ({', '.join(_quoted(keys))}) DO UPDATE SET {sets}"


def _quoted(names: Iterable[str]) -> list[str]:
    return [f'"{name}"' for name in names]


POOL_NAME = "knowhow requests"  # the pool's connections as pg_stat_activity names them


class _Lease:
    """The connection one request borrowed, whichever threads the request runs in."""

    def __init__(self, connections: Connections):
        self.connections, self.db = connections, None


_LEASE: ContextVar[_Lease | None] = ContextVar("knowhow_connection_lease", default=None)


class Connections:
    """A store's connections to one database. A request borrows one from a bounded pool for its whole length
    (`lease`): a server holds at most `pool_size` however many requests it runs at once (and lets no more in
    at once: web.middleware.ConnectionLease). Threads outside a request (background work, the CLI, analytics'
    parallel queries) keep one of their own, which goes with the thread."""

    def __init__(self, url: str, pool_size: int):
        self.url, self.pool_size = url, pool_size
        self.schema: dict[str, list[str]] = {}
        self._pool: ConnectionPool | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: weakref.WeakSet[PgDatabase] = weakref.WeakSet()

    def current(self) -> PgDatabase:
        lease = _LEASE.get()
        if lease is not None and lease.connections is self:
            if lease.db is None:
                lease.db = PgDatabase(self._borrowing().getconn(), self.schema)
            return lease.db
        db = getattr(self._local, "db", None)
        if db is not None and db.conn.raw.closed:  # ended by the server (a restart): open another
            self.close_current()
            db = None
        if db is None:
            db = PgDatabase(connect(self.url), self.schema)
            self._local.db = db
            with self._lock:
                self._open.add(db)
        return db

    def _borrowing(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.url, min_size=1, max_size=self.pool_size, open=True, configure=_configure,
                    check=ConnectionPool.check_connection,  # one broken by a database restart is replaced
                    kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor,
                            "application_name": POOL_NAME}, name=POOL_NAME)
            return self._pool

    @contextmanager
    def lease(self) -> Iterator[None]:
        """Within the block, this context's store calls share one pooled connection, given back at the end
        (a transaction left open is rolled back by the pool, a broken connection replaced)."""
        lease = _Lease(self)
        token = _LEASE.set(lease)
        try:
            yield
        finally:
            _LEASE.reset(token)
            if lease.db is not None:
                self._borrowing().putconn(lease.db.conn.raw)

    def close_current(self) -> None:
        """This thread's own connection only: the others may be in the middle of a request."""
        db = getattr(self._local, "db", None)
        if db is not None:
            with self._lock:
                self._open.discard(db)
            db.close()
            self._local.db = None

    def close_all(self) -> None:
        with self._lock:
            for db in list(self._open):
                db.close()
            self._open.clear()
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        self._local = threading.local()
