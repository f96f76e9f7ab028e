"""Imports of uploaded files over HTTP, for scripts (L&D): start one, follow it, list the latest.
Every rule is in `web.actions.imports`; the Import page (/lnd/import) does the same."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from web.actions import imports as actions
from web.auth import LnD, client_ip
from web.deps import ServicesDep
from web.params import DeleteMissing, RowId, UploadedFiles, as_uploads
from web.schemas import ErrorDetail, ImportRunPublic, ImportRunsPage

router = APIRouter(prefix="/api/imports", tags=["learning & development"])


@router.post("", response_model=ImportRunPublic, status_code=status.HTTP_202_ACCEPTED,
             responses={409: {"model": ErrorDetail, "description": "Another import is running: wait for it."}})
def start_import(request: Request, response: Response, services: ServicesDep, viewer: LnD,
          files: UploadedFiles, delete_missing: DeleteMissing = False) -> dict:
    """Upload files and zips (multipart, field `files`, once per file) and import them in the background; follow
    the run at `Location` (`GET /api/imports/{id}`). Files it cannot take are listed in its summary with why;
    an upload with nothing to import is refused (422). The body may be up to `KNOWHOW_MAX_IMPORT_BYTES`."""
    run = actions.start(services, viewer, as_uploads(files), delete_missing, client_ip(request))
    response.headers["Location"] = f"/api/imports/{run['id']}"
    return run


@router.get("", response_model=ImportRunsPage)
def import_runs(services: ServicesDep, viewer: LnD,
                limit: Annotated[int, Query(ge=1, le=100)] = actions.RECENT) -> dict:
    """The latest import runs, newest first."""
    return {"runs": actions.runs(services, viewer, limit)}


@router.get("/{run_id}", response_model=ImportRunPublic)
def import_run(services: ServicesDep, viewer: LnD, run_id: RowId) -> dict:
    """Where a run stands (its stage and counts while running) and, once done, its summary."""
    return actions.run(services, viewer, run_id)
