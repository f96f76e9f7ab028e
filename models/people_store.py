"""People, their profile passages and contribution counts in SQLite (part of the Store)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from models.content_store import visible_sql
from models.records import EVERYTHING, Audience, Person, utc_now
from models.sql import batches, execute_in, select_in


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
        """Insert or replace people; a changed profile passage is reset for the indexer to re-embed."""
        people = list(people)
        if not people:
            return []
        ids = [p.id for p in people]
        rows = [person_row(p) for p in people]
        created = self._people_created(ids)
        for row in rows:
            row["created"] = created.get(row["id"], row["created"])
        self.db["people"].upsert_all(rows, pk="id")
        stored = self._profile_texts(ids)
        changed = [p for p in people if stored.get(p.id) != p.profile_text()]
        if changed:
            execute_in(self.db, "DELETE FROM profiles WHERE person_id IN ({ids})", [p.id for p in changed])
            self.db["profiles"].insert_all(
                [{"person_id": p.id, "text": p.profile_text(), "vector": None} for p in changed]
            )
        return ids

    def _profile_texts(self, ids: list[str]) -> dict[str, str]:
        return dict(select_in(self.db, "SELECT person_id, text FROM profiles WHERE person_id IN ({ids})", ids))

    def _people_created(self, ids: list[str]) -> dict[str, str]:
        return dict(select_in(self.db, "SELECT id, created FROM people WHERE id IN ({ids})", ids))

    def delete_people(self, ids: Iterable[str]) -> None:
        """Remove people; their content stays (authorless, owned by L&D) so no knowledge is lost."""
        ids = list(ids)
        for table, column in (("content_authors", "person_id"), ("profiles", "person_id"), ("people", "id")):
            execute_in(self.db, f"DELETE FROM {table} WHERE {column} IN ({{ids}})", ids)

    def existing_person_ids(self, ids: Iterable[str]) -> set[str]:
        return {row[0] for row in select_in(self.db, "SELECT id FROM people WHERE id IN ({ids})", set(ids))}

    def directory(self) -> list[tuple[str, str | None, str]]:
        """Every person's (id, e-mail, name): what an import matches authors named by e-mail or name against
        (compared in Python: SQLite's lower() folds ASCII only, and names are not)."""
        return self.db.execute("SELECT id, email, name FROM people").fetchall()

    def get_person(self, person_id: str) -> dict[str, Any] | None:
        return self.people_by_ids([person_id]).get(person_id)

    def people_by_ids(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        people = {}
        for part in batches(dict.fromkeys(ids)):
            rows = self.db.query(f"SELECT * FROM people WHERE id IN ({','.join('?' * len(part))})", part)
            people.update({row["id"]: decode_person(row) for row in rows})
        return people

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

    def contribution_counts(self, person_ids: Iterable[str] | None = None,
                            audience: Audience = EVERYTHING) -> dict[str, int]:
        """How many items each person (co-)wrote, counting only items `audience` may see (so a restricted
        item never leaks through a number); all people when `person_ids` is None."""
        where, params = visible_sql(audience)
        sql = (
            "SELECT a.person_id, count(*) FROM content_authors a JOIN content c ON c.id = a.content_id "
            f"WHERE {' AND '.join(where)}"
        )
        if person_ids is None:
            return dict(self.db.execute(sql + " GROUP BY a.person_id", params).fetchall())
        counts: dict[str, int] = {}
        for part in batches(person_ids):
            in_part = f" AND a.person_id IN ({','.join('?' * len(part))}) GROUP BY a.person_id"
            counts.update(self.db.execute(sql + in_part, [*params, *part]).fetchall())
        return counts

    def profile_owner(self, profile_ids: Iterable[int]) -> dict[int, str]:
        return dict(select_in(self.db, "SELECT id, person_id FROM profiles WHERE id IN ({ids})", profile_ids))

    def profile_ids_of(self, person_ids: Iterable[str]) -> dict[int, str]:
        return dict(select_in(self.db, "SELECT id, person_id FROM profiles WHERE person_id IN ({ids})", person_ids))
