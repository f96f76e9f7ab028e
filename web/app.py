"""The FastAPI application: JSON API routers, error handlers and the pages, over one Services."""

from __future__ import annotations

from fastapi import FastAPI

from models.settings import Settings
from web.api import content, lnd, people, reactions, search, system
from web.errors import install_error_handlers
from web.pages import install_pages
from web.services import Services


def create_app(services: Services | None = None) -> FastAPI:
    services = services or Services(Settings())
    app = FastAPI(
        title="Knowhow",
        description="Semantic search and expert finder for employee-generated learning.",
        version="0.1.0",
    )
    app.state.services = services
    install_error_handlers(app)
    for module in (search, content, people, reactions, lnd, system):
        app.include_router(module.router)
    install_pages(app)
    return app
