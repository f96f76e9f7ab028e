"""The inbox over the real app: notifications for mentoring, gap requests, thanks, ratings and comments;
reading them through the API and the pages (badge, open, mark read, mark all read); e-mail choices; and
authors not rating or thanking their own items. Real SQLite, FAISS, model and HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from indexer.importer import import_files
from tests.conftest import PASSWORD, LiveServer, as_user, client, signed_in, password_hash
from tests.factories import ANA, BO, VPN, content, jsonl, person
from web.actions.inbox import check_stale

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

CY = person("p-cy", name="Cy Okafor", team="HR", title="Onboarding lead", mentor=True)
LEE = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")


@pytest.fixture
def server(make_services, tmp_path) -> Iterator[LiveServer]:
    """Ana (contributor, wrote the VPN how-to, a mentor), Bo (contributor), Cy (employee), Lee (L&D)."""
    services = make_services()
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, BO, CY, LEE, VPN)])
    for name, role, pid in [("ana", "contributor", "p-ana"), ("bo", "contributor", "p-bo"),
                            ("cy", "employee", "p-cy"), ("lee", "lnd", "p-lee")]:
        services.store.create_user(name, password_hash(PASSWORD), role, pid)
    with LiveServer(services) as live:
        yield live




def inbox_of(api: httpx.Client, **params) -> dict:
    response = api.get("/api/notifications", params=params)
    assert response.status_code == 200
    return response.json()


def shape(page: dict) -> list[tuple[str, str, str]]:
    return [(n["kind"], n["text"], n["link"]) for n in page["notifications"]]


def badge(page: str) -> str | None:
    found = re.search(r'id="unread-count">(\d+)<', page)
    return found.group(1) if found else None


def test_thanks_ratings_and_comments_reach_the_authors(server):
    with as_user(server, "bo") as bo, as_user(server, "ana") as ana:
        assert bo.post("/api/content/c-vpn/kudos").status_code == 201
        assert bo.post("/api/content/c-vpn/kudos").status_code == 201  # once per reader: told once
        assert bo.put("/api/content/c-vpn/rating", json={"stars": 4}).status_code == 200
        assert bo.put("/api/content/c-vpn/rating", json={"stars": 4}).status_code == 200  # same stars: no news
        comment = bo.post("/api/content/c-vpn/comments", json={"body": "Worked for me, thanks!"}).json()["id"]
        page = inbox_of(ana)
        assert page["unread"] == 3
        assert shape(page) == [
            ("comment", "Bo Chen commented on “Resetting your VPN token”: “Worked for me, thanks!”",
             f"/content/c-vpn#comment-{comment}"),
            ("rating", "Bo Chen rated “Resetting your VPN token” 4 of 5 stars", "/content/c-vpn#rating"),
            ("thanks", "Bo Chen thanked you for “Resetting your VPN token”", "/content/c-vpn#kudos"),
        ]
        assert all(n["read_at"] is None and n["created"] for n in page["notifications"])
        # Ana answers the comment: Bo hears of the reply, Ana (the actor) of nothing.
        reply = ana.post("/api/content/c-vpn/comments", json={"body": "Glad it helped", "parent_id": comment})
        reply = reply.json()["id"]
        assert shape(inbox_of(bo)) == [
            ("comment", "Ana Ruiz replied to your comment on “Resetting your VPN token”: “Glad it helped”",
             f"/content/c-vpn#comment-{reply}")]
        assert inbox_of(ana)["unread"] == 3
        assert inbox_of(bo)["unread"] == 1


def test_nobody_is_told_about_an_item_hidden_from_them(server, tmp_path):
    """L&D put Ana (IT) among the authors of an item only Finance sees: Bo (Finance) hears of the thanks,
    Ana learns nothing of it, not even its title."""
    budget = content("c-budget", title="Budget freeze details", authors=["p-ana", "p-bo"], visible_teams=["Finance"],
                     updated="2020-01-01T00:00:00Z", created="2020-01-01T00:00:00Z")
    import_files(server.services.indexer, [jsonl(tmp_path / "budget.jsonl", budget)])
    with as_user(server, "lee") as lee, as_user(server, "ana") as ana, as_user(server, "bo") as bo:
        assert lee.post("/api/content/c-budget/kudos").status_code == 201
        assert lee.post("/api/content/c-budget/comments", json={"body": "Is this still current?"}).status_code == 201
        assert [n["kind"] for n in inbox_of(bo)["notifications"]] == ["comment", "thanks"]
        assert inbox_of(ana) == {"unread": 0, "notifications": []}
        assert check_stale(server.services) >= 1
        assert [n["link"] for n in inbox_of(bo)["notifications"]][0] == "/content/c-budget"
        assert all("Budget" not in n["text"] for n in inbox_of(ana)["notifications"])


def test_authors_cannot_rate_or_thank_their_own_items(server):
    with as_user(server, "ana") as ana:
        rated = ana.put("/api/content/c-vpn/rating", json={"stars": 5})
        assert (rated.status_code, rated.json()) == (403, {"detail": "authors cannot rate their own items"})
        thanked = ana.post("/api/content/c-vpn/kudos")
        assert (thanked.status_code, thanked.json()) == (403, {"detail": "authors cannot thank their own items"})
        assert ana.post("/api/content/c-vpn/comments", json={"body": "Updated for v2."}).status_code == 201
        assert ana.get("/api/content/c-vpn").json()["authors"] == ["p-ana"]
    assert server.services.store.rating_summary(["c-vpn"]) == {}
    assert server.services.store.kudos_for_content(["c-vpn"]) == {}
    with signed_in(server, "ana", csrf_header=False) as page:
        html = page.get("/content/c-vpn").text
        assert 'action="/content/c-vpn/rating"' not in html and 'action="/content/c-vpn/thanks"' not in html
        assert "You wrote this: readers rate it, authors do not." in html
        refused = page.post("/content/c-vpn/rating", data={"stars": "5", "csrf_token": page.csrf})
        assert refused.status_code == 403 and "authors cannot rate their own items" in refused.text
    with signed_in(server, "bo", csrf_header=False) as page:
        html = page.get("/content/c-vpn").text
        assert 'action="/content/c-vpn/rating"' in html and 'action="/content/c-vpn/thanks"' in html


def test_mentor_requests_and_decisions_are_notified(server):
    with signed_in(server, "bo", csrf_header=False) as bo:
        sent = bo.post("/mentors/request", data={"mentor": "p-ana", "goal": "Learn firewalls",
                                                 "message": "I start on the network team next month.",
                                                 "csrf_token": bo.csrf})
        assert sent.status_code == 303
    with as_user(server, "ana") as ana, as_user(server, "bo") as bo_api:
        assert shape(inbox_of(ana)) == [("mentor_request", "Bo Chen asked you for mentoring: “Learn firewalls”",
                                         "/people/p-ana#mentoring")]
        [request] = server.services.store.list_requests(kind="mentoring", assignee="p-ana")
        with signed_in(server, "ana", csrf_header=False) as page:
            decided = page.post(f"/mentors/requests/{request['id']}/accept", data={"csrf_token": page.csrf})
            assert decided.status_code == 303
        assert shape(inbox_of(bo_api)) == [("mentor_decision", "Ana Ruiz accepted your mentoring request about "
                                            "“Learn firewalls”", "/people/p-ana#mentoring")]
        assert inbox_of(ana)["unread"] == 1  # the mentor is not told of their own decision


def test_a_gap_request_reaches_the_expert(server):
    with as_user(server, "lee") as lee, as_user(server, "ana") as ana:
        made = lee.post("/api/gaps/requests", json={"label": "VPN on Linux", "query_ids": ["q1"], "expert_id": "p-ana",
                                                    "note": "Several people asked."})
        assert made.status_code == 201
        assert shape(inbox_of(ana)) == [("gap_request", "Lee Park (L&D) asked you to write about “VPN on Linux”",
                                         "/people/p-ana#content-requests")]


def test_marking_read_by_id_and_all_ignores_other_peoples_ids(server):
    store = server.services.store
    ids = [store.notify(["p-ana"], "stale", f"Item {n}", f"/content/c-vpn?n={n}")[0] for n in range(3)]
    bos = store.notify(["p-bo"], "thanks", "For Bo", "/content/c-vpn")[0]
    with as_user(server, "ana") as ana, as_user(server, "bo") as bo:
        assert bo.post("/api/notifications/read", json={"ids": ids}).json() == {"unread": 1}  # not Bo's: ignored
        assert inbox_of(ana)["unread"] == 3
        assert ana.post("/api/notifications/read", json={"ids": [ids[0], bos]}).json() == {"unread": 2}
        assert inbox_of(bo)["unread"] == 1
        unread = inbox_of(ana, unread="true")
        assert (unread["unread"], [n["id"] for n in unread["notifications"]]) == (2, [ids[2], ids[1]])
        everything = inbox_of(ana)
        assert [(n["id"], n["read_at"] is not None) for n in everything["notifications"]] == [
            (ids[2], False), (ids[1], False), (ids[0], True)]
        assert ana.post("/api/notifications/read", json={"all": True}).json() == {"unread": 0}
        assert inbox_of(ana, unread="true") == {"unread": 0, "notifications": []}
        assert inbox_of(bo)["unread"] == 1
        for wrong in ({}, {"all": False}, {"ids": [ids[0]], "all": True}, {"ids": [0]}):
            assert ana.post("/api/notifications/read", json=wrong).status_code == 422


def test_the_inbox_needs_a_sign_in(server):
    with client(server) as anonymous:
        assert anonymous.get("/api/notifications").status_code == 401
        assert anonymous.post("/api/notifications/read", json={"all": True}).status_code == 401
        page = anonymous.get("/inbox")
        assert (page.status_code, page.headers["location"]) == (303, "/login?next=/inbox")
        assert 'id="unread-count"' not in anonymous.get("/login").text


def test_the_badge_counts_unread_and_the_page_marks_them_read(server):
    store = server.services.store
    first = store.notify(["p-ana"], "thanks", "Bo Chen thanked you", "/content/c-vpn#kudos")[0]
    second = store.notify(["p-ana"], "comment", "Bo Chen commented", "/content/c-vpn#comments")[0]
    third = store.notify(["p-ana"], "stale", "Something went stale", "/content/c-vpn")[0]
    with signed_in(server, "ana", csrf_header=False) as ana, signed_in(server, "bo", csrf_header=False) as bo:
        assert badge(ana.get("/").text) == "3"
        assert badge(bo.get("/browse").text) is None
        inbox = ana.get("/inbox").text
        assert badge(inbox) == "3" and "3 unread notifications." in inbox
        for nid in (first, second, third):
            assert f'href="/inbox/{nid}/open"' in inbox
        # Following one goes where to act, and marks it read.
        opened = ana.get(f"/inbox/{first}/open")
        assert (opened.status_code, opened.headers["location"]) == (303, "/content/c-vpn#kudos")
        assert badge(ana.get("/content/c-vpn").text) == "2"
        # Bo cannot open (or learn anything about) Ana's notification.
        assert bo.get(f"/inbox/{second}/open").status_code == 404
        # Mark one read with the form (no JavaScript), then all.
        marked = ana.post("/inbox/read", data={"id": str(second), "csrf_token": ana.csrf})
        assert (marked.status_code, marked.headers["location"]) == (303, "/inbox")
        assert badge(ana.get("/inbox").text) == "1"
        assert ana.post("/inbox/read", data={"id": str(third)}).status_code == 403  # no CSRF token: refused
        assert ana.post("/inbox/read", data={"all": "true", "csrf_token": ana.csrf}).status_code == 303
        page = ana.get("/inbox").text
        assert badge(page) is None and "Nothing unread." in page
        assert ana.get("/inbox?unread=true").text.count("/open") == 0
    assert store.unread_count("p-ana") == 0


def test_each_person_chooses_how_email_carries_notifications(server):
    with as_user(server, "ana") as ana, as_user(server, "lee") as lee:
        assert ana.get("/api/me/notification-settings").json() == {
            "email": "daily", "address": "p-ana@example.com", "delivery": False}
        changed = ana.put("/api/me/notification-settings", json={"email": "immediate"})
        assert changed.json() == {"email": "immediate", "address": "p-ana@example.com", "delivery": False}
        assert ana.put("/api/me/notification-settings", json={"email": "hourly"}).status_code == 422
        assert lee.get("/api/me/notification-settings").json()["email"] == "daily"  # one's own choice only
    with signed_in(server, "ana", csrf_header=False) as page:
        account = page.get("/account").text
        assert 'id="mail-immediate" name="email" type="radio" value="immediate" checked' in account
        saved = page.post("/account/notifications", data={"email": "never", "csrf_token": page.csrf})
        assert saved.status_code == 303
        assert 'value="never" checked' in page.get("/account").text
    assert server.services.store.email_mode("p-ana") == "never"


def test_the_openapi_schema_documents_the_inbox(server):
    with client(server) as anonymous:
        paths = anonymous.get("/openapi.json").json()["paths"]
    assert paths["/api/notifications"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotificationsPage"}
    assert "/api/notifications/read" in paths and "put" in paths["/api/me/notification-settings"]
