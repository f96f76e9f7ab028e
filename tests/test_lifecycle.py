"""Content lifecycle and verification: replaced items rank under their replacement and link to it,
archived ones come last, owners confirm items in one click, readers flag them, overdue reviews are listed,
reminded once and drift down; L&D sets the intervals. Over the real app, plus the pure placement rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from finder.lifecycle import REPLACED_PENALTY, UNCONFIRMED_PENALTY, Standing, place
from finder.retrieval import ItemScore
from indexer.importer import import_files, import_text
from models.records import utc_now
from models.review_store import due_date, interval_days
from tests.conftest import LiveServer, add_accounts, as_user, signed_in
from tests.factories import ANA, BO, content, jsonl, person
from web.actions.reviews import remind_owners

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

OLD_VPN = content("c-old", title="Setting up Cisco AnyConnect VPN on your laptop",
                  body="Install the Cisco AnyConnect VPN client, connect to vpn.example.com and sign in with your "
                       "token to reach internal services from home.", authors=["p-ana"], replaced_by="c-new")
NEW_VPN = content("c-new", title="Reaching internal services with Tailscale",
                  body="We moved to Tailscale. Install it, sign in with single sign-on and the internal services "
                       "are reachable from anywhere.", authors=["p-ana"],
                  created="2025-05-01T09:00:00Z")  # older than anything a test adds through the API
OLD_POLICY = content("c-arch", title="Connecting to the VPN from a hotel (2019 rules)",
                     body="Hotel Wi-Fi often blocks the VPN; use your phone's hotspot and connect the VPN client.",
                     authors=["p-bo"], status="archived")
CY = person("p-cy", name="Cy Okafor", team="HR")


def item(cid: str, score: float) -> ItemScore:
    return ItemScore(cid, score, score, 0.0, 0)


def test_placement_puts_replacements_first_archived_last_and_unconfirmed_a_little_lower():
    standings = {"old": Standing("current", "new", False), "older": Standing("current", "old", False),
                 "arch": Standing("archived", None, False), "late": Standing("current", None, True)}
    placed = place([item("older", 0.95), item("old", 0.9), item("arch", 0.99), item("late", 0.7),
                    item("other", 0.68), item("new", 0.5)], standings)
    assert [i.content_id for i in placed] == ["other", "late", "new", "old", "older", "arch"]
    scores = {i.content_id: i.score for i in placed}
    assert scores["late"] == pytest.approx(0.7 - UNCONFIRMED_PENALTY)
    assert scores["new"] > scores["old"] > scores["older"]  # the whole chain, newest first
    # Without its replacement among the results, a replaced item only loses the penalty.
    [alone] = place([item("old", 0.9)], standings)
    assert alone.score == pytest.approx(0.9 - REPLACED_PENALTY)


def test_review_dates_follow_the_kind_and_official_content_is_reviewed_sooner():
    intervals = {"howto": 180, "anecdote": 0, "official": 90, "default": 365}
    assert interval_days("howto", False, intervals) == 180
    assert interval_days("howto", True, intervals) == 90
    assert interval_days("anecdote", False, intervals) == 0 and interval_days("anecdote", True, intervals) == 90
    assert interval_days("recipe", False, intervals) == 365
    assert due_date("anecdote", False, "2026-01-01T00:00:00+00:00", intervals) is None
    assert due_date("howto", False, "2026-01-01T00:00:00+00:00", intervals) == "2026-06-30T00:00:00+00:00"


@pytest.fixture
def server(services, tmp_path):
    report = import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, BO, CY, OLD_VPN, NEW_VPN,
                                                   OLD_POLICY)])
    assert report.errors == []
    add_accounts(services, {"ana": ("contributor", "p-ana"), "bo": ("contributor", "p-bo"),
                            "cy": ("employee", "p-cy"), "lee": ("lnd", None)})
    with LiveServer(services) as live:
        yield live


def test_replaced_and_archived_items_rank_under_current_ones(server):
    with as_user(server, "cy") as cy:
        found = cy.get("/api/search", params={"q": "how do I set up Cisco AnyConnect VPN"}).json()["results"]
        ids = [r["id"] for r in found]
        # The old item's own words match best, yet its replacement comes first (and is found through it).
        assert ids.index("c-new") < ids.index("c-old")
        old = next(r for r in found if r["id"] == "c-old")
        assert old["replaced_by"] == "c-new"
        hotel = cy.get("/api/search", params={"q": "VPN from a hotel Wi-Fi"}).json()["results"]
        assert hotel[-1]["id"] == "c-arch" and hotel[-1]["status"] == "archived"


def test_replacements_are_checked_when_saved(server):
    with as_user(server, "ana") as ana, as_user(server, "lee") as lee:
        circle = ana.patch("/api/content/c-new", json={"replaced_by": "c-old"})
        assert circle.status_code == 422 and "circle" in circle.json()["detail"]
        missing = ana.patch("/api/content/c-new", json={"replaced_by": "c-nope"})
        assert missing.status_code == 422 and "c-nope" in missing.json()["detail"]
        assert ana.patch("/api/content/c-new", json={"replaced_by": "c-new"}).status_code == 422
        assert lee.patch("/api/content/c-new", json={"owner": "p-nobody"}).status_code == 422
        assert ana.patch("/api/content/c-old", json={"replaced_by": None}).json()["replaced_by"] is None
    report = import_text(server.services.indexer, '{"type": "content", "id": "c-x", "title": "X", "body": "x", '
                                                  '"replaced_by": "c-gone"}\n')
    assert [str(e) for e in report.errors] == ["<request>:1: replaced_by names no content item: c-gone"]


def test_owners_confirm_readers_flag_and_l_and_d_sees_every_review(server):
    store = server.services.store
    past = (utc_now() - timedelta(days=1)).isoformat()
    store.db.execute("UPDATE content SET review_due = ? WHERE id = 'c-new'", [past])
    with as_user(server, "ana") as ana, as_user(server, "bo") as bo, as_user(server, "cy") as cy, \
            as_user(server, "lee") as lee:
        mine = ana.get("/api/reviews").json()
        assert [i["id"] for i in mine["items"]] == ["c-new"] and mine["total"] == 1
        assert bo.get("/api/reviews").json()["total"] == 0
        assert cy.get("/api/reviews", params={"everyone": True}).status_code == 403
        assert [i["id"] for i in lee.get("/api/reviews", params={"everyone": True}).json()["items"]] == ["c-new"]
        hit = next(r for r in cy.get("/api/search", params={"q": "Tailscale internal services"}).json()["results"]
                   if r["id"] == "c-new")
        assert hit["review_overdue"] is True

        refused = bo.post("/api/content/c-new/confirm")
        assert refused.status_code == 403 and "owner" in refused.json()["detail"]
        confirmed = ana.post("/api/content/c-new/confirm").json()
        assert confirmed["review_due"][:10] == (utc_now() + timedelta(days=180)).date().isoformat()
        assert confirmed["verified_by"] == "ana" and ana.get("/api/reviews").json()["total"] == 0
        assert ana.post("/api/content/c-old/confirm").status_code == 422  # replaced: out of service

        assert cy.post("/api/content/c-new/flag", json={"reason": " "}).status_code == 422
        flagged = cy.post("/api/content/c-new/flag", json={"reason": "Tailscale needs the new SSO app now"})
        assert flagged.json()["status"] == "needs_review"
        told = store.notifications_of("p-ana")[0]
        assert told["kind"] == "review_flagged" and "Tailscale needs the new SSO app now" in told["text"]
        assert ana.get("/api/reviews").json()["items"][0]["status"] == "needs_review"
        assert ana.post("/api/content/c-new/confirm").json()["status"] == "current"  # the flag is lifted

        assert cy.put("/api/reviews/intervals", json={"howto": 30}).status_code == 403
        assert lee.put("/api/reviews/intervals", json={"howto": -1}).status_code == 422
        assert lee.put("/api/reviews/intervals", json={"poem": 5}).status_code == 422
        assert lee.put("/api/reviews/intervals", json={"howto": 30}).json()["howto"] == 30
        moved = store.get_content("c-new")["review_due"]
        assert moved[:10] == (utc_now() + timedelta(days=30)).date().isoformat()


def test_owners_are_reminded_once_per_review_date(server):
    services, store = server.services, server.services.store
    store.db.execute("UPDATE content SET review_due = ? WHERE id = 'c-new'",
                     [(utc_now() - timedelta(hours=1)).isoformat()])
    assert remind_owners(services) == 1
    assert remind_owners(services) == 0  # told once
    assert [n["kind"] for n in store.notifications_of("p-ana")] == ["review_due"]
    store.mark_verified("c-new", "ana", utc_now() - timedelta(days=400))  # confirmed long ago: a new date
    assert remind_owners(services) == 1
    assert remind_owners(services) == 0


def test_the_item_page_shows_its_standing_and_confirms_without_javascript(server):
    with signed_in(server, "ana", csrf_header=False) as ana, signed_in(server, "cy", csrf_header=False) as cy:
        old = cy.get("/content/c-old").text
        assert "Replaced." in old and 'href="/content/c-new"' in old and "Still correct" not in old
        assert "Archived." in cy.get("/content/c-arch").text
        page = cy.get("/content/c-new").text
        assert "Flag as outdated" in page and "Still correct" not in page and "Kept by <a" in page
        assert "Still correct" in ana.get("/content/c-new").text
        done = ana.post("/content/c-new/confirm", data={"csrf_token": ana.csrf}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/content/c-new?confirmed=1#standing"
        assert "confirmed as still correct" in ana.get(done.headers["location"]).text
        empty = cy.post("/content/c-new/flag", data={"csrf_token": cy.csrf, "reason": ""}, follow_redirects=False)
        assert empty.headers["location"].endswith("flag_error=1#standing")
        cy.post("/content/c-new/flag", data={"csrf_token": cy.csrf, "reason": "Link is dead"})
        assert "Needs review." in cy.get("/content/c-new").text
        assert "Link is dead" not in cy.get("/reviews").text  # Cy keeps nothing
        assert "Flagged as outdated" in ana.get("/reviews").text


def test_l_and_d_sets_review_intervals_on_the_reviews_page(server):
    with signed_in(server, "lee", csrf_header=False) as lee, signed_in(server, "cy", csrf_header=False) as cy:
        page = lee.get("/reviews?everyone=1").text
        assert 'name="howto"' in page and 'value="180"' in page
        bad = lee.post("/reviews/intervals", data={"csrf_token": lee.csrf, "howto": "soon"})
        assert bad.status_code == 422 and "A whole number of days" in bad.text
        saved = lee.post("/reviews/intervals", data={"csrf_token": lee.csrf, "howto": "60", "official": "30"},
                         follow_redirects=False)
        assert saved.status_code == 303
        assert server.services.store.review_intervals()["howto"] == 60
        assert cy.post("/reviews/intervals", data={"csrf_token": cy.csrf, "howto": "1"}).status_code == 403
        assert 'name="howto"' not in cy.get("/reviews").text


def test_the_edit_form_marks_an_item_replaced_by_a_pasted_link_or_archived(server):
    store = server.services.store
    with signed_in(server, "ana", csrf_header=False) as ana:
        form = ana.get("/content/c-new/edit").text
        assert 'name="replaced_by"' in form and 'value="current" checked' in form
        fields = {"csrf_token": ana.csrf, "title": NEW_VPN["title"], "body": NEW_VPN["body"], "kind": "howto",
                  "tags": "", "status": "current"}
        unknown = ana.post("/content/c-new/edit", data={**fields, "replaced_by": "c-missing"})
        assert unknown.status_code == 422 and "no content item" in unknown.text.lower()
        assert ana.post("/content/c-new/edit", data={**fields, "replaced_by": "c-old"}).status_code == 422  # circle
        assert store.get_content("c-new")["replaced_by"] is None  # nothing saved from a refused form
        fields.update(title=OLD_VPN["title"], body=OLD_VPN["body"])
        saved = ana.post("/content/c-old/edit", data={**fields, "replaced_by": f"{server.url}/content/c-new?from=q1#p-2",
                                                        "status": "archived"}, follow_redirects=False)
        assert saved.status_code == 303
        old = store.get_content("c-old")
        assert (old["replaced_by"], old["status"], old["verified_by"]) == ("c-new", "archived", "ana")
        fields.update(replaced_by="", status="current")
        ana.post("/content/c-old/edit", data=fields)
        assert store.get_content("c-old")["replaced_by"] is None


def test_a_copy_filed_under_another_kind_is_a_duplicate_that_l_and_d_settles_in_one_click(server):
    store = server.services.store
    with as_user(server, "lee") as lee, signed_in(server, "lee", csrf_header=False) as page, \
            signed_in(server, "cy", csrf_header=False) as cy:
        copy = lee.post("/api/content", json={"title": "Tailscale for internal services", "body": NEW_VPN["body"],
                                              "kind": "answer", "authors": ["p-bo"]}).json()
        [pair] = [p for p in lee.get("/api/health").json()["duplicates"] if copy["id"] in (p["id"], p["duplicate_of"])]
        assert (pair["id"], pair["duplicate_of"], pair["same_kind"], pair["settled"]) == ("c-new", copy["id"], False, False)
        listed = page.get("/lnd/health?list=duplicates").text
        assert "Mark the older as replaced" in listed
        form = {"csrf_token": cy.csrf, "replacement": copy["id"], "next": "/lnd/health?list=duplicates"}
        assert cy.post("/content/c-new/replaced-by", data=form).status_code == 403  # not hers to settle
        done = page.post("/content/c-new/replaced-by", data={**form, "csrf_token": page.csrf}, follow_redirects=False)
        assert (done.status_code, done.headers["location"]) == (303, "/lnd/health?list=duplicates")
        assert store.get_content("c-new")["replaced_by"] == copy["id"]
        assert "Settled: one is marked as replaced" in page.get("/lnd/health?list=duplicates").text
        evil = page.post("/content/c-new/replaced-by", data={**form, "csrf_token": page.csrf, "next": "https://evil.example/"},
                         follow_redirects=False)
        assert not evil.headers["location"].startswith("https://evil")


def test_existing_items_start_their_review_clock_at_the_upgrade_and_keep_a_fixed_date(tmp_path):
    """A data folder from before verification (m010): fixed review dates stay, the rest are computed from now."""
    import sqlite3

    import sqlite_utils

    from models.migrations import MIGRATIONS
    from models.store import Store

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    names = [name for name, _ in MIGRATIONS]
    for name, fn in MIGRATIONS[:names.index("m011_lifecycle")]:
        fn(db)
        db["_migrations"].insert({"name": name, "applied_at": "2026-01-01T00:00:00"})
    t = "2020-01-01T00:00:00+00:00"
    row = {"title": "T", "body": "B", "tags": "[]", "extra": "{}", "visible_teams": "[]", "created": t, "updated": t}
    db["content"].insert_all([{**row, "id": "howto", "kind": "howto", "official": 0, "review_due": None},
                              {**row, "id": "story", "kind": "anecdote", "official": 0, "review_due": None},
                              {**row, "id": "policy", "kind": "policy", "official": 1,
                               "review_due": "2027-03-01T00:00:00+00:00"}])
    db.conn.commit()
    db.conn.close()

    store = Store(path)
    items = store.content_by_ids(["howto", "story", "policy"])
    assert items["howto"]["review_due"][:10] == (utc_now() + timedelta(days=180)).date().isoformat()
    assert items["story"]["review_due"] is None  # anecdotes are never due
    assert items["policy"]["review_due"] == "2027-03-01T00:00:00+00:00"
    assert all(item["status"] == "current" and item["replaced_by"] is None for item in items.values())
    store.set_review_intervals({"policy": 30})  # a fixed date is not moved by a new interval
    assert store.get_content("policy")["review_due"] == "2027-03-01T00:00:00+00:00"


def test_browsing_shows_what_is_in_service_unless_asked_for_the_rest(server):
    with signed_in(server, "cy", csrf_header=False) as cy, as_user(server, "cy") as api:
        shown = cy.get("/browse").text
        assert 'href="/content/c-new' in shown and 'href="/content/c-old' not in shown and "c-arch" not in shown
        everything = cy.get("/browse", params={"retired": "true"}).text
        assert 'href="/content/c-old' in everything and ">Replaced<" in everything and ">Archived<" in everything
        assert api.get("/api/content").json()["total"] == 3
        assert [i["id"] for i in api.get("/api/content", params={"in_service": True}).json()["items"]] == ["c-new"]
