"""What readers say and do with knowledge (part of the Store): ratings, comments, kudos, usage events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import sqlite_utils

from models.content_store import visible_sql
from models.errors import InvalidInputError, NotFoundError
from models.records import EVERYTHING, Audience, utc_now
from models.sql import batches, select_in

EVENT_KINDS = ("view", "open", "dwell")


class FeedbackStore:
    db: sqlite_utils.Database

    def rate(self, content_id: str, rater: str, stars: int) -> None:
        """One rating per reader and item; rating again replaces it."""
        if not 1 <= stars <= 5:
            raise InvalidInputError("a rating is 1 to 5 stars")
        self.db["ratings"].upsert(
            {"content_id": content_id, "rater": rater, "stars": stars, "created": utc_now().isoformat()},
            pk=("content_id", "rater"),
        )

    def rating_summary(self, content_ids: Iterable[str]) -> dict[str, tuple[float, int]]:
        """(mean stars, number of ratings) per item that has any."""
        sql = "SELECT content_id, avg(stars), count(*) FROM ratings WHERE content_id IN ({ids}) GROUP BY content_id"
        return {cid: (round(mean, 2), n) for cid, mean, n in select_in(self.db, sql, content_ids)}

    def rating_by(self, content_id: str, rater: str) -> int | None:
        """The stars this reader gave the item, if any (so the page can show their own rating)."""
        row = self.db.execute(
            "SELECT stars FROM ratings WHERE content_id = ? AND rater = ?", [content_id, rater]
        ).fetchone()
        return row[0] if row else None

    def add_comment(self, content_id: str, author: str, body: str, parent_id: int | None = None) -> int:
        """Comments thread one level deep: a reply to a reply attaches to the top comment."""
        if parent_id is not None:
            parent = self.db.execute(
                "SELECT content_id, parent_id FROM comments WHERE id = ?", [parent_id]
            ).fetchone()
            if parent is None or parent[0] != content_id:
                raise NotFoundError(f"no comment {parent_id} on this item")
            parent_id = parent[1] or parent_id
        return self.db["comments"].insert(
            {"content_id": content_id, "parent_id": parent_id, "author": author, "body": body,
             "created": utc_now().isoformat()}
        ).last_pk

    def comments_of(self, content_id: str) -> list[dict[str, Any]]:
        """Top-level comments, oldest first, each with its replies."""
        rows = list(self.db.query("SELECT * FROM comments WHERE content_id = ? ORDER BY id", [content_id]))
        top = [dict(row, replies=[]) for row in rows if row["parent_id"] is None]
        by_id = {row["id"]: row for row in top}
        for row in rows:
            if row["parent_id"] is not None and row["parent_id"] in by_id:
                by_id[row["parent_id"]]["replies"].append(row)
        return top

    def thank(self, content_id: str, from_person: str) -> int:
        return self.db["kudos"].insert(
            {"content_id": content_id, "from_person": from_person, "created": utc_now().isoformat()}
        ).last_pk

    def thanked(self, content_id: str, from_person: str) -> bool:
        """Whether this reader already thanked the item's authors (the pages offer it once)."""
        return self.db.execute(
            "SELECT 1 FROM kudos WHERE content_id = ? AND from_person = ?", [content_id, from_person]
        ).fetchone() is not None

    def kudos_for_content(self, content_ids: Iterable[str]) -> dict[str, int]:
        sql = "SELECT content_id, count(*) FROM kudos WHERE content_id IN ({ids}) GROUP BY content_id"
        return dict(select_in(self.db, sql, content_ids))

    def kudos_received(self, person_ids: Iterable[str], audience: Audience = EVERYTHING) -> dict[str, int]:
        """Thanks on the items a person (co-)wrote, counting only items the audience may see."""
        where, params = visible_sql(audience)
        sql = (
            "SELECT a.person_id, count(*) FROM kudos k JOIN content_authors a ON a.content_id = k.content_id "
            f"JOIN content c ON c.id = k.content_id WHERE {' AND '.join(where)} AND a.person_id IN ({{ids}}) "
            "GROUP BY a.person_id"
        )
        counts: dict[str, int] = {}
        for part in batches(person_ids):
            counts.update(self.db.execute(sql.format(ids=",".join("?" * len(part))), [*params, *part]).fetchall())
        return counts

    def record_event(self, kind: str, content_id: str | None = None, query_id: str | None = None,
                     person_id: str | None = None, seconds: float | None = None) -> None:
        if kind not in EVENT_KINDS:
            raise InvalidInputError(f"event kind must be one of {', '.join(EVENT_KINDS)}")
        self.db["events"].insert(
            {"kind": kind, "content_id": content_id, "query_id": query_id, "person_id": person_id,
             "seconds": seconds, "created": utc_now().isoformat()}
        )
        if kind == "view" and content_id:
            self.record_view(content_id)

    def result_feedback(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Every per-result vote with the vector of the question it answered:
        (question vectors, content ids, +1 helpful / -1 unhelpful)."""
        rows = self.db.execute(
            "SELECT q.vector, f.content_id, f.helpful FROM feedback f JOIN queries q ON q.id = f.query_id "
            "WHERE f.content_id IS NOT NULL AND q.vector IS NOT NULL ORDER BY f.id"
        ).fetchall()
        if not rows:
            return np.zeros((0, 0), np.float32), [], np.zeros(0, np.float32)
        vectors = np.stack([np.frombuffer(row[0], dtype=np.float32) for row in rows])
        return vectors, [row[1] for row in rows], np.array([1.0 if row[2] else -1.0 for row in rows], np.float32)

    def feedback_version(self) -> int:
        """Changes whenever feedback is added or removed, so cached feedback models know to reload."""
        row = self.db.execute("SELECT count(*), coalesce(max(id), 0) FROM feedback").fetchone()
        return row[0] * 1_000_003 + row[1]
