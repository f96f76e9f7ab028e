"""Content health and usage analytics queries (part of the Store): plain aggregates over a period."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import sqlite_utils

from models.sql import select_in


class HealthStore:
    db: sqlite_utils.Database

    def stale_content(self, updated_before: str) -> list[dict[str, Any]]:
        sql = "SELECT id, title, kind, official, updated, views FROM content WHERE updated < ? ORDER BY updated"
        return list(self.db.query(sql, [updated_before]))

    def low_rated_content(self, max_stars: float, min_ratings: int) -> list[dict[str, Any]]:
        """Items rated poorly by several readers, or voted unhelpful more often than helpful."""
        sql = """
        SELECT c.id, c.title, c.kind, c.updated, r.stars, r.ratings, f.helpful, f.unhelpful FROM content c
        LEFT JOIN (SELECT content_id, round(avg(stars), 2) AS stars, count(*) AS ratings FROM ratings
                   GROUP BY content_id) r ON r.content_id = c.id
        LEFT JOIN (SELECT content_id, sum(helpful) AS helpful, sum(1 - helpful) AS unhelpful FROM feedback
                   WHERE content_id IS NOT NULL GROUP BY content_id) f ON f.content_id = c.id
        WHERE (r.ratings >= ? AND r.stars <= ?) OR (f.unhelpful >= ? AND f.unhelpful > f.helpful)
        ORDER BY coalesce(r.stars, 5), coalesce(f.unhelpful, 0) DESC
        """
        return list(self.db.query(sql, [min_ratings, max_stars, min_ratings]))

    def unviewed_content(self, created_before: str) -> list[dict[str, Any]]:
        sql = "SELECT id, title, kind, created FROM content WHERE coalesce(views, 0) = 0 AND created < ? ORDER BY created"
        return list(self.db.query(sql, [created_before]))

    def items_with_passages(self) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
        """Every item (id, title, body, kind, tags) with its passage vectors in order, one row each: what
        near-duplicates are found from. An item whose passages are not embedded yet has an empty matrix."""
        vectors: dict[str, list[np.ndarray]] = {}
        for content_id, blob in self.db.execute(
            "SELECT content_id, vector FROM chunks WHERE vector IS NOT NULL ORDER BY content_id, position"
        ):
            vectors.setdefault(content_id, []).append(np.frombuffer(blob, dtype=np.float32))
        for row in self.db.query("SELECT id, title, body, kind, tags FROM content ORDER BY id"):
            row["tags"] = json.loads(row["tags"] or "[]")
            found = vectors.get(row["id"])
            yield row, np.stack(found) if found else np.zeros((0, 0), np.float32)

    def content_dates(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Title and creation date per item id, for listing pairs older item first."""
        sql = "SELECT id, title, created FROM content WHERE id IN ({ids})"
        return {row[0]: {"title": row[1], "created": row[2]} for row in select_in(self.db, sql, ids)}

    # -- analytics: every figure is for queries or events with since <= created < until --

    def daily_searches(self, since: str, until: str) -> list[dict[str, Any]]:
        sql = """
        SELECT substr(created, 1, 10) AS day, count(*) AS searches, sum(answered) AS answered,
               count(DISTINCT asker) AS askers
        FROM queries WHERE kind = 'search' AND created >= ? AND created < ? GROUP BY day ORDER BY day
        """
        return list(self.db.query(sql, [since, until]))

    def search_totals(self, since: str, until: str) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT count(*), coalesce(sum(answered), 0), count(DISTINCT asker) FROM queries "
            "WHERE kind = 'search' AND created >= ? AND created < ?", [since, until],
        ).fetchone()
        votes = self.db.execute(
            "SELECT count(*), coalesce(sum(helpful), 0) FROM feedback WHERE created >= ? AND created < ?",
            [since, until],
        ).fetchone()
        return {"searches": row[0], "answered": row[1], "active_users": row[2], "votes": votes[0],
                "helpful_votes": votes[1]}

    def searches_by(self, column: str, since: str, until: str) -> list[dict[str, Any]]:
        """Searches, answer count and active users per team or per location of the asker."""
        if column not in ("team", "location"):
            raise ValueError(column)
        sql = f"""
        SELECT coalesce(nullif(p.{column}, ''), '(unknown)') AS {column}, count(*) AS searches,
               sum(q.answered) AS answered, count(DISTINCT q.asker) AS active_users
        FROM queries q LEFT JOIN people p ON p.id = q.asker
        WHERE q.kind = 'search' AND q.created >= ? AND q.created < ?
        GROUP BY 1 ORDER BY searches DESC
        """
        return list(self.db.query(sql, [since, until]))

    def top_questions(self, since: str, until: str, limit: int = 20) -> list[dict[str, Any]]:
        sql = """
        SELECT lower(text) AS question, count(*) AS asked, sum(answered) AS answered FROM queries
        WHERE kind = 'search' AND created >= ? AND created < ? GROUP BY lower(text)
        ORDER BY asked DESC, question LIMIT ?
        """
        return list(self.db.query(sql, [since, until, limit]))

    def top_content(self, since: str, until: str, limit: int = 20) -> list[dict[str, Any]]:
        """Items by views in the period, with result opens and time spent reading (visibility beacons)."""
        sql = """
        SELECT e.content_id AS id, c.title, sum(CASE WHEN e.kind = 'view' THEN 1 ELSE 0 END) AS views,
               sum(CASE WHEN e.kind = 'open' THEN 1 ELSE 0 END) AS opens,
               round(coalesce(sum(CASE WHEN e.kind = 'dwell' THEN e.seconds END), 0)) AS seconds_read
        FROM events e JOIN content c ON c.id = e.content_id
        WHERE e.created >= ? AND e.created < ? GROUP BY e.content_id, c.title
        ORDER BY views DESC, opens DESC, seconds_read DESC LIMIT ?
        """
        return list(self.db.query(sql, [since, until, limit]))

    def contributions_by_month(self, since: str, until: str) -> list[dict[str, Any]]:
        sql = """
        SELECT substr(created, 1, 7) AS month, count(*) AS items FROM content
        WHERE created >= ? AND created < ? GROUP BY month ORDER BY month
        """
        return list(self.db.query(sql, [since, until]))

    def top_contributors(self, limit: int = 20) -> list[dict[str, Any]]:
        """Recognition: items written, their views, kudos and mean rating, per person."""
        sql = """
        SELECT p.id, p.name, p.team, count(*) AS items, sum(coalesce(c.views, 0)) AS views,
               coalesce((SELECT count(*) FROM kudos k JOIN content_authors a2 ON a2.content_id = k.content_id
                         WHERE a2.person_id = p.id), 0) AS kudos,
               (SELECT round(avg(r.stars), 2) FROM ratings r JOIN content_authors a3 ON a3.content_id = r.content_id
                WHERE a3.person_id = p.id) AS rating
        FROM content_authors a JOIN people p ON p.id = a.person_id JOIN content c ON c.id = a.content_id
        GROUP BY p.id ORDER BY items DESC, views DESC, p.name LIMIT ?
        """
        return list(self.db.query(sql, [limit]))

    def mentor_load(self) -> list[dict[str, Any]]:
        """Every opted-in mentor with accepted and pending mentees against their capacity."""
        sql = """
        SELECT p.id, p.name, p.team, p.location, p.availability, p.mentee_capacity,
               (SELECT count(*) FROM requests r WHERE r.kind = 'mentoring' AND r.assignee = p.id
                AND r.status = 'in_progress') AS mentees,
               (SELECT count(*) FROM requests r WHERE r.kind = 'mentoring' AND r.assignee = p.id
                AND r.status = 'open') AS pending
        FROM people p WHERE p.mentor != 0 ORDER BY mentees DESC, pending DESC, p.name
        """
        return list(self.db.query(sql))
