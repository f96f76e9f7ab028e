"""The SQLite store: the one wrapper every query goes through, and the source of truth for everything."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from models.accounts_store import AccountsStore
from models.chunk_store import ChunkStore
from models.content_store import ContentStore
from models.course_store import CourseStore
from models.demand_store import DemandStore
from models.feedback_store import FeedbackStore
from models.follow_store import FollowStore
from models.gap_store import GapStore
from models.health_store import HealthStore
from models.import_run_store import ImportRunStore
from models.log_store import LogStore
from models.mentoring_store import MentoringStore
from models.migrations import apply_migrations
from models.notification_store import NotificationStore
from models.people_store import PeopleStore
from models.question_store import QuestionStore
from models.request_store import RequestStore
from models.review_store import ReviewStore
from models.source_store import SourceStore
from models.suggestion_store import SuggestionStore
from models.template_store import TemplateStore


class Store(
    ContentStore, PeopleStore, ChunkStore, LogStore, FeedbackStore, GapStore, HealthStore, MentoringStore,
    DemandStore, AccountsStore, RequestStore, QuestionStore, NotificationStore, ReviewStore, SourceStore,
    ImportRunStore, CourseStore, TemplateStore, FollowStore, SuggestionStore,
):
    """One per process; each thread gets its own connection (sqlite3 connections are not thread-safe)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        apply_migrations(self.db)

    @property
    def db(self) -> sqlite_utils.Database:
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
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """Group writes so a batch commits (or fails, leaving nothing behind) as a whole.

        The write lock is taken up front (`BEGIN IMMEDIATE`), where busy_timeout makes a second writer
        wait its turn. A deferred transaction that reads first and then writes fails at once with
        "database is locked" when another connection wrote in between: SQLite cannot wait there.
        Nested calls become savepoints of the outer transaction.
        """
        db = self.db
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

    def backup_to(self, path: Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API), safe while others write."""
        path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(str(path))
        try:
            self.db.conn.backup(target)
        finally:
            target.close()

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- meta: small key/value facts about the store (model of stored vectors, write generation) --

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db["meta"].upsert({"key": key, "value": value}, pk="key")

    def generation(self) -> int:
        """A counter bumped by every write that changes vectors, so readers know to resync their index."""
        return int(self.get_meta("generation") or 0)

    def bump_generation(self) -> None:
        self.bump_counter("generation")

    def bump_counter(self, key: str) -> None:
        """Add one to a counter in meta, in the caller's transaction (readers compare it to resync)."""
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES(?, '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", [key]
        )

    def stats(self) -> dict[str, int]:
        def count(sql: str) -> int:
            return self.db.execute(sql).fetchone()[0]

        return {
            "people": count("SELECT count(*) FROM people"),
            "mentors": count("SELECT count(*) FROM people WHERE mentor"),
            "content": count("SELECT count(*) FROM content"),
            "official": count("SELECT count(*) FROM content WHERE official"),
            "chunks": count("SELECT count(*) FROM chunks"),
            "chunks_pending": count("SELECT count(*) FROM chunks WHERE vector IS NULL"),
            "queries": count("SELECT count(*) FROM queries"),
            "answered": count("SELECT count(*) FROM queries WHERE answered"),
            "feedback": count("SELECT count(*) FROM feedback"),
        }
