"""Questions posted to experts, where they were routed, and the answers they got (part of the Store).

A question is a request of kind `question` (models/request_store.py holds its title, details, asker and
state); this table keeps what only questions have. It is `open` until someone answers, `in_progress`
while it has answers but none accepted or voted helpful, and `done` once one is (`declined` when L&D
closes it). Routes record who was asked, in which round, and whether the route is still waiting; a
question nobody could be found for sits in L&D's queue (`lnd_queue`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np
import sqlite_utils

from models.errors import NotFoundError
from models.records import utc_now
from models.sql import batches, select_in

# A question as one record: its request's fields under the names questions use.
_SELECT = ("SELECT q.*, r.subject AS title, r.note AS details, r.requester AS asker, r.status, r.query_id, "
           "r.created, r.updated FROM questions q JOIN requests r ON r.id = q.request_id")
_OWN_COLUMNS = {"tags", "accepted_answer", "lnd_queue", "round", "escalate_at"}
_REQUEST_COLUMNS = {"status": "status", "title": "subject", "details": "note"}


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in row.items() if k != "vector"}, "tags": json.loads(row["tags"] or "[]"),
            "lnd_queue": bool(row["lnd_queue"])}


class QuestionStore:
    db: sqlite_utils.Database

    def add_question(self, title: str, details: str, tags: list[str], asker: str, query_id: str | None,
                     vector: np.ndarray, escalate_at: str | None) -> str:
        """In the caller's transaction: the request and the question are one record."""
        question_id = f"q-{uuid.uuid4().hex[:12]}"
        request_id = self.add_request("question", asker, title, details, query_id=query_id)
        self.db["questions"].insert({
            "id": question_id, "request_id": request_id, "tags": json.dumps(tags), "accepted_answer": None,
            "lnd_queue": 0, "round": 1, "escalate_at": escalate_at,
            "vector": np.asarray(vector, dtype=np.float32).tobytes(),
        })
        return question_id

    def get_question(self, question_id: str) -> dict[str, Any]:
        rows = list(self.db.query(f"{_SELECT} WHERE q.id = ?", [question_id]))
        if not rows:
            raise NotFoundError(f"no question with id {question_id!r}")
        return _decode(rows[0])

    def question_of_request(self, request_id: int) -> str | None:
        row = self.db.execute("SELECT id FROM questions WHERE request_id = ?", [request_id]).fetchone()
        return row[0] if row else None

    def update_question(self, question_id: str, **fields: Any) -> None:
        """Change a question; its state, title and details are its request's."""
        unknown = set(fields) - _OWN_COLUMNS - set(_REQUEST_COLUMNS)
        if unknown:
            raise ValueError(f"questions have no field {', '.join(sorted(unknown))}")
        own = {k: v for k, v in fields.items() if k in _OWN_COLUMNS}
        if own:
            self.db["questions"].update(question_id, own)
        changes = {_REQUEST_COLUMNS[k]: v for k, v in fields.items() if k in _REQUEST_COLUMNS}
        changes["updated"] = utc_now().isoformat()
        self.db.execute(
            f"UPDATE requests SET {', '.join(f'{k} = ?' for k in changes)} "
            "WHERE id = (SELECT request_id FROM questions WHERE id = ?)", [*changes.values(), question_id])

    def list_questions(self, asker: str | None = None, routed_to: str | None = None, status: str | None = None,
                       lnd_queue: bool | None = None, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
        """Questions matching the filters, newest first, and their total. `routed_to` keeps those still
        waiting on that person."""
        where, params = ["1=1"], []
        if asker is not None:
            where.append("r.requester = ?")
            params.append(asker)
        if routed_to is not None:
            where.append("EXISTS (SELECT 1 FROM question_routes w WHERE w.question_id = q.id AND w.person_id = ? "
                         "AND w.waiting != 0)")
            params.append(routed_to)
        if status is not None:
            where.append("r.status = ?")
            params.append(status)
        if lnd_queue is not None:
            where.append("q.lnd_queue = ?")
            params.append(int(lnd_queue))
        condition = " AND ".join(where)
        total = self.db.execute(f"SELECT count(*) FROM questions q JOIN requests r ON r.id = q.request_id "
                                f"WHERE {condition}", params).fetchone()[0]
        rows = self.db.query(f"{_SELECT} WHERE {condition} ORDER BY r.created DESC, q.id LIMIT ? OFFSET ?",
                             [*params, limit, offset])
        return [_decode(row) for row in rows], total

    def question_vectors(self, statuses: Iterable[str]) -> tuple[list[dict[str, Any]], np.ndarray]:
        """Questions in these states with their title vectors (for "asked before?" before posting)."""
        statuses = list(statuses)
        rows = list(self.db.query(f"{_SELECT} WHERE r.status IN ({','.join('?' * len(statuses))})", statuses))
        if not rows:
            return [], np.zeros((0, 0), np.float32)
        return [_decode(r) for r in rows], np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])

    # -- routes: who was asked --

    def add_routes(self, question_id: str, person_ids: Iterable[str], round_: int, routed_by: str) -> None:
        now = utc_now().isoformat()
        self.db["question_routes"].upsert_all(
            [{"question_id": question_id, "person_id": pid, "round": round_, "routed_by": routed_by,
              "routed_at": now, "waiting": 1} for pid in person_ids],
            pk=("question_id", "person_id"),
        )

    def routes_of(self, question_id: str) -> list[dict[str, Any]]:
        return list(self.db.query(
            "SELECT r.*, p.name AS name FROM question_routes r LEFT JOIN people p ON p.id = r.person_id "
            "WHERE r.question_id = ? ORDER BY r.round, r.routed_at, r.person_id", [question_id]))

    def stop_waiting(self, question_id: str, person_ids: Iterable[str] | None = None) -> None:
        """Routes no longer waiting: the person answered, or the question moved on."""
        if person_ids is None:
            self.db.execute("UPDATE question_routes SET waiting = 0 WHERE question_id = ?", [question_id])
            return
        for pid in person_ids:
            self.db.execute("UPDATE question_routes SET waiting = 0 WHERE question_id = ? AND person_id = ?",
                            [question_id, pid])

    def open_question_load(self, person_ids: Iterable[str]) -> dict[str, int]:
        """Questions still waiting on each person: the load routing spreads."""
        sql = ("SELECT w.person_id, count(*) FROM question_routes w JOIN questions q ON q.id = w.question_id "
               "JOIN requests r ON r.id = q.request_id "
               "WHERE w.waiting != 0 AND r.status IN ('open', 'in_progress') AND w.person_id IN ({ids}) "
               "GROUP BY w.person_id")
        return dict(select_in(self.db, sql, person_ids))

    def due_for_escalation(self, now: str) -> list[str]:
        rows = self.db.execute(
            "SELECT q.id FROM questions q JOIN requests r ON r.id = q.request_id WHERE r.status = 'open' "
            "AND q.lnd_queue = 0 AND q.escalate_at IS NOT NULL AND q.escalate_at <= ? ORDER BY q.escalate_at", [now])
        return [row[0] for row in rows]

    # -- answers and votes --

    def add_answer(self, question_id: str, content_id: str, author: str) -> None:
        self.db["question_answers"].insert(
            {"question_id": question_id, "content_id": content_id, "author": author, "created": utc_now().isoformat()})

    def answers_of(self, question_id: str) -> list[dict[str, Any]]:
        """Answers with their helpful votes, oldest first."""
        return list(self.db.query(
            "SELECT a.*, (SELECT count(*) FROM answer_votes v WHERE v.content_id = a.content_id) AS helpful "
            "FROM question_answers a WHERE a.question_id = ? ORDER BY a.created, a.content_id", [question_id]))

    def question_of_answer(self, content_id: str) -> str | None:
        row = self.db.execute("SELECT question_id FROM question_answers WHERE content_id = ?", [content_id]).fetchone()
        return row[0] if row else None

    def vote_helpful(self, content_id: str, voter: str) -> None:
        self.db["answer_votes"].insert({"content_id": content_id, "voter": voter, "created": utc_now().isoformat()},
                                       pk=("content_id", "voter"), ignore=True)

    def voted(self, content_ids: Iterable[str], voter: str) -> set[str]:
        """Which of these answers the voter already found helpful."""
        found: set[str] = set()
        for part in batches(content_ids):
            sql = f"SELECT content_id FROM answer_votes WHERE voter = ? AND content_id IN ({','.join('?' * len(part))})"
            found.update(row[0] for row in self.db.execute(sql, [voter, *part]))
        return found

    # -- answering preferences --

    def set_answering(self, person_id: str, answers_questions: bool, away: bool) -> None:
        cursor = self.db.execute("UPDATE people SET answers_questions = ?, away = ? WHERE id = ?",
                                 [int(answers_questions), int(away), person_id])
        if cursor.rowcount == 0:
            raise NotFoundError(f"no person with id {person_id!r}")

    def answering(self, person_ids: Iterable[str]) -> dict[str, tuple[bool, bool]]:
        """(opted in to answer, away) per person. Unset means opted in for people who have written
        something (contributors in practice), out for the rest."""
        sql = ("SELECT id, answers_questions, away, EXISTS (SELECT 1 FROM content_authors a WHERE a.person_id = "
               "people.id) FROM people WHERE id IN ({ids})")
        return {pid: (bool(wrote) if opted is None else bool(opted), bool(away))
                for pid, opted, away, wrote in select_in(self.db, sql, person_ids)}

    def done_queries(self, query_ids: Iterable[str]) -> set[str]:
        """The searches whose follow-up question got an accepted or helpful answer."""
        sql = "SELECT query_id FROM requests WHERE kind = 'question' AND status = 'done' AND query_id IN ({ids})"
        return {row[0] for row in select_in(self.db, sql, query_ids)}
