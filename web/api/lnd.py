"""L&D's JSON views: knowledge gaps (and requests to fill them), content health and usage analytics.
Each answers `?format=csv` with the same rows as a spreadsheet download."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from finder.analytics import analytics
from finder.gaps import GapTopic, period
from finder.health import content_health
from web.api.csv_export import csv_response
from web.auth import Employee, LnD
from web.deps import ServicesDep, StoreDep

router = APIRouter(prefix="/api", tags=["learning & development"])

Format = Annotated[Literal["json", "csv"], Query(description="json, or csv for a spreadsheet download")]
Since = Annotated[date | None, Query(description="first day (default: 90 days ago)")]
Until = Annotated[date | None, Query(description="last day, inclusive (default: today)")]


def topic_json(topic: GapTopic) -> dict:
    data = asdict(topic)
    data["closest"] = [{"id": h.id, "title": h.title, "score": h.score} for h in topic.closest]
    data["experts"] = [{"id": e.id, "name": e.name, "score": e.score, "mentor": e.mentor, "why": e.why}
                       for e in topic.experts]
    return data


CSV = {200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}}


@router.get("/gaps", responses=CSV)
def gaps(services: ServicesDep, viewer: LnD, since: Since = None, until: Until = None,
         limit: Annotated[int, Query(ge=1, le=500)] = 50, format: Format = "json"):
    """Unanswered (or unhelpfully answered) questions grouped into topics, most asked first."""
    topics = services.gaps.topics(*period(since, until), limit=limit)
    if format == "csv":
        rows = [{"label": t.label, "terms": " ".join(t.terms), "asked": t.asked, "askers": t.askers,
                 "first_asked": t.first_asked, "last_asked": t.last_asked, "addressed": t.addressed,
                 "closest": " ".join(h.id for h in t.closest), "experts": " ".join(e.id for e in t.experts),
                 "requests": len(t.requests)} for t in topics]
        return csv_response(rows, "knowhow-gaps.csv")
    return {"topics": [topic_json(t) for t in topics]}


class GapRequestIn(BaseModel):
    label: str = Field(min_length=1, max_length=500)
    query_ids: list[str] = Field(min_length=1, max_length=10_000)
    expert_id: str = Field(min_length=1, max_length=128)
    requested_by: str | None = Field(None, max_length=128)
    note: str = Field("", max_length=5000)


class GapRequestUpdate(BaseModel):
    status: Literal["open", "addressed", "declined"]
    content_id: str | None = Field(None, max_length=128)


@router.post("/gaps/requests", status_code=status.HTTP_201_CREATED)
def request_content(store: StoreDep, viewer: LnD, body: GapRequestIn) -> dict:
    """Ask an expert to write what a gap topic is missing; it shows on their profile."""
    requested_by = body.requested_by or viewer.person_id or viewer.username
    return {"id": store.request_gap(body.label, body.query_ids, body.expert_id, requested_by, body.note)}


@router.get("/gaps/requests")
def gap_requests(store: StoreDep, viewer: Employee, expert_id: str | None = None,
                 status_: Annotated[str | None, Query(alias="status")] = None) -> dict:
    """L&D sees every request; an expert sees the ones addressed to them."""
    if viewer.role != "lnd":
        if not viewer.person_id or expert_id not in (None, viewer.person_id):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "you can see the requests addressed to you only")
        expert_id = viewer.person_id
    return {"requests": store.gap_requests(expert_id, status_)}


@router.put("/gaps/requests/{request_id}")
def update_gap_request(store: StoreDep, viewer: Employee, request_id: Annotated[int, Path(ge=1, le=2**62)], body: GapRequestUpdate) -> dict:
    """L&D, or the expert asked, marks a request addressed (with the new item) or declined."""
    mine = [r for r in store.gap_requests(viewer.person_id) if r["id"] == request_id] if viewer.person_id else []
    if viewer.role != "lnd" and not mine:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only L&D or the expert asked can update this request")
    store.set_gap_request_status(request_id, body.status, body.content_id)
    return {"id": request_id, "status": body.status}


HealthList = Literal["stale", "low_rated", "never_viewed", "duplicates", "review_overdue"]


@router.get("/health", responses=CSV)
def health(services: ServicesDep, viewer: LnD, format: Format = "json",
           list_: Annotated[HealthList, Query(alias="list", description="which list, for CSV")] = "stale"):
    """Stale, low-rated, never viewed, duplicated and overdue official items, each with owners to notify."""
    report = content_health(services.store, services.settings.stale_months)
    if format == "csv":
        rows = [dict(row, owners=", ".join(o["name"] for o in row["owners"])) for row in report.lists()[list_]]
        return csv_response(rows, f"knowhow-health-{list_}.csv")
    return report.lists()


AnalyticsTable = Literal["daily", "by_team", "by_location", "top_questions", "top_content", "contributions",
                         "top_contributors"]


@router.get("/analytics", responses=CSV)
def usage(store: StoreDep, viewer: LnD, since: Since = None, until: Until = None, format: Format = "json",
          table: Annotated[AnalyticsTable, Query(description="which table, for CSV")] = "daily"):
    """Searches, answer and helpful rates, active users by team and location, top questions and content,
    time spent reading, contributions per month and top contributors, for a date range."""
    result = analytics(store, *period(since, until))
    if format == "csv":
        return csv_response(result.tables()[table], f"knowhow-{table}.csv")
    return {"since": result.since, "until": result.until, "totals": result.totals, **result.tables()}
