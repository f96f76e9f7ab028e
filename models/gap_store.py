"""Knowledge-gap data (part of the Store): the questions that went unanswered, and requests to fill them."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import sqlite_utils

from models.errors import InvalidInputError, NotFoundError
from models.records import utc_now

GAP_STATUSES = ("open", "addressed", "declined")

# A search is a gap candidate when it found nothing close enough, when its results were voted unhelpful
# (and none helpful), or - on the pages, where we can see it - when none of its results was opened.
_CANDIDATES = """
SELECT q.id, q.text, q.vector, q.asker, q.created, q.answered FROM queries q
WHERE q.kind = 'search' AND q.vector IS NOT NULL AND q.created >= ? AND q.created < ?
  AND (
    q.answered = 0
    OR (EXISTS (SELECT 1 FROM feedback f WHERE f.query_id = q.id AND f.helpful = 0)
        AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.query_id = q.id AND f.helpful = 1))
    OR (q.source = 'web' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.query_id = q.id AND e.kind = 'open'))
  )
ORDER BY q.created
"""


class GapStore:
    db: sqlite_utils.Database

    def gap_candidates(self, since: str, until: str) -> tuple[list[dict[str, Any]], np.ndarray]:
        """The candidate questions of a period (ISO times, `until` exclusive) and their vectors."""
        rows = self.db.execute(_CANDIDATES, [since, until]).fetchall()
        records = [
            {"id": r[0], "text": r[1], "asker": r[3], "created": r[4], "answered": bool(r[5])} for r in rows
        ]
        vectors = (
            np.stack([np.frombuffer(r[2], dtype=np.float32) for r in rows]) if rows else np.zeros((0, 0), np.float32)
        )
        return records, vectors

    def request_gap(self, label: str, query_ids: list[str], expert_id: str, requested_by: str | None,
                    note: str = "") -> int:
        """L&D asks an expert to write the content a gap topic is missing."""
        if not query_ids:
            raise InvalidInputError("a gap request needs the questions of its topic")
        if self.db.execute("SELECT 1 FROM people WHERE id = ?", [expert_id]).fetchone() is None:
            raise NotFoundError(f"no person with id {expert_id!r}")
        now = utc_now().isoformat()
        return self.db["gap_requests"].insert(
            {"label": label, "query_ids": json.dumps(query_ids), "expert_id": expert_id,
             "requested_by": requested_by, "note": note, "status": "open", "content_id": None,
             "created": now, "updated": now}
        ).last_pk

    def gap_requests(self, expert_id: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        where, params = ["1=1"], []
        if expert_id:
            where.append("expert_id = ?")
            params.append(expert_id)
        if status:
            where.append("status = ?")
            params.append(status)
        rows = self.db.query(f"SELECT * FROM gap_requests WHERE {' AND '.join(where)} ORDER BY id DESC", params)
        return [dict(row, query_ids=json.loads(row["query_ids"])) for row in rows]

    def set_gap_request_status(self, request_id: int, status: str, content_id: str | None = None) -> None:
        if status not in GAP_STATUSES:
            raise InvalidInputError(f"status must be one of {', '.join(GAP_STATUSES)}")
        if self.db.execute("SELECT 1 FROM gap_requests WHERE id = ?", [request_id]).fetchone() is None:
            raise NotFoundError(f"no gap request {request_id}")
        self.db["gap_requests"].update(
            request_id, {"status": status, "content_id": content_id, "updated": utc_now().isoformat()}
        )
