"""Bulk import, feedback and counts over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool

from indexer.importer import import_text
from models.errors import InvalidInputError, NotFoundError
from models.records import Feedback
from web.auth import Employee, LnD, Reader
from web.deps import IndexerDep, StoreDep
from web.schemas import FeedbackIn, ImportLineError, ImportResult

router = APIRouter(prefix="/api", tags=["system"])
MAX_IMPORT_BYTES = 50 * 1024 * 1024


@router.post(
    "/import",
    response_model=ImportResult,
    openapi_extra={"requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}, "required": True}},
)
async def import_jsonl(request: Request, indexer: IndexerDep, viewer: LnD) -> ImportResult:
    """Import JSON Lines (the same format as `knowhow import`); bad lines are listed, good ones applied."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise InvalidInputError(f"import body larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; use the CLI")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError("import body is not UTF-8 text") from exc
    report = await run_in_threadpool(import_text, indexer, text)
    return ImportResult(
        people=report.people, content=report.content, deleted_people=report.deleted_people,
        deleted_content=report.deleted_content,
        errors=[ImportLineError(file=e.file, line=e.line, reason=e.reason) for e in report.errors],
    )


@router.post("/feedback", status_code=status.HTTP_201_CREATED)
def feedback(store: StoreDep, viewer: Employee, body: FeedbackIn) -> dict:
    """Whether a search (or one of its results) helped."""
    if body.query_id and store.get_query(body.query_id) is None:
        raise NotFoundError(f"no logged query with id {body.query_id!r}")
    if body.content_id and not store.content_exists(body.content_id):
        raise NotFoundError(f"no content item with id {body.content_id!r}")
    if not body.query_id and not body.content_id:
        raise InvalidInputError("feedback needs a query_id, a content_id or both")
    feedback_id = store.add_feedback(Feedback(**body.model_dump(), person_id=viewer.person_id))
    return {"id": feedback_id}


@router.get("/stats")
def stats(store: StoreDep, viewer: Reader) -> dict[str, int]:
    return store.stats()
