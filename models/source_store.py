"""Imported files and the items they made, in SQLite (part of the Store): what a re-run compares against."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from models.records import utc_now
from models.sql import execute_in, select_in


def decode_source(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "unresolved": json.loads(row["unresolved"] or "[]")}


class SourceStore:
    db: sqlite_utils.Database

    def sources_at(self, locations: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Stored sources by absolute location."""
        sql = "SELECT * FROM sources WHERE location IN ({ids})"
        columns = [c.name for c in self.db["sources"].columns]
        return {row[0]: decode_source(dict(zip(columns, row))) for row in select_in(self.db, sql, locations)}

    def sources_under(self, root: str) -> dict[str, dict[str, Any]]:
        """Stored sources whose file lies anywhere below the folder `root` (an absolute path)."""
        # A range on the primary key instead of LIKE: paths may hold % and _, and the range uses the index.
        # '0' is the character after '/'.
        rows = self.db.query("SELECT * FROM sources WHERE location >= ? AND location < ?",
                             [root.rstrip("/") + "/", root.rstrip("/") + "0"])
        return {row["location"]: decode_source(row) for row in rows}

    def source_locations(self, content_ids: Iterable[str]) -> dict[str, str]:
        """The file each item came from, for the items that came from one."""
        sql = "SELECT content_id, location FROM sources WHERE content_id IN ({ids})"
        return dict(select_in(self.db, sql, content_ids))

    def source_paths(self, content_ids: Iterable[str]) -> dict[str, str]:
        """Each imported item's path inside the folder it was imported from."""
        return dict(select_in(self.db, "SELECT content_id, path FROM sources WHERE content_id IN ({ids})", content_ids))

    def upsert_sources(self, rows: Iterable[dict[str, Any]]) -> None:
        """Record files as imported, in the caller's transaction. An item made by another file before (its
        file was renamed, or now names its id) belongs to this one now: one file per item."""
        rows = list(rows)
        if not rows:
            return
        now = utc_now().isoformat()
        stored = [{**row, "unresolved": json.dumps(row.get("unresolved") or []), "imported": now} for row in rows]
        ids = [row["content_id"] for row in rows if row.get("content_id")]
        locations = {row["location"] for row in rows}
        moved = [loc for loc in self.source_locations(ids).values() if loc not in locations]
        self.delete_sources(moved)
        self.db["sources"].upsert_all(stored, pk="location")

    def delete_sources(self, locations: Iterable[str]) -> None:
        execute_in(self.db, "DELETE FROM sources WHERE location IN ({ids})", list(locations))
