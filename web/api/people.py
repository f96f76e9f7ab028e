"""/api/people: create, read, replace and delete people; profiles are re-indexed on every write."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from models.errors import ConflictError, NotFoundError
from models.records import Person
from web.deps import IndexerDep, StoreDep
from web.schemas import PeoplePage, PersonIn, PersonPublic

router = APIRouter(prefix="/api/people", tags=["people"])


def public(row: dict, contributions: int = 0) -> PersonPublic:
    extra = row.get("extra") or {}
    fields = {k: v for k, v in row.items() if k != "extra"}
    return PersonPublic(**{**extra, **fields, "contributions": contributions})


def _found(store, person_id: str) -> PersonPublic:
    row = store.get_person(person_id)
    if row is None:
        raise NotFoundError(f"no person with id {person_id!r}")
    return public(row, store.contribution_counts([person_id]).get(person_id, 0))


@router.get("", response_model=PeoplePage)
def list_people(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    team: str | None = None,
    mentor: bool | None = None,
) -> PeoplePage:
    rows, total = store.list_people(limit, offset, team, mentor)
    counts = store.contribution_counts([r["id"] for r in rows])
    return PeoplePage(items=[public(r, counts.get(r["id"], 0)) for r in rows], total=total)


@router.get("/{person_id}", response_model=PersonPublic)
def get_person(store: StoreDep, person_id: str) -> PersonPublic:
    return _found(store, person_id)


@router.post("", response_model=PersonPublic, status_code=status.HTTP_201_CREATED)
def create_person(store: StoreDep, indexer: IndexerDep, body: PersonIn) -> PersonPublic:
    person_id = body.id or f"p-{uuid.uuid4().hex[:12]}"
    if store.get_person(person_id) is not None:
        raise ConflictError(f"person {person_id!r} exists; use PUT to replace them")
    indexer.upsert_person(Person(**{**body.model_dump(), "id": person_id}))
    return _found(store, person_id)


@router.put("/{person_id}", response_model=PersonPublic)
def replace_person(store: StoreDep, indexer: IndexerDep, person_id: str, body: PersonIn,
                   response: Response) -> PersonPublic:
    existed = store.get_person(person_id) is not None
    indexer.upsert_person(Person(**{**body.model_dump(), "id": person_id}))
    if not existed:
        response.status_code = status.HTTP_201_CREATED
    return _found(store, person_id)


@router.delete("/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_person(store: StoreDep, indexer: IndexerDep, person_id: str) -> Response:
    """Remove a person; the content they wrote stays, without them as author."""
    _found(store, person_id)
    indexer.delete_people([person_id])
    return Response(status_code=status.HTTP_204_NO_CONTENT)
