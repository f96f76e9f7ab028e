"""The demo organisation's short courses (indexer/demo_org/courses.json) and a few weeks of its people taking
them: some finish, some stop half-way, some questions are missed more than others (`demo_miss`, the chance a
learner's first answer is wrong), so L&D's course analytics are not empty on the first look.

The courses are built through the course actions as L&D would (the local administrator); the learners'
history is written into the store back-dated, drawn from a fixed seed, as web/demo_history.py does for
searches."""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta
from pathlib import Path

from models.course_rules import is_right
from models.records import utc_now
from web.actions.accounts import LOCAL_ADMIN
from web.actions.courses import create_course, visible_course
from web.course_schemas import CourseIn
from web.services import Services

COURSES_FILE = "courses.json"
SEED = 15
DAYS = 42
LEARNERS = 14  # people who start each course
DROP_OUT = 0.12  # chance a learner stops after a step
STEP_MINUTES = 4.0  # median time on a step


def load_courses(services: Services, demo_dir: Path) -> list[str]:
    """Build the demo's courses that the folder does not have yet; returns the ids of all of them."""
    path = demo_dir / COURSES_FILE
    if not path.exists():
        return []
    ids = []
    for record in json.loads(path.read_text(encoding="utf-8")):
        course_id = record.pop("id")
        for step in record["steps"]:
            for question in step["questions"]:
                question.pop("demo_miss", None)
        if not services.store.course_steps(course_id):
            create_course(services, LOCAL_ADMIN, CourseIn.model_validate(record), course_id)
        ids.append(course_id)
    return ids


def write_course_history(services: Services, demo_dir: Path, now: datetime | None = None, seed: int = SEED) -> int:
    """Learners taking each demo course over the `DAYS` before `now`; returns how many started one. Written
    once: a course that has learners already is left as it is."""
    now, rng = now or utc_now(), random.Random(seed)
    misses = {course["id"]: [[q.get("demo_miss", 0.15) for q in step["questions"]] for step in course["steps"]]
              for course in json.loads((demo_dir / COURSES_FILE).read_text(encoding="utf-8"))}
    store = services.store
    people = sorted(pid for pid, _ in store.person_names())
    started = 0
    with store.transaction():
        for course_id, chances in misses.items():
            if not store.course_steps(course_id) or store.course_learners(course_id):
                continue
            course = visible_course(services, LOCAL_ADMIN, course_id)
            learners = rng.sample([p for p in people if p not in course.item["authors"]], LEARNERS)
            for learner in learners:
                _take(rng, store, course.steps, chances, course_id, learner, now)
            started += len(learners)
    return started


def _take(rng: random.Random, store, steps: list[dict], chances: list[list[float]], course_id: str, learner: str,
          now: datetime) -> None:
    at = now - timedelta(days=rng.uniform(2, DAYS), hours=rng.uniform(0, 6))
    store.start_course(course_id, learner, at.isoformat())
    for step, step_chances in zip(steps, chances):
        at += timedelta(seconds=rng.randint(5, 60))
        store.open_step(step["id"], learner, at.isoformat())
        at += timedelta(seconds=min(1800.0, rng.lognormvariate(math.log(STEP_MINUTES * 60), 0.5)))
        answers = [{"question_id": q["id"], "chosen": _choice(rng, q, chance)}
                   for q, chance in zip(step["questions"], step_chances)]
        store.record_answers(learner, [{**a, "correct": is_right(a["chosen"], q["correct"])}
                                       for a, q in zip(answers, step["questions"])], at.isoformat())
        store.complete_step(step["id"], learner, at.isoformat())
        if rng.random() < DROP_OUT:
            return
    store.complete_course(course_id, learner, at.isoformat())


def _choice(rng: random.Random, question: dict, miss: float) -> list[int]:
    """The right options, or (with chance `miss`) a plausible wrong answer: one wrong option, or for multiple
    choice the right ones with one missing."""
    right = sorted(question["correct"])
    if rng.random() >= miss:
        return right
    wrong = [n for n in range(len(question["options"])) if n not in right]
    if question["multiple"] and len(right) > 1 and rng.random() < 0.6:
        return right[:-1]
    return [rng.choice(wrong)] if wrong else right
