"""L&D's JSON views: knowledge gaps (and requests to fill them), content health and usage analytics.
Each answers `?format=csv` with the same rows as a spreadsheet download."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from finder.analytics import analytics
from finder.gaps import GapTopic, period
from models.errors import NotFoundError
from web.actions import gaps as actions
from web.actions import requests
from web.api.csv_export import csv_response, named
from web.auth import Employee, LnD
from web.deps import ServicesDep, SettingsDep
from web.params import RowId, Since, Until
from web.schemas import AnalyticsReport, Created, GapRequestsPage, GapRequestStatus, GapsPage, HealthReport
from web.services import Services

router = APIRouter(prefix="/api", tags=["learning & development"])

Format = Annotated[Literal["json", "csv"], Query(description="json, or csv for a spreadsheet download")]


def gap_request_json(request: dict) -> dict:
    """A gap request under the names this endpoint has always used (label, expert_id, requested_by)."""
    query_ids = request["query_ids"] if "query_ids" in request else request["detail"].get("query_ids", [])
    return {**request, "label": request["subject"], "expert_id": request["assignee"],
            "requested_by": request["requester"], "query_ids": query_ids}


def topic_json(topic: GapTopic) -> dict:
    data = asdict(topic)
    del data["centre"]  # the clustering's vector: of no use outside the server
    data["closest"] = [{"id": h.id, "title": h.title, "score": h.score} for h in topic.closest]
    data["experts"] = [{"id": e.id, "name": e.name, "score": e.score, "mentor": e.mentor, "why": e.why}
                       for e in topic.experts]
    data["requests"] = [gap_request_json(r) for r in topic.requests]
    return data


CSV = {200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}}


@router.get("/gaps", response_model=GapsPage, responses=CSV)
def gaps(services: ServicesDep, viewer: LnD, since: Since = None, until: Until = None,
         limit: Annotated[int, Query(ge=1, le=500)] = 50, format: Format = "json"):
    """Unanswered (or unhelpfully answered) questions grouped into topics, most asked first."""
    topics = services.gaps.topics(*period(since, until), limit=limit)
    if format == "csv":
        return csv_response(gap_rows(services, topics), "knowhow-gaps.csv")
    return {"topics": [topic_json(t) for t in topics]}


def gap_rows(services: Services, topics: list[GapTopic]) -> list[dict]:
    """A spreadsheet row per topic: people and items by name (ids in their own columns, for joining)."""
    asked = services.store.people_by_ids({r["assignee"] for t in topics for r in t.requests})
    return [{"label": t.label, "terms": " ".join(t.terms), "askers": t.askers, "asked": t.asked,
             "first_asked": t.first_asked, "last_asked": t.last_asked, "addressed": t.addressed,
             "experts": "; ".join(e.name for e in t.experts), "closest": "; ".join(h.title for h in t.closest),
             "requests": len(t.requests),
             "requested_from": "; ".join(asked[r["assignee"]]["name"] if r["assignee"] in asked else r["assignee"]
                                         for r in t.requests),
             "expert_ids": " ".join(e.id for e in t.experts), "closest_ids": " ".join(h.id for h in t.closest)}
            for t in topics]


class GapRequestIn(BaseModel):
    label: str = Field(min_length=1, max_length=500)
    query_ids: list[str] = Field(min_length=1, max_length=10_000)
    expert_id: str = Field(min_length=1, max_length=128)
    note: str = Field("", max_length=5000)


class GapRequestUpdate(BaseModel):
    status: Literal["in_progress", "done", "declined"]
    content_id: str | None = Field(None, max_length=128)


@router.post("/gaps/requests", response_model=Created, status_code=status.HTTP_201_CREATED)
def request_content(services: ServicesDep, viewer: LnD, body: GapRequestIn) -> Created:
    """Ask an expert to write what a gap topic is missing; it shows on their profile and in their inbox.
    The request is signed by the caller (like every request)."""
    return Created(id=actions.request_gap(services, viewer, body.label, body.query_ids, body.expert_id, body.note))


@router.get("/gaps/requests", response_model=GapRequestsPage)
def gap_requests(services: ServicesDep, viewer: Employee, expert_id: str | None = None,
                 status_: Annotated[Literal["open", "in_progress", "done", "declined", "expired"] | None,
                                    Query(alias="status")] = None) -> GapRequestsPage:
    """L&D sees every request; an expert sees the ones addressed to them. (Also in /api/requests.)"""
    return GapRequestsPage(requests=[gap_request_json(r)
                                     for r in actions.gap_requests(services, viewer, expert_id, status_)])


@router.put("/gaps/requests/{request_id}", response_model=GapRequestStatus)
def update_gap_request(services: ServicesDep, viewer: Employee, request_id: RowId,
                       body: GapRequestUpdate) -> GapRequestStatus:
    """L&D, or the expert asked, marks a request in progress, done (with the new item) or declined."""
    if requests.get(services, viewer, request_id)["kind"] != "gap":
        raise NotFoundError(f"there is no gap request {request_id}")
    return GapRequestStatus(**requests.settle(services, viewer, request_id, body.status, body.content_id))


HealthList = Literal["stale", "low_rated", "never_viewed", "duplicates", "review_overdue"]


@router.get("/health", response_model=HealthReport, responses=CSV)
def health(services: ServicesDep, settings: SettingsDep, viewer: LnD, format: Format = "json",
           list_: Annotated[HealthList, Query(alias="list", description="which list, for CSV")] = "stale"):
    """Stale, low-rated, never viewed, duplicated and overdue official items, each with owners to notify."""
    report = services.content_health()
    if format == "csv":
        return csv_response(health_rows(services, report.lists()[list_]), f"knowhow-health-{list_}.csv")
    return report.lists()


def health_rows(services: Services, rows: list[dict]) -> list[dict]:
    """Owners (and who kept or last confirmed an item) by name, their ids in their own columns."""
    ids = {row.get(key) for row in rows for key in ("owner", "verified_by")} - {None}
    names = {pid: person["name"] for pid, person in services.store.people_by_ids(ids).items()}
    rows = [dict(row, owners="; ".join(o["name"] for o in row["owners"]),
                 owner_ids=" ".join(o["id"] for o in row["owners"] if o["id"])) for row in rows]
    return named(rows, names, ("owner", "verified_by"))


AnalyticsTable = Literal["daily", "by_team", "by_location", "top_questions", "top_content", "contributions",
                         "top_contributors"]


@router.get("/analytics", response_model=AnalyticsReport, responses=CSV)
def usage(services: ServicesDep, viewer: LnD, since: Since = None, until: Until = None, format: Format = "json",
          table: Annotated[AnalyticsTable, Query(description="which table, for CSV")] = "daily"):
    """Searches, answer and helpful rates, active users by team and location, top questions and content,
    time spent reading, contributions per month and top contributors, for a date range."""
    result = analytics(services.store, *period(since, until))
    if format == "csv":
        return csv_response(result.tables()[table], f"knowhow-{table}.csv")
    return {"since": result.since, "until": result.until, "totals": result.totals, **result.tables()}
