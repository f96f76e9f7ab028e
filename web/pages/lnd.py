"""L&D's pages: the usage dashboard, knowledge gaps (with requests to experts) and content health.
The same figures are in the JSON API (/api/analytics, /api/gaps, /api/health), and every table links to
its CSV export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from finder.analytics import analytics
from finder.gaps import period
from web.actions import requests
from web.actions.gaps import request_gap
from web.auth import LnD
from web.charts import bar_chart, calendar_days, line_chart, sparkline
from web.deps import ServicesDep, SettingsDep
from web.pages.common import Pager
from web.pages.render import render
from web.params import PageNumber, Since, Until

router = APIRouter(prefix="/lnd", tags=["pages"], include_in_schema=False)


def _range(since, until) -> tuple[str, str, dict]:
    start, end = period(since, until)
    shown = {"since": since.isoformat() if since else start[:10], "until": until.isoformat() if until else end[:10]}
    return start, end, shown


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, services: ServicesDep, viewer: LnD, since: Since = None,
              until: Until = None) -> HTMLResponse:
    start, end, shown = _range(since, until)
    data = analytics(services.store, start, end)
    days, per_day = calendar_days(data.daily, {"searches": "searches", "answered": "answered"})
    charts = {
        "searches": line_chart("Searches per day", days, per_day),
        "contributions": bar_chart("New items per month", [r["month"] for r in data.contributions],
                                   [r["items"] for r in data.contributions]),
    }
    return render(request, "lnd_dashboard.html", section="lnd", data=data, charts=charts, range=shown,
                  mentors=services.store.mentor_load())


@router.get("/gaps", response_class=HTMLResponse)
def gaps(request: Request, services: ServicesDep, viewer: LnD, since: Since = None,
         until: Until = None, requested: bool = False, answered: bool = False) -> HTMLResponse:
    """Open topics only unless `answered`: a topic today's knowledge (or an expert) answers is done."""
    start, end, shown = _range(since, until)
    every = services.gaps.topics(start, end, limit=50)
    topics = every if answered else [t for t in every if not t.addressed]
    trends = {t.key: sparkline([n for _, n in t.weekly]) for t in topics}
    content_requests = requests.every(services, viewer, kind="content", limit=50)
    people = {p["id"]: p["name"] for p in services.store.people_by_ids(
        {r["assignee"] for t in topics for r in t.requests}).values()}
    return render(request, "lnd_gaps.html", section="lnd", topics=topics, trends=trends, range=shown,
                  requested=requested, names=people, people=services.store.person_names(),
                  content_requests=content_requests, show_answered=answered,
                  answered_count=sum(t.addressed for t in every))


@router.post("/gaps/request")
def request_content(services: ServicesDep, viewer: LnD, label: Annotated[str, Form(min_length=1, max_length=500)],
                    query_ids: Annotated[str, Form(min_length=1, max_length=200_000)],
                    expert_id: Annotated[str, Form(min_length=1, max_length=128)],
                    note: Annotated[str, Form(max_length=5000)] = "") -> RedirectResponse:
    """Ask an expert to write what a topic is missing; it appears on their profile."""
    request_gap(services, viewer, label, query_ids.split(","), expert_id, note)
    return RedirectResponse("/lnd/gaps?requested=true", status_code=303)


HEALTH_PAGE_SIZE = 25
HealthList = Literal["stale", "low_rated", "never_viewed", "duplicates", "review_overdue"]


@router.get("/health", response_class=HTMLResponse)
def health(request: Request, services: ServicesDep, settings: SettingsDep, viewer: LnD,
           list_: Annotated[HealthList, Query(alias="list")] = "stale", page: PageNumber = 1) -> HTMLResponse:
    """One health list at a time, a page of it at a time; the counts of all of them above it."""
    lists = services.content_health().lists()
    rows = lists[list_]
    pager = Pager(min(page, max(1, -(-len(rows) // HEALTH_PAGE_SIZE))), HEALTH_PAGE_SIZE, len(rows))
    return render(request, "lnd_health.html", section="lnd", counts={key: len(value) for key, value in lists.items()},
                  current=list_, rows=rows[pager.offset:pager.offset + pager.size], pager=pager,
                  stale_months=settings.stale_months)
