"""People, their profile passages and contribution counts in SQLite (part of the Store)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from models.records import Person, utc_now


def person_row(person: Person) -> dict[str, Any]:
    now = utc_now().isoformat()
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "team": person.team,
        "location": person.location,
        "bio": person.bio,
        "skills": json.dumps(person.skills),
        "mentor": int(person.mentor),
        "extra": json.dumps(person.extra, default=str),
        "created": now,
        "updated": now,
    }


def decode_person(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "skills": json.loads(row["skills"] or "[]"),
        "mentor": bool(row["mentor"]),
        "extra": json.loads(row["extra"] or "{}"),
    }


class PeopleStore:
    db: sqlite_utils.Database

    def upsert_people(self, people: Iterable[Person]) -> list[str]:
        """Insert or replace people and reset their profile passage (re-embedded by the indexer)."""
        people = list(people)
        if not people:
            return []
        ids = [p.id for p in people]
        rows = [person_row(p) for p in people]
        created = self._people_created(ids)
        for row in rows:
            row["created"] = created.get(row["id"], row["created"])
        self.db["people"].upsert_all(rows, pk="id")
        placeholders = ",".join("?" * len(ids))
        self.db.execute(f"DELETE FROM profiles WHERE person_id IN ({placeholders})", ids)
        self.db["profiles"].insert_all(
            [{"person_id": p.id, "text": p.profile_text(), "vector": None} for p in people]
        )
        return ids

    def _people_created(self, ids: list[str]) -> dict[str, str]:
        placeholders = ",".join("?" * len(ids))
        return dict(self.db.execute(f"SELECT id, created FROM people WHERE id IN ({placeholders})", ids).fetchall())

    def delete_people(self, ids: Iterable[str]) -> None:
        """Remove people; their content stays (authorless, owned by L&D) so no knowledge is lost."""
        ids = list(ids)
        if not ids:
            return
        placeholders = ",".join("?" * len(ids))
        self.db.execute(f"DELETE FROM content_authors WHERE person_id IN ({placeholders})", ids)
        self.db.execute(f"DELETE FROM profiles WHERE person_id IN ({placeholders})", ids)
        self.db.execute(f"DELETE FROM people WHERE id IN ({placeholders})", ids)

    def existing_person_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(set(ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            sql = f"SELECT id FROM people WHERE id IN ({','.join('?' * len(part))})"
            found.update(row[0] for row in self.db.execute(sql, part))
        return found

    def get_person(self, person_id: str) -> dict[str, Any] | None:
        return self.people_by_ids([person_id]).get(person_id)

    def people_by_ids(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        placeholders = ",".join("?" * len(ids))
        rows = self.db.query(f"SELECT * FROM people WHERE id IN ({placeholders})", ids)
        return {row["id"]: decode_person(row) for row in rows}

    def list_people(
        self, limit: int = 50, offset: int = 0, team: str | None = None, mentor: bool | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = ["1=1"], []
        if team:
            where.append("team = ?")
            params.append(team)
        if mentor is not None:
            where.append("mentor = ?")
            params.append(int(mentor))
        condition = " AND ".join(where)
        total = self.db.execute(f"SELECT count(*) FROM people WHERE {condition}", params).fetchone()[0]
        rows = self.db.query(
            f"SELECT * FROM people WHERE {condition} ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [decode_person(row) for row in rows], total

    def contribution_counts(self, person_ids: Iterable[str] | None = None) -> dict[str, int]:
        """How many items each person (co-)wrote: the contribution prior of expert ranking."""
        sql = "SELECT person_id, count(*) FROM content_authors"
        params: list[str] = []
        if person_ids is not None:
            person_ids = list(person_ids)
            if not person_ids:
                return {}
            sql += f" WHERE person_id IN ({','.join('?' * len(person_ids))})"
            params = person_ids
        return dict(self.db.execute(sql + " GROUP BY person_id", params).fetchall())

    def profile_owner(self, profile_ids: Iterable[int]) -> dict[int, str]:
        profile_ids = list(profile_ids)
        if not profile_ids:
            return {}
        placeholders = ",".join("?" * len(profile_ids))
        sql = f"SELECT id, person_id FROM profiles WHERE id IN ({placeholders})"
        return dict(self.db.execute(sql, profile_ids).fetchall())

    def profile_ids_of(self, person_ids) -> dict[int, str]:
        person_ids = list(person_ids)
        if not person_ids:
            return {}
        placeholders = ",".join("?" * len(person_ids))
        sql = f"SELECT id, person_id FROM profiles WHERE person_id IN ({placeholders})"
        return dict(self.db.execute(sql, person_ids).fetchall())
