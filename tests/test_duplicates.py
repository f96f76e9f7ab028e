"""Near-duplicates: the pair score on hand-made vectors, the demo's replaced items found, the health page's
pages of pairs, and the contribute form's "This looks like" (live, without JavaScript, and never an item
the writer may not see)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from finder.duplicates import Doc, Pair, Vocabulary, likeness, near_duplicate_pairs, title_names
from tests.conftest import LiveServer
from tests.test_pages import Tabs, demo_site, signed_in_http

USERS = {
    "ana": ("contributor", "p03"),     # IT
    "priya": ("contributor", "p05"),   # Security
    "elena": ("lnd", "p60"),
}
DEMO_PAIRS = {("c218", "c219"), ("c001", "c002"), ("c121", "c122")}  # Expensify/Navan, AnyConnect/Tailscale, Zendesk


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, np.float32)
    return vector / np.linalg.norm(vector)


def doc(cid: str, *vectors: np.ndarray, title: str = "", body: str = "", kind: str = "howto",
        tags: tuple[str, ...] = ()) -> Doc:
    return Doc(cid, title or f"Item {cid.lower()}", body, kind, tags, np.stack(vectors))


# -- the score on hand-made vectors --

def test_title_names_are_capitalised_words_inside_a_title_and_acronyms():
    assert title_names("Setting up Cisco AnyConnect on your laptop") == {"Cisco", "AnyConnect"}
    assert title_names("RMA for a faulty sensor") == {"RMA"}
    assert title_names("iPhone backups") == {"iPhone"}
    assert title_names("boundary layer in simple shear flow") == set()
    assert title_names("How do I tamp?") == set()


def test_likeness_adds_tags_and_a_rare_name_and_takes_off_another_kind():
    old = doc("a", unit(1, 0, 0, 0), unit(0, 1, 0, 0), title="Setting up AnyConnect", tags=("vpn",))
    new = doc("b", unit(1, 0, 0, 0), title="Moving to Tailscale", body="AnyConnect is switched off.", tags=("vpn",))
    others = [doc(f"x{i}", unit(0, 0, 1, i), tags=("misc",)) for i in range(8)]
    vocabulary = Vocabulary([old, new, *others])
    like = likeness(old, new, vocabulary)
    # text: mean-vector cosine 0.707 and best passage 1.0, averaged; tags all shared; AnyConnect in 2 of 10 items
    assert (like.text, like.tags, like.name, like.same_kind) == (0.854, 1.0, "AnyConnect", True)
    assert like.score == pytest.approx(0.854 + 0.3 * 1.0 + 0.4 * np.log(10 / 2) / np.log(10), abs=1e-3)
    story = doc("c", unit(1, 0, 0, 0), title="Moving to Tailscale", body="AnyConnect is switched off.",
                kind="anecdote", tags=("vpn",))
    assert likeness(old, story, vocabulary).score == pytest.approx(like.score - 0.2, abs=1e-3)


def test_untagged_items_count_as_half_agreeing_and_a_common_name_as_little():
    a = doc("a", unit(1, 0), title="Payroll at Northwind")
    b = doc("b", unit(1, 0), body="Northwind pays on the 25th.")
    everyone = [doc(f"x{i}", unit(0, 1), body="Northwind") for i in range(20)]
    like = likeness(a, b, Vocabulary([a, b, *everyone]))
    assert (like.tags, like.name) == (None, "Northwind")
    assert like.score == pytest.approx(1.0 + 0.3 * 0.5, abs=1e-3)  # Northwind is in every item: no evidence


def test_pairs_are_the_neighbours_above_the_threshold_best_first():
    docs = [
        doc("old", unit(1, 0.1, 0, 0), tags=("vpn", "remote")),
        doc("new", unit(1, 0, 0.1, 0), tags=("vpn", "remote")),
        doc("copy", unit(0, 0, 1, 0), tags=("expenses",)),
        doc("copy2", unit(0, 0.05, 1, 0), tags=("expenses",)),
        doc("cousin", unit(0.6, 0, 0, 0.8), tags=("vpn",)),
        doc("alone", unit(0, 0, 0, 1), tags=("lab",)),
    ]
    pairs = near_duplicate_pairs(docs, threshold=1.0)
    assert [(p.first, p.second) for p in pairs] == [("copy", "copy2"), ("old", "new")]
    assert all(isinstance(p, Pair) and p.likeness.score >= 1.0 for p in pairs)
    assert near_duplicate_pairs(docs, threshold=1.4) == []
    assert near_duplicate_pairs(docs[:1], threshold=0.0) == []


# -- the demo organisation --

def test_demo_replaced_items_are_found_as_near_duplicates(demo_services):
    pairs = demo_services.duplicates.pairs()
    found = {tuple(sorted((p.first, p.second))) for p in pairs}
    assert DEMO_PAIRS <= found
    assert len(pairs) < 40  # a list to read, not every neighbour (20 at the calibrated score)


# -- pages over HTTP --

@pytest.fixture(scope="module")
def site(demo_services, embedder, tmp_path_factory) -> Iterator[LiveServer]:
    services = demo_site(demo_services, embedder, tmp_path_factory.mktemp("duplicates-demo"), USERS)
    with LiveServer(services) as server:
        yield server
    services.close()


@pytest.fixture(scope="module")
def restricted(site) -> dict:
    """An item only the Security team (and L&D) may see."""
    lnd = signed_in_http(site, "elena")
    try:
        created = lnd.post("/api/content", json={
            "title": "Rotating the HSM master key in KeyForge", "kind": "howto", "tags": ["hsm", "keys"],
            "authors": ["p05"], "visible_teams": ["Security"],
            "body": "Once a year the KeyForge HSM master key is rotated. Book a two-person window, export the "
                    "wrapped key backup to the safe, run keyforge rotate --master, then verify every service "
                    "can still unwrap its data keys before closing the window.",
        })
    finally:
        lnd.close()
    assert created.status_code == 201, created.text
    return created.json()


def client_of(site: LiveServer, name: str) -> Iterator[httpx.Client]:
    client = signed_in_http(site, name)
    yield client
    client.close()


@pytest.fixture
def ana(site):
    yield from client_of(site, "ana")


@pytest.fixture
def priya(site):
    yield from client_of(site, "priya")


@pytest.fixture
def elena(site):
    yield from client_of(site, "elena")


def test_health_page_shows_duplicate_pairs_side_by_side(elena):
    page = elena.get("/lnd/health", params={"list": "duplicates"})
    assert page.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", page.text, re.S)
    vpn = [row for row in rows if 'href="/content/c001"' in row and 'href="/content/c002"' in row]
    assert len(vpn) == 1
    assert "Setting up Cisco AnyConnect on your laptop" in vpn[0] and "both name “AnyConnect”" in vpn[0]
    assert re.search(r"score 1\.\d\d", vpn[0])
    assert vpn[0].index("c001") < vpn[0].index("c002")  # the older item first


def test_health_lists_come_a_page_at_a_time(elena):
    first = elena.get("/lnd/health", params={"list": "stale"})
    total = int(re.search(r"1–25 of (\d+)", first.text).group(1))
    assert total > 50 and first.text.count('href="/content/') == 25
    assert 'rel="next" href="/lnd/health?list=stale&amp;page=2"' in first.text
    second = elena.get("/lnd/health", params={"list": "stale", "page": 2})
    assert "26–50 of" in second.text and 'rel="prev"' in second.text
    past_the_end = elena.get("/lnd/health", params={"list": "stale", "page": 999})
    assert f"of {total}" in past_the_end.text  # the last page, not an empty one
    assert elena.get("/lnd/health", params={"list": "nothing"}).status_code == 422


def test_health_page_is_for_lnd_only(ana):
    assert ana.get("/lnd/health", params={"list": "duplicates"}).status_code == 403


def expensify_draft(site) -> dict:
    body = site.services.store.get_content("c218")["body"]
    return {"title": "How to submit your expenses in Expensify", "body": body, "kind": "howto", "tags": "expenses"}


def test_publishing_a_near_duplicate_asks_first_without_javascript(site, ana):
    draft = expensify_draft(site)
    asked = ana.post("/contribute", data=draft)
    assert asked.status_code == 200
    assert re.search(r'This looks like <a href="/content/c218"[^>]*>Submitting expenses in Expensify</a>', asked.text)
    assert 'name="publish_anyway" value="1"' in asked.text and "Publish anyway" in asked.text
    assert "a USB analyser you needed today" in asked.text and 'value="How to submit your expenses' in asked.text
    published = ana.post("/contribute", data={**draft, "publish_anyway": "1"})
    assert published.status_code == 303 and re.match(r"/content/c-[0-9a-f]{12}\?saved=1", published.headers["location"])


def test_the_live_preview_warns_while_writing(site, ana):
    draft = expensify_draft(site)
    preview = ana.post("/contribute/preview", data={**draft, "new": "1"})
    assert preview.status_code == 200
    assert '<div id="similar" hx-swap-oob="true"' in preview.text and 'href="/content/c218"' in preview.text
    quiet = ana.post("/contribute/preview", data={"title": "Borrowing the lab's oscilloscope", "new": "1",
                                                  "body": "Ask Pedro for the key, sign the sheet by the door."})
    assert '<div id="similar" hx-swap-oob="true"' in quiet.text and "This looks like" not in quiet.text
    edit = ana.post("/contribute/preview", data=draft)  # the edit form's preview: no warning
    assert 'id="similar"' not in edit.text


def test_the_warning_never_names_an_item_the_writer_may_not_see(site, restricted, ana, priya):
    draft = {"title": "How to rotate the KeyForge HSM master key", "kind": "howto", "tags": "hsm, keys", "new": "1",
             "body": restricted["body"]}
    assert restricted["id"] in priya.post("/contribute/preview", data=draft).text
    hidden = ana.post("/contribute/preview", data=draft).text
    assert restricted["id"] not in hidden and "This looks like" not in hidden


def test_the_api_still_creates_near_duplicates_without_asking(site, elena):
    draft = expensify_draft(site)
    created = elena.post("/api/content", json={**draft, "tags": ["expenses"], "authors": ["p60"]})
    assert created.status_code == 201
    similar = created.json()["similar"]
    assert "c218" in [s["id"] for s in similar] and created.json()["id"] not in [s["id"] for s in similar]
    assert set(similar[0]) == {"id", "title", "score", "similarity", "name"}


# -- in a browser --

def test_the_form_says_this_looks_like_while_typing_then_publishes_anyway(browser, site):
    tabs = Tabs(browser, site)
    try:
        page = tabs("ana").go("/contribute")
        page.get_by_label("Title").fill("Expenses in Expensify: how to submit them")
        page.get_by_label("Tags").fill("expenses")
        page.get_by_label("Body").press_sequentially(
            "Photograph each receipt with SmartScan in the Expensify app, choose a category, add the business "
            "purpose and submit the report to your manager by the 5th of the following month.")
        warning = page.locator("#similar .notice")
        warning.wait_for()
        assert "/content/c218" in [a.get_attribute("href") for a in warning.locator("a").all()]
        assert warning.inner_text().startswith("This looks like ")
        assert "Submitting expenses in Expensify" in warning.inner_text()
        page.get_by_role("button", name="Publish", exact=True).click()
        page.get_by_role("button", name="Publish anyway").click()
        page.wait_for_url(re.compile(r"/content/c-[0-9a-f]{12}\?saved=1"))
        assert page.locator("h1").inner_text() == "Expenses in Expensify: how to submit them"
    finally:
        tabs.close()
