"""One rule, one place: the API and the pages answer the same way, and the holes found by trying the
two side by side stay closed (issue 9). Real app over HTTP, real SQLite, FAISS and model."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from indexer.importer import import_files
from tests.conftest import PASSWORD, LiveServer, as_user, signed_in, password_hash
from tests.factories import ANA, BO, PAYROLL, VPN, content, jsonl, person

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

SECRET = content(
    "c-secret", title="Q3 layoffs plan for the Finance team", authors=["p-bo"], visible_teams=["Finance"],
    body="Confidential: the payroll restructuring plan moves payday processing to Lisbon in Q3.",
)
LEE = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")
CY = person("p-cy", name="Cy Okafor", team="HR", title="Onboarding lead", mentor=True)


@pytest.fixture
def org(make_services, tmp_path):
    """Ana (IT, contributor), Bo (Finance, contributor), Cy (HR, employee, a mentor), Lee (L&D)."""
    services = make_services(max_query_chars=200)
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, CY, LEE, VPN, PAYROLL, SECRET)])
    for name, role, pid in [("ana", "contributor", "p-ana"), ("bo", "contributor", "p-bo"),
                            ("cy", "employee", "p-cy"), ("lee", "lnd", "p-lee")]:
        services.store.create_user(name, password_hash(PASSWORD), role, pid)
    return services


@pytest.fixture
def server(org):
    with LiveServer(org) as live:
        yield live




def test_team_names_are_stored_as_the_directory_spells_them(server):
    with as_user(server, "ana") as ana:
        created = ana.post("/api/content", json={"title": "IT only", "body": "For IT.", "authors": ["p-ana"],
                                                 "visible_teams": ["it"]})
        assert created.status_code == 201 and created.json()["visible_teams"] == ["IT"]
        assert ana.get(f"/api/content/{created.json()['id']}").status_code == 200
        elsewhere = ana.post("/api/content", json={"title": "x", "body": "y", "authors": ["p-ana"],
                                                   "visible_teams": ["finance"]})
        assert (elsewhere.status_code, elsewhere.json()["detail"]) == (
            422, "include your own team (IT), or you could not see the item yourself")
        unknown = ana.post("/api/content", json={"title": "x", "body": "y", "authors": ["p-ana"],
                                                 "visible_teams": ["Narnia"]})
        assert unknown.status_code == 422 and unknown.json()["detail"].startswith("no team is called Narnia")


def test_a_deleted_restricted_id_is_not_free_and_its_versions_stay_restricted(server):
    """Holes 1 and 2."""
    with as_user(server, "ana") as ana, as_user(server, "lee") as lee, as_user(server, "bo") as bo:
        assert bo.put("/api/content/c-secret", json={**_fields(SECRET), "body": "Second draft."}).status_code == 200
        assert lee.delete("/api/content/c-secret").status_code == 204
        # Ana (IT) cannot take the id over, and learns nothing about it.
        taken = ana.post("/api/content", json={"id": "c-secret", "title": "t", "body": "b", "authors": ["p-ana"]})
        fresh = ana.post("/api/content", json={"id": "c-fresh", "title": "t", "body": "b", "authors": ["p-ana"]})
        assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json()) and taken.status_code == 403
        put_taken = ana.put("/api/content/c-secret", json={"title": "t", "body": "b", "authors": ["p-ana"]})
        put_fresh = ana.put("/api/content/c-fresh", json={"title": "t", "body": "b", "authors": ["p-ana"]})
        assert put_taken.status_code == put_fresh.status_code == 404
        assert ana.get("/api/content/c-secret/versions").status_code == 404
        # L&D brings the id back open to everyone: the restricted past stays with Finance.
        assert lee.put("/api/content/c-secret", json={"title": "Open now", "body": "Nothing secret.",
                                                      "authors": ["p-bo"]}).status_code == 201
        assert ana.get("/api/content/c-secret/versions").json() == {"versions": []}
        restricted = [v["version"] for v in bo.get("/api/content/c-secret/versions").json()["versions"]]
        assert len(restricted) == 2
        assert ana.post(f"/api/content/c-secret/versions/{restricted[0]}/restore").status_code in (403, 404)
        with as_user(server, "lee") as lee_again:
            assert lee_again.get("/api/content/c-secret/versions").json()["versions"][0]["record"]["visible_teams"] == ["Finance"]


def test_an_item_that_opens_up_keeps_its_restricted_versions_hidden(server):
    """Hole 2."""
    with as_user(server, "bo") as bo, as_user(server, "ana") as ana:
        opened = bo.put("/api/content/c-secret", json={**_fields(SECRET), "body": "Public now.", "visible_teams": []})
        assert opened.status_code == 200
        assert ana.get("/api/content/c-secret").status_code == 200
        assert ana.get("/api/content/c-secret/versions").json() == {"versions": []}
        assert len(bo.get("/api/content/c-secret/versions").json()["versions"]) == 1


def test_only_lnd_adds_people_so_nobody_picks_a_team(server):
    """Hole 3: a user whose person record was deleted cannot recreate it in another team."""
    with as_user(server, "lee") as lee, as_user(server, "ana") as ana:
        assert lee.delete("/api/people/p-ana").status_code == 204
        recreated = ana.put("/api/people/p-ana", json={"name": "Ana", "team": "Finance"})
        assert recreated.status_code == 403
        assert ana.get("/api/people/p-ana").status_code == 404
        assert ana.get("/api/content/c-secret").status_code == 404


def test_own_profile_edits_lock_the_same_directory_fields_everywhere(server):
    with as_user(server, "ana") as ana:
        own = ana.put("/api/people/p-ana", json={"name": "Ana R.", "title": "CEO", "team": "Finance",
                                                 "location": "Mars", "bio": "Networks.", "skills": ["wifi"]})
        assert own.status_code == 200
        body = own.json()
        assert (body["name"], body["title"], body["team"], body["location"], body["bio"], body["skills"]) == (
            "Ana Ruiz", "Network engineer", "IT", "Madrid", "Networks.", ["wifi"])
        patched = ana.patch("/api/people/p-ana", json={"team": "Finance"})
        assert (patched.status_code, patched.json()["detail"]) == (403, "only L&D changes team")
        assert ana.patch("/api/people/p-ana", json={"bio": "Wi-Fi too."}).json()["bio"] == "Wi-Fi too."
    with signed_in(server, "ana") as page:
        page.post("/people/p-ana/edit", data={"bio": "From the form", "skills": "vpn", "title": "CEO"})
        assert server.services.store.get_person("p-ana")["title"] == "Network engineer"


def test_contributors_publish_as_themselves(server):
    """Hole 4."""
    with as_user(server, "ana") as ana:
        ghost = ana.post("/api/content", json={"title": "By Bo", "body": "b", "authors": ["p-bo"]})
        assert (ghost.status_code, ghost.json()["detail"]) == (
            403, "you publish as yourself: include your own person id among the authors")
        assert ana.post("/api/content", json={"title": "Ours", "body": "b", "authors": ["p-bo", "p-ana"]}).status_code == 201
        removed = ana.put("/api/content/c-vpn", json={**_fields(VPN), "authors": ["p-bo"]})
        assert removed.status_code == 403


def test_the_official_mark_is_refused_the_same_way_on_the_page(server):
    with signed_in(server, "ana") as page:
        response = page.post("/content/c-vpn/edit", data={"title": "VPN", "body": "Reset it.", "kind": "howto",
                                                          "official": "on"})
        assert response.status_code == 403 and "only L&amp;D marks items official" in response.text
    assert server.services.store.get_content("c-vpn")["official"] is False


def test_hidden_items_answer_like_missing_ones(server):
    """Hole 5: no existence oracle through feedback, creation, replacement, stats or the expert prior."""
    with as_user(server, "ana") as ana, as_user(server, "lee") as lee:
        hidden = ana.post("/api/feedback", json={"content_id": "c-secret", "helpful": True})
        missing = ana.post("/api/feedback", json={"content_id": "c-nothing", "helpful": True})
        assert (hidden.status_code, missing.status_code) == (404, 404)
        assert hidden.json()["detail"].replace("c-secret", "X") == missing.json()["detail"].replace("c-nothing", "X")
        assert ana.put("/api/content/c-secret", json={"title": "t", "body": "b"}).status_code == 404
        assert ana.get("/api/stats").json() == {"people": 4, "mentors": 2, "content": 2}
        assert lee.get("/api/stats").json()["content"] == 3
        # The expert prior counts what the asker may see: Bo's hidden item neither lifts nor reveals him
        # (with two items of Ana's, Bo's hidden second one would put him level with her).
        assert ana.post("/api/content", json={"title": "Wi-Fi in Madrid", "body": "Use the NW-Staff network.",
                                              "authors": ["p-ana"]}).status_code == 201
        seen_by_ana = ana.get("/api/experts", params={"q": "when is payday"}).json()["experts"]
        assert lee.delete("/api/content/c-secret").status_code == 204
        assert ana.get("/api/experts", params={"q": "when is payday"}).json()["experts"] == seen_by_ana


def test_limits_come_from_the_settings(server):
    with as_user(server, "ana") as ana:
        too_long = ana.get("/api/search", params={"q": "x" * 201})
        assert (too_long.status_code, too_long.json()["detail"]) == (422, "the question is longer than 200 characters")
    with signed_in(server, "ana") as page:
        assert page.post("/requests", data={"q": "y" * 201}).status_code == 422


@pytest.mark.parametrize("path", [
    "/api/analytics?until=0001-01-01", "/api/gaps?since=0001-01-01", "/lnd/gaps?until=9999-12-31",
    "/lnd?since=0001-01-01", "/browse?page=9223372036854775807", "/people?page=99999999999999999999",
])
def test_out_of_range_values_get_a_4xx_not_a_500(server, path):
    """Hole 9."""
    with signed_in(server, "lee") as lee:
        assert lee.get(path).status_code == 422
        assert lee.post("/account/tokens/99999999999999999999/revoke").status_code == 422


def test_an_embedded_image_neither_counts_a_view_nor_logs_a_question(server):
    """Hole 11: `![x](/?q=...)` and `![y](/content/c-vpn)` in someone's item run in every reader's browser."""
    store = server.services.store
    with signed_in(server, "bo") as reader:  # not Ana: an author's own views never count
        image = {"Sec-Fetch-Dest": "image", "Accept": "image/avif,image/webp,*/*"}
        before = store.stats()["queries"]
        assert reader.get("/", params={"q": "how do I reset my vpn token"}, headers=image).status_code == 200
        assert reader.get("/content/c-vpn", headers=image).status_code == 200
        assert (store.stats()["queries"], store.get_content("c-vpn")["views"]) == (before, 0)
        visit = {"Sec-Fetch-Dest": "document", "Accept": "text/html"}
        reader.get("/", params={"q": "how do I reset my vpn token"}, headers=visit)
        reader.get("/content/c-vpn", headers=visit)
        assert (store.stats()["queries"], store.get_content("c-vpn")["views"]) == (before + 1, 1)


def test_mentoring_requests_are_seen_by_the_two_people_and_lnd_only(server):
    """Hole 12."""
    message = "I would like to learn how our VPN works, secretly"
    server.services.store.add_request("mentoring", "p-cy", "vpn basics", message, assignee="p-ana")
    with ExitStack() as stack:
        readers = {name: stack.enter_context(signed_in(server, name)) for name in ("ana", "bo", "cy", "lee")}
        shown = {name: message in c.get("/people/p-ana").text for name, c in readers.items()}
        assert shown == {"ana": True, "bo": False, "cy": True, "lee": True}
        assert "0 of 2 mentee places taken" in readers["bo"].get("/people/p-ana").text
        request_id = server.services.store.list_requests(kind="mentoring", assignee="p-ana")[0]["id"]
        assert readers["bo"].post(f"/mentors/requests/{request_id}/accept").status_code == 404
        assert readers["ana"].post(f"/mentors/requests/{request_id}/accept").status_code == 303
        assert "1 of 2 mentee places taken" in readers["bo"].get("/people/p-ana").text


def _fields(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("type", "id")}
