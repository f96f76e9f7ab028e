"""The demo's search history on a small organisation: the same history for the same day and seed, all of it
back-dated into the weeks before that day, and what it leaves on L&D's dashboard, gaps and health; the
`knowhow demo` command that writes it once; the gaps page over it (HTTP, and Chromium at phone width)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from finder.analytics import analytics
from indexer.importer import import_files
from models.settings import Settings
from tests.conftest import LiveServer, add_accounts, signed_in
from tests.factories import ANA, BO, PAYROLL, VPN, content, jsonl, person
from tests.test_pages import PASSWORD as PAGES_PASSWORD
from tests.test_pages import sign_in_state
from web import cli as cli_module
from web.demo_history import DAYS, demo_needs, write_history
from web.security import hash_password
from web.services import Services

NOW = datetime(2026, 6, 12, 15, 0, tzinfo=timezone.utc)  # a Friday afternoon
SINCE, UNTIL = (NOW - timedelta(days=DAYS + 1)).isoformat(), NOW.isoformat()
PERIOD = {"since": (NOW - timedelta(days=DAYS + 1)).date().isoformat(), "until": NOW.date().isoformat()}
DOG = "can I bring my dog to the office?"
QUESTIONS = [
    {"id": "q1", "text": "my vpn token expired, how do I reset it", "relevant": {"c-vpn": 2}, "experts": ["p-ana"]},
    {"id": "q2", "text": "when do salaries get paid", "relevant": {"c-pay": 2}, "experts": ["p-bo"]},
    {"id": "q3", "text": DOG, "relevant": {}, "experts": []},
]
OVERDUE = content("c-printer", title="Printing from your laptop", body="Add the office printer from the "
                  "self-service app; it prints double-sided by default.", authors=["p-bo"], status="needs_review",
                  owner="p-ana")


@pytest.fixture
def org(tmp_path) -> Path:
    """A demo-shaped folder: people, content and labelled questions of one area."""
    folder = tmp_path / "org"
    folder.mkdir()
    jsonl(folder / "people_small.jsonl", ANA, BO, person("p-cy", name="Cy Park", team="Sales", location="Berlin"),
          person("p-di", name="Di Sato", team="Support", location="Singapore"),
          person("p-ed", name="Ed Nash", location="Austin"))
    jsonl(folder / "content_small.jsonl", VPN, PAYROLL, OVERDUE)
    jsonl(folder / "questions_small.jsonl", *QUESTIONS)
    return folder


@pytest.fixture
def make_org(make_services, org, tmp_path):
    def make(name: str = "data") -> Services:
        services = make_services(tmp_path / name)
        assert import_files(services.indexer, sorted(org.glob("people_*")) + sorted(org.glob("content_*"))).ok
        return services

    return make


@pytest.fixture
def history(make_org, org):
    services = make_org()
    return services, write_history(services, demo_needs(org), NOW)


def _searches(services: Services) -> list[tuple]:
    return sorted((q["created"], q["text"], q["asker"], q["answered"]) for q in services.store.recent_queries(10_000))


def test_history_is_the_same_for_the_same_day_and_seed_and_lies_before_it(make_org, org, history):
    services, report = history
    again = make_org("again")
    assert write_history(again, demo_needs(org), NOW).searches == report.searches
    searches = _searches(services)
    assert searches == _searches(again) and len(searches) == report.searches > 30
    other = make_org("other")
    write_history(other, demo_needs(org), NOW, seed=17)
    assert _searches(other) != searches

    times = [datetime.fromisoformat(created) for created, *_ in searches]
    assert NOW - timedelta(days=DAYS + 1) <= min(times) and max(times) < NOW
    assert len({t.date() for t in times}) >= 20  # spread over the weeks, not one burst
    assert sum(t.weekday() >= 5 for t in times) < len(times) / 10  # weekends are quiet
    # Votes and reading are back-dated too: nothing happened after NOW.
    later = analytics(services.store, UNTIL, datetime.now(timezone.utc).isoformat())
    assert (later.totals["searches"], later.totals["votes"], later.top_content) == (0, 0, [])


def test_history_fills_the_dashboard_and_shows_the_unanswerable_question_as_a_gap(history):
    services, report = history
    data = analytics(services.store, SINCE, UNTIL)
    assert {k: data.totals[k] for k in ("searches", "answered", "votes")} == {
        "searches": report.searches, "answered": report.answered, "votes": report.votes}
    assert 0 < report.answered < report.searches and report.votes > 0 and data.totals["active_users"] >= 3
    read = {row["id"]: row for row in data.top_content}
    assert {"c-vpn", "c-pay"} <= set(read)
    assert all(read[cid]["opens"] > 0 and read[cid]["seconds_read"] > 0 for cid in ("c-vpn", "c-pay"))
    assert sum(row["views"] for row in data.top_content) == report.views
    assert len(data.daily) >= 20

    top = services.gaps.topics(SINCE, UNTIL)[0]
    assert top.label == DOG and top.addressed is False
    # Several people asked, some more than once: the topic counts each person once.
    assert 3 <= top.askers < top.asked


def test_demo_command_writes_the_history_once_and_not_with_no_history(tmp_path, org, embedder, cli_runner, monkeypatch):
    monkeypatch.setattr(cli_module, "DEMO_DIR", org)
    runner, data = cli_runner, tmp_path / "demo"
    first = runner.invoke(cli_module.cli, ["--data", str(data), "demo"])
    assert first.exit_code == 0, first.output
    made = re.search(r"search history: (\d+) searches \((\d+) answered\)", first.output)
    assert made and int(made[1]) > 0
    second = runner.invoke(cli_module.cli, ["--data", str(data), "demo"])
    assert second.exit_code == 0 and "the folder already has searches; none added" in second.output
    bare = runner.invoke(cli_module.cli, ["--data", str(tmp_path / "bare"), "demo", "--no-history"])
    assert bare.exit_code == 0 and "search history" not in bare.output
    counts = {}
    for folder in (data, tmp_path / "bare"):
        services = Services(Settings(data=folder), embedder)
        counts[folder.name] = services.store.stats()["queries"]
        services.close()
    assert counts == {"demo": int(made[1]), "bare": 0}


# -- the gaps page and the CSV exports over the history --

@pytest.fixture
def site(history):
    services, _ = history
    add_accounts(services, {"lee": ("lnd", None)})
    with LiveServer(services) as server:
        yield server


def test_gaps_page_counts_people_and_hides_topics_answered_now(site, tmp_path):
    top = site.services.gaps.topics(SINCE, UNTIL)[0]
    with signed_in(site, "lee") as client:
        page = client.get("/lnd/gaps", params=PERIOD).text
        assert f"“{DOG}”" in page and f"Asked by <strong>{top.askers} people</strong>" in page
        assert f"in {top.asked} searches" in page and "one person searching again counts once" in page

        dogs = content("c-dogs", title="Dogs in the office", kind="policy", authors=["p-cy"],
                       body="Dogs are welcome in the office on Fridays if they are calm and house-trained. "
                            "Register your dog with reception and keep it out of the kitchen.")
        assert import_files(site.services.indexer, [jsonl(tmp_path / "dogs.jsonl", dogs)]).ok
        page = client.get("/lnd/gaps", params=PERIOD).text
        assert f"“{DOG}”" not in page
        shown = re.search(r'(\d+) topics? answered now\s+\(by new content or an expert\) (?:is|are) hidden;\s+'
                          r'<a href="\?([^"]+)">show (?:it|them)</a>', page)
        assert shown, page
        page = client.get(f"/lnd/gaps?{shown[2].replace('&amp;', '&')}").text
        assert re.search(f"“{re.escape(DOG)}”\\s+<span class=\"badge\">Now answered</span>", page)
        assert page.count('<span class="badge">Now answered</span>') == int(shown[1])


def test_gap_and_health_csvs_name_people(site):
    store = site.services.store
    for rater in ("p-cy", "p-di"):
        store.rate("c-pay", rater, 1)
    with signed_in(site, "lee") as client:
        topic = client.get("/api/gaps", params=PERIOD).json()["topics"][0]
        assert client.post("/api/gaps/requests", json={"label": topic["label"], "query_ids": topic["query_ids"],
                                                        "expert_id": "p-ana"}).status_code == 201
        asked = client.get("/api/search", params={"q": "vpn token reset portal"}).json()
        client.post("/api/feedback", json={"query_id": asked["query_id"], "helpful": False})
        everything = {"format": "csv", "since": PERIOD["since"]}  # the history, and the search just made
        rows = list(csv.DictReader(io.StringIO(client.get("/api/gaps", params=everything).text)))
        dog = next(row for row in rows if row["label"] == DOG)
        assert (dog["requested_from"], dog["requests"], dog["askers"]) == ("Ana Ruiz", "1", str(topic["askers"]))
        # The VPN topic suggests its writer and its item: names and titles, their ids beside them in order.
        vpn = next(row for row in rows if "p-ana" in row["expert_ids"].split())
        names, ids = vpn["experts"].split("; "), vpn["expert_ids"].split()
        assert len(names) == len(ids) and names[ids.index("p-ana")] == "Ana Ruiz"
        titles, items = vpn["closest"].split("; "), vpn["closest_ids"].split()
        assert len(titles) == len(items) and titles[items.index("c-vpn")] == "Resetting your VPN token"

        low = list(csv.DictReader(io.StringIO(client.get(
            "/api/health", params={"format": "csv", "list": "low_rated"}).text)))
        assert [(r["id"], r["owners"], r["owner_ids"]) for r in low] == [("c-pay", "Bo Chen", "p-bo")]
        overdue = list(csv.DictReader(io.StringIO(client.get(
            "/api/health", params={"format": "csv", "list": "review_overdue"}).text)))
        assert [(r["id"], r["owner"], r["owner_id"], r["owners"]) for r in overdue] == [
            ("c-printer", "Ana Ruiz", "p-ana", "Bo Chen")]


def test_dashboard_shows_the_history(site):
    with signed_in(site, "lee") as client:
        page = client.get("/lnd", params=PERIOD).text
        assert "No data for “Searches per day”" not in page and page.count("<polyline") == 2
        rates = re.findall(r"<td>(\d+\.\d%)</td>", page)
        assert rates and all(0 <= float(rate[:-1]) <= 100 for rate in rates)
        # One day of data: one point per series and its date once, not two dots named the same day.
        friday = NOW.date().isoformat()
        day = client.get("/lnd", params={"since": friday, "until": friday}).text
        chart = day[day.index('<svg class="chart"'):day.index("</svg>")]
        assert chart.count("<circle") == 2 and "<polyline" not in chart
        assert len(re.findall(f">{friday}</text>", chart)) == 1


def test_gaps_page_at_phone_width_does_not_scroll_sideways_and_routes(site, browser):  # noqa: F811 (the imported fixture)
    """At 375 px the page fits the screen and the "ask an expert" drop-down fits it too, and sends."""
    site.services.store.create_user("phone", hash_password(PAGES_PASSWORD), "lnd", None)
    context = browser.new_context(viewport={"width": 375, "height": 800},
                                  storage_state=sign_in_state(site.url, "phone"))
    try:
        page = context.new_page()
        page.goto(f"{site.url}/lnd/gaps?{urlencode(PERIOD)}")
        expect(page.get_by_role("heading", name=f"“{DOG}”")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        picker = page.get_by_label("Ask an expert to write this").first
        box = picker.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        picker.select_option(label="Bo Chen")
        page.get_by_role("button", name="Request content").first.click()
        expect(page.get_by_role("status")).to_contain_text("Request sent")
    finally:
        context.close()
    assert [(r["subject"], r["assignee"]) for r in site.services.store.list_requests(kind="gap")] == [(DOG, "p-bo")]


def test_searches_per_day_are_drawn_over_every_calendar_day():
    """A week of history has a quiet weekend: it is two days at 0 on the chart, not a Friday-Monday step."""
    from web.charts import calendar_days

    rows = [{"day": "2026-06-05", "searches": 9, "answered": 4}, {"day": "2026-06-08", "searches": 7, "answered": None}]
    assert calendar_days(rows, {"searches": "searches", "answered": "answered"}) == (
        ["2026-06-05", "2026-06-06", "2026-06-07", "2026-06-08"],
        {"searches": [9, 0, 0, 7], "answered": [4, 0, 0, 0]})
    assert calendar_days([], {"searches": "searches"}) == ([], {"searches": []})
