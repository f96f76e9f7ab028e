"""The rules of short courses, pure: what makes a check question well formed, an answer right, a step and a
course done, the Markdown body search reads, and the figures L&D sees (median times, most missed questions).

A step is done once each of its questions has been answered (right or wrong: a wrong answer shows the right
one and why, and the learner moves on); a course is done once all its steps are. What counts against a
question is the learner's *first* try: trying again until it is right teaches, but says nothing about
whether the step taught it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

MAX_STEPS = 30
MAX_QUESTIONS = 10  # per step
MAX_OPTIONS = 8
_STEP_HEADING = re.compile(r"^Step (\d{1,3}): ")


def question_problems(prompt: str, options: list[str], correct: list[int], multiple: bool) -> list[str]:
    """What is wrong with a check question, in words (empty: it is sound)."""
    problems = []
    if not prompt.strip():
        problems.append("a question needs its text")
    filled = [option for option in options if option.strip()]
    if len(filled) != len(options):
        problems.append("an option is empty")
    if not 2 <= len(options) <= MAX_OPTIONS:
        problems.append(f"a question needs 2 to {MAX_OPTIONS} options")
    if len({option.strip().casefold() for option in filled}) != len(filled):
        problems.append("two options read the same")
    if any(not 0 <= index < len(options) for index in correct):
        problems.append("a right answer names an option the question does not have")
    elif not correct:
        problems.append("mark the right answer")
    elif not multiple and len(set(correct)) > 1:
        problems.append("a single-choice question has one right answer (or make it multiple choice)")
    return problems


def is_right(chosen: Iterable[int], correct: Iterable[int]) -> bool:
    """Right means exactly the right options: none missing, none extra (multiple choice has no part marks)."""
    return set(chosen) == set(correct)


def step_done(question_ids: Iterable[int], answered: set[int]) -> bool:
    return all(qid in answered for qid in question_ids)


@dataclass(frozen=True)
class Progress:
    done: list[int]  # positions (1-based) of the steps done
    total: int
    next_step: int | None  # position (1-based) of the first step not done; None when all are

    @property
    def completed(self) -> bool:
        return self.total > 0 and len(self.done) == self.total

    @property
    def share(self) -> float:
        return len(self.done) / self.total if self.total else 0.0


def progress(step_ids: list[int], done: set[int]) -> Progress:
    """Where a learner stands in a course whose steps are `step_ids` in order."""
    finished = [n for n, sid in enumerate(step_ids, 1) if sid in done]
    following = next((n for n, sid in enumerate(step_ids, 1) if sid not in done), None)
    return Progress(finished, len(step_ids), following)


def seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def step_seconds(opened: str | None, completed: str | None, before: str | None) -> float | None:
    """Time a learner spent on a step: from opening it to finishing it; a learner who never opened its page
    (the API) from what they did before (starting the course, or the step before)."""
    return seconds_between(opened or before, completed)


def median(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def missed_share(first_tries: list[bool]) -> float | None:
    """The share of learners whose first answer was wrong (None: nobody answered yet)."""
    return sum(not right for right in first_tries) / len(first_tries) if first_tries else None


@dataclass(frozen=True)
class StepText:
    title: str
    body: str = ""  # Markdown written for the course
    item_title: str | None = None  # or an existing item the step is
    item_id: str | None = None


def step_heading(position: int, title: str) -> str:
    return f"Step {position}: {title}"


def course_body(intro: str, steps: list[StepText]) -> str:
    """What search indexes for a course: its introduction and each step under its own heading, so a passage
    (and so a search hit) belongs to one step. A step that is an existing item names and links it rather
    than copying it: the item is found (and credits its authors) on its own."""
    parts = [intro.strip()] if intro.strip() else []
    for position, step in enumerate(steps, 1):
        parts.append(f"## {step_heading(position, step.title)}")
        if step.item_id:
            parts.append(f"Read: [{step.item_title or step.item_id}](/content/{step.item_id})")
        if step.body.strip():
            parts.append(step.body.strip())
    return "\n\n".join(parts) or "A course."


def step_of_heading(heading: str, steps: int) -> int | None:
    """The step (1-based) a passage under `heading` belongs to, or None (the introduction, another heading)."""
    match = _STEP_HEADING.match(heading or "")
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= steps else None


def figures(steps: list[dict], learners: list[dict], step_times: list[dict], first_tries: list[dict],
            excluded: set[str] = frozenset()) -> dict:
    """A course's analytics from its stored rows: learners started and completed, median time per step and
    in total (over those who completed it: the sum of their steps' times), and per question how many were
    wrong at their first try, most missed first. `excluded`: learners not counted (the course's authors,
    trying their own course)."""
    learners = [row for row in learners if row["learner"] not in excluded]
    order = {step["id"]: n for n, step in enumerate(steps)}
    times: dict[str, list[dict]] = {}
    for row in step_times:
        if row["learner"] not in excluded and row["step_id"] in order:
            times.setdefault(row["learner"], []).append(row)
    started = {row["learner"]: row["started"] for row in learners}
    per_step: dict[int, list[float | None]] = {step["id"]: [] for step in steps}
    totals: dict[str, float] = {}
    for learner, rows in times.items():
        rows.sort(key=lambda row: row["completed"])
        before = started.get(learner)
        for row in rows:
            seconds = step_seconds(row["opened"], row["completed"], before)
            per_step[row["step_id"]].append(seconds)
            totals[learner] = totals.get(learner, 0.0) + (seconds or 0.0)
            before = row["completed"]
    completers = [row["learner"] for row in learners if row["completed"]]
    tries: dict[int, list[bool]] = {}
    for row in first_tries:
        if row["learner"] not in excluded:
            tries.setdefault(row["question_id"], []).append(row["correct"])
    questions = []
    for position, step in enumerate(steps, 1):
        for question in step["questions"]:
            answers = tries.get(question["id"], [])
            questions.append({"id": question["id"], "step": position, "step_title": step["title"],
                              "prompt": question["prompt"], "answered": len(answers),
                              "missed": sum(not right for right in answers), "missed_share": missed_share(answers)})
    questions.sort(key=lambda q: (-(q["missed_share"] or 0.0), -q["missed"], q["step"]))
    return {
        "started": len(learners), "completed": len(completers),
        "median_total_seconds": median(totals.get(learner) for learner in completers),
        "steps": [{"position": n, "title": step["title"], "finished": len(per_step[step["id"]]),
                   "median_seconds": median(per_step[step["id"]])} for n, step in enumerate(steps, 1)],
        "questions": questions,
    }
