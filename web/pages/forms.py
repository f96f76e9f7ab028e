"""The pages' forms: what a person typed, kept as typed, checked field by field, turned into domain records.

Errors are keyed by field so each shows next to its input, and the form is re-rendered with the input
kept; the domain models still validate everything again when the record is built.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from models.mentoring_store import AVAILABILITY, MAX_CAPACITY
from models.records import KINDS, STATUSES
from web.actions.content import content_id_of  # noqa: F401 (the pages' name for it)
from web.schemas import ContentIn

MAX_TAGS = 20
MAX_TAG_CHARS = 50
MAX_SKILLS = 40
MAX_NAME_PIECES = 3  # the most comma-separated pieces one person's name is looked up across ("Smith, Jo")


def split_list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _people_named(text: str, by_id: dict[str, str], by_name: dict[str, list[str]]) -> list[str]:
    """The ids `text` may mean: 'Name (id)' as the suggestions offer it, an id, or a name (any case)."""
    labelled = re.fullmatch(r"(.*?)\s*\(([^()]+)\)", text)
    if labelled and labelled.group(2).strip() in by_id:
        return [labelled.group(2).strip()]
    if text in by_id:
        return [text]
    return by_name.get(_folded(text), [])


def person_label(pid: str, name: str) -> str:
    """How a person is offered and shown in a co-author box: the name people type, the id that is unique."""
    return f"{name} ({pid})"


def resolve_people(entries: list[str], people: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Person ids for what was typed in the co-author boxes ('Name (id)', a name or an id; several in a box
    separated by commas), each entry that names nobody or several people kept as typed; and a sentence for
    each of those. A name may hold a comma ('Smith, Jo'), so the longest run of pieces naming one person wins."""
    by_id = dict(people)
    by_name: dict[str, list[str]] = {}
    for pid, name in people:
        by_name.setdefault(_folded(name), []).append(pid)
    resolved: list[str] = []
    problems: list[str] = []
    for entry in entries:
        pieces = [piece.strip() for piece in entry.split(",")]
        start = 0
        while start < len(pieces):
            for end in range(min(len(pieces), start + MAX_NAME_PIECES), start, -1):
                found = _people_named(", ".join(pieces[start:end]), by_id, by_name)
                if len(found) == 1:
                    resolved.append(found[0])
                    start = end
                    break
            else:
                piece = pieces[start]
                if piece:
                    resolved.append(piece)
                    problems.append(_nobody_or_several(piece, by_id, by_name))
                start += 1
    return list(dict.fromkeys(resolved)), problems


def _nobody_or_several(text: str, by_id: dict[str, str], by_name: dict[str, list[str]]) -> str:
    several = _people_named(text, by_id, by_name)
    if several:
        choices = " or ".join(f"“{person_label(pid, by_id[pid])}”" for pid in several)
        return f"Several people are called “{text}”: write {choices}."
    close = difflib.get_close_matches(text.casefold(), [name.casefold() for name in by_id.values()], n=1, cutoff=0.7)
    hint = ""
    if close:
        pid = next(pid for pid, name in by_id.items() if name.casefold() == close[0])
        hint = f" Did you mean “{person_label(pid, by_id[pid])}”?"
    elif by_id:
        hint = " Type part of a name and pick from the suggestions."
    return f"Nobody here is called “{text}”.{hint}"


def _field_errors(exc: ValidationError, known: set[str], fallback: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = str(error["loc"][0]) if error["loc"] else fallback
        errors.setdefault(loc if loc in known else fallback, error["msg"])
    return errors


@dataclass
class ContentForm:
    title: str = ""
    body: str = ""
    kind: str = "howto"
    tags: str = ""
    author: str = ""
    coauthors: list[str] = field(default_factory=list)
    official: bool = False
    visible_teams: str = ""
    status: str = "current"
    replaced_by: str = ""
    owner: str = ""

    @classmethod
    def of_item(cls, item: dict) -> ContentForm:
        authors = item["authors"]
        return cls(item["title"], item["body"], item["kind"], ", ".join(item["tags"]),
                   authors[0] if authors else "", authors[1:], item["official"], ", ".join(item["visible_teams"]),
                   item.get("status") or "current", item.get("replaced_by") or "", item.get("owner") or "")

    @property
    def authors(self) -> list[str]:
        return list(dict.fromkeys([self.author, *self.coauthors])) if self.author else list(self.coauthors)

    @property
    def teams(self) -> list[str]:
        return split_list(self.visible_teams)

    def check(self, choose_author: bool) -> dict[str, str]:
        """What is wrong with the input's shape, by field (who may write what is the action's to say).
        `choose_author`: the author comes from the form (L&D), not from the account."""
        errors = {}
        if not self.title.strip():
            errors["title"] = "Give the item a title."
        elif len(self.title.strip()) > 200:
            errors["title"] = "Keep the title under 200 characters."
        if not self.body.strip():
            errors["body"] = "Write the body: it is what people will find and read."
        elif len(self.body) > 500_000:
            errors["body"] = "The body is longer than 500,000 characters; split it into several items."
        if self.kind not in KINDS:
            errors["kind"] = "Choose a kind from the list."
        tags = split_list(self.tags)
        if len(tags) > MAX_TAGS:
            errors["tags"] = f"Use at most {MAX_TAGS} tags."
        elif any(len(tag) > MAX_TAG_CHARS for tag in tags):
            errors["tags"] = f"Keep each tag under {MAX_TAG_CHARS} characters."
        if choose_author and not self.author:
            errors["author"] = "Choose who wrote it."
        if self.status not in STATUSES:
            errors["status"] = "Choose one of the options."
        return errors

    def draft(self, existing: dict | None = None) -> ContentIn | dict[str, str]:
        """The item as submitted, with what the form does not show (unknown fields) kept from the stored
        item; or errors by field. Saving confirms the item, so its review date is computed again."""
        kept = {k: v for k, v in ((existing or {}).get("extra") or {}).items() if v is not None}
        try:
            return ContentIn(
                **kept, title=self.title, body=self.body, kind=self.kind, tags=split_list(self.tags),
                authors=self.authors, official=self.official, visible_teams=self.teams, status=self.status,
                replaced_by=content_id_of(self.replaced_by), owner=self.owner or None,
            )
        except ValidationError as exc:
            return _field_errors(exc, {"title", "body", "kind", "tags", "authors", "visible_teams", "status",
                                       "replaced_by", "owner"}, "body")


@dataclass
class ProfileForm:
    bio: str = ""
    skills: str = ""
    mentor: bool = False
    availability: str = "available"
    capacity: str = "2"

    @classmethod
    def of_person(cls, person: dict) -> ProfileForm:
        return cls(person["bio"] or "", ", ".join(person["skills"]), person["mentor"],
                   person.get("availability") or "available", str(person.get("mentee_capacity", 2)))

    def check(self) -> dict[str, str]:
        errors = {}
        if len(self.bio) > 5000:
            errors["bio"] = "Keep the bio under 5,000 characters."
        skills = split_list(self.skills)
        if len(skills) > MAX_SKILLS:
            errors["skills"] = f"List at most {MAX_SKILLS} skills."
        elif any(len(skill) > MAX_TAG_CHARS for skill in skills):
            errors["skills"] = f"Keep each skill under {MAX_TAG_CHARS} characters."
        if self.availability not in AVAILABILITY:
            errors["availability"] = "Choose one of the options."
        if not self.capacity.strip().isdigit() or not 0 <= int(self.capacity) <= MAX_CAPACITY:
            errors["capacity"] = f"A whole number from 0 to {MAX_CAPACITY}."
        return errors

    def changes(self) -> dict:
        """The self-service fields as the profile action takes them."""
        return {"bio": self.bio, "skills": split_list(self.skills), "mentor": self.mentor}

    @property
    def mentoring(self) -> tuple[str, int]:
        return self.availability, int(self.capacity)
