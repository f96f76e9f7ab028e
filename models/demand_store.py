"""What people are asked about (part of the Store): the questions a person was suggested for."""

from __future__ import annotations

from typing import Any

import sqlite_utils


class DemandStore:
    db: sqlite_utils.Database

    def asked_about(self, person_id: str, limit: int = 10) -> list[dict[str, Any]]:
        """Recent distinct questions for which this person was suggested as someone who can help."""
        return list(self.db.query(
            # Each question once (however it was capitalised), worded as it was last asked.
            "SELECT text, last_asked, times FROM (SELECT q.text AS text, "
            "max(q.created) OVER asked AS last_asked, count(*) OVER asked AS times, "
            "row_number() OVER (PARTITION BY lower(q.text) ORDER BY q.created DESC) AS latest "
            "FROM queries q, json_each(q.expert_ids) e WHERE e.value = ? "
            "WINDOW asked AS (PARTITION BY lower(q.text))) questions WHERE latest = 1 "
            "ORDER BY last_asked DESC LIMIT ?",
            [person_id, limit],
        ))
