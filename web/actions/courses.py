"""Short courses: who builds, edits, sees, takes and measures them.

A course is a content item of kind `course`: its body (what search reads) is built from its introduction and
steps, so it is found, restricted to teams, versioned and credited to its authors as any item is, through
`web.actions.content`. Its steps and check questions live beside it (models/course_store.py). Who may build
and edit one is who may write and edit the item; who sees one is who sees the item (a course restricted to a
team is a 404 to everyone else, here as everywhere); its analytics are its editors' (authors and L&D).
A step that is an existing item must be one everybody who sees the course sees, or the course would show
them its title.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.course_rules import (
    Progress, StepText, course_body, figures, is_right, progress, question_problems, step_done, step_of_heading,
)
from models.errors import ForbiddenError, InvalidInputError, NotFoundError
from web.actions import content
from web.actions.inbox import party
from web.actions.policy import can_edit, require_editor, require_lnd
from web.auth import Viewer
from web.course_schemas import CourseIn
from web.schemas import ContentIn
from web.services import Services


OVERVIEW_LIMIT = 200  # courses on L&D's overview


@dataclass
class Course:
    item: dict  # the content item
    steps: list[dict]  # each with its questions, and `item_row` for a step that is an existing item
    can_edit: bool

    @property
    def id(self) -> str:
        return self.item["id"]

    @property
    def intro(self) -> str:
        return (self.item.get("extra") or {}).get("intro", "")

    def step(self, position: int) -> dict:
        if not 1 <= position <= len(self.steps):
            raise NotFoundError(f"the course has no step {position}; it has {len(self.steps)}")
        return self.steps[position - 1]


def not_a_course(course_id: str) -> NotFoundError:
    return NotFoundError(f"no course with id {course_id!r}")


def visible_course(services: Services, viewer: Viewer, course_id: str) -> Course:
    """The course with its steps, or NotFoundError when it does not exist, is hidden from the viewer, or is an
    item that is no course (has no steps)."""
    try:
        item = content.visible_item(services, viewer, course_id)
    except NotFoundError:
        raise not_a_course(course_id) from None
    steps = services.store.course_steps(course_id) if item["kind"] == "course" else []
    if not steps:
        raise not_a_course(course_id)
    linked = services.store.content_by_ids({s["item_id"] for s in steps if s["item_id"]})
    for step in steps:
        row = linked.get(step["item_id"]) if step["item_id"] else None
        step["item_row"] = row if row is not None and viewer.audience.sees(row["visible_teams"]) else None
    return Course(item, steps, can_edit(viewer, item))


def list_courses(services: Services, viewer: Viewer, limit: int, offset: int,
                 author: str | None = None) -> tuple[list[dict], int]:
    """A page of the courses the viewer sees, each saying whether the viewer may edit (and measure) it."""
    rows, total = services.store.list_courses(viewer.audience, author, limit, offset)
    return [{**row, "can_edit": can_edit(viewer, row)} for row in rows], total


# -- building --

def create_course(services: Services, viewer: Viewer, draft: CourseIn, course_id: str | None = None) -> Course:
    """A new course, published as a content item of kind `course` by the same rules as any item (so only L&D
    chooses its id)."""
    authors = draft.authors if draft.authors is not None else ([viewer.person_id] if viewer.person_id else [])
    item_draft, steps = _checked(services, viewer, draft, authors, None)
    if course_id is not None:
        item_draft = ContentIn.model_validate({**item_draft.model_dump(), "id": course_id})
    item = content.create_item(services, viewer, item_draft)
    return _with_steps(services, viewer, item["id"], steps)


def update_course(services: Services, viewer: Viewer, course_id: str, draft: CourseIn) -> Course:
    """Change a course whole (its authors and L&D); steps and questions given with their ids keep their
    learners' progress and answers."""
    existing = visible_course(services, viewer, course_id).item
    require_editor(viewer, existing)
    authors = draft.authors if draft.authors is not None else existing["authors"]
    item_draft, steps = _checked(services, viewer, draft, authors, existing)
    content.update_item(services, viewer, course_id, item_draft.model_dump(
        include={"title", "body", "tags", "authors", "visible_teams", "intro"}))
    return _with_steps(services, viewer, course_id, steps)


def _with_steps(services: Services, viewer: Viewer, course_id: str, steps: list[dict]) -> Course:
    with services.store.transaction():
        services.store.save_course_steps(course_id, steps)
    return visible_course(services, viewer, course_id)


def _checked(services: Services, viewer: Viewer, draft: CourseIn, authors: list[str],
             existing: dict | None) -> tuple[ContentIn, list[dict]]:
    """The course's content item and its steps, or the first reason it cannot be saved (all checked before
    anything is written)."""
    teams = content.canonical_teams(services, draft.visible_teams)
    steps, texts = [], []
    for position, step in enumerate(draft.steps, 1):
        linked = _linked_item(services, viewer, step.item, teams, position) if step.item else None
        title = " ".join((step.title or (linked["title"][:200] if linked else "")).split())  # one heading line
        if not title:
            raise InvalidInputError(f"step {position} needs a title", field="steps")
        if not linked and not step.body:
            raise InvalidInputError(f"step {position} needs its text, or an existing item", field="steps")
        for number, question in enumerate(step.questions, 1):
            problems = question_problems(question.prompt, question.options, question.correct, question.multiple)
            if problems:
                raise InvalidInputError(f"step {position}, question {number}: {problems[0]}", field="steps")
        steps.append({**step.model_dump(exclude={"item"}), "title": title, "item_id": linked and linked["id"]})
        texts.append(StepText(title, step.body, linked and linked["title"], linked and linked["id"]))
    fields = {**((existing or {}).get("extra") or {}), "intro": draft.intro}
    item = ContentIn(**fields, title=draft.title, body=course_body(draft.intro, texts), kind="course",
                     tags=draft.tags, authors=authors, visible_teams=teams,
                     official=bool(existing and existing["official"]))
    problems = content.draft_problems(services, viewer, item.authors, teams, item.official, existing)
    if problems:
        raise problems[0]
    return item, steps


def _linked_item(services: Services, viewer: Viewer, reference: str, teams: list[str], position: int) -> dict:
    item_id = content.content_id_of(reference) or ""
    row = services.store.get_content(item_id)
    if row is None or not viewer.audience.sees(row["visible_teams"]):
        raise InvalidInputError(f"step {position}: no item {reference!r} to include", field="steps")
    if row["kind"] == "course":
        raise InvalidInputError(f"step {position}: a step cannot be a course", field="steps")
    if row["visible_teams"] and not (teams and set(teams) <= set(row["visible_teams"])):
        raise InvalidInputError(
            f"step {position}: “{row['title']}” is visible to {', '.join(row['visible_teams'])} only; restrict "
            "the course to those teams, or choose another item", field="steps")
    return row


def step_of_passage(services: Services, viewer: Viewer, course_id: str, passage: int) -> int | None:
    """The step (1-based) a search hit's passage of the course lies in; None: the introduction. Each step
    is a heading of the course's body, and passages keep the heading they sit under."""
    course = visible_course(services, viewer, course_id)
    titles = {position: title for position, title, _ in services.store.stored_chunks(course_id)}
    heading = titles.get(passage, "").removeprefix(course.item["title"]).removeprefix(" — ")
    return step_of_heading(heading, len(course.steps))


# -- taking --

def learner_of(viewer: Viewer) -> str:
    if not viewer.signed_in and viewer.username is None:
        raise ForbiddenError("sign in to take a course")
    return party(viewer)


def progress_of(services: Services, viewer: Viewer, course: Course) -> tuple[Progress, bool]:
    """The viewer's progress through the course, and whether they started it."""
    if not viewer.signed_in:
        return progress([s["id"] for s in course.steps], set()), False
    learner = learner_of(viewer)
    started = services.store.course_learner(course.id, learner) is not None
    return progress([s["id"] for s in course.steps], services.store.steps_done(course.id, learner)), started


def open_step(services: Services, viewer: Viewer, course_id: str, position: int) -> tuple[Course, dict, dict]:
    """The step as the viewer opens it (which starts the course and the step's clock), and the viewer's
    latest answers to its questions, by question id."""
    course = visible_course(services, viewer, course_id)
    step = course.step(position)
    learner = learner_of(viewer)
    with services.store.transaction():
        services.store.start_course(course.id, learner)
        services.store.open_step(step["id"], learner)
    return course, step, services.store.answered_questions(step["id"], learner)


def answer_step(services: Services, viewer: Viewer, course_id: str, position: int,
                answers: dict[int, list[int]]) -> tuple[Course, list[dict], Progress]:
    """Answer every check question of a step (a step without questions: an empty answer marks it read).
    Returns each answer marked right or wrong with the right options and the explanation, and the progress:
    the step is done, and the course once every step is."""
    course = visible_course(services, viewer, course_id)
    step = course.step(position)
    learner = learner_of(viewer)
    questions = {q["id"]: q for q in step["questions"]}
    unknown = set(answers) - set(questions)
    if unknown:
        raise InvalidInputError(f"step {position} has no question {min(unknown)}", field="answers")
    missing = [n for n, q in enumerate(step["questions"], 1) if q["id"] not in answers]
    if missing:
        raise InvalidInputError(f"answer every question of the step: question {missing[0]} has no answer",
                                field="answers")
    marked = []
    for question_id, chosen in answers.items():
        question = questions[question_id]
        chosen = sorted(set(chosen))
        if not chosen:
            raise InvalidInputError(f"pick an option for “{question['prompt']}”", field="answers")
        if any(not 0 <= c < len(question["options"]) for c in chosen):
            raise InvalidInputError(f"“{question['prompt']}” has options 0 to {len(question['options']) - 1}",
                                    field="answers")
        if len(chosen) > 1 and not question["multiple"]:
            raise InvalidInputError(f"“{question['prompt']}” takes one option", field="answers")
        marked.append({"question_id": question_id, "chosen": chosen,
                       "correct": is_right(chosen, question["correct"])})
    store = services.store
    with store.transaction():
        store.start_course(course.id, learner)
        first = {qid for qid in questions if qid not in store.answered_questions(step["id"], learner)}
        store.record_answers(learner, marked)
        if step_done(questions, {a["question_id"] for a in marked}):
            store.complete_step(step["id"], learner)
        now = progress([s["id"] for s in course.steps], store.steps_done(course.id, learner))
        if now.completed:
            store.complete_course(course.id, learner)
    results = [{"question": a["question_id"], "correct": a["correct"], "right": questions[a["question_id"]]["correct"],
                "explanation": questions[a["question_id"]]["explanation"], "first_try": a["question_id"] in first}
               for a in marked]
    return course, results, now


# -- measuring --

def analytics(services: Services, viewer: Viewer, course_id: str) -> tuple[Course, dict]:
    """Learners started and completed, median times, the most missed questions: for L&D and the course's
    authors. Its authors' own tries are not counted."""
    course = visible_course(services, viewer, course_id)
    if not course.can_edit:
        raise ForbiddenError("only L&D and the course's authors see its analytics")
    store = services.store
    result = figures(course.steps, store.course_learners(course.id), store.course_step_times(course.id),
                     store.course_first_tries(course.id), set(course.item["authors"]))
    for question in result["questions"]:
        question["link"] = f"/courses/{course.id}/steps/{question['step']}"
    return course, result


def overview(services: Services, viewer: Viewer) -> list[tuple[dict, dict]]:
    """Every course with its figures, newest first (L&D; authors see their own on each course's page)."""
    require_lnd(viewer, "sees every course's analytics")
    rows, _ = list_courses(services, viewer, OVERVIEW_LIMIT, 0)
    return [(row, analytics(services, viewer, row["id"])[1]) for row in rows]
