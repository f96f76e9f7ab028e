"""The FastAPI application: JSON API routers, error handlers and the pages, over one Services."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from models.settings import Settings
from web.api import (
    accounts,
    content,
    courses,
    follows,
    imports,
    lnd,
    notifications,
    people,
    questions,
    reactions,
    requests,
    reviews,
    search,
    suggestions,
    system,
)
from web.api import templates as writing_templates
from web.auth import csrf_protect
from web.errors import install_error_handlers
from web.middleware import BodyLimit, ConnectionLease, SecurityHeaders
from web.pages import install_pages
from web.pages.render import templates
from web.services import Services


def create_app(services: Services | None = None) -> FastAPI:
    services = services or Services(Settings())
    app = FastAPI(
        title="Knowhow",
        description="Semantic search and expert finder for employee-generated learning. Authenticate with a "
        "personal API token (`Authorization: Bearer kh_...`) or a session cookie from `POST /api/session`.",
        version="0.1.0",
        dependencies=[Depends(csrf_protect)],
        docs_url=None,  # FastAPI's own /docs and /redoc load their scripts from a CDN: ours are vendored
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    for module in (accounts, search, content, courses, people, questions, requests, reviews, reactions, lnd, imports,
                   notifications, system, writing_templates, suggestions, follows):
        app.include_router(module.router)
    install_pages(app)
    app.add_middleware(BodyLimit, limit=services.settings.max_request_bytes,
                       import_limit=services.settings.max_import_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ConnectionLease, services=services)
    app.openapi = lambda: _openapi(app)
    app.get("/docs", include_in_schema=False, response_class=HTMLResponse)(_api_docs)
    return app


def _api_docs(request: Request) -> HTMLResponse:
    """The interactive API reference: Swagger UI from /static (vendored), under the same CSP as every page."""
    return templates.TemplateResponse(request, "api_docs.html", {})


def _openapi(app: FastAPI) -> dict:
    """The schema, saying what our 422 bodies really are: a readable `detail` plus the raw `errors`."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {})["HTTPValidationError"] = {
            "title": "HTTPValidationError",
            "type": "object",
            "required": ["detail"],
            "properties": {
                "detail": {"type": "string", "description": "what is wrong, in a sentence"},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
        }
        app.openapi_schema = schema
    return app.openapi_schema
