"""Following tags, people and topics over the real app: the API's rules, what the Following page lists (new
and updated items the follower may see, open questions, gaps), the Follow buttons with and without
JavaScript, and the weekly digest in the inbox and by e-mail. Real SQLite, FAISS, model, HTTP, Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta

import pytest

from indexer.importer import import_files
from models.records import utc_now
from models.settings import Settings
from tests.conftest import LiveServer, as_user, http_client, new_data_folder, password_hash
from tests.factories import ANA, BO, VPN, content, jsonl, person
from tests.test_pages import PASSWORD, signed_in_http
from web.actions.follows import weekly_digests
from web.mailer import compose
from web.services import Services

CY = person("p-cy", name="Cy Okafor", team="HR", title="Onboarding lead")
LEE = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")


def days_ago(days: int) -> str:
    return (utc_now() - timedelta(days=days)).isoformat()


OLD_VPN = content("c-anyconnect", title="Installing Cisco AnyConnect", tags=["vpn"], authors=["p-ana"],
                  body="Download AnyConnect from the portal and sign in with your token.",
                  created=days_ago(400), updated=days_ago(60))
IT_ONLY = content("c-firewall", title="Firewall change window", tags=["vpn"], authors=["p-ana"], visible_teams=["IT"],
                  body="Firewall and VPN changes go out on Tuesdays at 18:00 after the change board.")
PAYROLL = content("c-payday", title="When is payday?", tags=["payroll"], authors=["p-bo"], kind="answer",
                  body="Salaries are paid on the 25th of each month.")
USERS = [("ana", "contributor", "p-ana"), ("bo", "contributor", "p-bo"), ("cy", "employee", "p-cy"),
         ("lee", "lnd", "p-lee")]


def organisation(folder, embedder, empty_store, **settings) -> Services:
    services = Services(Settings(data=new_data_folder(folder, empty_store), **settings), embedder)
    import_files(services.indexer, [jsonl(folder / "org.jsonl", ANA, BO, CY, LEE, VPN, OLD_VPN, IT_ONLY, PAYROLL)])
    for name, role, pid in USERS:
        services.store.create_user(name, password_hash(PASSWORD), role, pid)
    return services


@pytest.fixture(scope="module")
def site(embedder, empty_store, tmp_path_factory) -> Iterator[LiveServer]:
    services = organisation(tmp_path_factory.mktemp("follows"), embedder, empty_store)
    # Unanswered searches about the VPN on Linux, by two people: a gap.
    vector = embedder.encode_query("how do I install the vpn client on linux")
    for asker in ("p-bo", "p-cy"):
        services.store.log_query("how do I install the vpn client on linux", "search", False, 0.3, [], [], "api",
                                 vector, asker)
    with LiveServer(services) as server:
        yield server
    services.close()


def titles(entry: dict) -> list[str]:
    return [item["title"] for item in entry["items"]]


def test_follow_unfollow_and_their_errors(site):
    with as_user(site, "bo") as bo, as_user(site, "cy") as cy:
        first = bo.post("/api/follows", json={"kind": "tag", "target": " #VPN "})
        assert first.status_code == 201
        assert {k: first.json()[k] for k in ("kind", "target", "label", "link")} == {
            "kind": "tag", "target": "vpn", "label": "#vpn", "link": "/browse?tag=vpn"}
        again = bo.post("/api/follows", json={"kind": "tag", "target": "vpn"})
        assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
        ana = bo.post("/api/follows", json={"kind": "person", "target": "p-ana"}).json()
        assert (ana["label"], ana["link"]) == ("Ana Ruiz", "/people/p-ana")
        assert [f["label"] for f in bo.get("/api/follows").json()] == ["#vpn", "Ana Ruiz"]

        assert bo.post("/api/follows", json={"kind": "person", "target": "p-nobody"}).status_code == 404
        assert bo.post("/api/follows", json={"kind": "team", "target": "IT"}).status_code == 422
        empty = bo.post("/api/follows", json={"kind": "topic", "target": "   "})
        assert empty.status_code == 422 and "question" in empty.text.lower()
        assert bo.get("/api/following", params={"days": 5}).status_code == 422

        # A follow is its follower's alone: Cy cannot see or remove Bo's.
        assert cy.get("/api/follows").json() == []
        assert cy.delete(f"/api/follows/{ana['id']}").status_code == 404
        assert bo.delete(f"/api/follows/{ana['id']}").status_code == 204
        assert bo.delete("/api/follows", params={"kind": "tag", "target": "VPN"}).status_code == 204
        assert bo.delete("/api/follows", params={"kind": "tag", "target": "vpn"}).status_code == 404
        assert bo.get("/api/follows").json() == []
    with http_client(site.url) as anonymous:
        assert anonymous.get("/api/follows").status_code == 401


def test_what_changed_is_what_the_follower_may_see_in_the_period(site):
    """Cy (HR) and Lee (L&D) follow #vpn and Ana: the week shows the new items, not the one updated two
    months ago (the 90 days do), and the IT-only item only to L&D. Nothing new for #payroll shows its latest."""
    with as_user(site, "cy") as cy, as_user(site, "lee") as lee:
        for api in (cy, lee):
            for kind, target in (("tag", "vpn"), ("person", "p-ana")):
                assert api.post("/api/follows", json={"kind": kind, "target": target}).status_code == 201
        week = cy.get("/api/following").json()
        assert [e["follow"]["label"] for e in week] == ["#vpn", "Ana Ruiz"]
        assert titles(week[0]) == titles(week[1]) == ["Resetting your VPN token"]
        assert week[0]["items"][0]["change"] == "new"
        assert sorted(titles(cy.get("/api/following", params={"days": 90}).json()[0])) == [
            "Installing Cisco AnyConnect", "Resetting your VPN token"]
        assert sorted(titles(lee.get("/api/following").json()[0])) == ["Firewall change window",
                                                                       "Resetting your VPN token"]
        # The gap: searches about the VPN nobody could answer, found by the tag's word.
        assert [g["label"] for g in week[0]["gaps"]] == ["how do I install the vpn client on linux"]
        assert week[0]["gaps"][0]["askers"] == 2 and week[1]["gaps"] == []


def test_a_topic_finds_its_answers_open_questions_and_gaps(site):
    with as_user(site, "ana") as ana, as_user(site, "bo") as bo:
        question = ana.post("/api/questions", json={"title": "Is there a VPN client for Linux laptops?"})
        assert question.status_code == 201, question.text
        assert bo.post("/api/follows", json={"kind": "topic", "target": "VPN client for Linux"}).status_code == 201
        entry = bo.get("/api/following").json()[0]
        assert entry["follow"]["link"] == "/?q=VPN+client+for+Linux"
        assert "Resetting your VPN token" in titles(entry)
        assert "When is payday?" not in titles(entry)
        assert [q["title"] for q in entry["questions"]] == ["Is there a VPN client for Linux laptops?"]
        assert [g["label"] for g in entry["gaps"]] == ["how do I install the vpn client on linux"]


def test_follow_buttons_work_without_javascript_and_with_htmx(site):
    with closing(signed_in_http(site, "ana")) as page:
        form = {"kind": "tag", "target": "payroll", "next": "/browse?tag=payroll",
                "csrf_token": page.headers.pop("X-CSRF-Token")}  # as a form posts it, without JavaScript
        assert 'aria-pressed="false">Follow #payroll' in page.get("/browse?tag=payroll").text
        followed = page.post("/following", data=form)
        assert (followed.status_code, followed.headers["location"]) == (303, "/browse?tag=payroll")
        assert 'aria-pressed="true">Following' in page.get("/browse?tag=payroll").text
        following = page.get("/following").text
        assert "#payroll" in following and "When is payday?" in following
        # htmx swaps the button in place; a next leading off the site comes back home.
        swapped = page.post("/following/remove", data={**form, "next": "//evil.example"},
                            headers={"HX-Request": "true"})
        assert swapped.status_code == 200 and 'aria-pressed="false">Follow #payroll' in swapped.text
        back_home = page.post("/following", data={**form, "next": "//evil.example"})
        assert back_home.headers.get("location") == "/", back_home.text
        refused = page.post("/following", data={**form, "kind": "topic", "target": "  "})
        assert refused.status_code == 422 and "question" in refused.text.lower()
        # A gap's "Write the answer" starts the form with its question and the tag.
        started = page.get("/contribute", params={"title": "VPN on Linux?", "tags": "vpn"}).text
        assert re.search(r'value="VPN on Linux\?"', started) and re.search(r'name="tags"[^>]*value="vpn"', started)


def test_sam_follows_a_person_from_their_profile_in_chromium(tab_as, site):
    tab = tab_as("cy")
    page = tab.go("/people/p-bo")
    page.get_by_role("button", name="Follow Bo Chen", exact=True).click()
    page.get_by_role("button", name="Following Bo Chen · Unfollow", exact=True).wait_for()
    page = tab.go("/following")
    assert page.get_by_role("link", name="Bo Chen").count() == 1
    assert page.get_by_role("link", name="When is payday?").count() == 1
    page.get_by_role("button", name="Following Bo Chen · Unfollow", exact=True).click()
    page.get_by_role("button", name="Follow Bo Chen", exact=True).wait_for()
    tab.assert_inert()


def test_weekly_digest_in_the_inbox_and_by_e_mail(embedder, empty_store, tmp_path):
    """A week after Bo followed #vpn, a new item and Ana's edit of an old one reach him once: in the inbox
    (left out of the daily mail digest) and as one e-mail listing them; Cy, who turned e-mail off, only in
    the inbox."""
    services = organisation(tmp_path, embedder, empty_store, smtp_url="smtp://127.0.0.1:2525")
    store = services.store
    store.set_email_mode("p-cy", "never")
    store.add_follow("p-bo", "tag", "vpn", created=days_ago(8))
    store.add_follow("p-cy", "tag", "vpn", created=days_ago(8))
    store.add_follow("p-lee", "tag", "parking", created=days_ago(8))
    with LiveServer(services) as live, as_user(live, "ana") as ana:
        edit = {"body": "AnyConnect is retired: install Tailscale from the portal instead."}
        assert ana.patch("/api/content/c-anyconnect", json=edit).status_code == 200
        # (A second on: what changes in the second a digest goes out is in the next one too.)
        sent = utc_now() + timedelta(seconds=1)
        assert weekly_digests(services, sent) == 2  # nothing about #parking: no digest for Lee
    for party in ("p-bo", "p-cy"):
        assert [(n["kind"], n["text"], n["link"]) for n in store.notifications_of(party)] == [
            ("follow_digest", "This week in what you follow: 2 new or updated items", "/following")]
    assert store.notifications_of("p-lee") == []
    mails = store.mail_queue()
    assert [(m["kind"], m["to_addr"]) for m in mails] == [("weekly", "p-bo@example.com")]
    text = compose(services.settings, mails[0]).get_content()
    assert "New: “Resetting your VPN token”" in text and "/content/c-vpn" in text
    assert "Updated: “Installing Cisco AnyConnect”" in text and "/following" in text
    assert "Firewall change window" not in text  # IT only; Bo is in Finance
    assert store.enqueue_digests(utc_now().isoformat()) == 0  # the inbox line is not mailed a second time
    # Not again within the week; a quiet week sends nothing.
    assert weekly_digests(services, sent + timedelta(days=6)) == 0
    assert weekly_digests(services, sent + timedelta(days=8)) == 0
    assert len(store.notifications_of("p-bo")) == 1
    services.close()
