"""Bulk import, feedback and counts over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool

from indexer.importer import import_text
from models.errors import InvalidInputError
from web.actions import reactions, search
from web.auth import Employee, LnD, Reader
from web.deps import ServicesDep
from web.schemas import Created, FeedbackIn, ImportLineError, ImportResult

router = APIRouter(prefix="/api", tags=["system"])


@router.post(
    "/import",
    response_model=ImportResult,
    openapi_extra={"requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}, "required": True}},
)
async def import_jsonl(request: Request, services: ServicesDep, viewer: LnD) -> ImportResult:
    """Import JSON Lines (the same format as `knowhow import`); bad lines are listed, good ones applied.
    The body may be up to `KNOWHOW_MAX_IMPORT_BYTES` (larger imports: the CLI)."""
    body = await request.body()  # its size is capped by the BodyLimit middleware (413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError("import body is not UTF-8 text") from exc
    report = await run_in_threadpool(import_text, services.indexer, text)
    return ImportResult(
        people=report.people, content=report.content, deleted_people=report.deleted_people,
        deleted_content=report.deleted_content,
        errors=[ImportLineError(file=e.file, line=e.line, reason=e.reason) for e in report.errors],
    )


@router.post("/feedback", response_model=Created, status_code=status.HTTP_201_CREATED)
def feedback(services: ServicesDep, viewer: Employee, body: FeedbackIn) -> Created:
    """Whether a search (or one of its results) helped."""
    return Created(id=reactions.search_feedback(services, viewer, body.query_id, body.content_id, body.helpful,
                                                body.comment))


@router.get("/stats", response_model=dict[str, int])
def stats(services: ServicesDep, viewer: Reader) -> dict[str, int]:
    """Counts of people and content as the viewer may see them (L&D: the whole store)."""
    return search.stats(services, viewer)
