"""Copy an embedded store (the data folder's SQLite file) into PostgreSQL: `knowhow migrate-to-postgres`.

The copy is lossless: every row of every table keeps its ids, so links, sessions, tokens, feedback and the
vectors' positions in each server's index still point where they did. The change log is copied as it is
(the passages' triggers stay off while their rows arrive, or they would log the copy a second time), and
every identity column and the log's head continue after the largest number SQLite ever gave, deleted rows
included: SQLite's AUTOINCREMENT never reuses an id, and neither may PostgreSQL, or a stale index entry
could alias a new passage.

It runs in batches, each committed together with a note of how far it got (`_copy_progress`), so an
interrupted copy resumes where it stopped. The note goes in the transaction that finishes the copy, after
every table's count was checked against the source's. A source that changed since the copy began is refused.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from graphlib import TopologicalSorter
from pathlib import Path

import psycopg

from models.backup import data_lock
from models.errors import InvalidInputError
from models.settings import Settings
from models.store import Store

PROGRESS = "_copy_progress"
SQLITE_OWN = ("sqlite_sequence", "_migrations")  # each engine records its own migrations
SEEDED = ("meta", "review_intervals", "change_log_head", "_migrations")  # rows a new schema starts with
BATCH_ROWS = 2_000

Progress = Callable[[str, int, int], None]


def migrate_to_postgres(settings: Settings, url: str, progress: Progress | None = None,
                        restart: bool = False) -> dict[str, int]:
    """Copy the data folder's store into PostgreSQL with no server using the folder (a write made during the
    copy could be missed); both schemas are brought up to date first, so that they match."""
    if not settings.db_path.exists():
        raise InvalidInputError(f"no Knowhow data at {settings.data.resolve()} (use --data or KNOWHOW_DATA)")
    with data_lock(settings, exclusive=True):
        for location in (settings.db_path, url):
            Store(location).close()
        return copy_to_postgres(settings.db_path, url, progress, restart)


def copy_to_postgres(source_path: Path, url: str, progress: Progress | None = None,
                     restart: bool = False) -> dict[str, int]:
    """Copy the SQLite store at `source_path` into the PostgreSQL database at `url`, whose schema is already
    built (open a Store on it first); returns the rows each table holds. `progress(table, done, total)`."""
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = psycopg.connect(url, autocommit=True)
    try:
        tables = _tables_in_order(source, target)
        fingerprint = _fingerprint(source, tables)
        _begin(target, tables, fingerprint, restart)
        done = _progress_notes(target)
        for table in tables:
            _copy_table(source, target, table, done.get(table, 0), progress)
        return _finish(source, target, tables)
    finally:
        source.close()
        target.close()


def _tables_in_order(source: sqlite3.Connection, target: psycopg.Connection) -> list[str]:
    """The source's tables, each after the tables its foreign keys point to (in the target's schema)."""
    names = [row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
             if row[0] not in SQLITE_OWN]
    known = {row[0] for row in target.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
    missing = [name for name in names if name not in known]
    if missing:
        raise InvalidInputError(f"the PostgreSQL schema has no table {', '.join(missing)}: is this Knowhow "
                                "older than the data folder?")
    parents: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in target.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"):
        if child in parents and parent in parents and child != parent:
            parents[child].add(parent)
    return list(TopologicalSorter(parents).static_order())


def _fingerprint(source: sqlite3.Connection, tables: list[str]) -> str:
    """What a changed source would change: each table's count and largest rowid, and SQLite's sequences."""
    shape = {table: source.execute(f'SELECT count(*), max(rowid) FROM "{table}"').fetchone() for table in tables}
    shape["sqlite_sequence"] = sorted(source.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    return json.dumps(shape, sort_keys=True)


def _begin(target: psycopg.Connection, tables: list[str], fingerprint: str, restart: bool) -> None:
    """Start a copy into an empty database (emptying the rows a new schema is seeded with), or resume one
    from the same source; with `restart`, throw away what an unfinished copy wrote and start over."""
    started = _progress_table_exists(target)
    if started and not restart:
        row = target.execute(f"SELECT value FROM {PROGRESS} WHERE item = 'source'").fetchone()
        if row and row[0] == fingerprint:
            return
        raise InvalidInputError("the data folder changed since this copy began; run it again with --restart to "
                                "copy it from the start")
    if not started:
        holding = [table for table in tables if table not in SEEDED
                   and target.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]]
        if holding:
            raise InvalidInputError(f"the PostgreSQL database already holds Knowhow data ({', '.join(holding[:3])}"
                                    f"{', ...' if len(holding) > 3 else ''}); copy into a new, empty database")
    with target.transaction():
        target.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in tables))
        target.execute("UPDATE change_log_head SET seq = 0")
        target.execute(f"DROP TABLE IF EXISTS {PROGRESS}")
        target.execute(f'CREATE TABLE {PROGRESS} (item TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)')
        target.execute(f"INSERT INTO {PROGRESS} VALUES ('source', %s)", [fingerprint])


def _progress_table_exists(target: psycopg.Connection) -> bool:
    return target.execute("SELECT to_regclass(%s) IS NOT NULL", [PROGRESS]).fetchone()[0]


def unfinished(url: str) -> bool:
    """Whether a copy into this database began and has not finished (servers must not start on half a copy)."""
    with psycopg.connect(url, autocommit=True) as target:
        return _progress_table_exists(target)


def _progress_notes(target: psycopg.Connection) -> dict[str, int]:
    """The last source rowid copied, per table."""
    rows = target.execute(f"SELECT item, value FROM {PROGRESS} WHERE item LIKE %s", ["table:%"]).fetchall()
    return {item.removeprefix("table:"): int(value) for item, value in rows}


def _copy_table(source: sqlite3.Connection, target: psycopg.Connection, table: str, after: int,
                progress: Progress | None) -> None:
    """The table's rows past rowid `after`, in rowid order, a batch per transaction with its progress note."""
    columns = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
    quoted = ", ".join(f'"{column}"' for column in columns)
    total = source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    done = source.execute(f'SELECT count(*) FROM "{table}" WHERE rowid <= ?', [after]).fetchone()[0]
    triggers = target.execute("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass "
                              "AND NOT tgisinternal)", [table]).fetchone()[0]
    if progress:
        progress(table, done, total)
    while True:
        rows = source.execute(f'SELECT rowid, {quoted} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT ?',
                              [after, BATCH_ROWS]).fetchall()
        if not rows:
            return
        with target.transaction():
            if triggers:
                target.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            with target.cursor().copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row[1:])
            if triggers:
                target.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            after = rows[-1][0]
            target.execute(f"INSERT INTO {PROGRESS} VALUES (%s, %s) ON CONFLICT (item) DO UPDATE "
                           "SET value = excluded.value", [f"table:{table}", str(after)])
        done += len(rows)
        if progress:
            progress(table, done, total)


def _finish(source: sqlite3.Connection, target: psycopg.Connection, tables: list[str]) -> dict[str, int]:
    """Check every count, move the identity sequences and the change log's head past SQLite's, and drop the
    progress note, in one transaction: a copy that stops here is resumed, not half finished."""
    counts = {table: source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
    given = dict(source.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    with target.transaction():
        for table, expected in counts.items():
            copied = target.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            if copied != expected:
                raise InvalidInputError(f"table {table}: {copied} rows copied of {expected}; run the copy again "
                                        "with --restart")
        identities = target.execute("SELECT table_name, column_name FROM information_schema.columns "
                                    "WHERE table_schema = current_schema() AND is_identity = 'YES'").fetchall()
        for table, column in identities:
            if table not in counts:
                continue
            largest = target.execute(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"').fetchone()[0]
            last = max(largest, given.get(table, 0))
            target.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s, %s)",
                           [f'"{table}"', column, max(last, 1), last > 0])
        target.execute("UPDATE change_log_head SET seq = %s", [given.get("vector_changes", 0)])
        target.execute(f"DROP TABLE {PROGRESS}")
    return counts
