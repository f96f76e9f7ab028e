"""/api/people: read people; L&D manages them, and everyone edits their own profile.
Profiles are re-indexed on every write."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from models.errors import ConflictError, NotFoundError
from models.records import ID_PATTERN, Person
from web.auth import Employee, LnD, Reader, Viewer
from web.deps import IndexerDep, StoreDep
from web.schemas import PeoplePage, PersonIn, PersonPublic

router = APIRouter(prefix="/api/people", tags=["people"])
PersonId = Annotated[str, Path(pattern=ID_PATTERN)]
HR_FIELDS = ("name", "email", "team")


def public(row: dict, contributions: int = 0) -> PersonPublic:
    extra = row.get("extra") or {}
    fields = {k: v for k, v in row.items() if k != "extra"}
    return PersonPublic(**{**extra, **fields, "contributions": contributions})


def _found(store, viewer: Viewer, person_id: str) -> PersonPublic:
    row = store.get_person(person_id)
    if row is None:
        raise NotFoundError(f"no person with id {person_id!r}")
    # Counted as the viewer sees them: restricted items do not leak through a number.
    return public(row, store.contribution_counts([person_id], viewer.audience).get(person_id, 0))


@router.get("", response_model=PeoplePage)
def list_people(
    store: StoreDep,
    viewer: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    team: str | None = None,
    mentor: bool | None = None,
) -> PeoplePage:
    rows, total = store.list_people(limit, offset, team, mentor)
    counts = store.contribution_counts([r["id"] for r in rows], viewer.audience)
    return PeoplePage(items=[public(r, counts.get(r["id"], 0)) for r in rows], total=total)


@router.get("/{person_id}", response_model=PersonPublic)
def get_person(store: StoreDep, viewer: Reader, person_id: PersonId) -> PersonPublic:
    return _found(store, viewer, person_id)


@router.post("", response_model=PersonPublic, status_code=status.HTTP_201_CREATED)
def create_person(store: StoreDep, indexer: IndexerDep, viewer: LnD, body: PersonIn) -> PersonPublic:
    person_id = body.id or f"p-{uuid.uuid4().hex[:12]}"
    if store.get_person(person_id) is not None:
        raise ConflictError(f"person {person_id!r} exists; use PUT to replace them")
    indexer.upsert_person(Person(**{**body.model_dump(), "id": person_id}))
    return _found(store, viewer, person_id)


@router.put("/{person_id}", response_model=PersonPublic)
def replace_person(store: StoreDep, indexer: IndexerDep, viewer: Employee, person_id: PersonId, body: PersonIn,
                   response: Response) -> PersonPublic:
    """Replace a person's record: L&D for anyone, everyone else for their own profile only."""
    if viewer.role != "lnd" and viewer.person_id != person_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you can edit your own profile only")
    existing = store.get_person(person_id)
    fields = {**body.model_dump(), "id": person_id}
    if viewer.role != "lnd" and existing is not None:
        # Team decides what a person may see, and name and e-mail who they are: only L&D changes them.
        fields.update({key: existing[key] for key in HR_FIELDS})
    existed = existing is not None
    indexer.upsert_person(Person(**fields))
    if not existed:
        response.status_code = status.HTTP_201_CREATED
    return _found(store, viewer, person_id)


@router.delete("/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_person(store: StoreDep, indexer: IndexerDep, viewer: LnD, person_id: PersonId) -> Response:
    """Remove a person; the content they wrote stays, without them as author."""
    _found(store, viewer, person_id)
    indexer.delete_people([person_id])
    store.audit(viewer.username, "person_deleted", person_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
