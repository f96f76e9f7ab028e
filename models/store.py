"""The store: the one wrapper every query goes through, and the source of truth for everything."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import sqlite_utils

from models.accounts_store import AccountsStore
from models.chunk_store import ChunkStore
from models.content_store import ContentStore
from models.course_store import CourseStore
from models.demand_store import DemandStore
from models.engines import DEFAULT_POOL_SIZE, engine_for
from models.feedback_store import FeedbackStore
from models.follow_store import FollowStore
from models.gap_store import GapStore
from models.health_store import HealthStore
from models.import_run_store import ImportRunStore
from models.log_store import LogStore
from models.mentoring_store import MentoringStore
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
    """One per process, on an SQLite file or a PostgreSQL database (models.engines); each thread gets its own
    connection."""

    def __init__(self, location: Path | str, pool_size: int = DEFAULT_POOL_SIZE):
        self.engine = engine_for(location, pool_size)
        self.engine.migrate(self.db)

    @property
    def db(self) -> sqlite_utils.Database:
        return self.engine.current()

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """Group writes so a batch commits (or fails, leaving nothing behind) as a whole; nested calls become
        savepoints of the outer transaction."""
        with self.engine.transaction(self.db) as db:
            yield db

    def backup_to(self, path: Path) -> None:
        """A consistent copy of the live database, safe while others write."""
        self.engine.backup_to(self.db, path)

    @property
    def pool_size(self) -> int | None:
        """How many connections requests share (PostgreSQL), or None: each thread has its own (SQLite)."""
        return self.engine.pool_size

    def lease(self) -> AbstractContextManager[None]:
        """Store calls within share one connection borrowed from the pool (PostgreSQL; a no-op on SQLite):
        each HTTP request runs in one (web.middleware.ConnectionLease)."""
        return self.engine.lease()

    def close(self) -> None:
        """Close this thread's connection: a thread that is done with the store (a background import) closes
        its own, never one another thread is using."""
        self.engine.close()

    def close_all(self) -> None:
        """Close every connection this store opened, when the service stops."""
        self.engine.close_all()

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
            "ON CONFLICT(key) DO UPDATE SET value = CAST(meta.value AS INTEGER) + 1", [key]
        )

    def stats(self) -> dict[str, int]:
        def count(sql: str) -> int:
            return self.db.execute(sql).fetchone()[0]

        return {
            "people": count("SELECT count(*) FROM people"),
            "mentors": count("SELECT count(*) FROM people WHERE mentor != 0"),
            "content": count("SELECT count(*) FROM content"),
            "official": count("SELECT count(*) FROM content WHERE official != 0"),
            "chunks": count("SELECT count(*) FROM chunks"),
            "chunks_pending": count("SELECT count(*) FROM chunks WHERE vector IS NULL"),
            "queries": count("SELECT count(*) FROM queries"),
            "answered": count("SELECT count(*) FROM queries WHERE answered != 0"),
            "feedback": count("SELECT count(*) FROM feedback"),
        }
