"""Shared FastAPI dependencies: the one Services object of the app and its settings, as typed aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from models.settings import Settings
from web.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_settings(request: Request) -> Settings:
    """The app's one settings object (tests build the app with their own)."""
    return request.app.state.services.settings


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
