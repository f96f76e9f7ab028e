"""Which server processes on a PostgreSQL store are alive, and which one runs the once-per-organisation
background work: session advisory locks, the database's counterpart of models.liveness' flocks.

Servers on one PostgreSQL do not share a data folder, so a file lock cannot tell one server about another.
A process holds a session-level advisory lock named after it on a connection kept for its life; PostgreSQL
drops the lock when that session ends, however the process ends (a killed server's connection is closed by
its kernel, and the server's backend ends with it). Another process asks by trying the lock itself.
"""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

WORKERS = 1  # lock namespaces (the first of pg_advisory_lock's two keys)
BACKGROUND = 2


def _key(name: str) -> int:
    """A 32-bit key for a name (pg_advisory_lock(int, int) takes two int4s)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big", signed=True)


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def hold(url: str, name: str) -> psycopg.Connection:
    """Take `name`'s lock for as long as the returned connection stays open (the rest of the process's life)."""
    conn = _connect(url)
    conn.execute("SELECT pg_advisory_lock(%s, %s)", [WORKERS, _key(name)])
    return conn


def alive(db: Any, name: str) -> bool:
    """Whether a session holds `name`'s lock now, asked on the store's connection `db` (no connection of its
    own per question): a lock this session can take is held by nobody, and is given back at once."""
    taken = db.execute("SELECT pg_try_advisory_lock(?, ?)", [WORKERS, _key(name)]).fetchone()[0]
    if taken:
        db.execute("SELECT pg_advisory_unlock(?, ?)", [WORKERS, _key(name)])
    return not taken


def try_lead(url: str) -> psycopg.Connection | None:
    """The background work's lock for this process if no other holds it: a connection to keep open while
    leading, else None."""
    conn = _connect(url)
    if conn.execute("SELECT pg_try_advisory_lock(%s, %s)", [BACKGROUND, 0]).fetchone()[0]:
        return conn
    conn.close()
    return None
