"""Suggested changes to official content, in SQLite (part of the Store): adding one, reading them, and
deciding one exactly once."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from models.content_store import visible_sql
from models.records import Audience, utc_now

SUGGESTION_STATES = ("pending", "approved", "rejected", "withdrawn")
# The item's title and teams come along, so a list shows what a suggestion is about and leaves out what the
# reader may no longer see; and its version now, against the one the suggestion was written on.
_VERSION = "(SELECT coalesce(max(v.version), 0) FROM content_versions v WHERE v.content_id = {})"
_SELECT = ("SELECT s.*, c.title AS item_title, c.updated AS item_updated, c.visible_teams AS item_teams, "
           f"{_VERSION.format('s.content_id')} AS item_version FROM suggested_edits s JOIN content c ON c.id = s.content_id")


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """`item_changed`: the item was saved since the suggestion was written (every save keeps a version; its
    `updated` time, to the second, could not tell two saves in one second apart)."""
    return {**row, "proposed": json.loads(row["proposed"] or "{}"),
            "item_teams": json.loads(row.get("item_teams") or "[]"),
            "item_changed": row["based_on"] != str(row["item_version"])}


class SuggestionStore:
    db: sqlite_utils.Database

    def add_suggestion(self, content_id: str, suggester: str, username: str | None, proposed: dict[str, Any],
                       note: str, based_on: str | None) -> int:
        return self.db["suggested_edits"].insert(
            {"content_id": content_id, "suggester": suggester, "username": username,
             "proposed": json.dumps(proposed), "note": note, "based_on": based_on, "status": "pending",
             "created": utc_now().isoformat()}
        ).last_pk

    def item_version(self, content_id: str) -> int:
        """How many earlier states of the item are kept: a suggestion records it as what it was written on."""
        return self.db.execute(f"SELECT {_VERSION.format('?')}", [content_id]).fetchone()[0]

    def get_suggestion(self, suggestion_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query(f"{_SELECT} WHERE s.id = ?", [suggestion_id]))
        return _decoded(rows[0]) if rows else None

    def suggestions(self, audience: Audience, status: str | None = None, suggester: str | None = None,
                    content_id: str | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Suggestions on items `audience` may see, newest first, and how many there are in all; narrowed to
        a status, a suggester and an item when given."""
        where, params = visible_sql(audience)
        for column, value in (("s.status", status), ("s.suggester", suggester), ("s.content_id", content_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = " WHERE " + " AND ".join(where)
        total = self.db.execute(
            f"SELECT count(*) FROM suggested_edits s JOIN content c ON c.id = s.content_id{clause}", params
        ).fetchone()[0]
        rows = self.db.query(f"{_SELECT}{clause} ORDER BY s.id DESC LIMIT ? OFFSET ?", [*params, limit, offset])
        return [_decoded(row) for row in rows], total

    def pending_suggestion_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM suggested_edits WHERE status = 'pending'").fetchone()[0]

    def decide_suggestion(self, suggestion_id: int, status: str, by: str | None, reason: str | None = None) -> bool:
        """Move a pending suggestion to `status`; False when it was no longer pending (someone decided or
        withdrew it first), so it is decided exactly once."""
        cursor = self.db.execute(
            "UPDATE suggested_edits SET status = ?, decided_by = ?, decided_at = ?, reason = ? "
            "WHERE id = ? AND status = 'pending'", [status, by, utc_now().isoformat(), reason, suggestion_id])
        return cursor.rowcount == 1
