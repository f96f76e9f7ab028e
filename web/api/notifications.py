"""The signed-in party's inbox over the API: list notifications, mark them read, and choose how e-mail
carries them. The rules are in `web.actions.inbox`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, model_validator

from web.actions import inbox as actions
from web.auth import Employee
from web.deps import ServicesDep
from web.params import MAX_ROW_ID
from web.schemas import NotificationSettings, NotificationsPage, UnreadCount

router = APIRouter(prefix="/api", tags=["notifications"])


class ReadIn(BaseModel):
    """Either `ids` (some notifications) or `all: true`."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] | None = Field(None, max_length=1000)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> ReadIn:
        if (self.ids is None) == (not self.all):
            raise ValueError('send either "ids": [...] or "all": true')
        return self


class NotificationSettingsIn(BaseModel):
    email: Literal["immediate", "daily", "never"]


@router.get("/notifications", response_model=NotificationsPage)
def notifications(services: ServicesDep, viewer: Employee, unread: bool = False,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50) -> NotificationsPage:
    """Your notifications, newest first (`unread=true`: only unread ones), with the unread count."""
    rows, count = actions.notifications(services, viewer, unread, limit)
    return NotificationsPage(unread=count, notifications=rows)


@router.post("/notifications/read", response_model=UnreadCount)
def mark_read(services: ServicesDep, viewer: Employee, body: ReadIn) -> UnreadCount:
    """Mark some of your notifications read, or all of them; ids that are not yours are ignored."""
    return UnreadCount(unread=actions.mark_read(services, viewer, None if body.all else body.ids))


@router.get("/me/notification-settings", response_model=NotificationSettings)
def notification_settings(services: ServicesDep, viewer: Employee) -> NotificationSettings:
    return NotificationSettings(**actions.email_settings(services, viewer))


@router.put("/me/notification-settings", response_model=NotificationSettings)
def set_notification_settings(services: ServicesDep, viewer: Employee,
                              body: NotificationSettingsIn) -> NotificationSettings:
    """E-mail for your notifications: `immediate`, `daily` (a digest of unread ones; the default) or `never`."""
    return NotificationSettings(**actions.set_email_mode(services, viewer, body.email))
