"""The query log and feedback (part of the Store): what people asked and whether it helped."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlite_utils

from models.records import Feedback, utc_now


class LogStore:
    db: sqlite_utils.Database

    def log_query(
        self,
        text: str,
        kind: str,
        answered: bool,
        top_score: float | None,
        result_ids: list[str],
        expert_ids: list[str],
        source: str,
    ) -> str:
        query_id = uuid.uuid4().hex
        self.db["queries"].insert(
            {
                "id": query_id,
                "text": text,
                "kind": kind,
                "answered": int(answered),
                "top_score": top_score,
                "result_ids": json.dumps(result_ids),
                "expert_ids": json.dumps(expert_ids),
                "source": source,
                "created": utc_now().isoformat(),
            }
        )
        return query_id

    def get_query(self, query_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM queries WHERE id = ?", [query_id]))
        if not rows:
            return None
        row = rows[0]
        return {
            **row,
            "answered": bool(row["answered"]),
            "result_ids": json.loads(row["result_ids"]),
            "expert_ids": json.loads(row["expert_ids"]),
        }

    def recent_queries(self, limit: int = 50) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM queries ORDER BY created DESC, rowid DESC LIMIT ?", [limit]))

    def add_feedback(self, feedback: Feedback) -> int:
        table = self.db["feedback"].insert(
            {
                "query_id": feedback.query_id,
                "content_id": feedback.content_id,
                "helpful": int(feedback.helpful),
                "comment": feedback.comment,
                "created": utc_now().isoformat(),
            }
        )
        return table.last_pk
