"""The query log and feedback (part of the Store): what people asked and whether it helped."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import numpy as np
import sqlite_utils

from models.engines import PostgresEngine, SqliteEngine
from models.records import Feedback, utc_now


class LogStore:
    db: sqlite_utils.Database
    engine: SqliteEngine | PostgresEngine  # from Store

    def log_query(
        self,
        text: str,
        kind: str,
        answered: bool,
        top_score: float | None,
        result_ids: list[str],
        expert_ids: list[str],
        source: str,
        vector: np.ndarray | None = None,
        asker: str | None = None,
        created: datetime | None = None,
    ) -> str:
        """Log one query; its vector is kept so gap topics and feedback can find similar questions.
        `created` back-dates it (the demo's history); now by default."""
        query_id = uuid.uuid4().hex
        # One plain INSERT: sqlite-utils' table insert reads the schema on every call (the table and view
        # names, the columns), which was 5 % of a served search's Python time under 50 users.
        self.engine.insert_alone(
            self.db,
            "INSERT INTO queries (id, text, kind, answered, top_score, result_ids, expert_ids, source, created, "
            "vector, asker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [query_id, text, kind, int(answered), top_score, json.dumps(result_ids), json.dumps(expert_ids),
             source, (created or utc_now()).isoformat(),
             None if vector is None else np.asarray(vector, dtype=np.float32).tobytes(), asker],
        )
        return query_id

    def get_query(self, query_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM queries WHERE id = ?", [query_id]))
        if not rows:
            return None
        row = {k: v for k, v in rows[0].items() if k != "vector"}
        return {
            **row,
            "answered": bool(row["answered"]),
            "result_ids": json.loads(row["result_ids"]),
            "expert_ids": json.loads(row["expert_ids"]),
        }

    def recent_queries(self, limit: int = 50) -> list[dict[str, Any]]:
        sql = "SELECT id, text, kind, answered, top_score, source, asker, created FROM queries"
        return list(self.db.query(sql + f" ORDER BY created DESC, {self.engine.row_order} DESC LIMIT ?", [limit]))

    def add_feedback(self, feedback: Feedback, created: datetime | None = None) -> int:
        table = self.db["feedback"].insert(
            {
                "query_id": feedback.query_id,
                "content_id": feedback.content_id,
                "helpful": int(feedback.helpful),
                "comment": feedback.comment,
                "person_id": feedback.person_id,
                "created": (created or utc_now()).isoformat(),
            }
        )
        return table.last_pk
