"""L&D's account management over real HTTP (API and pages, CSRF included), in Chromium, and through the CLI:
every route goes through the same actions, so the same rules hold everywhere."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from indexer.importer import import_files
from tests.conftest import PASSWORD, TIMEOUT_MS, LiveServer, add_accounts, as_user, cli_env, http_client, signed_in
from tests.factories import ANA, BO, jsonl, person
from web.cli import cli

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

LEE = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")


@pytest.fixture
def org(services, tmp_path):
    """Lee (L&D), Ana (contributor), Bo (employee, not linked to a person yet)."""
    import_files(services.indexer, [jsonl(tmp_path / "people.jsonl", ANA, BO, LEE)])
    return add_accounts(services, {"lee": ("lnd", "p-lee"), "ana": ("contributor", "p-ana"), "bo": ("employee", None)})


@pytest.fixture
def server(org):
    with LiveServer(org) as live:
        yield live


def _id(services, name: str) -> int:
    return services.store.user_by_name(name)["id"]


def _sign_in(server, name: str, password: str = PASSWORD) -> int:
    with http_client(server.url) as browser:
        return browser.post("/api/session", json={"username": name, "password": password}).status_code


def test_accounts_list_role_person_and_last_sign_in(server):
    assert _sign_in(server, "ana") == 200
    with as_user(server, "lee") as lee:
        users = {u["username"]: u for u in lee.get("/api/users").json()["users"]}
    assert sorted(users) == ["ana", "bo", "lee"]
    ana = users["ana"]
    assert (ana["role"], ana["person_id"], ana["person_name"], ana["disabled"]) == ("contributor", "p-ana", "Ana Ruiz",
                                                                                    False)
    assert ana["last_sign_in"] is not None and users["bo"]["last_sign_in"] is None
    assert users["lee"]["live_tokens"] == 1  # the token this client uses


def test_invite_without_a_password_hands_over_a_made_up_one(server):
    with as_user(server, "lee") as lee:
        created = lee.post("/api/users", json={"username": "cy", "person_id": "p-bo"})
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["role"], body["person_id"], body["person_name"]) == ("employee", "p-bo", "Bo Chen")
        assert len(body["temporary_password"]) >= 16
        assert _sign_in(server, "cy", body["temporary_password"]) == 200
        # One person, one account: a second account for Bo would share their authorship and inbox.
        again = lee.post("/api/users", json={"username": "cy2", "person_id": "p-bo"})
        assert again.status_code == 409 and "already linked to account 'cy'" in again.json()["detail"]
        short = lee.post("/api/users", json={"username": "dee", "password": "short"})
        assert short.status_code == 422 and "at least 10 characters" in short.json()["detail"]
        taken = lee.post("/api/users", json={"username": "ana"})
        assert taken.status_code == 409


def test_role_disable_reset_revoke_and_link(server):
    services = server.services
    bo_id = _id(services, "bo")
    with as_user(server, "bo") as bo_api, as_user(server, "lee") as lee, signed_in(server, "bo") as bo_browser:
        assert bo_api.get("/api/me").status_code == 200
        changed = lee.put(f"/api/users/{bo_id}", json={"role": "contributor", "person_id": "p-bo"})
        assert changed.status_code == 200
        assert (changed.json()["role"], changed.json()["person_id"]) == ("contributor", "p-bo")
        assert bo_api.get("/api/me").json()["team"] == "Finance"  # the link decides what Bo sees

        # Disabling ends the session at once and stops the token; enabling lets the token work again.
        assert lee.put(f"/api/users/{bo_id}", json={"disabled": True}).json()["disabled"] is True
        assert bo_browser.get("/api/me").status_code == 401
        assert bo_api.get("/api/me").status_code == 401
        assert _sign_in(server, "bo") == 401
        assert lee.put(f"/api/users/{bo_id}", json={"disabled": False}).status_code == 200
        assert bo_api.get("/api/me").status_code == 200

        reset = lee.post(f"/api/users/{bo_id}/password", json={})
        assert reset.status_code == 200
        assert _sign_in(server, "bo") == 401
        assert _sign_in(server, "bo", reset.json()["temporary_password"]) == 200

        revoked = lee.delete(f"/api/users/{bo_id}/tokens")
        assert revoked.json() == {"revoked": 1}
        assert bo_api.get("/api/me").status_code == 401

        assert lee.put(f"/api/users/{bo_id}", json={"person_id": ""}).json()["person_id"] is None
    actions = [row["action"] for row in services.store.audit_entries(50) if row["target"] == "bo"]
    assert {"user_changed", "password_reset", "tokens_revoked"} <= set(actions)


def test_only_lnd_manages_accounts_and_nobody_demotes_themselves(server):
    lee_id, ana_id = _id(server.services, "lee"), _id(server.services, "ana")
    with as_user(server, "ana") as ana:
        for method, path, body in [("GET", "/api/users", None), ("GET", f"/api/users/{lee_id}", None),
                                   ("PUT", f"/api/users/{ana_id}", {"role": "lnd"}),
                                   ("POST", f"/api/users/{lee_id}/password", {}),
                                   ("DELETE", f"/api/users/{lee_id}/tokens", None)]:
            assert ana.request(method, path, json=body).status_code == 403, (method, path)
        assert ana.get("/lnd/accounts").status_code == 403
    with as_user(server, "lee") as lee:
        refused = lee.put(f"/api/users/{lee_id}", json={"role": "employee"})
        assert refused.status_code == 403 and "your own account" in refused.json()["detail"]
        assert lee.put(f"/api/users/{lee_id}", json={"disabled": True}).status_code == 403
        assert lee.post(f"/api/users/{lee_id}/password", json={}).status_code == 403
        assert lee.get("/api/users/9999").status_code == 404


def test_accounts_page_works_without_javascript_and_needs_the_csrf_token(server):
    services = server.services
    with signed_in(server, "lee", csrf_header=False) as page:
        listing = page.get("/lnd/accounts")
        assert listing.status_code == 200 and 'href="/lnd/accounts"' in listing.text
        assert page.post("/lnd/accounts", data={"username": "eve", "role": "lnd"}).status_code == 403
        assert services.store.user_by_name("eve") is None

        created = page.post("/lnd/accounts", data={"username": "<b>eve</b>", "role": "employee",
                                                   "person_id": "", "csrf_token": page.csrf})
        assert created.status_code == 201
        assert "&lt;b&gt;eve&lt;/b&gt;" in created.text and "<b>eve</b>" not in created.text
        eve_id = _id(services, "<b>eve</b>")
        assert "it is not shown again" in created.text

        bad = page.post("/lnd/accounts", data={"username": "two words", "csrf_token": page.csrf})
        assert bad.status_code == 422 and "without spaces" in bad.text

        def post(path: str, **data):
            return page.post(f"/lnd/accounts/{eve_id}{path}", data={**data, "csrf_token": page.csrf})

        assert post("/role", role="contributor").status_code == 303
        assert post("/person", person_id="p-bo").status_code == 303
        assert post("/directory", title="Payroll lead", team="People Ops", location="Lisbon").status_code == 303
        assert post("/status", disabled="true").status_code == 303
        too_long = post("/directory", title="x" * 300, team="People Ops", location="Lisbon")
        assert too_long.status_code == 422 and "title" in too_long.text
        assert post("/role", role="admin").status_code == 422
    bo = services.store.get_person("p-bo")
    assert (bo["title"], bo["team"], bo["location"]) == ("Payroll lead", "People Ops", "Lisbon")
    eve = services.store.user(eve_id)
    assert (eve["role"], eve["person_id"], eve["disabled"]) == ("contributor", "p-bo", 1)


def test_accounts_page_in_chromium(server, browser):
    page = browser.new_page()
    try:
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server.url + "/login?next=/lnd")
        page.get_by_label("User name").fill("lee")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Accounts").click()
        expect(page.locator("#accounts tbody tr")).to_have_count(3)
        page.get_by_label("User name").fill("cy")
        page.get_by_role("combobox", name="Person").select_option("p-bo")
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="cy")).to_be_visible()
        password = page.locator("#new-password code").inner_text()
        page.get_by_role("combobox", name="Role").select_option("contributor")
        page.get_by_role("button", name="Change role").click()
        expect(page.get_by_text("The role is now contributor.")).to_be_visible()
        page.get_by_label("Team").fill("People Ops")
        page.get_by_role("button", name="Save directory fields").click()
        expect(page.get_by_text("Saved their directory fields.")).to_be_visible()
        page.get_by_role("link", name="All accounts").click()
        expect(page.locator("#accounts tbody tr", has_text="cy")).to_contain_text("Bo Chen")
    finally:
        page.close()
    assert _sign_in(server, "cy", password) == 200
    assert server.services.store.get_person("p-bo")["team"] == "People Ops"
    assert server.services.store.user_by_name("cy")["role"] == "contributor"


def test_cli_manages_accounts_through_the_same_rules(org):
    data = str(org.settings.data)
    runner = CliRunner()
    env = cli_env(org.settings)

    def run(*args):
        return runner.invoke(cli, ["--data", data, "user", *args], env=env)

    assert run("link", "bo", "p-ana").output.strip() == "Error: person 'p-ana' is already linked to account 'ana'"
    assert run("link", "bo", "p-bo").exit_code == 0
    assert run("disable", "bo").output == "bo is disabled\n"
    assert org.store.user_by_name("bo")["disabled"] == 1
    assert run("enable", "bo").exit_code == 0
    made_up = run("password", "bo").output.strip()
    assert _check(org, "bo", made_up)
    assert run("revoke-tokens", "bo").output == "revoked 0 token(s) of bo\n"
    wrong = run("role", "bo", "admin")
    assert wrong.exit_code == 2 and "Invalid value for 'ROLE': 'admin' is not one of" in wrong.output
    listing = run("list").output.splitlines()
    assert listing[0].startswith("ana\tcontributor\tp-ana\tnever signed in")
    assert listing[1] == "bo\temployee\tp-bo\tnever signed in"


def _check(services, name: str, password: str) -> bool:
    from web.security import verify_password

    return verify_password(services.store.user_by_name(name)["password_hash"], password)
