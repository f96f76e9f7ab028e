"""Writing templates per kind: L&D edits one on its page or over the API, "New item" starts from it, reset
brings the default back; only L&D changes them. Over the real app."""

from __future__ import annotations

import pytest

from indexer.importer import import_files
from tests.conftest import LiveServer, add_accounts, as_user, signed_in
from tests.factories import ANA, jsonl
from web.actions.templates import DEFAULTS


@pytest.fixture
def server(services, tmp_path):
    assert import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA)]).errors == []
    add_accounts(services, {"ana": ("contributor", "p-ana"), "sam": ("employee", None), "lee": ("lnd", None)})
    with LiveServer(services) as live:
        yield live


def test_defaults_are_served_until_l_and_d_edits_one(server):
    with as_user(server, "sam") as sam:
        got = sam.get("/api/templates/howto")
        assert got.status_code == 200
        assert got.json() == {"kind": "howto", "skeleton": DEFAULTS["howto"][0], "guidance": DEFAULTS["howto"][1],
                              "customised": False, "updated": None, "updated_by": None}
        assert "## Steps" in got.json()["skeleton"] and "## If it goes wrong" in got.json()["skeleton"]


def test_l_and_d_edits_a_template_and_new_items_start_from_it(server):
    with signed_in(server, "lee") as lee:
        assert lee.get("/lnd/templates").status_code == 200
        assert 'href="/lnd/templates"' in lee.get("/lnd").text
        assert "Skeleton" in lee.get("/lnd/templates/anecdote").text
        saved = lee.post("/lnd/templates/anecdote", data={"skeleton": "## Our story\n\n", "guidance": "Be **brief**.",
                                                          "csrf": lee.csrf})
        assert saved.status_code == 303
        assert "<strong>brief</strong>" in lee.get("/lnd/templates").text
    with signed_in(server, "ana") as ana:
        page = ana.get("/contribute?kind=anecdote")
        assert page.status_code == 200
        assert ">## Our story\n\n</textarea>" in page.text and "Be <strong>brief</strong>." in page.text
        assert '<option value="anecdote" selected>' in page.text
        assert "Our story" not in ana.get("/contribute").text
    with as_user(server, "lee") as lee:
        put = lee.put("/api/templates/anecdote", json={"skeleton": "<script>x</script>", "guidance": "<b>x</b>"})
        assert put.status_code == 200 and put.json()["customised"] is True and put.json()["updated_by"] == "lee"
    with signed_in(server, "ana") as ana:
        page = ana.get("/contribute?kind=anecdote").text
        assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    with signed_in(server, "lee") as lee:
        assert lee.post("/lnd/templates/anecdote/reset", data={"csrf": lee.csrf}).status_code == 303
    with as_user(server, "ana") as ana:
        assert ana.get("/api/templates/anecdote").json()["skeleton"] == DEFAULTS["anecdote"][0]


def test_only_l_and_d_changes_templates(server):
    body = {"skeleton": "x", "guidance": "y"}
    for name in ("sam", "ana"):
        with as_user(server, name) as client:
            assert client.put("/api/templates/howto", json=body).status_code == 403
        with signed_in(server, name) as browser:
            assert browser.get("/lnd/templates").status_code == 403
            assert browser.post("/lnd/templates/howto", data={**body, "csrf": browser.csrf}).status_code == 403
    with as_user(server, "sam") as sam:
        assert sam.get("/api/templates/howto").json()["customised"] is False


def test_unknown_kind_and_bad_bodies(server):
    with as_user(server, "lee") as lee:
        assert lee.get("/api/templates/recipe").status_code == 404
        assert lee.put("/api/templates/recipe", json={"skeleton": "", "guidance": ""}).status_code == 404
        assert lee.put("/api/templates/howto", json={"skeleton": 3}).status_code == 422
        assert lee.put("/api/templates/howto", json={"skeleton": "x" * 20_001, "guidance": ""}).status_code == 422
    with signed_in(server, "lee") as lee:
        assert lee.get("/lnd/templates/recipe").status_code == 404
