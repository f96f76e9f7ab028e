"""Short courses (part of the Store): a course's steps and check questions, learners' progress and answers,
and the rows L&D's course analytics are computed from. The course itself is a content item of kind
`course` (models/content_store.py); these tables hold its structure, deleted with it (ON DELETE CASCADE)."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from models.content_store import decode_content, visible_sql
from models.records import EVERYTHING, Audience, utc_now


def _question(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "options": json.loads(row["options"]), "correct": json.loads(row["correct"]),
            "multiple": bool(row["multiple"])}


class CourseStore:
    db: sqlite_utils.Database
    authors_of: Any  # from ContentStore

    def course_steps(self, course_id: str) -> list[dict[str, Any]]:
        """The course's steps in order, each with its questions in order (empty: not a structured course)."""
        steps = [dict(row, questions=[]) for row in self.db.query(
            "SELECT * FROM course_steps WHERE course_id = ? ORDER BY position", [course_id])]
        by_id = {step["id"]: step for step in steps}
        for row in self.db.query(
                "SELECT q.* FROM course_questions q JOIN course_steps s ON s.id = q.step_id WHERE s.course_id = ? "
                "ORDER BY q.step_id, q.position", [course_id]):
            by_id[row["step_id"]]["questions"].append(_question(row))
        return steps

    def save_course_steps(self, course_id: str, steps: list[dict[str, Any]]) -> None:
        """Make the course's steps these (in the caller's transaction, with its content item). A step or
        question given with the `id` it has in this course is changed in place, keeping its learners'
        progress and answers; the ones not given any more are removed with theirs."""
        db = self.db
        old_steps = {row[0] for row in db.execute("SELECT id FROM course_steps WHERE course_id = ?", [course_id])}
        old_questions = {row[0] for row in db.execute(
            "SELECT q.id FROM course_questions q JOIN course_steps s ON s.id = q.step_id WHERE s.course_id = ?",
            [course_id])}
        kept_steps, kept_questions = set(), set()
        for position, step in enumerate(steps, 1):
            fields = {"course_id": course_id, "position": position, "title": step["title"],
                      "body": step.get("body") or "", "item_id": step.get("item_id")}
            if step.get("id") in old_steps:
                step_id = step["id"]
                db["course_steps"].update(step_id, fields)
            else:
                step_id = db["course_steps"].insert(fields).last_pk
            kept_steps.add(step_id)
            for number, question in enumerate(step.get("questions", []), 1):
                row = {"step_id": step_id, "position": number, "prompt": question["prompt"],
                       "options": json.dumps(question["options"]), "correct": json.dumps(sorted(set(question["correct"]))),
                       "multiple": int(bool(question.get("multiple"))), "explanation": question.get("explanation") or ""}
                if question.get("id") in old_questions:
                    db["course_questions"].update(question["id"], row)
                    kept_questions.add(question["id"])
                else:
                    kept_questions.add(db["course_questions"].insert(row).last_pk)
        for question_id in old_questions - kept_questions:
            db.execute("DELETE FROM course_questions WHERE id = ?", [question_id])
        for step_id in old_steps - kept_steps:
            db.execute("DELETE FROM course_steps WHERE id = ?", [step_id])

    def list_courses(self, audience: Audience = EVERYTHING, author: str | None = None, limit: int = 50,
                     offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """A page of the structured courses the audience may see (newest first), each with its step count."""
        where, params = visible_sql(audience)
        where.append("c.kind = 'course' AND EXISTS (SELECT 1 FROM course_steps s WHERE s.course_id = c.id)")
        if author:
            where.append("c.id IN (SELECT content_id FROM content_authors WHERE person_id = ?)")
            params.append(author)
        condition = " AND ".join(where)
        total = self.db.execute(f"SELECT count(*) FROM content c WHERE {condition}", params).fetchone()[0]
        rows = list(self.db.query(
            f"SELECT c.*, (SELECT count(*) FROM course_steps s WHERE s.course_id = c.id) AS steps FROM content c "
            f"WHERE {condition} ORDER BY c.created DESC, c.id LIMIT ? OFFSET ?", [*params, limit, offset]))
        authors = self.authors_of([row["id"] for row in rows])
        return [{**decode_content({k: v for k, v in row.items() if k != "steps"}, authors.get(row["id"], [])),
                 "steps": row["steps"]} for row in rows], total

    # -- learners --

    def course_learner(self, course_id: str, learner: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM course_learners WHERE course_id = ? AND learner = ?",
                                  [course_id, learner]))
        return rows[0] if rows else None

    def start_course(self, course_id: str, learner: str, at: str | None = None) -> None:
        """The learner's first step into the course (again: nothing changes)."""
        self.db.execute("INSERT OR IGNORE INTO course_learners (course_id, learner, started) VALUES (?, ?, ?)",
                        [course_id, learner, at or utc_now().isoformat()])

    def open_step(self, step_id: int, learner: str, at: str | None = None) -> None:
        self.db.execute("INSERT OR IGNORE INTO course_step_learners (step_id, learner, opened) VALUES (?, ?, ?)",
                        [step_id, learner, at or utc_now().isoformat()])

    def steps_done(self, course_id: str, learner: str) -> set[int]:
        return {row[0] for row in self.db.execute(
            "SELECT l.step_id FROM course_step_learners l JOIN course_steps s ON s.id = l.step_id "
            "WHERE s.course_id = ? AND l.learner = ? AND l.completed IS NOT NULL", [course_id, learner])}

    def answered_questions(self, step_id: int, learner: str) -> dict[int, dict[str, Any]]:
        """The learner's latest answer to each question of the step, by question id."""
        rows = self.db.query(
            "SELECT a.* FROM course_answers a JOIN course_questions q ON q.id = a.question_id WHERE q.step_id = ? "
            "AND a.learner = ? ORDER BY a.id", [step_id, learner])
        return {row["question_id"]: {**row, "chosen": json.loads(row["chosen"]), "correct": bool(row["correct"]),
                                     "first": bool(row["first"])} for row in rows}

    def record_answers(self, learner: str, answers: list[dict[str, Any]], at: str | None = None) -> None:
        """Answers ({question_id, chosen, correct}) in the caller's transaction; the first answer of a learner
        to a question is marked as their first try."""
        at = at or utc_now().isoformat()
        for answer in answers:
            first = self.db.execute("SELECT 1 FROM course_answers WHERE question_id = ? AND learner = ? LIMIT 1",
                                    [answer["question_id"], learner]).fetchone() is None
            self.db["course_answers"].insert({
                "question_id": answer["question_id"], "learner": learner, "chosen": json.dumps(answer["chosen"]),
                "correct": int(answer["correct"]), "first": int(first), "created": at})

    def complete_step(self, step_id: int, learner: str, at: str | None = None) -> None:
        at = at or utc_now().isoformat()
        self.db.execute("INSERT OR IGNORE INTO course_step_learners (step_id, learner) VALUES (?, ?)",
                        [step_id, learner])
        self.db.execute("UPDATE course_step_learners SET completed = ? WHERE step_id = ? AND learner = ? "
                        "AND completed IS NULL", [at, step_id, learner])

    def complete_course(self, course_id: str, learner: str, at: str | None = None) -> None:
        self.db.execute("UPDATE course_learners SET completed = ? WHERE course_id = ? AND learner = ? "
                        "AND completed IS NULL", [at or utc_now().isoformat(), course_id, learner])

    # -- what analytics are computed from --

    def course_learners(self, course_id: str) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT learner, started, completed FROM course_learners WHERE course_id = ?",
                                  [course_id]))

    def course_step_times(self, course_id: str) -> list[dict[str, Any]]:
        """(step_id, learner, opened, completed) for every learner who finished a step of the course."""
        return list(self.db.query(
            "SELECT l.step_id, l.learner, l.opened, l.completed FROM course_step_learners l "
            "JOIN course_steps s ON s.id = l.step_id WHERE s.course_id = ? AND l.completed IS NOT NULL",
            [course_id]))

    def course_first_tries(self, course_id: str) -> list[dict[str, Any]]:
        """(question_id, learner, correct) of each learner's first answer to each question of the course."""
        return [{**row, "correct": bool(row["correct"])} for row in self.db.query(
            "SELECT a.question_id, a.learner, a.correct FROM course_answers a "
            "JOIN course_questions q ON q.id = a.question_id JOIN course_steps s ON s.id = q.step_id "
            "WHERE s.course_id = ? AND a.first != 0", [course_id])]
