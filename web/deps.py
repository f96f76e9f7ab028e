"""Shared FastAPI dependencies: the one Services object of the app, as typed aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from finder.search import Finder
from indexer.pipeline import Indexer
from models.store import Store
from web.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_store(request: Request) -> Store:
    return request.app.state.services.store


def get_finder(request: Request) -> Finder:
    return request.app.state.services.finder


def get_indexer(request: Request) -> Indexer:
    return request.app.state.services.indexer


ServicesDep = Annotated[Services, Depends(get_services)]
StoreDep = Annotated[Store, Depends(get_store)]
FinderDep = Annotated[Finder, Depends(get_finder)]
IndexerDep = Annotated[Indexer, Depends(get_indexer)]
