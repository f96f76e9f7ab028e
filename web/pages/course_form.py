"""The course builder's form, kept as typed: steps and their questions as numbered fields (`s1_title`,
`s1_q2_options`...), buttons that add or remove a step or a question, and the course draft it becomes.

Options are typed one per line, the right ones starting with `*`: a form without JavaScript cannot add
option boxes as you type, and a line per option reads as the learner will see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError
from starlette.datastructures import FormData

from models.course_rules import MAX_QUESTIONS, MAX_STEPS
from web.actions.courses import Course
from web.course_schemas import CourseIn
from web.pages.forms import split_list

RIGHT = "*"


def number(text: str) -> int | None:
    """A whole number as a form sends it, or None: ASCII digits only, and short (int() refuses over 4,300
    digits, and nothing here counts past a row id)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None


@dataclass
class QuestionForm:
    id: str = ""
    prompt: str = ""
    options: str = ""  # one per line, right ones starting with *
    multiple: bool = False
    explanation: str = ""

    @property
    def blank(self) -> bool:
        return not (self.prompt.strip() or self.options.strip() or self.explanation.strip())

    def draft(self) -> dict:
        lines = [line.strip() for line in self.options.splitlines() if line.strip()]
        correct = [n for n, line in enumerate(lines) if line.startswith(RIGHT)]
        return {"id": number(self.id), "prompt": self.prompt,
                "options": [line.removeprefix(RIGHT).strip() for line in lines], "correct": correct,
                "multiple": self.multiple or len(correct) > 1, "explanation": self.explanation}


@dataclass
class StepForm:
    id: str = ""
    title: str = ""
    body: str = ""
    item: str = ""
    questions: list[QuestionForm] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not (self.title.strip() or self.body.strip() or self.item.strip()) and all(
            q.blank for q in self.questions)

    def draft(self) -> dict:
        return {"id": number(self.id), "title": self.title, "body": self.body,
                "item": self.item.strip() or None, "questions": [q.draft() for q in self.questions if not q.blank]}


@dataclass
class CourseForm:
    title: str = ""
    intro: str = ""
    tags: str = ""
    visible_teams: str = ""
    steps: list[StepForm] = field(default_factory=list)
    action: str = "save"

    @classmethod
    def empty(cls) -> CourseForm:
        return cls(steps=[StepForm(questions=[QuestionForm()])])

    @classmethod
    def of_course(cls, course: Course) -> CourseForm:
        steps = [StepForm(str(step["id"]), step["title"], step["body"], step["item_id"] or "", [
            QuestionForm(str(q["id"]), q["prompt"], "\n".join(
                (RIGHT if n in q["correct"] else "") + option for n, option in enumerate(q["options"])),
                q["multiple"], q["explanation"]) for q in step["questions"]]) for step in course.steps]
        return cls(course.item["title"], course.intro, ", ".join(course.item["tags"]),
                   ", ".join(course.item["visible_teams"]), steps)

    @classmethod
    def parse(cls, data: FormData) -> CourseForm:
        def text(name: str) -> str:
            value = data.get(name, "")
            return value if isinstance(value, str) else ""

        def count(name: str, limit: int) -> int:
            value = text(name)
            return min(number(value) or 0, limit)

        steps = []
        for s in range(1, count("steps", MAX_STEPS) + 1):
            questions = [QuestionForm(text(f"s{s}_q{q}_id"), text(f"s{s}_q{q}_prompt"), text(f"s{s}_q{q}_options"),
                                      bool(text(f"s{s}_q{q}_multiple")), text(f"s{s}_q{q}_explanation"))
                         for q in range(1, count(f"s{s}_questions", MAX_QUESTIONS) + 1)]
            steps.append(StepForm(text(f"s{s}_id"), text(f"s{s}_title"), text(f"s{s}_body"), text(f"s{s}_item"),
                                  questions))
        return cls(text("title"), text("intro"), text("tags"), text("visible_teams"), steps,
                   text("action") or "save")

    def apply(self, action: str) -> str:
        """Do what a button asked (add_step, add_question:S, remove_step:S, remove_question:S:Q); returns the
        id of the field to focus."""
        kind, _, where = action.partition(":")
        numbers = [n for n in map(number, where.split(":")) if n is not None]
        if kind == "add_step" and len(self.steps) < MAX_STEPS:
            self.steps.append(StepForm(questions=[QuestionForm()]))
            return f"s{len(self.steps)}_title"
        if numbers and 1 <= numbers[0] <= len(self.steps):
            step = self.steps[numbers[0] - 1]
            if kind == "add_question" and len(step.questions) < MAX_QUESTIONS:
                step.questions.append(QuestionForm())
                return f"s{numbers[0]}_q{len(step.questions)}_prompt"
            if kind == "remove_step":
                del self.steps[numbers[0] - 1]
                return "add-step"
            if kind == "remove_question" and len(numbers) > 1 and 1 <= numbers[1] <= len(step.questions):
                del step.questions[numbers[1] - 1]
                return f"s{numbers[0]}_title"
        return ""

    def draft(self) -> CourseIn:
        """The course as submitted (blank steps and questions left out); ValidationError says what is wrong."""
        return CourseIn(title=self.title, intro=self.intro, tags=split_list(self.tags),
                        visible_teams=split_list(self.visible_teams),
                        steps=[step.draft() for step in self.steps if not step.blank])

    @staticmethod
    def explain(exc: ValidationError) -> str:
        """The first problem, said as where it is in the form ('Step 2, question 1, options: ...')."""
        error = exc.errors()[0]
        names = {"title": "title", "intro": "introduction", "prompt": "question", "options": "options",
                 "correct": "right answers (start them with *)", "explanation": "explanation", "body": "text",
                 "tags": "tags", "visible_teams": "teams", "steps": "steps", "item": "item"}
        where, loc = [], list(error["loc"])
        while loc:
            part = loc.pop(0)
            if part == "steps" and loc and isinstance(loc[0], int):
                where.append(f"step {loc.pop(0) + 1}")
            elif part == "questions" and loc and isinstance(loc[0], int):
                where.append(f"question {loc.pop(0) + 1}")
            elif isinstance(part, str):
                where.append(names.get(part, part))
        message = error["msg"].replace("List", "The list")
        return (", ".join(where).capitalize() + ": " if where else "") + message + "."
