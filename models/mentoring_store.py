"""Mentoring in SQLite (part of the Store): mentors' availability and capacity, and mentoring requests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from models.errors import ConflictError, InvalidInputError, NotFoundError
from models.records import utc_now
from models.sql import select_in

AVAILABILITY = ("available", "limited", "not_now")
MAX_CAPACITY = 10
MAX_MESSAGE = 2000


class MentoringStore:
    db: sqlite_utils.Database

    def set_mentoring(self, person_id: str, availability: str, capacity: int) -> None:
        """How open a person is to new mentees: `availability` and how many mentees at once."""
        if availability not in AVAILABILITY:
            raise InvalidInputError(f"availability must be one of {', '.join(AVAILABILITY)}")
        if not 0 <= capacity <= MAX_CAPACITY:
            raise InvalidInputError(f"mentee capacity must be between 0 and {MAX_CAPACITY}")
        cursor = self.db.execute(
            "UPDATE people SET availability = ?, mentee_capacity = ? WHERE id = ?", [availability, capacity, person_id]
        )
        if cursor.rowcount == 0:
            raise NotFoundError(f"no person with id {person_id!r}")

    def teams(self) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT team FROM people WHERE team != '' ORDER BY team COLLATE NOCASE")]

    def locations(self) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT location FROM people WHERE location != '' ORDER BY location COLLATE NOCASE")]

    def person_names(self) -> list[tuple[str, str]]:
        """(id, name) of everyone, by name: the choices of a "written by" or "who is asking" select."""
        return [(pid, name) for pid, name in self.db.execute("SELECT id, name FROM people ORDER BY name COLLATE NOCASE, id")]

    def request_mentoring(self, mentor_id: str, mentee_id: str, goal: str, message: str) -> int:
        """A new hire asks an opted-in mentor for mentoring; one open request per pair at a time."""
        mentor = self.db.execute("SELECT mentor, availability FROM people WHERE id = ?", [mentor_id]).fetchone()
        if mentor is None:
            raise NotFoundError(f"no person with id {mentor_id!r}")
        if not mentor[0] or mentor[1] == "not_now":
            raise InvalidInputError("this person is not taking mentees at the moment")
        if self.db.execute("SELECT 1 FROM people WHERE id = ?", [mentee_id]).fetchone() is None:
            raise InvalidInputError("choose who is asking")
        if mentee_id == mentor_id:
            raise InvalidInputError("you cannot ask yourself for mentoring")
        if len(message) > MAX_MESSAGE or len(goal) > MAX_MESSAGE:
            raise InvalidInputError(f"keep the message under {MAX_MESSAGE} characters")
        open_request = self.db.execute(
            "SELECT 1 FROM mentoring_requests WHERE mentor_id = ? AND mentee_id = ? AND status IN ('pending', 'accepted')",
            [mentor_id, mentee_id],
        ).fetchone()
        if open_request:
            raise ConflictError("there is already an open mentoring request between these two people")
        now = utc_now().isoformat()
        return self.db["mentoring_requests"].insert(
            {"mentor_id": mentor_id, "mentee_id": mentee_id, "goal": goal, "message": message, "status": "pending",
             "created": now, "updated": now}
        ).last_pk

    def decide_mentoring(self, request_id: int, accept: bool) -> dict[str, Any]:
        """The mentor accepts or declines a pending request; returns the request as it now stands."""
        row = self.get_mentoring_request(request_id)
        if row is None:
            raise NotFoundError(f"no mentoring request {request_id}")
        if row["status"] != "pending":
            raise ConflictError(f"this request was already {row['status']}")
        status = "accepted" if accept else "declined"
        self.db.execute(
            "UPDATE mentoring_requests SET status = ?, updated = ? WHERE id = ?",
            [status, utc_now().isoformat(), request_id],
        )
        return {**row, "status": status}

    def get_mentoring_request(self, request_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM mentoring_requests WHERE id = ?", [request_id]))
        return rows[0] if rows else None

    def mentoring_requests(self, mentor_id: str | None = None, mentee_id: str | None = None) -> list[dict[str, Any]]:
        """Requests to a mentor or from a mentee, newest first, with both people's names."""
        where, params = [], []
        if mentor_id is not None:
            where.append("r.mentor_id = ?")
            params.append(mentor_id)
        if mentee_id is not None:
            where.append("r.mentee_id = ?")
            params.append(mentee_id)
        condition = " AND ".join(where) or "1=1"
        return list(self.db.query(
            "SELECT r.*, mentor.name AS mentor_name, mentee.name AS mentee_name FROM mentoring_requests r "
            "LEFT JOIN people mentor ON mentor.id = r.mentor_id LEFT JOIN people mentee ON mentee.id = r.mentee_id "
            f"WHERE {condition} ORDER BY r.created DESC, r.id DESC",
            params,
        ))

    def accepted_mentees(self, mentor_ids: Iterable[str]) -> dict[str, int]:
        """Current mentees per mentor: the load that spreads new requests to others."""
        sql = ("SELECT mentor_id, count(*) FROM mentoring_requests WHERE status = 'accepted' "
               "AND mentor_id IN ({ids}) GROUP BY mentor_id")
        return dict(select_in(self.db, sql, mentor_ids))
