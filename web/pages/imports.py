"""L&D's Import page (/lnd/import): upload files or a zip, watch the run in the background, read its summary.
Every rule is in `web.actions.imports`; `POST /api/imports` does the same for scripts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from indexer.uploads import ACCEPTED
from models.errors import ConflictError, InvalidInputError
from web.actions import imports as actions
from web.auth import LnD, Viewer, client_ip
from web.deps import ServicesDep
from web.pages.common import as_sentence
from web.pages.render import is_htmx, render
from web.params import DeleteMissing, RowId, UploadedFiles, as_uploads
from web.services import Services

router = APIRouter(prefix="/lnd/import", tags=["pages"], include_in_schema=False)
STAGES = {"starting": "Starting", "files": "Reading files", "chunks": "Embedding passages",
          "profiles": "Embedding people's profiles"}


def _page(request: Request, services: Services, viewer: Viewer, run: dict | None = None, status_code: int = 200,
          **context) -> HTMLResponse:
    runs = actions.runs(services, viewer)
    return render(request, "lnd_import.html", status_code=status_code, section="lnd", runs=runs,
                  run=run or (runs[0] if runs else None), accepted=",".join(ACCEPTED), stages=STAGES,
                  settings=services.settings, **context)


@router.get("", response_class=HTMLResponse)
def page(request: Request, services: ServicesDep, viewer: LnD) -> HTMLResponse:
    """The upload form, the latest run (its progress while it runs, then its summary) and the runs before it."""
    return _page(request, services, viewer)


@router.post("", response_class=HTMLResponse)
def upload(request: Request, services: ServicesDep, viewer: LnD, files: UploadedFiles,
           delete_missing: DeleteMissing = False):
    try:
        run = actions.start(services, viewer, as_uploads(files), delete_missing, client_ip(request))
    except (InvalidInputError, ConflictError) as exc:
        return _page(request, services, viewer, status_code=409 if isinstance(exc, ConflictError) else 422,
                     error=as_sentence(str(exc)))
    return RedirectResponse(f"/lnd/import/{run['id']}", status_code=303)


@router.get("/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, services: ServicesDep, viewer: LnD, run_id: RowId) -> HTMLResponse:
    """One run; htmx polls it for just the run's region while it runs."""
    run = actions.run(services, viewer, run_id)
    if is_htmx(request):
        return render(request, "_import_run.html", run=run, stages=STAGES)
    return _page(request, services, viewer, run=run)
