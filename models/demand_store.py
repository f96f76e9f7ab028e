"""What people ask for (part of the Store): content requests from the ask page, questions a person is suggested for."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from models.errors import InvalidInputError
from models.records import utc_now

MAX_NOTE = 2000


class DemandStore:
    db: sqlite_utils.Database

    def request_content(self, query: str, query_id: str | None = None, note: str = "",
                        requested_by: str | None = None) -> int:
        """Record that a reader wants content on `query` (it feeds L&D's gap list)."""
        query = " ".join(query.split())
        if not query:
            raise InvalidInputError("say what content you are missing")
        if len(query) > 4000 or len(note) > MAX_NOTE:
            raise InvalidInputError(f"keep the request under {MAX_NOTE} characters")
        return self.db["content_requests"].insert(
            {"query": query, "query_id": query_id, "note": note.strip(), "requested_by": requested_by,
             "status": "open", "created": utc_now().isoformat()}
        ).last_pk

    def content_requests(self, limit: int = 100) -> list[dict[str, Any]]:
        return list(self.db.query(
            "SELECT * FROM content_requests ORDER BY created DESC, id DESC LIMIT ?", [limit]))

    def open_content_requests(self, limit: int = 500) -> list[dict[str, Any]]:
        return list(self.db.query(
            "SELECT * FROM content_requests WHERE status = 'open' ORDER BY created DESC, id DESC LIMIT ?", [limit]))

    def close_content_requests(self, ids: list[int]) -> None:
        """Requests that published content now answers."""
        for request_id in ids:
            self.db.execute("UPDATE content_requests SET status = 'addressed' WHERE id = ?", [request_id])

    def asked_about(self, person_id: str, limit: int = 10) -> list[dict[str, Any]]:
        """Recent distinct questions for which this person was suggested as someone who can help."""
        return list(self.db.query(
            "SELECT q.text AS text, max(q.created) AS last_asked, count(*) AS times "
            "FROM queries q, json_each(q.expert_ids) e WHERE e.value = ? "
            "GROUP BY lower(q.text) ORDER BY last_asked DESC LIMIT ?",
            [person_id, limit],
        ))
