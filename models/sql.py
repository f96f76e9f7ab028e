"""Helpers for `IN (...)` queries over id lists of any length (SQLite caps bound parameters)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlite_utils

BATCH = 500


def batches(ids: Iterable, size: int = BATCH) -> Iterator[list]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def select_in(db: sqlite_utils.Database, sql: str, ids: Iterable) -> Iterator[tuple]:
    """Run `sql`, whose `{ids}` stands for a placeholder list, over `ids` in batches; yields rows."""
    for part in batches(ids):
        yield from db.execute(sql.format(ids=",".join("?" * len(part))), part)


def execute_in(db: sqlite_utils.Database, sql: str, ids: Iterable) -> None:
    for part in batches(ids):
        db.execute(sql.format(ids=",".join("?" * len(part))), part)
