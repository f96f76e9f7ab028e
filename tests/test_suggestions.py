"""Suggested changes to official content: L&D keep official items, so their authors and other contributors
suggest a change (403 on a direct edit), L&D are told, review it as a diff against the current text and
approve it (saved as their edit, kept in the history) or decline it with a reason the suggester hears;
the suggester sees and may withdraw their own. Over the real app, plus the pure text diff and a real
browser for the whole round."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from indexer.importer import import_files
from tests.conftest import LiveServer, api_token, client, new_data_folder, password_hash
from tests.factories import ANA, BO, content, jsonl, person
from tests.test_pages import PASSWORD, Tabs, signed_in_http
from web.textdiff import text_diff

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

LEE = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")
CY = person("p-cy", name="Cy Okafor", team="HR")
LAB_BODY = ("# Before you start\nWear safety glasses in the lab.\nKeep the fire door shut.\n\n"
            "# Soldering\nSwitch the iron off after use.")


def lab_rules(cid: str, **fields) -> dict:
    return content(cid, title="Electronics lab safety rules", body=LAB_BODY, authors=["p-ana"], kind="policy",
                   tags=["safety", "lab"], official=True, **fields)


ITEMS = [lab_rules("c-lab"), lab_rules("c-lab2"), lab_rules("c-lab3"), lab_rules("c-lab4"), lab_rules("c-page"),
         lab_rules("c-fin", visible_teams=["Finance"]),
         content("c-tips", title="Soldering tips", body="Tin the tip first.", authors=["p-ana"])]
USERS = {"ana": ("contributor", "p-ana"), "bo": ("contributor", "p-bo"), "cy": ("employee", "p-cy"),
         "lee": ("lnd", "p-lee")}


@pytest.fixture(scope="module")
def site(embedder, empty_store, tmp_path_factory) -> Iterator[LiveServer]:
    """Ana (IT) wrote the official lab rules (several copies, one per test that changes them) and a tip of
    her own; Bo (Finance) is another contributor, Cy an employee, Lee L&D."""
    from models.settings import Settings
    from web.services import Services

    folder = tmp_path_factory.mktemp("suggestions")
    services = Services(Settings(data=new_data_folder(folder / "data", empty_store)), embedder)
    report = import_files(services.indexer, [jsonl(folder / "org.jsonl", ANA, BO, CY, LEE, *ITEMS)])
    assert report.errors == []
    for name, (role, pid) in USERS.items():
        services.store.create_user(name, password_hash(PASSWORD), role, pid)
    with LiveServer(services) as server:
        yield server
    services.close()


@pytest.fixture(scope="module")
def api(site):
    """API clients per user name, through personal tokens."""
    clients = {name: client(site, api_token(site.services, name)) for name in USERS}
    yield clients
    for c in clients.values():
        c.close()


def notifications(site, recipient: str, kind: str) -> list[tuple[str, str]]:
    return [(n["text"], n["link"]) for n in site.services.store.notifications_of(recipient) if n["kind"] == kind]


def test_text_diff_marks_changed_words_within_lines_and_whole_added_lines():
    before = "Wear glasses.\nKeep the door shut.\nCall 112.\n"
    after = "Wear glasses and gloves.\nKeep the door shut.\nCall 999.\nTell your manager.\n"
    pieces = text_diff(before, after)
    assert pieces == [
        {"op": "equal", "text": "Wear glasses"}, {"op": "insert", "text": " and gloves"},
        {"op": "equal", "text": ".\nKeep the door shut.\nCall "}, {"op": "delete", "text": "112"},
        {"op": "insert", "text": "999"}, {"op": "equal", "text": ".\n"}, {"op": "insert", "text": "Tell your manager.\n"},
    ]
    assert "".join(p["text"] for p in pieces if p["op"] != "insert") == before
    assert "".join(p["text"] for p in pieces if p["op"] != "delete") == after
    assert text_diff("same", "same") == [{"op": "equal", "text": "same"}]


def test_an_official_item_is_changed_by_suggestion_and_lnd_approves_it_as_their_edit(site, api):
    store = site.services.store
    ana, lee = api["ana"], api["lee"]
    before = store.get_content("c-lab")
    new_body = LAB_BODY.replace("safety glasses", "safety glasses and closed shoes")
    refused = ana.put("/api/content/c-lab", json={"title": before["title"], "body": new_body, "authors": ["p-ana"],
                                                  "official": True, "kind": "policy"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == ("official content is kept by L&D: suggest your change instead "
                                        "(POST /api/content/c-lab/suggestions) and L&D reviews it")
    assert ana.patch("/api/content/c-lab", json={"body": new_body}).status_code == 403
    assert ana.delete("/api/content/c-lab").status_code == 403
    assert store.get_content("c-lab")["body"] == LAB_BODY

    made = ana.post("/api/content/c-lab/suggestions",
                    json={"title": before["title"], "body": new_body, "tags": ["Safety", "lab", "shoes"],
                          "note": "  Closed shoes are required since March. "})
    assert made.status_code == 201
    suggestion = made.json()
    sid = suggestion["id"]
    assert {k: suggestion[k] for k in ("content_id", "item_title", "suggester", "username", "proposed", "note",
                                       "status", "item_changed", "decided_by", "reason")} == {
        "content_id": "c-lab", "item_title": "Electronics lab safety rules", "suggester": "p-ana", "username": "ana",
        "proposed": {"body": new_body, "tags": ["safety", "lab", "shoes"]},  # the title did not change
        "note": "Closed shoes are required since March.", "status": "pending", "item_changed": False,
        "decided_by": None, "reason": None}
    assert store.get_content("c-lab")["body"] == LAB_BODY  # nothing changes before L&D approve
    assert notifications(site, "p-lee", "edit_suggested") == [
        ("Ana Ruiz suggested a change to “Electronics lab safety rules”: “Closed shoes are required since March.”",
         f"/lnd/suggestions/{sid}")]

    detail = lee.get(f"/api/suggestions/{sid}").json()
    assert detail["diff"] == {
        "title": None, "kind": None,
        "tags": {"before": ["safety", "lab"], "after": ["safety", "lab", "shoes"], "added": ["shoes"], "removed": []},
        "body": [{"op": "equal", "text": "# Before you start\nWear safety glasses"},
                 {"op": "insert", "text": " and closed shoes"},
                 {"op": "equal", "text": " in the lab.\nKeep the fire door shut.\n\n# Soldering\n"
                                         "Switch the iron off after use."}]}
    assert sid in [s["id"] for s in lee.get("/api/suggestions", params={"status": "pending"}).json()["items"]]
    assert ana.post(f"/api/suggestions/{sid}/approve").status_code == 403  # not her own to approve

    approved = lee.post(f"/api/suggestions/{sid}/approve")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "lee")
    after = store.get_content("c-lab")
    assert (after["body"], after["tags"], after["official"], after["authors"]) == (
        new_body, ["safety", "lab", "shoes"], True, ["p-ana"])
    assert [(v["record"]["body"], v["edited_by"]) for v in store.versions("c-lab")] == [(LAB_BODY, "lee")]
    found = ana.get("/api/search", params={"q": "do I need closed shoes in the electronics lab"}).json()["results"]
    assert "c-lab" in [r["id"] for r in found[:3]]
    assert notifications(site, "p-ana", "suggestion_decided")[0] == (
        "Lee Park approved your suggested change to “Electronics lab safety rules”", "/content/c-lab")
    assert lee.post(f"/api/suggestions/{sid}/approve").status_code == 409  # decided once
    assert lee.post(f"/api/suggestions/{sid}/reject", json={"reason": "late"}).status_code == 409


def test_a_declined_suggestion_tells_its_suggester_why(site, api):
    bo, lee = api["bo"], api["lee"]
    sid = bo.post("/api/content/c-lab2/suggestions", json={"title": "Lab rules"}).json()["id"]
    assert lee.post(f"/api/suggestions/{sid}/reject", json={"reason": "   "}).status_code == 422
    assert lee.post(f"/api/suggestions/{sid}/reject", json={}).status_code == 422
    rejected = lee.post(f"/api/suggestions/{sid}/reject", json={"reason": "The full name is the one people search for."})
    assert (rejected.status_code, rejected.json()["status"], rejected.json()["reason"]) == (
        200, "rejected", "The full name is the one people search for.")
    assert site.services.store.get_content("c-lab2")["title"] == "Electronics lab safety rules"
    assert notifications(site, "p-bo", "suggestion_decided") == [
        (("Lee Park declined your suggested change to “Electronics lab safety rules”: “The full name is the one "
          "people search for.”"), "/content/c-lab2")]
    assert [s["id"] for s in bo.get("/api/suggestions").json()["items"]] == [sid]  # his own only


def test_who_may_suggest_see_decide_and_withdraw(site, api):
    ana, bo, cy, lee = api["ana"], api["bo"], api["cy"], api["lee"]
    new_title = {"title": "Lab rules (2026)"}
    assert cy.post("/api/content/c-lab3/suggestions", json=new_title).status_code == 403  # an employee
    refused = lee.post("/api/content/c-lab3/suggestions", json=new_title)
    assert refused.status_code == 403 and refused.json()["detail"].startswith("L&D edit official content directly")
    assert ana.post("/api/content/c-tips/suggestions", json=new_title).json()["detail"].startswith(
        "only official content takes suggested changes")
    assert ana.post("/api/content/c-fin/suggestions", json=new_title).status_code == 404  # Finance only
    assert ana.post("/api/content/c-nothing/suggestions", json=new_title).status_code == 404
    unchanged = ana.post("/api/content/c-lab3/suggestions", json={"title": "Electronics lab safety rules"})
    assert unchanged.status_code == 422 and unchanged.json()["detail"].startswith("the suggestion changes nothing")
    assert ana.post("/api/content/c-lab3/suggestions", json={"official": False}).status_code == 422
    assert ana.post("/api/content/c-lab3/suggestions", json={"body": ""}).status_code == 422
    assert ana.post("/api/content/c-lab3/suggestions", json={"note": "x" * 1001, **new_title}).status_code == 422

    sid = ana.post("/api/content/c-lab3/suggestions", json=new_title).json()["id"]
    assert bo.get(f"/api/suggestions/{sid}").status_code == 404  # another's suggestion does not exist for him
    assert bo.delete(f"/api/suggestions/{sid}").status_code == 404
    assert bo.post(f"/api/suggestions/{sid}/approve").status_code == 404
    assert sid not in [s["id"] for s in bo.get("/api/suggestions", params={"status": "pending"}).json()["items"]]
    assert lee.delete(f"/api/suggestions/{sid}").status_code == 403  # L&D decide; they do not withdraw
    assert lee.get("/api/suggestions/99999").status_code == 404
    withdrawn = ana.delete(f"/api/suggestions/{sid}")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert ana.delete(f"/api/suggestions/{sid}").status_code == 409
    assert lee.post(f"/api/suggestions/{sid}/approve").status_code == 409
    assert lee.get("/api/suggestions", params={"status": "bogus"}).status_code == 422


def test_a_suggestion_on_an_item_changed_since_is_shown_and_applied_against_the_current_text(site, api):
    ana, lee = api["ana"], api["lee"]
    body = LAB_BODY.replace("Switch the iron off", "Switch the iron off and park it in its stand")
    sid = ana.post("/api/content/c-lab4/suggestions", json={"body": body}).json()["id"]
    changed = lee.patch("/api/content/c-lab4", json={"title": "Electronics lab rules", "body": LAB_BODY + "\n\nNo food."})
    assert changed.status_code == 200
    detail = ana.get(f"/api/suggestions/{sid}").json()  # the suggester sees her own, diff included
    assert detail["item_changed"] is True and detail["item_title"] == "Electronics lab rules"
    assert detail["diff"]["body"][1:] == [  # against the current text, whose new line the suggestion lacks
        {"op": "insert", "text": "and park it in its stand "}, {"op": "equal", "text": "after use."},
        {"op": "delete", "text": "\n\nNo food."}]
    page = signed_in_http(site, "lee").get(f"/lnd/suggestions/{sid}")
    assert "The item changed after this suggestion was made." in page.text
    lee.post(f"/api/suggestions/{sid}/approve")
    after = site.services.store.get_content("c-lab4")
    assert (after["title"], after["body"]) == ("Electronics lab rules", body)  # L&D's new title stays


def test_pages_without_javascript_refuse_direct_saves_and_escape_what_is_suggested(site, api):
    ana, lee = signed_in_http(site, "ana"), signed_in_http(site, "lee")
    form = {"title": "Hacked", "body": "b", "kind": "policy", "tags": "", "official": "on"}
    refused = ana.post("/content/c-lab3/edit", data=form)
    assert refused.status_code == 403 and "suggest your change instead" in refused.text
    edit = ana.get("/content/c-lab3/edit")
    assert "Suggest a change to" in edit.text and 'action="/content/c-lab3/suggestions"' in edit.text
    assert "Edit this item" not in ana.get("/content/c-lab3").text
    empty = ana.post("/content/c-lab3/suggestions", data={"title": "", "body": LAB_BODY, "kind": "policy"})
    assert empty.status_code == 422 and 'id="title-error">Give the item a title.' in empty.text
    sent = ana.post("/content/c-lab3/suggestions",
                    data={"title": "Electronics lab safety rules", "body": LAB_BODY + "\n<script>window.__xss=1</script>",
                          "kind": "policy", "tags": "safety, lab", "note": "<b>urgent</b>"})
    assert (sent.status_code, sent.headers["location"]) == (303, "/content/c-lab3?suggested=1#suggestions")
    item_page = ana.get("/content/c-lab3?suggested=1")
    assert "Sent to L&amp;D for review" in item_page.text and "is waiting for L&amp;D" in item_page.text
    sid = api["ana"].get("/api/suggestions", params={"status": "pending"}).json()["items"][0]["id"]
    listed = lee.get("/lnd/suggestions")
    assert f'href="/lnd/suggestions/{sid}"' in listed.text and "&lt;b&gt;urgent&lt;/b&gt;" in listed.text
    review = lee.get(f"/lnd/suggestions/{sid}")
    assert "<ins>\n&lt;script&gt;window.__xss=1&lt;/script&gt;</ins>" in review.text and "<script>window" not in review.text
    assert lee.post(f"/lnd/suggestions/{sid}/reject", data={"reason": ""}).status_code == 422
    declined = lee.post(f"/lnd/suggestions/{sid}/reject", data={"reason": "No scripts, please."})
    assert (declined.status_code, declined.headers["location"]) == (303, f"/lnd/suggestions?rejected={sid}")
    assert "is waiting for L&amp;D" not in ana.get("/content/c-lab3").text
    ana.close()
    lee.close()


def test_an_sme_suggests_a_change_in_the_browser_and_lnd_approves_the_diff(browser, site):
    tabs = Tabs(browser, site)
    try:
        tab = tabs("bo")
        page = tab.go("/content/c-page")
        page.get_by_role("link", name="Suggest a change").click()
        body = page.get_by_label("Body")
        body.fill(LAB_BODY.replace("Keep the fire door shut.", "Keep the fire door shut and the exit clear."))
        page.get_by_label("Why this change?").fill("Boxes blocked the exit last week.")
        page.get_by_role("button", name="Suggest this change").click()
        page.wait_for_url(re.compile(r"/content/c-page\?suggested=1"))
        expect(page.locator(".notice.success")).to_contain_text("Sent to L&D for review")
        expect(page.locator("#suggestions")).to_contain_text("is waiting for L&D")

        lnd = tabs("lee").go("/lnd")
        suggestions_link = lnd.get_by_role("navigation", name="Learning and development").get_by_role(
            "link", name=re.compile("^Suggestions"))
        expect(suggestions_link).to_contain_text("1")
        suggestions_link.click()
        lnd.get_by_role("link", name="Electronics lab safety rules").click()
        expect(lnd.locator("#body-diff ins")).to_have_text(" and the exit clear")
        expect(lnd.locator("blockquote")).to_contain_text("Boxes blocked the exit last week.")
        lnd.get_by_role("button", name="Approve and publish").click()
        lnd.wait_for_url(re.compile(r"/lnd/suggestions\?approved=\d+"))
        lnd.get_by_role("link", name="Electronics lab safety rules").click()
        expect(lnd.locator(".prose")).to_contain_text("Keep the fire door shut and the exit clear.")
        expect(lnd.locator("#history")).to_contain_text("by lee")
        tab.assert_inert()
    finally:
        tabs.close()
