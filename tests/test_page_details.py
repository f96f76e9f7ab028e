"""Small things the pages say over plain HTTP: why an edit is refused, which section the navigation marks,
and where the cursor starts. A two-person organisation on a fresh data folder, no browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from indexer.importer import import_files
from tests.conftest import LiveServer, add_accounts, as_user, signed_in
from tests.factories import ANA, BO, VPN, jsonl


@pytest.fixture
def server(services, tmp_path) -> Iterator[LiveServer]:
    assert import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, BO, VPN)]).errors == []
    add_accounts(services, {"ana": ("contributor", "p-ana"), "bo": ("contributor", "p-bo"),
                            "cy": ("employee", None)})
    with LiveServer(services) as live:
        yield live


def _current(page: str) -> list[str]:
    """The labels of the links marked as the current page."""
    return re.findall(r'aria-current="page"[^>]*>([^<]*)<', page)


def test_editing_someone_elses_item_says_only_its_authors_may(server):
    with signed_in(server, "bo") as bo:
        refused = bo.get("/content/c-vpn/edit")
        assert refused.status_code == 403
        assert "only its authors and L&amp;D may edit it" in refused.text
        assert "role" not in refused.text
    with as_user(server, "bo") as api:
        refused = api.patch("/api/content/c-vpn", json={"title": "Hijacked"})
        assert (refused.status_code, refused.json()) == (403, {"detail": "only its authors and L&D may edit it"})


def test_an_employee_editing_is_told_about_the_role(server):
    with signed_in(server, "cy") as cy:
        refused = cy.get("/content/c-vpn/edit")
        assert refused.status_code == 403 and "this needs the contributor role" in refused.text


def test_content_page_does_not_claim_to_be_browse(server):
    with signed_in(server, "bo") as bo:
        assert _current(bo.get("/browse").text) == ["Browse"]
        page = bo.get("/content/c-vpn")
        assert page.status_code == 200 and _current(page.text) == []


def test_ask_page_focuses_the_question_box(server):
    with signed_in(server, "bo") as bo:
        boxes = re.findall(r"<input [^>]*>", bo.get("/").text)
        assert [box for box in boxes if " autofocus" in box] == [next(b for b in boxes if 'id="q"' in b)]
        # With a question asked, the results are what to read: the cursor is not pulled back to the box.
        assert " autofocus" not in bo.get("/", params={"q": "vpn token"}).text
        assert " autofocus" not in bo.get("/browse").text
