"""Knowledge-gap data (part of the Store): the questions that went unanswered. L&D's requests to fill
them are requests of kind `gap` (models/request_store.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlite_utils

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
