"""Mentoring in SQLite (part of the Store): mentors' availability and capacity. Mentoring requests are
requests of kind `mentoring` (models/request_store.py)."""

from __future__ import annotations

import sqlite_utils

from models.errors import InvalidInputError, NotFoundError

AVAILABILITY = ("available", "limited", "not_now")
MAX_CAPACITY = 10


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
            "SELECT team FROM people WHERE team != '' GROUP BY team ORDER BY team COLLATE NOCASE")]

    def locations(self) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT location FROM people WHERE location != '' GROUP BY location ORDER BY location COLLATE NOCASE")]

    def person_names(self) -> list[tuple[str, str]]:
        """(id, name) of everyone, by name: the choices of a "written by" or "who is asking" select."""
        return [(pid, name) for pid, name in self.db.execute("SELECT id, name FROM people ORDER BY name COLLATE NOCASE, id")]
