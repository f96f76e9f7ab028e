"""Requests (part of the Store): everything someone asks of someone else, in one table with one set of states.

Four kinds share it: `content` (a reader's "Request this content", for L&D), `gap` (L&D asks an expert to
write what a gap topic is missing), `question` (a question to the experts; routes and answers live beside
it in the question tables) and `mentoring` (a new hire asks a mentor). Each names its requester the same way
- a person id, or "user:NAME" for an account without a profile - and its assignee, when one person is
asked, by person id.

States: `open` (waiting), `in_progress` (accepted or under way: an accepted mentoring, a question with
answers), `done`, `declined`, `expired` (nobody acted in time). The last three are final.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from models.errors import InvalidInputError, NotFoundError
from models.records import utc_now
from models.sql import batches, select_in

REQUEST_KINDS = ("content", "gap", "question", "mentoring")
REQUEST_STATES = ("open", "in_progress", "done", "declined", "expired")
ACTIVE_STATES = ("open", "in_progress")
MAX_NOTE = 5000

_SELECT = (
    "SELECT r.*, requester.name AS requester_name, assignee.name AS assignee_name FROM requests r "
    "LEFT JOIN people requester ON requester.id = r.requester LEFT JOIN people assignee ON assignee.id = r.assignee"
)


def decode_request(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "detail": json.loads(row.get("detail") or "{}")}


class RequestStore:
    db: sqlite_utils.Database

    def add_request(self, kind: str, requester: str, subject: str, note: str = "", assignee: str | None = None,
                    query_id: str | None = None, detail: dict[str, Any] | None = None) -> int:
        if kind not in REQUEST_KINDS:
            raise InvalidInputError(f"a request is one of {', '.join(REQUEST_KINDS)}")
        if not requester:
            raise InvalidInputError("a request needs someone who asks")
        if len(subject) > MAX_NOTE or len(note) > MAX_NOTE:
            raise InvalidInputError(f"keep the request under {MAX_NOTE} characters")
        now = utc_now().isoformat()
        return self.db["requests"].insert({
            "kind": kind, "requester": requester, "assignee": assignee, "subject": subject, "note": note,
            "status": "open", "query_id": query_id, "content_id": None, "detail": json.dumps(detail or {}),
            "created": now, "updated": now,
        }).last_pk

    def get_request(self, request_id: int) -> dict[str, Any]:
        rows = list(self.db.query(f"{_SELECT} WHERE r.id = ?", [request_id]))
        if not rows:
            raise NotFoundError(f"no request {request_id}")
        return decode_request(rows[0])

    def requests_by_ids(self, request_ids: Iterable[int]) -> list[dict[str, Any]]:
        """Requests by id, in one query per batch (not one per request)."""
        return [decode_request(row) for part in batches(request_ids)
                for row in self.db.query(f"{_SELECT} WHERE r.id IN ({','.join('?' * len(part))})", part)]

    def list_requests(self, kind: str | None = None, requester: str | None = None, assignee: str | None = None,
                      statuses: Iterable[str] | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Requests matching every filter given, newest first, with the two people's names."""
        where, params = ["1=1"], []
        for column, value in (("kind", kind), ("requester", requester), ("assignee", assignee)):
            if value is not None:
                where.append(f"r.{column} = ?")
                params.append(value)
        if statuses is not None:
            statuses = list(statuses)
            where.append(f"r.status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        rows = self.db.query(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY r.created DESC, r.id DESC "
                             "LIMIT ? OFFSET ?", [*params, limit, offset])
        return [decode_request(row) for row in rows]

    def set_request_status(self, request_id: int, status: str, content_id: str | None = None) -> None:
        if status not in REQUEST_STATES:
            raise InvalidInputError(f"status must be one of {', '.join(REQUEST_STATES)}")
        changes = {"status": status, "updated": utc_now().isoformat()}
        if content_id is not None:
            changes["content_id"] = content_id
        cursor = self.db.execute(
            f"UPDATE requests SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
            [*changes.values(), request_id])
        if cursor.rowcount == 0:
            raise NotFoundError(f"no request {request_id}")

    def active_request_between(self, kind: str, requester: str, assignee: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM requests WHERE kind = ? AND requester = ? AND assignee = ? AND status IN ('open', "
            "'in_progress')", [kind, requester, assignee]).fetchone() is not None

    def requests_waiting_since(self, kinds: Iterable[str], before: str) -> list[dict[str, Any]]:
        """Open requests of these kinds nobody acted on since `before` (an ISO time): due to expire."""
        kinds = list(kinds)
        rows = self.db.query(f"{_SELECT} WHERE r.status = 'open' AND r.kind IN ({','.join('?' * len(kinds))}) "
                             "AND r.updated < ? ORDER BY r.id", [*kinds, before])
        return [decode_request(row) for row in rows]

    def assigned_counts(self, kind: str, status: str, person_ids: Iterable[str]) -> dict[str, int]:
        """Requests of a kind and state per assignee (e.g. each mentor's current mentees)."""
        if kind not in REQUEST_KINDS or status not in REQUEST_STATES:  # they are written into the SQL
            raise InvalidInputError("unknown request kind or state")
        sql = (f"SELECT assignee, count(*) FROM requests WHERE kind = '{kind}' AND status = '{status}' "
               "AND assignee IN ({ids}) GROUP BY assignee")
        return dict(select_in(self.db, sql, person_ids))
