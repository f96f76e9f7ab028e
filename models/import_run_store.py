"""Imports started from the web, in SQLite (part of the Store): each run's state, kept as it goes, so a page
reload, another L&D account or a restarted server sees where it stands."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import sqlite_utils

from models.errors import ConflictError
from models.records import utc_now


def decode_run(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "uploads": json.loads(row["uploads"]), "delete_missing": bool(row["delete_missing"]),
            "summary": json.loads(row["summary"]) if row["summary"] else None}


class ImportRunStore:
    db: sqlite_utils.Database
    transaction: Callable[[], AbstractContextManager[sqlite_utils.Database]]  # from Store

    def start_import_run(self, started_by: str | None, uploads: list[str], delete_missing: bool, worker: str) -> int:
        """Record a run as running; refused while another one is (the table's one-running index decides)."""
        row = {"status": "running", "started_by": started_by, "uploads": json.dumps(uploads),
               "delete_missing": int(delete_missing), "stage": "starting", "started": utc_now().isoformat(),
               "worker": worker}
        try:
            with self.transaction():
                return self.db["import_runs"].insert(row).last_pk
        except sqlite3.IntegrityError:
            raise ConflictError("another import is running") from None

    def import_progress(self, run_id: int, stage: str, done: int, total: int) -> None:
        self.db.execute("UPDATE import_runs SET stage = ?, done = ?, total = ? WHERE id = ? AND status = 'running'",
                        [stage, done, total, run_id])

    def finish_import_run(self, run_id: int, status: str, summary: dict | None = None,
                          failure: str | None = None) -> None:
        self.db.execute(
            "UPDATE import_runs SET status = ?, summary = ?, failure = ?, finished = ? WHERE id = ?",
            [status, json.dumps(summary) if summary is not None else None, failure, utc_now().isoformat(), run_id])

    def interrupt_import_run(self, worker: str, alive: Callable[[str], bool]) -> int | None:
        """Mark the run left `running` by a server process that has stopped (`alive` says it no longer runs)
        interrupted, as nothing runs it any more; returns its id. A run of another live process (a second
        worker of the same `serve`) is left to it. (One runs at a time, so at most one is left.)"""
        row = self.db.execute("SELECT id, worker FROM import_runs WHERE status = 'running' AND worker != ?",
                              [worker]).fetchone()
        if row is None or alive(row[1]):
            return None
        self.db.execute("UPDATE import_runs SET status = 'interrupted', finished = ? "
                        "WHERE id = ? AND status = 'running'", [utc_now().isoformat(), row[0]])
        return row[0]

    def import_run(self, run_id: int) -> dict[str, Any] | None:
        rows = list(self.db["import_runs"].rows_where("id = ?", [run_id]))
        return decode_run(rows[0]) if rows else None

    def import_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest runs first."""
        return [decode_run(row) for row in self.db["import_runs"].rows_where(order_by="id DESC", limit=limit)]

    def running_import_run(self) -> dict[str, Any] | None:
        rows = list(self.db["import_runs"].rows_where("status = 'running'"))
        return decode_run(rows[0]) if rows else None
