"""Passages (chunks of content, profiles of people), their stored vectors and words' change log (part of the Store).

Vectors live here as float32 blobs so the FAISS index is only a cache: it can be rebuilt or repaired
from SQLite without re-running the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager

import numpy as np
import sqlite_utils

from models.engines import PostgresEngine, SqliteEngine
from models.records import Chunk
from models.sql import BATCH as _BATCH
from models.sql import batches, execute_in, select_in

VECTOR_TABLES = ("chunks", "profiles")


def _check(table: str) -> str:
    if table not in VECTOR_TABLES:
        raise ValueError(f"not a vector table: {table}")
    return table


def chunk_title(title: str, heading: str) -> str:
    """A passage's title: its item's title plus the section heading it sits under."""
    return f"{title} — {heading}" if heading and heading != title else title


def _in(ids: list) -> str:
    return ",".join("?" * len(ids))


class ChunkStore:
    db: sqlite_utils.Database
    transaction: Callable[[], AbstractContextManager[sqlite_utils.Database]]  # from Store
    engine: SqliteEngine | PostgresEngine  # from Store

    def replace_chunks(self, chunks_by_item: Mapping[str, tuple[str, list[Chunk]]]) -> list[int]:
        """Swap in new passages for items, vectors pending; returns the old vector ids to drop."""
        content_ids = list(chunks_by_item)
        old = [row[0] for row in select_in(self.db, "SELECT id FROM chunks WHERE content_id IN ({ids})", content_ids)]
        execute_in(self.db, "DELETE FROM chunks WHERE content_id IN ({ids})", content_ids)
        rows = [
            {
                "content_id": content_id,
                "position": chunk.position,
                "title": chunk_title(title, chunk.heading),
                "text": chunk.text,
                "vector": None,
            }
            for content_id, (title, chunks) in chunks_by_item.items()
            for chunk in chunks
        ]
        if rows:
            self.db["chunks"].insert_all(rows, batch_size=_BATCH)
        return old

    def passage_ids(self, table: str, pending_only: bool) -> list[int]:
        """Passages to embed, shortest first so each batch pads little."""
        where = "WHERE vector IS NULL" if pending_only else ""
        sql = f"SELECT id FROM {_check(table)} {where} ORDER BY length(text), id"
        return [row[0] for row in self.db.execute(sql)]

    def passage_texts(self, table: str, ids: list[int]) -> dict[int, str]:
        """The text each passage is embedded from; a chunk carries its item's title for context."""
        column = "title || '. ' || text" if _check(table) == "chunks" else "text"
        return dict(select_in(self.db, f"SELECT id, {column} FROM {table} WHERE id IN ({{ids}})", map(int, ids)))

    def stored_chunks(self, content_id: str) -> list[tuple[int, str, str]]:
        sql = "SELECT position, title, text FROM chunks WHERE content_id = ? ORDER BY position"
        return [tuple(row) for row in self.db.execute(sql, [content_id])]

    def set_vectors(self, table: str, ids: list[int], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.db.conn.executemany(
            f"UPDATE {_check(table)} SET vector = ? WHERE id = ?",
            [(vector.tobytes(), int(i)) for i, vector in zip(ids, vectors)],
        )

    def claim_passages(self, table: str, ids: list[int], claimant: str, now: str, until: str,
                       alive: Callable[[str], bool]) -> list[int]:
        """Of `ids`, the passages still without a vector that no other process holds a live claim on, now
        claimed by `claimant` until `until` (ISO times, like `now`). One write transaction: two processes
        never both get a passage. The claims of a process that is gone (`alive` says so: it was killed
        mid-batch) or past their time are dropped first."""
        table = _check(table)
        with self.transaction():
            self.db.execute("DELETE FROM embedding_claims WHERE until < ?", [now])
            others = [row[0] for row in self.db.execute(
                "SELECT DISTINCT claimant FROM embedding_claims WHERE claimant != ?", [claimant])]
            self.db.conn.executemany("DELETE FROM embedding_claims WHERE claimant = ?",
                                     [(name,) for name in others if not alive(name)])
            pending = [row[0] for row in select_in(
                self.db, f"SELECT id FROM {table} WHERE vector IS NULL AND id IN ({{ids}})", map(int, ids))]
            self.db.conn.executemany("INSERT OR IGNORE INTO embedding_claims VALUES (?, ?, ?, ?)",
                                     [(table, i, claimant, until) for i in pending])
            held: set[int] = set()
            for part in batches(pending):
                held.update(row[0] for row in self.db.execute(
                    "SELECT passage_id FROM embedding_claims WHERE passage_table = ? AND claimant = ? "
                    f"AND passage_id IN ({_in(part)})", [table, claimant, *part]))
        return [i for i in pending if i in held]

    def release_passages(self, table: str, ids: list[int], claimant: str) -> None:
        """Drop `claimant`'s claims on `ids` (embedded, or given up), in the caller's transaction."""
        self.db.conn.executemany("DELETE FROM embedding_claims WHERE passage_table = ? AND passage_id = ? "
                                 "AND claimant = ?", [(_check(table), int(i), claimant) for i in ids])

    def vector_changes_since(self, seq: int, limit: int) -> tuple[int, list[tuple[int, str, int, bool]]] | None:
        """The vector changes after `seq` (seq, table, passage id, added) and the last one's seq; None when
        there are over `limit` of them, or when some after `seq` were pruned: comparing the whole tables is
        then the cheaper, or the only, way to catch up. (A rolled-back write takes its seq back with it, so
        the log has no gaps but pruned ones.)"""
        rows = self.db.execute("SELECT seq, passage_table, passage_id, added FROM vector_changes WHERE seq > ? "
                               "ORDER BY seq LIMIT ?", [seq, limit + 1]).fetchall()
        if not rows:
            return None if self.latest_vector_change() > seq else (seq, [])
        if len(rows) > limit or rows[0][0] != seq + 1:
            return None
        return rows[-1][0], [(row[0], row[1], row[2], bool(row[3])) for row in rows]

    def latest_vector_change(self) -> int:
        """The seq of the last vector change ever made, pruned or not."""
        return self.engine.latest_change(self.db)

    def prune_vector_changes(self, keep: int) -> int:
        """Keep the latest `keep` changes (a replica further behind compares the whole table); returns how
        many went."""
        latest = self.latest_vector_change()
        return self.db.execute("DELETE FROM vector_changes WHERE seq <= ?", [latest - keep]).rowcount

    def vector_ids(self, table: str) -> np.ndarray:
        rows = self.db.execute(f"SELECT id FROM {_check(table)} WHERE vector IS NOT NULL").fetchall()
        return np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))

    def iter_vectors(self, table: str, ids: Iterable[int] | None = None, batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, matrix) batches of stored vectors: all of them, or those of the given ids."""
        table = _check(table)
        if ids is None:
            cursor = self.db.execute(f"SELECT id, vector FROM {table} WHERE vector IS NOT NULL ORDER BY id")
            while rows := cursor.fetchmany(batch):
                yield _unpack(rows)
            return
        for part in batches(map(int, ids)):
            rows = self.db.execute(
                f"SELECT id, vector FROM {table} WHERE vector IS NOT NULL AND id IN ({_in(part)})", part
            ).fetchall()
            if rows:
                yield _unpack(rows)

    def passage_word_ids(self) -> np.ndarray:
        """Every passage's id, embedded or not: the word index holds them all, as FTS5 did."""
        rows = self.db.execute("SELECT id FROM chunks").fetchall()
        return np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))

    def iter_passage_words(self, ids: Iterable[int] | None = None, batch: int = 4096) -> Iterator[list[tuple[int, str, str]]]:
        """(id, title, text) batches of passages, for the word index: all of them, or those of the given ids."""
        if ids is None:
            cursor = self.db.execute("SELECT id, title, text FROM chunks ORDER BY id")
            while rows := cursor.fetchmany(batch):
                yield rows
            return
        for part in batches(map(int, ids), batch):
            yield list(select_in(self.db, "SELECT id, title, text FROM chunks WHERE id IN ({ids})", part))

    def passage_count(self, table: str) -> int:
        return self.db.execute(f"SELECT count(*) FROM {_check(table)}").fetchone()[0]

    def chunk_rows(self, chunk_ids: Iterable[int]) -> dict[int, dict]:
        found: dict[int, dict] = {}
        for part in batches(map(int, chunk_ids)):
            sql = f"SELECT id, content_id, position, title, text FROM chunks WHERE id IN ({_in(part)})"
            found.update({row["id"]: row for row in self.db.query(sql, part)})
        return found

    def content_of_chunks(self, chunk_ids: Iterable[int]) -> dict[int, str]:
        """Passage id -> its item's id, without the passages' text (a search's candidates need only that)."""
        return dict(select_in(self.db, "SELECT id, content_id FROM chunks WHERE id IN ({ids})", map(int, chunk_ids)))

    def chunk_ids_of_content(self, content_ids: Iterable[str]) -> dict[int, str]:
        return dict(select_in(self.db, "SELECT id, content_id FROM chunks WHERE content_id IN ({ids})", content_ids))

    def all_content_ids(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT id FROM content ORDER BY id")]

    def all_person_ids(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT id FROM people ORDER BY id")]


def _unpack(rows: list[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    matrix = np.stack([np.frombuffer(row[1], dtype=np.float32) for row in rows])
    return ids, matrix
