"""Accounts on the pages, in the browser and over plain HTTP: sign-in, roles, who edits what, CSRF,
team-restricted content staying out of sight, and readers' feedback landing in the store."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect

from models.records import Audience, Content
from tests.conftest import LiveServer, http_client
from tests.test_pages import (
    ARTIFACTS,
    PASSWORD,
    demo_site,
    signed_in_http,
)

USERS = {
    "ana": ("contributor", "p03"),     # Ana Ruiz, IT
    "kwame": ("contributor", "p04"),   # Kwame Mensah, IT
    "jonas": ("employee", "p02"),      # Jonas Weber, IT
    "sam": ("employee", "p20"),        # Sam O'Connor, Software: becomes a contributor in a test
    "heike": ("employee", "p45"),      # Heike Schröder, Finance
    "elena": ("lnd", "p60"),           # Elena Petrova, L&D
}
FINANCE_ONLY = Content(
    id="c-fin", title="Q3 payroll restructuring plan", authors=["p45"], tags=["payroll", "restructuring-q3"],
    kind="policy", visible_teams=["Finance"],
    body="Confidential: the payroll restructuring moves payday processing to the Lisbon shared-service centre "
         "in Q3. Salaries keep being paid on the 25th; payslips move to the new portal.",
)
FINANCE_QUESTION = "payroll restructuring payday processing Lisbon"


@pytest.fixture(scope="module")
def site(demo_services, embedder, tmp_path_factory) -> Iterator[LiveServer]:
    services = demo_site(demo_services, embedder, tmp_path_factory.mktemp("page-auth"), USERS)
    top_tag = services.store.tag_counts()[0][0]  # so the tag cloud (top 40) shows whether the item counts
    services.indexer.save_content(FINANCE_ONLY.model_copy(update={"tags": [*FINANCE_ONLY.tags, top_tag]}))
    with LiveServer(services) as server:
        yield server
    services.close()



@pytest.fixture(scope="module")
def clients(site) -> Iterator[dict[str, httpx.Client]]:
    """One signed-in plain HTTP client per account (sending the CSRF header, as htmx does)."""
    made = {name: signed_in_http(site, name) for name in ("ana", "kwame", "jonas", "heike", "elena")}
    yield made
    for client in made.values():
        client.close()


def anonymous(site) -> httpx.Client:
    return http_client(site.url)


# -- signing in --

def test_anonymous_visitor_is_sent_to_sign_in(site):
    with anonymous(site) as visitor:
        for path in ("/", "/browse?tag=vpn", "/people/p03", "/mentors", "/content/c001", "/contribute", "/lnd"):
            response = visitor.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"] == "/login?next=" + quote(path), path
        assert visitor.post("/content/c001/thanks").headers["location"] == "/login?next=/content/c001/thanks"


def test_anonymous_reading_when_allowed_shows_pages_without_forms(site, embedder):
    from web.services import Services

    reading_room = Services(site.services.settings.model_copy(update={"allow_anonymous_read": True}), embedder)
    try:
        with LiveServer(reading_room) as server, anonymous(server) as visitor:
            results = visitor.get("/", params={"q": "how do I set up the vpn"})
            assert results.status_code == 200 and 'class="card"' in results.text
            assert 'method="post"' not in results.text and 'href="/login">Sign in</a>' in results.text
            item = visitor.get("/content/c002")
            assert item.status_code == 200 and 'method="post"' not in item.text and "data-dwell" not in item.text
            assert visitor.get("/content/c-fin").status_code == 404  # restricted items stay restricted
            assert visitor.post("/content/c002/thanks").headers["location"] == "/login?next=/content/c002/thanks"
            assert visitor.get("/contribute").headers["location"] == "/login?next=/contribute"
    finally:
        reading_room.close()


def test_sign_in_with_a_wrong_password_then_the_right_one_and_sign_out(tab_as, site):
    tab = tab_as.anonymous()
    page = tab.go("/browse?tag=vpn")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_label("User name").fill("jonas")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("unknown user name or wrong password")
    assert page.get_by_label("User name").input_value() == "jonas"  # kept
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url + "/browse?tag=vpn")  # back where they were going
    header = page.locator(".header-account")
    assert "Jonas Weber" in header.inner_text()
    assert page.get_by_role("link", name="L&D").count() == 0  # for the L&D role only
    header.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    tab.go("/browse")
    page.wait_for_url(re.compile(r"/login\?next=/browse$"))


# -- roles and permissions --

def test_an_employee_becomes_a_contributor_before_writing(tab_as, clients):
    assert clients["jonas"].post("/contribute", data={"title": "x", "body": "y"}).status_code == 403
    assert clients["jonas"].get("/content/c001/edit").status_code == 403
    page = tab_as("sam").go("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contribute").click()
    assert page.get_by_label("Title").count() == 0  # no form yet...
    page.get_by_role("button", name="Become a contributor").click()  # ...until one click
    page.wait_for_url(re.compile(r"/contribute$"))
    assert page.locator(".written-by").inner_text() == "Sam O'Connor (you)"
    assert page.get_by_label("Title").is_visible()


def test_a_contributor_edits_and_restores_only_their_own_items(tab_as, site, clients):
    store = site.services.store
    original = store.get_content("c001")  # written by Ana
    assert original["authors"][0] == "p03"
    kwame = clients["kwame"]
    assert "Edit this item" not in kwame.get("/content/c001").text
    refused = kwame.get("/content/c001/edit")
    assert refused.status_code == 403 and "only its authors and L&amp;D may edit it" in refused.text
    assert kwame.post("/content/c001/edit", data={"title": "Hijacked", "body": "x", "kind": "howto"}).status_code == 403

    page = tab_as("ana").go("/content/c001")
    page.get_by_role("link", name="Edit this item").click()
    page.get_by_label("Title").fill("Setting up Cisco AnyConnect (2026 client)")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/content/c001\?saved=1"))
    assert page.locator("h1").inner_text() == "Setting up Cisco AnyConnect (2026 client)"
    history = page.locator("#history li")
    assert history.count() == 1 and original["title"] in history.first.inner_text()
    assert store.versions("c001")[0]["edited_by"] == "ana"
    assert kwame.post(f"/content/c001/versions/{store.versions('c001')[0]['version']}/restore").status_code == 403
    history.first.get_by_role("button", name=re.compile("^Restore")).click()
    page.wait_for_url(re.compile(r"/content/c001\?restored=1"))
    assert page.locator("h1").inner_text() == original["title"]
    assert page.locator("#history li").count() == 2  # the edited text is kept too
    assert store.get_content("c001")["title"] == original["title"]


def test_only_lnd_marks_items_official(site, clients):
    store = site.services.store
    item = store.get_content("c001")
    form = {"title": item["title"], "body": item["body"], "kind": item["kind"], "tags": ", ".join(item["tags"]),
            "official": "on"}
    assert "Official: reviewed" not in clients["ana"].get("/content/c001/edit").text
    refused = clients["ana"].post("/content/c001/edit", data=form)  # refused, as by the API
    assert refused.status_code == 403 and "only L&amp;D marks items official" in refused.text
    assert store.get_content("c001")["official"] is False
    assert "Official: reviewed" in clients["elena"].get("/content/c001/edit").text
    assert clients["elena"].post("/content/c001/edit", data={**form, "author": "p03"}).status_code == 303
    assert store.get_content("c001")["official"] is True


def test_profiles_and_mentoring_requests_are_answered_by_their_person_or_lnd(site, clients):
    store = site.services.store
    assert clients["jonas"].get("/people/p03/edit").status_code == 403
    assert clients["jonas"].post("/people/p03/edit", data={"bio": "hacked"}).status_code == 403
    assert "Edit profile" not in clients["jonas"].get("/people/p03").text
    assert "Edit profile" in clients["jonas"].get("/people/p02").text
    sent = clients["jonas"].post("/mentors/request", data={"mentor": "p03", "goal": "vpn", "message": "Teach me?"})
    assert sent.headers["location"].startswith("/people/p02?")  # sent as the signed-in person
    request_id = store.list_requests(kind="mentoring", assignee="p03")[0]["id"]
    assert clients["kwame"].post(f"/mentors/requests/{request_id}/accept").status_code == 404  # none of his business
    assert clients["ana"].post(f"/mentors/requests/{request_id}/accept").status_code == 303
    assert store.get_request(request_id)["status"] == "in_progress"


# -- CSRF --

class _Forms(HTMLParser):
    """Counts POST forms and the CSRF fields inside them."""

    def __init__(self):
        super().__init__()
        self.posts, self.with_token, self._open = 0, 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.posts, self._open = self.posts + 1, True
        elif tag == "input" and self._open and attrs.get("name") == "csrf_token" and attrs.get("value"):
            self.with_token, self._open = self.with_token + 1, False

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False


def test_every_post_form_carries_the_csrf_token_and_posts_without_it_are_refused(site, clients):
    for path in ("/?q=how+do+I+set+up+the+vpn", "/content/c002", "/contribute", "/people/p03", "/people/p03/edit",
                 "/mentors/request?mentor=p01", "/account"):
        forms = _Forms()
        forms.feed(clients["elena"].get(path).text)
        assert forms.posts > 0 and forms.with_token == forms.posts, path
    with http_client(site.url) as browser_without_js:
        browser_without_js.post("/login", data={"username": "kwame", "password": PASSWORD})
        token = browser_without_js.get("/api/me").json()["csrf_token"]
        for path, data in [("/content/c002/comments", {"body": "hi"}), ("/content/c002/thanks", {}),
                           ("/requests", {"q": "forged request"}), ("/logout", {})]:
            refused = browser_without_js.post(path, data=data)
            assert refused.status_code == 403 and "did not come from this site" in refused.text, path
            assert browser_without_js.post(path, data={**data, "csrf_token": "wrong"}).status_code == 403
        accepted = browser_without_js.post("/content/c002/comments", data={"body": "hi", "csrf_token": token})
        assert (accepted.status_code, accepted.headers["location"]) == (303, "/content/c002#comments")


# -- visibility --

def _result_ids(client, question: str) -> list[str]:
    page = client.get("/", params={"q": question}).text
    return re.findall(r'class="card-title"><a href="/content/([^"?]+)', page)


def test_a_finance_only_item_stays_out_of_sight_of_other_teams(site, clients):
    it, finance, lnd = clients["jonas"], clients["heike"], clients["elena"]
    assert "c-fin" in _result_ids(finance, FINANCE_QUESTION)
    assert "c-fin" in _result_ids(lnd, FINANCE_QUESTION)
    outsider_page = it.get("/", params={"q": FINANCE_QUESTION}).text
    assert "c-fin" not in _result_ids(it, FINANCE_QUESTION) and "shared-service" not in outsider_page

    assert finance.get("/content/c-fin").status_code == 200
    hidden = it.get("/content/c-fin")
    assert hidden.status_code == 404 and "There is no item with id" in hidden.text
    views = site.services.store.get_content("c-fin")["views"]
    it.get("/content/c-fin")
    assert site.services.store.get_content("c-fin")["views"] == views  # an outsider's attempt is no view

    top_tag, count = site.services.store.tag_counts()[0]
    tag_link = f'href="/browse?tag={top_tag}">{top_tag} <span class="count">{{}}</span>'
    for client, sees in ((finance, True), (it, False)):
        browse = client.get("/browse", params={"sort": "newest"}).text
        assert ("Q3 payroll restructuring plan" in browse) is sees
        assert tag_link.format(count if sees else count - 1) in browse  # tag counts include it or not
        assert ("Q3 payroll restructuring plan" in client.get("/people/p45").text) is sees
    assert it.get("/browse", params={"tag": "restructuring-q3"}).text.count('class="card"') == 0
    assert finance.get("/browse", params={"tag": "restructuring-q3"}).text.count('class="card"') == 1

    # Related items: an item whose related list holds the Finance item for Finance people.
    finder = site.services.finder
    neighbour = next(hit.id for hit in finder.ask(FINANCE_QUESTION, log=False).results
                     if hit.id != "c-fin" and "c-fin" in [h.id for h in finder.related(hit.id, 5, Audience(team="Finance"))[0]])
    assert 'href="/content/c-fin"' in finance.get(f"/content/{neighbour}").text
    assert 'href="/content/c-fin"' not in it.get(f"/content/{neighbour}").text


# -- feedback --

def test_feedback_ratings_comments_thanks_and_reading_time_land_in_the_store(tab_as, site):
    store = site.services.store
    tab = tab_as("jonas")
    page = tab.go("/?q=how+do+I+reset+okta+verify+on+a+new+phone")  # a submitted question: logged
    feedback_forms = page.locator(".card form.helpful")
    expect(feedback_forms.first).to_be_visible()
    query_id = page.locator(".card form.helpful input[name=query_id]").first.get_attribute("value")
    first = page.locator(".card").first
    content_id = first.locator("input[name=content_id]").get_attribute("value")
    first.get_by_role("button", name=re.compile("^Yes")).click()
    expect(first.locator(".helpful.thanks")).to_be_visible()  # htmx swapped in the thanks
    page.get_by_label("Anything to add?").fill("Needed the steps for Android too")
    page.locator("#search-feedback").get_by_role("button", name="No").click()
    expect(page.locator(".helpful.thanks")).to_have_count(2)
    votes = store.db.execute("SELECT query_id, content_id, helpful, comment, person_id FROM feedback "
                             "WHERE query_id = ? ORDER BY id", [query_id]).fetchall()
    assert votes == [(query_id, content_id, 1, "", "p02"), (query_id, None, 0, "Needed the steps for Android too", "p02")]

    first.locator(".card-title a").click()
    page.wait_for_url(re.compile(rf"/content/{content_id}\?from={query_id}"))
    page.locator("#rating").get_by_role("button", name="4 stars").click()
    expect(page.locator("#rating legend")).to_have_text(re.compile("You gave it 4 stars"))
    page.get_by_label("Add a comment").fill("Worked on my Pixel.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-body")).to_have_text(["Worked on my Pixel."])
    page.locator("#comments summary", has_text="Reply").click()
    page.get_by_label("Your reply").fill("Same on Samsung.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".replies .comment-body")).to_have_text(["Same on Samsung."])
    page.get_by_role("button", name="Thank the authors").click()
    expect(page.locator("#kudos")).to_contain_text("1 colleague thanked the authors, you among them")
    assert page.get_by_role("button", name="Thank the authors").count() == 0  # once per reader
    time.sleep(1.2)
    tab.go("/browse")  # leaving the page sends the seconds it was visible

    assert store.rating_by(content_id, "p02") == 4
    assert [(c["author"], c["body"], [(r["author"], r["body"]) for r in c["replies"]]) for c in store.comments_of(content_id)] == [
        ("p02", "Worked on my Pixel.", [("p02", "Same on Samsung.")])]
    assert store.kudos_for_content([content_id]) == {content_id: 1}
    deadline = time.monotonic() + 10
    while True:
        events = store.db.execute("SELECT kind, query_id, person_id, seconds FROM events WHERE content_id = ? "
                                  "ORDER BY id", [content_id]).fetchall()
        if any(kind == "dwell" for kind, *_ in events) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [e[:3] for e in events] == [("view", None, "p02"), ("open", query_id, "p02"), ("dwell", query_id, "p02")]
    assert events[2][3] >= 1.0


def test_feedback_forms_work_without_javascript(site, clients):
    store = site.services.store
    client = clients["kwame"]
    page = client.get("/", params={"q": "how do I book a meeting room"}).text
    query_id = re.search(r'name="query_id" value="([0-9a-f]{32})"', page).group(1)
    voted = client.post("/feedback", data={"query_id": query_id, "content_id": "c002", "helpful": "no"})
    assert (voted.status_code, voted.headers["location"]) == (303, "/?q=how+do+I+book+a+meeting+room&thanks=1")
    logged = len(store.recent_queries(10_000))
    back = client.get(voted.headers["location"]).text
    assert "Thanks for your feedback" in back and len(store.recent_queries(10_000)) == logged  # not logged twice
    assert client.post("/feedback", data={"query_id": "0" * 32, "helpful": "yes"}).status_code == 404
    assert client.post("/content/c002/rating", data={"stars": "5"}).headers["location"] == "/content/c002#rating"
    assert client.post("/content/c002/rating", data={"stars": "9"}).status_code == 422
    assert client.post("/content/c002/thanks").headers["location"] == "/content/c002#kudos"
    assert client.post("/events/dwell", data={"content_id": "c002", "seconds": "12.5"}).status_code == 204
    assert client.post("/content/c-fin/rating", data={"stars": "1"}).status_code == 404  # not his to see
    assert store.rating_by("c002", "p04") == 5 and store.thanked("c002", "p04")
    assert store.db.execute("SELECT seconds FROM events WHERE kind = 'dwell' AND content_id = 'c002' "
                            "AND person_id = 'p04'").fetchall() == [(12.5,)]
    assert store.db.execute("SELECT helpful FROM feedback WHERE query_id = ? AND content_id = 'c002'",
                            [query_id]).fetchall() == [(0,)]


# -- L&D --

def test_lnd_dashboard_renders_charts_for_lnd_only(tab_as, clients):
    assert clients["jonas"].get("/lnd").status_code == 403
    clients["elena"].get("/", params={"q": "how do I claim travel expenses"})  # a search to chart
    page = tab_as("elena").go("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="L&D").click()
    page.wait_for_url(re.compile(r"/lnd$"))
    expect(page.locator("h1")).to_have_text("Learning & development")
    assert page.locator("svg[role=img]").count() >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "lnd-dashboard.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
