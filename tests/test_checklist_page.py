"""The checklist on the contribute page and in its live preview: tips that never block saving."""

import pytest

from indexer.importer import import_files
from tests.conftest import LiveServer, add_accounts, signed_in
from tests.factories import ANA, VPN, jsonl


@pytest.fixture
def server(services, tmp_path):
    assert import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, VPN)]).errors == []
    add_accounts(services, {"ana": ("contributor", "p-ana")})
    with LiveServer(services) as live:
        yield live


def test_the_checklist_shows_on_the_page_and_in_the_live_preview(server):
    with signed_in(server, "ana") as ana:
        page = ana.get("/contribute")
        assert page.status_code == 200 and '<section id="checklist" class="checklist"' in page.text
        preview = ana.post("/contribute/preview", data={"title": "Rooms", "kind": "howto", "new": "1",
                                                        "body": "- a\n- b\n- c\n"})
        assert preview.status_code == 200
        assert '<section id="checklist" class="checklist" hx-swap-oob="true"' in preview.text
        assert "not a single word" in preview.text and "Number the steps" in preview.text
        assert "3 words: add the context" in preview.text
        assert 'Not a near-duplicate<span class="visually-hidden">: done' in preview.text  # like nothing stored
        copy = ana.post("/contribute/preview", data={"title": VPN["title"], "kind": "howto", "new": "1",
                                                     "body": VPN["body"]})
        assert "<strong>Not a near-duplicate:</strong> it looks like “Resetting your VPN token”" in copy.text
