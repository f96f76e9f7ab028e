"""What a new user trips over on the pages (issue 16): comments render their Markdown, safely; the header is
one compact row on a phone with every link reachable by touch and keyboard; co-authors are typed by name
with suggestions instead of Ctrl/Cmd-clicking a multi-select. Real server on a demo copy, real Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from models.records import Person
from tests.conftest import LiveServer
from tests.test_pages import USERS, demo_site, signed_in_http
from web.markdown import comment_to_html

PHONE = {"width": 375, "height": 800}
SECONDARY = ["Questions", "People", "Find a mentor", "Contribute", "L&D"]
NEW_ITEM = {"title": "Zanzibar falafel night for the Lisbon office", "kind": "howto", "tags": "food",
            "body": "Book the zanzibar falafel van two weeks ahead and tell facilities.", "publish_anyway": "1"}


@pytest.fixture(scope="module")
def site(demo_services, embedder, tmp_path_factory) -> Iterator[LiveServer]:
    """The demo organisation with the pages' accounts (ana, priya and jonas; elena is L&D), copied for these tests."""
    services = demo_site(demo_services, embedder, tmp_path_factory.mktemp("first-hour"), USERS)
    with LiveServer(services) as server:
        yield server
    services.close()



@pytest.fixture
def http(site) -> Iterator[httpx.Client]:
    """Ana, a contributor, over plain HTTP: what a page without JavaScript posts."""
    client = signed_in_http(site, "ana")
    yield client
    client.close()


@pytest.fixture
def lnd_http(site) -> Iterator[httpx.Client]:
    client = signed_in_http(site, "elena")
    yield client
    client.close()


def _comment_bodies(page: str) -> list[str]:
    return re.findall(r'<div class="comment-body prose">(.*?)</div>', page, flags=re.S)


def _coauthor_values(page: str) -> list[str]:
    return re.findall(r'<input id="coauthors[^"]*" name="coauthors" type="text" value="([^"]*)"', page)


# -- comments --

def test_comment_markdown_keeps_text_sized_and_images_as_links():
    assert str(comment_to_html("# Big news\n\nSee ![the chart](https://img.example/c.png)")) == (
        '<p><strong>Big news</strong></p>\n<p>See <a href="https://img.example/c.png" '
        'rel="noopener noreferrer nofollow">the chart</a></p>\n')
    assert str(comment_to_html("Setext heading\n===\nline one\nline two")) == (
        "<p><strong>Setext heading</strong></p>\n<p>line one<br>\nline two</p>\n")
    assert str(comment_to_html("![x](javascript:alert(1)) <script>alert(1)</script>")) == (
        "<p>![x](javascript:alert(1)) &lt;script&gt;alert(1)&lt;/script&gt;</p>\n")


def test_comments_render_their_markdown_sanitised(site, http):
    body = ("## Steps\n1. Open **Okta**\n2. Reset it\n\nthen sign in\nagain\n\n"
            "![screenshot](https://img.example/s.png) [docs](https://docs.example/okta)\n\n"
            "<img src=x onerror=alert(1)> [x](javascript:alert(1))")
    posted = http.post("/content/c018/comments", data={"body": body})
    assert (posted.status_code, posted.headers["location"]) == (303, "/content/c018#comments")
    assert _comment_bodies(http.get("/content/c018").text)[-1] == (
        '<p><strong>Steps</strong></p>\n<ol>\n<li>Open <strong>Okta</strong></li>\n<li>Reset it</li>\n</ol>\n'
        '<p>then sign in<br>\nagain</p>\n'
        '<p><a href="https://img.example/s.png" rel="noopener noreferrer nofollow">screenshot</a> '
        '<a href="https://docs.example/okta" rel="noopener noreferrer nofollow">docs</a></p>\n'
        "<p>&lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1))</p>\n")


def test_comment_markdown_in_the_browser_is_inert(tab_as):
    tab = tab_as("priya")
    page = tab.go("/content/c021")
    page.get_by_label("Add a comment").fill(
        '# Shouting\n\n<img src=x onerror="window.__xss=1;alert(1)"> **bold** and [a link](https://example.com/a)\n\n'
        "![pic](https://example.com/p.png) [js](javascript:alert(1))")
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator(".comment-body").last
    expect(comment.locator("strong").first).to_have_text("Shouting")
    assert comment.locator("h1, h2, h3, h4, h5, h6, img").count() == 0
    assert [link.get_attribute("href") for link in comment.locator("a").all()] == [
        "https://example.com/a", "https://example.com/p.png"]
    for link in comment.locator("a").all():
        assert {"nofollow", "noopener"} <= set(link.get_attribute("rel").split())
    tab.assert_inert()


# -- the header --

def _header_height(page) -> float:
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")


def _inside_the_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_phone_header_is_one_row_with_every_link_a_tap_away(tab_as, site):
    ana = signed_in_http(site, "ana")  # a comment on Priya's item: she has something unread
    assert ana.post("/content/c019/comments", data={"body": "Thanks, ran it with my team."}).status_code == 303
    ana.close()
    tab = tab_as("priya")
    page = tab.page
    page.set_viewport_size(PHONE)
    tab.go("/people")
    assert _header_height(page) <= 70
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    header = page.locator(".site-header")
    for label in ("Ask", "Browse"):
        assert header.get_by_role("link", name=label, exact=True).is_visible()
    assert not header.get_by_role("link", name="Questions").is_visible()
    more, account = header.locator("summary", has_text="More"), header.locator("summary", has_text="Account")
    assert more.get_attribute("class") == "current"  # People is in this menu
    unread = account.locator(".badge.unread")
    assert re.fullmatch(r"[1-9]\d*", unread.text_content().removesuffix(" unread"))

    more.click()
    for label in SECONDARY[:-1]:  # Priya is a contributor: no L&D link
        assert _inside_the_screen(header.get_by_role("link", name=label, exact=True))
    assert header.get_by_role("link", name="L&D").count() == 0
    account.click()  # one menu at a time (<details name>): More closes
    assert not header.get_by_role("link", name="Questions").is_visible()
    for link in ("Signed in as Priya Raman", "Requests", "Inbox"):
        assert _inside_the_screen(header.get_by_role("link", name=re.compile("^" + link)))
    assert _inside_the_screen(header.get_by_role("button", name="Sign out"))
    more.click()
    header.get_by_role("link", name="Find a mentor").click()
    page.wait_for_url(re.compile(r"/mentors$"))


def test_phone_header_works_from_the_keyboard_with_focus_visible(tab_as):
    tab = tab_as("elena")  # L&D: the longest menu
    page = tab.page
    page.set_viewport_size(PHONE)
    tab.go("/browse")
    assert _header_height(page) <= 70
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    reached = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return {tag: e.tagName, text: e.innerText.trim().replace(/\\s+/g, " "), outline: s.outlineStyle,
                    inHeader: !!e.closest('.site-header')}; }""")
        if not focused["inHeader"]:
            break
        assert focused["outline"] != "none", focused
        reached.append(re.sub(r" \d+ unread$", "", focused["text"]))  # the Account menu's badge
        if focused["tag"] == "SUMMARY":
            page.keyboard.press("Enter")  # opens the menu; the next Tab goes into it
    assert reached[0] == "k Knowhow" and reached[4:] == [*SECONDARY, "Account", "Signed in as Elena Petrova",
                                                         "Requests", "Following", "Inbox", "Sign out"], reached
    assert reached[1:4] == ["Ask", "Browse", "More pages"]


def test_wide_header_shows_every_link_inline(tab_as):
    page = tab_as("elena").go("/content/c010")
    header = page.locator(".site-header")
    assert _header_height(page) <= 70
    for label in ["Ask", "Browse", *SECONDARY, "Requests", "Following", "Inbox"]:
        assert header.get_by_role("link", name=label, exact=True).is_visible(), label
    assert header.locator("summary").evaluate_all("summaries => summaries.map(s => s.offsetParent)") == [None, None]
    assert header.locator("[aria-current]").count() == 0  # an item's page is no section of the menu


# -- co-authors --

def test_coauthors_are_typed_by_name_with_suggestions(site, http):
    form = http.get("/contribute").text
    assert "multiple" not in form and '<option value="Priya Raman (p05)">' in form
    assert _coauthor_values(form) == ["", ""]
    saved = http.post("/contribute", data={**NEW_ITEM, "coauthors": ["Priya Raman (p05)", "lukas  BRANDT, p02"]})
    assert saved.status_code == 303, saved.text
    item_id = saved.headers["location"].split("/content/")[1].split("?")[0]
    assert site.services.store.get_content(item_id)["authors"] == ["p03", "p05", "p06", "p02"]
    edit = http.get(f"/content/{item_id}/edit").text
    assert _coauthor_values(edit) == ["Priya Raman (p05)", "Lukas Brandt (p06)", "Jonas Weber (p02)", ""]


def test_a_name_matching_nobody_or_several_people_is_explained(site, http):
    store = site.services.store
    for pid in ("p-sam1", "p-sam2"):
        site.services.indexer.upsert_person(Person(id=pid, name="Sam Lee"))
    before = store.stats()
    page = http.post("/contribute", data={**NEW_ITEM, "coauthors": ["Priya Ramen", "sam lee", "Lukas Brandt"]})
    assert page.status_code == 422
    assert ('<p class="field-error" id="coauthors-error">Nobody here is called “Priya Ramen”. Did you mean '
            "“Priya Raman (p05)”? Several people are called “sam lee”: write “Sam Lee (p-sam1)” or "
            "“Sam Lee (p-sam2)”.</p>") in page.text
    assert _coauthor_values(page.text) == ["Priya Ramen", "sam lee", "Lukas Brandt (p06)", ""]  # as typed
    assert store.stats() == before
    fixed = http.post("/contribute", data={**NEW_ITEM, "coauthors": ["Priya Raman", "Sam Lee (p-sam2)"]})
    assert fixed.status_code == 303
    item_id = fixed.headers["location"].split("/content/")[1].split("?")[0]
    assert store.get_content(item_id)["authors"] == ["p03", "p05", "p-sam2"]


def test_add_another_coauthor_box_without_javascript(site, http):
    before = site.services.store.stats()
    page = http.post("/contribute", data={**NEW_ITEM, "coauthors": ["priya raman", ""], "more_coauthors": "2"})
    assert page.status_code == 200 and site.services.store.stats() == before
    assert _coauthor_values(page.text) == ["Priya Raman (p05)", "", ""]
    assert re.search(r'id="coauthors-3"[^>]*autofocus', page.text)
    assert f'value="{NEW_ITEM["title"]}"' in page.text and NEW_ITEM["body"] + "</textarea>" in page.text
    assert http.post("/contribute", data={**NEW_ITEM, "more_coauthors": "many"}).status_code == 422


def test_lnd_writes_for_a_colleague_with_coauthors(site, lnd_http):
    saved = lnd_http.post("/contribute", data={**NEW_ITEM, "author": "p05", "coauthors": ["Ana Ruiz"]})
    assert saved.status_code == 303, saved.text
    item_id = saved.headers["location"].split("/content/")[1].split("?")[0]
    assert site.services.store.get_content(item_id)["authors"] == ["p05", "p03"]


def test_coauthors_in_a_phone_browser(tab_as, site):
    tab = tab_as("ana")
    page = tab.page
    page.set_viewport_size(PHONE)
    tab.go("/contribute")
    page.get_by_label("Title").fill("Zanzibar falafel van: the phone checklist")
    page.get_by_label("Body").fill("Zanzibar falafel van checklist: gas, permits, napkins.")
    page.get_by_label("Co-author 1").fill("Priya Raman (p05)")
    page.get_by_role("button", name="Add another co-author").click()
    expect(page.get_by_label("Co-author 3")).to_be_focused()
    page.keyboard.type("Jonas Weber")
    page.keyboard.press("Enter")  # publishes: "Add another co-author" is not the form's default button
    page.wait_for_url(re.compile(r"/content/c-"))
    item_id = page.url.split("/content/")[1].split("?")[0]
    assert site.services.store.get_content(item_id)["authors"] == ["p03", "p05", "p02"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
