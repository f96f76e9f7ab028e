"""Content items and their authors in SQLite (part of the Store)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from models.records import EVERYTHING, Audience, Content, utc_now
from models.review_store import due_date
from models.sql import batches, execute_in, select_in

# Bookkeeping columns the app keeps for itself: not part of an item as clients read and write it.
INTERNAL_COLUMNS = ("review_fixed", "review_noticed")

SORTS = {
    "newest": "c.created DESC, c.id",
    "updated": "c.updated DESC, c.id",
    "oldest": "c.updated, c.id",  # least recently updated first: what may no longer hold
    "title": "c.title COLLATE NOCASE, c.id",
    "views": "c.views DESC, c.id",
    # Most helpful: Bayesian means, so one 5-star rating or one "yes" does not beat a long good record.
    "helpful": (
        "((SELECT coalesce(sum(stars), 0) + 6.0 FROM ratings r WHERE r.content_id = c.id)"
        " / ((SELECT count(*) FROM ratings r WHERE r.content_id = c.id) + 2) / 5"
        " + (SELECT coalesce(sum(helpful), 0) + 1.0 FROM feedback f WHERE f.content_id = c.id)"
        " / ((SELECT count(*) FROM feedback f WHERE f.content_id = c.id) + 2)) DESC, c.views DESC, c.id"
    ),
}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def content_row(item: Content, kept: dict[str, Any] | None = None,
                intervals: dict[str, int] | None = None) -> dict[str, Any]:
    """Imported items keep their own timeline: without `updated`, an item was last changed when created.
    `kept`: the stored item's creation and confirmation, which a record that does not give them keeps.
    The review clock starts when an item is confirmed, or else when it first entered Knowhow."""
    now = utc_now()
    kept = kept or {}
    created = item.created or kept.get("created") or now
    updated = item.updated or item.created or now
    verified = item.verified or kept.get("verified") or now
    verified_by = item.verified_by if item.verified else kept.get("verified_by")
    review_due = _iso(item.review_due) or due_date(item.kind, item.official, verified, intervals or {})
    return {
        "id": item.id,
        "title": item.title,
        "body": item.body,
        "kind": item.kind,
        "tags": json.dumps(item.tags),
        "official": int(item.official),
        "extra": json.dumps(item.extra, default=str),
        "visible_teams": json.dumps(item.visible_teams),
        "created_by": item.created_by,
        "created": created if isinstance(created, str) else _iso(created),
        "updated": updated if isinstance(updated, str) else _iso(updated),
        "status": item.status,
        "replaced_by": item.replaced_by,
        "owner": item.owner,
        "verified": verified if isinstance(verified, str) else _iso(verified),
        "verified_by": verified_by,
        "review_due": review_due,
        "review_fixed": int(item.review_due is not None),
        "review_noticed": kept.get("review_noticed") if review_due == kept.get("review_due") else None,
    }


def visible_sql(audience: Audience) -> tuple[list[str], list[str]]:
    """WHERE conditions (on alias c) keeping only the items `audience` may see."""
    if audience.everything:
        return ["1=1"], []
    if audience.team is None:
        return ["c.visible_teams = '[]'"], []
    return ["(c.visible_teams = '[]' OR EXISTS (SELECT 1 FROM json_each(c.visible_teams) WHERE value = ?))"], [
        audience.team
    ]


def decode_content(row: dict[str, Any], authors: list[str]) -> dict[str, Any]:
    return {
        **{key: value for key, value in row.items() if key not in INTERNAL_COLUMNS},
        "tags": json.loads(row["tags"] or "[]"),
        "visible_teams": json.loads(row.get("visible_teams") or "[]"),
        "official": bool(row["official"]),
        "extra": json.loads(row["extra"] or "{}"),
        "authors": authors,
    }


class ContentStore:
    db: sqlite_utils.Database
    review_intervals: Any  # from ReviewStore

    def upsert_content(self, items: Iterable[Content]) -> list[str]:
        """Insert or replace items with their author links, in the caller's transaction."""
        items = list(items)
        if not items:
            return []
        ids = [item.id for item in items]
        kept, intervals = self._kept_of(ids), self.review_intervals()
        self.db["content"].upsert_all([content_row(i, kept.get(i.id), intervals) for i in items], pk="id")
        execute_in(self.db, "DELETE FROM content_authors WHERE content_id IN ({ids})", ids)
        links = [
            {"content_id": item.id, "person_id": author, "position": position}
            for item in items
            for position, author in enumerate(item.authors)
        ]
        if links:
            self.db["content_authors"].insert_all(links)
        return ids

    def _kept_of(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Keep the first creation time and the last confirmation on re-import when the record does not
        give them (and whether the owner was already told about the current review date)."""
        sql = ("SELECT id, created, verified, verified_by, review_due, review_noticed FROM content"
               " WHERE id IN ({ids})")
        columns = ("created", "verified", "verified_by", "review_due", "review_noticed")
        return {row[0]: dict(zip(columns, row[1:])) for row in select_in(self.db, sql, ids)}

    def delete_content(self, ids: Iterable[str]) -> list[int]:
        """Remove items with their passages; returns the vector ids that must leave the index."""
        ids = list(ids)
        if not ids:
            return []
        chunk_ids = [row[0] for row in select_in(self.db, "SELECT id FROM chunks WHERE content_id IN ({ids})", ids)]
        for table, column in (("chunks", "content_id"), ("content_authors", "content_id"),
                              ("feedback", "content_id"), ("sources", "content_id"), ("content", "id")):
            execute_in(self.db, f"DELETE FROM {table} WHERE {column} IN ({{ids}})", ids)
        return chunk_ids

    def existing_content_ids(self, ids: Iterable[str]) -> set[str]:
        return {row[0] for row in select_in(self.db, "SELECT id FROM content WHERE id IN ({ids})", set(ids))}

    def review_fixed_ids(self, ids: Iterable[str]) -> set[str]:
        """The items whose record fixed their review date (the others' is computed from their kind)."""
        return {row[0] for row in select_in(self.db, "SELECT id FROM content WHERE review_fixed != 0 AND id IN ({ids})", ids)}

    def content_exists(self, content_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM content WHERE id = ?", [content_id]).fetchone() is not None

    def get_content(self, content_id: str) -> dict[str, Any] | None:
        found = self.content_by_ids([content_id])
        return found.get(content_id)

    def content_by_ids(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(ids))
        rows = []
        for part in batches(ids):
            rows += self.db.query(f"SELECT * FROM content WHERE id IN ({','.join('?' * len(part))})", part)
        authors = self.authors_of(ids)
        return {row["id"]: decode_content(row, authors.get(row["id"], [])) for row in rows}

    def content_titles(self, ids: Iterable[str]) -> dict[str, str]:
        return dict(select_in(self.db, "SELECT id, title FROM content WHERE id IN ({ids})", ids))

    def authors_of(self, content_ids: Iterable[str]) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        sql = "SELECT content_id, person_id FROM content_authors WHERE content_id IN ({ids}) ORDER BY content_id, position"
        for content_id, person_id in select_in(self.db, sql, content_ids):
            result.setdefault(content_id, []).append(person_id)
        return result

    def list_content(
        self,
        limit: int = 20,
        offset: int = 0,
        tag: str | None = None,
        kind: str | None = None,
        author: str | None = None,
        sort: str = "newest",
        audience: Audience = EVERYTHING,
        in_service: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the items the audience may see, and their total count, matching the filters;
        `in_service`: without archived and replaced items."""
        where, params = visible_sql(audience)
        if in_service:
            where.append("c.status != 'archived' AND c.replaced_by IS NULL")
        if tag:
            where.append("EXISTS (SELECT 1 FROM json_each(c.tags) WHERE value = ?)")
            params.append(tag.lower())
        if kind:
            where.append("c.kind = ?")
            params.append(kind)
        if author:
            where.append("c.id IN (SELECT content_id FROM content_authors WHERE person_id = ?)")
            params.append(author)
        condition = " AND ".join(where)
        total = self.db.execute(f"SELECT count(*) FROM content c WHERE {condition}", params).fetchone()[0]
        order = SORTS.get(sort, SORTS["newest"])
        rows = list(
            self.db.query(
                f"SELECT c.* FROM content c WHERE {condition} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
        )
        authors = self.authors_of([row["id"] for row in rows])
        return [decode_content(row, authors.get(row["id"], [])) for row in rows], total

    def tag_counts(self, audience: Audience = EVERYTHING) -> list[tuple[str, int]]:
        where, params = visible_sql(audience)
        sql = (
            f"SELECT value, count(*) FROM content c, json_each(c.tags) WHERE {' AND '.join(where)} "
            "GROUP BY value ORDER BY count(*) DESC, value"
        )
        return [(tag, n) for tag, n in self.db.execute(sql, params)]

    def record_view(self, content_id: str) -> None:
        self.db.execute("UPDATE content SET views = views + 1 WHERE id = ?", [content_id])
