"""L&D's edits of the writing templates per kind, in SQLite (part of the Store); defaults live in code."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from models.records import utc_now


class TemplateStore:
    db: sqlite_utils.Database

    def writing_templates(self) -> dict[str, dict[str, Any]]:
        """L&D's edited templates by kind (kinds left at their default have none)."""
        return {row["kind"]: row for row in self.db["writing_templates"].rows}

    def set_writing_template(self, kind: str, skeleton: str, guidance: str, by: str | None) -> dict[str, Any]:
        row = {"kind": kind, "skeleton": skeleton, "guidance": guidance, "updated": utc_now().isoformat(),
               "updated_by": by}
        self.db["writing_templates"].upsert(row, pk="kind")
        return row

    def delete_writing_template(self, kind: str) -> None:
        self.db.execute("DELETE FROM writing_templates WHERE kind = ?", [kind])
