"""The server-rendered pages people use every day, mounted on the app beside the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from web.pages import (  # noqa: F401 (session_context registers template globals)
    account,
    accounts_admin,
    ask,
    browse,
    content,
    contribute,
    courses,
    following,
    imports,
    inbox,
    lnd,
    mentors,
    people,
    questions,
    reactions,
    requests,
    reviews,
    session_context,
    suggestions,
    writing_templates,
)

STATIC = Path(__file__).resolve().parent.parent / "static"


def install_pages(app: FastAPI) -> None:
    """Static files, the page routers, and compression (htmx is 52 KB as a file, 16 KB gzipped)."""
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (account, accounts_admin, ask, contribute, courses, content, reactions, reviews, people, mentors,
                   browse, lnd, imports, questions, inbox, requests, writing_templates, suggestions, following):
        app.include_router(module.router)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
