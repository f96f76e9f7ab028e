"""What readers say and do with knowledge (part of the Store): ratings, comments, kudos, usage events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np
import sqlite_utils

from models.content_store import visible_sql
from models.engines import PostgresEngine, SqliteEngine
from models.errors import InvalidInputError, NotFoundError
from models.records import EVERYTHING, Audience, utc_now
from models.sql import batches, select_in

EVENT_KINDS = ("view", "open", "dwell")
OWN_READING = ("view", "dwell")  # events an item's own authors do not add to its readership
# A reaction (thanks, a rating) given by one of the item's own authors: it never counts as recognition.
NOT_BY_AUTHOR = "NOT EXISTS (SELECT 1 FROM content_authors own WHERE own.content_id = {item} AND own.person_id = {who})"


class FeedbackStore:
    db: sqlite_utils.Database
    engine: SqliteEngine | PostgresEngine  # from Store

    def rate(self, content_id: str, rater: str, stars: int, created: datetime | None = None) -> None:
        """One rating per reader and item; rating again replaces it. `created` back-dates it (the demo)."""
        if not 1 <= stars <= 5:
            raise InvalidInputError("a rating is 1 to 5 stars")
        self.db["ratings"].upsert(
            {"content_id": content_id, "rater": rater, "stars": stars,
             "created": (created or utc_now()).isoformat()},
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
        """Thanks on the items a person (co-)wrote, counting only items the audience may see and never
        thanks an item's own authors gave it."""
        where, params = visible_sql(audience)
        sql = (
            "SELECT a.person_id, count(*) FROM kudos k JOIN content_authors a ON a.content_id = k.content_id "
            f"JOIN content c ON c.id = k.content_id WHERE {' AND '.join(where)} AND a.person_id IN ({{ids}}) "
            f"AND {NOT_BY_AUTHOR.format(who='k.from_person', item='k.content_id')} GROUP BY a.person_id"
        )
        counts: dict[str, int] = {}
        for part in batches(person_ids):
            counts.update(self.db.execute(sql.format(ids=",".join("?" * len(part))), [*params, *part]).fetchall())
        return counts

    def impact(self, person_id: str, audience: Audience = EVERYTHING) -> dict[str, Any]:
        """What a person's writing did, counting only items `audience` may see and only what others did:

        - `items`: items they (co-)wrote;
        - `searches_answered`: distinct logged searches, asked by someone else, from whose results one of
          their items was opened (an `open` event) or voted helpful, where neither the search as a whole nor
          that item for it was voted unhelpful;
        - `answers` (items of kind `answer`) and `answers_accepted`: those a question accepted, or imported
          with `"accepted": true`;
        - `ratings` and `mean_stars`, and `thanks`: given by people who are not among the item's authors.
        """
        where, params = visible_sql(audience)
        mine = (f"SELECT a.content_id FROM content_authors a JOIN content c ON c.id = a.content_id "
                f"WHERE a.person_id = ? AND {' AND '.join(where)}")
        mine_params = [person_id, *params]
        items, answers, accepted = self.db.execute(
            "SELECT count(*), coalesce(sum(CASE WHEN c.kind = 'answer' THEN 1 ELSE 0 END), 0), "
            f"coalesce(sum(CASE WHEN c.kind = 'answer' AND ({self.engine.json_true('c.extra', 'accepted')} "
            "OR EXISTS (SELECT 1 FROM questions q WHERE q.accepted_answer = c.id)) THEN 1 ELSE 0 END), 0) "
            f"FROM content c WHERE c.id IN ({mine})", mine_params,
        ).fetchone()
        searches = self.db.execute(
            f"""WITH mine AS ({mine}),
            helped AS (
                SELECT e.query_id AS query_id, e.content_id AS content_id FROM events e JOIN mine m
                  ON m.content_id = e.content_id
                WHERE e.kind = 'open' AND e.query_id IS NOT NULL AND coalesce(e.person_id, '') != ?
                UNION
                SELECT f.query_id, f.content_id FROM feedback f JOIN mine m ON m.content_id = f.content_id
                WHERE f.helpful = 1 AND f.query_id IS NOT NULL AND coalesce(f.person_id, '') != ?
            )
            SELECT count(DISTINCT h.query_id) FROM helped h JOIN queries q ON q.id = h.query_id
            WHERE q.kind = 'search' AND coalesce(q.asker, '') != ? AND NOT EXISTS (
                SELECT 1 FROM feedback u WHERE u.query_id = h.query_id AND u.helpful = 0
                  AND (u.content_id IS NULL OR u.content_id = h.content_id))""",
            [*mine_params, person_id, person_id, person_id],
        ).fetchone()[0]
        ratings, mean_stars = self.db.execute(
            f"SELECT count(*), avg(r.stars) FROM ratings r WHERE r.content_id IN ({mine}) AND "
            f"{NOT_BY_AUTHOR.format(who='r.rater', item='r.content_id')}", mine_params,
        ).fetchone()
        thanks = self.db.execute(
            f"SELECT count(*) FROM kudos k WHERE k.content_id IN ({mine}) AND "
            f"{NOT_BY_AUTHOR.format(who='k.from_person', item='k.content_id')}", mine_params,
        ).fetchone()[0]
        return {"items": items, "searches_answered": searches, "answers": answers, "answers_accepted": accepted,
                "ratings": ratings, "mean_stars": round(mean_stars, 2) if ratings else None, "thanks": thanks}

    def record_event(self, kind: str, content_id: str | None = None, query_id: str | None = None,
                     person_id: str | None = None, seconds: float | None = None,
                     created: datetime | None = None) -> bool:
        """Store a usage event; returns whether it was kept. An author reading their own item (a view, or
        time spent on it) is not readership: it is neither counted in the item's views nor kept for
        analytics. Opening it from a search is kept: it says the search found something. `created`
        back-dates it (the demo's history); now by default."""
        if kind not in EVENT_KINDS:
            raise InvalidInputError(f"event kind must be one of {', '.join(EVENT_KINDS)}")
        if kind in OWN_READING and content_id and person_id and self.is_author_of(person_id, content_id):
            return False
        self.db["events"].insert(
            {"kind": kind, "content_id": content_id, "query_id": query_id, "person_id": person_id,
             "seconds": seconds, "created": (created or utc_now()).isoformat()}
        )
        if kind == "view" and content_id:
            self.record_view(content_id)
        return True

    def is_author_of(self, person_id: str, content_id: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM content_authors WHERE content_id = ? AND person_id = ?", [content_id, person_id]
        ).fetchone() is not None

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
