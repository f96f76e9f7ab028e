"""Follows (part of the Store): the tags, people and topics a party keeps up with, the content that changed
in them, and when each party's weekly digest last went out.

A party is a person id or "user:NAME", as for notifications. A topic is a saved question, kept as words:
its vector is the model's of the day (the query cache holds it), so a model changed by `knowhow reindex`
never meets a stale one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from models.content_store import decode_content, visible_sql
from models.records import EVERYTHING, Audience, utc_now

FOLLOW_KINDS = ("tag", "person", "topic")


class FollowStore:
    db: sqlite_utils.Database

    def add_follow(self, party: str, kind: str, target: str, created: str | None = None) -> tuple[dict, bool]:
        """Follow something (`created`: now, unless the demo back-dates it); following it again changes
        nothing. Returns (the follow, whether it is new)."""
        if kind not in FOLLOW_KINDS:
            raise ValueError(f"unknown follow kind {kind!r}")
        existing = self.follow_of(party, kind, target)
        if existing is not None:
            return existing, False
        self.db.execute("INSERT OR IGNORE INTO follows (party, kind, target, created) VALUES (?, ?, ?, ?)",
                        [party, kind, target, created or utc_now().isoformat()])
        return self.follow_of(party, kind, target), True

    def follow_of(self, party: str, kind: str, target: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM follows WHERE party = ? AND kind = ? AND target = ?",
                                  [party, kind, target]))
        return rows[0] if rows else None

    def follows_of(self, party: str) -> list[dict[str, Any]]:
        """A party's follows, oldest first (the order they chose them in)."""
        return list(self.db.query("SELECT * FROM follows WHERE party = ? ORDER BY id", [party]))

    def remove_follow(self, party: str, follow_id: int) -> bool:
        """Stop following; another party's follow id removes nothing. Returns whether one was removed."""
        cursor = self.db.execute("DELETE FROM follows WHERE id = ? AND party = ?", [follow_id, party])
        return cursor.rowcount > 0

    def followers(self) -> list[tuple[str, str]]:
        """Every party that follows something, with when they first did."""
        return [tuple(row) for row in self.db.execute(
            "SELECT party, min(created) FROM follows GROUP BY party ORDER BY party").fetchall()]

    def changed_content(self, since: str, audience: Audience = EVERYTHING, tags: Iterable[str] = (),
                        authors: Iterable[str] = (), ids: Iterable[str] = (), limit: int = 50) -> list[dict[str, Any]]:
        """Items the audience may see, created or updated since `since`, carrying one of `tags`, written by
        one of `authors`, or among `ids`; most recently updated first. Archived and replaced items are left
        out: nobody follows a topic to hear about what no longer holds."""
        tags, authors, ids = list(tags), list(authors), list(ids)
        matches = []
        if tags:
            matches.append(f"EXISTS (SELECT 1 FROM json_each(c.tags) WHERE value IN ({','.join('?' * len(tags))}))")
        if authors:
            matches.append(f"c.id IN (SELECT content_id FROM content_authors WHERE person_id IN "
                           f"({','.join('?' * len(authors))}))")
        if ids:
            matches.append(f"c.id IN ({','.join('?' * len(ids))})")
        if not matches:
            return []
        where, params = visible_sql(audience)
        where += ["c.updated >= ?", "c.status != 'archived'", "c.replaced_by IS NULL", f"({' OR '.join(matches)})"]
        rows = list(self.db.query(f"SELECT c.* FROM content c WHERE {' AND '.join(where)} "
                                  "ORDER BY c.updated DESC, c.id LIMIT ?",
                                  [*params, since, *tags, *authors, *ids, limit]))
        written_by = self.authors_of([row["id"] for row in rows])
        return [decode_content(row, written_by.get(row["id"], [])) for row in rows]

    def last_follow_digest(self, party: str) -> str | None:
        row = self.db.execute("SELECT sent_at FROM follow_digests WHERE party = ?", [party]).fetchone()
        return row[0] if row else None

    def record_follow_digest(self, party: str, sent_at: str) -> None:
        self.db["follow_digests"].upsert({"party": party, "sent_at": sent_at}, pk="party")
