"""The directory: who reads it, who adds people, and what a person may change on their own profile.

Directory fields (name, e-mail, title, team, location) come from HR and only L&D changes them: the team
decides what a person may see. Everyone edits their own self-service fields (bio, skills, mentoring).
Only L&D adds a person, so nobody can recreate a deleted record of theirs with a team of their choosing.
"""

from __future__ import annotations

import uuid

from models.errors import ConflictError, ForbiddenError, NotFoundError
from models.records import Person
from web.actions.policy import may_manage_person, require_lnd
from web.auth import Viewer
from web.schemas import PersonIn
from web.services import Services

DIRECTORY_FIELDS = ("name", "email", "title", "team", "location")
SELF_SERVICE_FIELDS = ("bio", "skills", "mentor")


def find_person(services: Services, person_id: str) -> dict:
    person = services.store.get_person(person_id)
    if person is None:
        raise NotFoundError(f"no person with id {person_id!r}")
    return person


def contributions(services: Services, viewer: Viewer, person_ids: list[str]) -> dict[str, int]:
    """Items per person as the viewer sees them: a restricted item does not leak through a count."""
    return services.store.contribution_counts(person_ids, viewer.audience)


def impact(services: Services, viewer: Viewer, person_id: str) -> dict:
    """What a person's writing did, as the viewer may see it (see `FeedbackStore.impact` for each figure):
    only others' reading, searches, ratings and thanks count, never the person's own."""
    find_person(services, person_id)
    return services.store.impact(person_id, viewer.audience)


def asked_about(services: Services, viewer: Viewer, person_id: str, limit: int = 10) -> list[dict] | None:
    """The questions a person was suggested for: what colleagues asked is between them, the person and
    L&D, so anyone else gets None (nothing to show, not an empty list)."""
    if not may_manage_person(viewer, person_id):
        return None
    return services.store.asked_about(person_id, limit)


def list_people(services: Services, viewer: Viewer, limit: int, offset: int, team: str | None = None,
                mentor: bool | None = None) -> tuple[list[dict], int, dict[str, int]]:
    rows, total = services.store.list_people(limit, offset, team, mentor)
    return rows, total, contributions(services, viewer, [r["id"] for r in rows])


def create_person(services: Services, viewer: Viewer, draft: PersonIn) -> dict:
    require_lnd(viewer, "manages the directory")
    person_id = draft.id or f"p-{uuid.uuid4().hex[:12]}"
    if services.store.get_person(person_id) is not None:
        raise ConflictError(f"person {person_id!r} exists; use PUT to replace them")
    services.indexer.upsert_person(Person(**{**draft.model_dump(), "id": person_id}))
    return find_person(services, person_id)


def replace_person(services: Services, viewer: Viewer, person_id: str, draft: PersonIn) -> tuple[dict, bool]:
    """L&D replaces anyone's record (or adds it under this id); a person their own self-service fields.
    Returns (person, created)."""
    existing = services.store.get_person(person_id)
    if viewer.role == "lnd":
        services.indexer.upsert_person(Person(**{**draft.model_dump(), "id": person_id}))
        return find_person(services, person_id), existing is None
    return update_own_profile(services, viewer, person_id, draft.model_dump(include=set(SELF_SERVICE_FIELDS))), False


def update_person(services: Services, viewer: Viewer, person_id: str, changes: dict) -> dict:
    """Change some fields (PATCH): L&D any, a person only their own self-service fields."""
    existing = editable_person(services, viewer, person_id)
    if viewer.role != "lnd":
        locked = sorted(set(changes) - set(SELF_SERVICE_FIELDS))
        if locked:
            raise ForbiddenError(f"only L&D changes {', '.join(locked)}", field=locked[0])
    fields = {**(existing.get("extra") or {}), **_record_fields(existing), **changes, "id": person_id}
    services.indexer.upsert_person(Person(**fields))
    return find_person(services, person_id)


def update_own_profile(services: Services, viewer: Viewer, person_id: str, changes: dict,
                       mentoring: tuple[str, int] | None = None) -> dict:
    """Self-service edit (the profile form, or a person's own PUT): only bio, skills and the mentor
    opt-in change; `mentoring` is (availability, capacity) when given."""
    existing = editable_person(services, viewer, person_id)
    kept = {**(existing.get("extra") or {}), **_record_fields(existing)}
    changes = {key: value for key, value in changes.items() if key in SELF_SERVICE_FIELDS}
    services.indexer.upsert_person(Person(**{**kept, **changes, "id": person_id}))
    if mentoring is not None:
        services.store.set_mentoring(person_id, *mentoring)
    if viewer.person_id != person_id:
        services.store.audit(viewer.username, "profile_edited", person_id, "by L&D")
    return find_person(services, person_id)


def editable_person(services: Services, viewer: Viewer, person_id: str) -> dict:
    """The person, if the viewer may edit their profile. A deleted record stays deleted for everyone but
    L&D: only L&D adds people."""
    if not may_manage_person(viewer, person_id):
        raise ForbiddenError("you can edit your own profile only")
    existing = services.store.get_person(person_id)
    if existing is None:
        if viewer.role != "lnd":
            raise ForbiddenError("your directory record is gone; only L&D adds people")
        raise NotFoundError(f"no person with id {person_id!r}")
    return existing


def delete_person(services: Services, viewer: Viewer, person_id: str) -> None:
    """Remove a person; the content they wrote stays, without them as author."""
    require_lnd(viewer, "manages the directory")
    find_person(services, person_id)
    services.indexer.delete_people([person_id])
    services.store.audit(viewer.username, "person_deleted", person_id)


def _record_fields(row: dict) -> dict:
    return {key: row[key] for key in (*DIRECTORY_FIELDS, *SELF_SERVICE_FIELDS)}

