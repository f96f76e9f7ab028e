"""Who may do what, over real HTTP: sign-in, roles, tokens, SSO proxy, CSRF, throttling, audit, headers,
size limits, versions, and restricted content never leaking to other teams."""

from __future__ import annotations

import pytest

from indexer.importer import import_files
from tests.conftest import LiveServer, api_token, client, http_client, password_hash
from tests.factories import ANA, BO, PAYROLL, VPN, content, jsonl, person

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

SECRET = content(
    "c-secret", title="Q3 layoffs plan for the Finance team", authors=["p-bo"], visible_teams=["Finance"],
    body="Confidential: the payroll restructuring plan moves payday processing to Lisbon in Q3.",
)
PASSWORD = "long enough password"


@pytest.fixture
def org(services, tmp_path):
    """Ana (IT, contributor), Bo (Finance, employee), Lee (L&D); a Finance-only item among the rest."""
    lee = person("p-lee", name="Lee Park", team="L&D", title="Learning partner")
    import_files(services.indexer, [jsonl(tmp_path / "x.jsonl", ANA, BO, lee, VPN, PAYROLL, SECRET)])
    for name, role, pid in [("ana", "contributor", "p-ana"), ("bo", "employee", "p-bo"), ("lee", "lnd", "p-lee")]:
        services.store.create_user(name, password_hash(PASSWORD), role, pid)
    return services


@pytest.fixture
def server(org):
    with LiveServer(org) as live:
        yield live


def as_user(server, name):
    return client(server, api_token(server.services, name))


def test_nothing_without_signing_in_unless_anonymous_reading_is_on(server, make_services):
    with client(server) as anonymous:
        assert anonymous.get("/api/search", params={"q": "vpn"}).status_code == 401
        assert anonymous.get("/api/content/c-vpn").json() == {"detail": "sign in first (or use an API token)"}
    open_services = make_services(server.services.settings.data, allow_anonymous_read=True)
    with LiveServer(open_services) as open_server, client(open_server) as anonymous:
        assert anonymous.get("/api/search", params={"q": "vpn"}).status_code == 200
        assert anonymous.post("/api/feedback", json={"content_id": "c-vpn", "helpful": True}).status_code == 401
        assert anonymous.post("/api/content", json={"title": "t", "body": "b"}).status_code == 401


def test_roles(server):
    new = {"title": "Wi-Fi in Madrid", "body": "Use the NW-Staff network.", "authors": ["p-ana"]}
    with as_user(server, "bo") as bo, as_user(server, "ana") as ana, as_user(server, "lee") as lee:
        assert bo.post("/api/content", json=new).status_code == 403  # an employee does not write yet...
        assert bo.post("/api/me/contributor").json() == {"role": "contributor"}  # ...until one click
        created = ana.post("/api/content", json=new)
        assert created.status_code == 201 and created.json()["created_by"] == "ana"
        assert bo.put("/api/content/c-vpn", json={**new, "title": "hijack"}).status_code == 403  # not his
        assert ana.put("/api/content/c-vpn", json={**new, "official": True}).json()["detail"].startswith("only L&D marks")
        assert lee.put("/api/content/c-vpn", json={**new, "official": True}).status_code == 200
        # Official now, so L&D keep it: its author suggests changes instead of saving them (issue 15).
        assert ana.put("/api/content/c-vpn", json={**new, "official": True}).json()["detail"].startswith(
            "official content is kept by L&D: suggest your change instead")
        assert ana.get("/api/gaps").status_code == 403 and lee.get("/api/gaps").status_code == 200
        assert ana.put("/api/people/p-bo", json={"name": "Bo X"}).status_code == 403
        own = ana.put("/api/people/p-ana", json={"name": "Ana R.", "team": "Finance", "skills": ["wifi"]})
        assert own.status_code == 200
        assert (own.json()["skills"], own.json()["team"], own.json()["name"]) == (["wifi"], "IT", "Ana Ruiz")
        assert ana.post("/api/import", content=b"").status_code == 403


def test_restricted_content_never_reaches_other_teams(server):
    question = "payroll restructuring plan payday processing"
    with as_user(server, "ana") as ana, as_user(server, "bo") as bo, as_user(server, "lee") as lee:
        outsider = ana.get("/api/search", params={"q": question, "k": 10}).json()
        assert "c-secret" not in [r["id"] for r in outsider["results"]]
        assert "Lisbon" not in str(outsider)  # not in snippets either
        assert all("layoffs" not in " ".join(e["why"]) for e in outsider["experts"])
        assert ana.get("/api/content/c-secret").status_code == 404
        assert "c-secret" not in [i["id"] for i in ana.get("/api/content", params={"limit": 200}).json()["items"]]
        assert ana.get("/api/content").json()["total"] == 2
        assert ana.get("/api/people/p-bo").json()["contributions"] == 1  # the payroll item only
        assert ana.put("/api/content/c-secret/rating", json={"stars": 5}).status_code == 404
        assert ana.get("/api/gaps").status_code == 403 and ana.get("/api/analytics").status_code == 403
        experts = ana.get("/api/experts", params={"q": question}).json()["experts"]
        assert all("layoffs" not in " ".join(e["why"]) for e in experts)

        insider = bo.get("/api/search", params={"q": question}).json()
        assert insider["results"][0]["id"] == "c-secret"
        assert bo.get("/api/people/p-bo").json()["contributions"] == 2
        assert lee.get("/api/search", params={"q": question}).json()["results"][0]["id"] == "c-secret"


def test_related_items_respect_visibility(org):
    from models.records import Audience

    hits, _ = org.finder.related("c-pay", k=5, audience=Audience(team="IT"))
    assert "c-secret" not in [h.id for h in hits]
    hits, _ = org.finder.related("c-pay", k=5, audience=Audience(team="Finance"))
    assert "c-secret" in [h.id for h in hits]


def test_session_sign_in_csrf_logout_and_password_change(server):
    with client(server) as browser:
        signed = browser.post("/api/session", json={"username": "ana", "password": PASSWORD})
        assert signed.status_code == 200 and signed.json()["role"] == "contributor"
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        csrf = signed.json()["csrf_token"]
        assert browser.get("/api/me").json()["username"] == "ana"
        # A state change without the session's CSRF token is refused, saying which header is missing; with it
        # accepted. A page keeps words for a person ("the form has expired").
        missing = browser.post("/api/feedback", json={"content_id": "c-vpn", "helpful": True})
        assert missing.status_code == 403
        assert missing.json()["detail"] == ("a request signed in with a session cookie (or by the SSO proxy) must "
                                            "send the X-CSRF-Token header: the csrf_token from POST /api/session "
                                            "(or GET /api/me)")
        wrong = browser.post("/api/feedback", json={"content_id": "c-vpn", "helpful": True},
                             headers={"X-CSRF-Token": "x" + csrf})
        assert wrong.json()["detail"] == "the X-CSRF-Token header is not this session's csrf_token (see GET /api/me)"
        page = browser.post("/account/tokens", data={"name": "bot"})
        assert page.status_code == 403 and "the form has expired" in page.text
        ok = browser.post("/api/feedback", json={"content_id": "c-vpn", "helpful": True}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 201
        changed = browser.put("/api/me/password", json={"current": PASSWORD, "new": "a brand new passphrase"},
                              headers={"X-CSRF-Token": csrf})
        assert changed.status_code == 204
        assert browser.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert browser.get("/api/me").status_code == 401
        assert browser.post("/api/session", json={"username": "ana", "password": PASSWORD}).status_code == 401
        assert browser.post("/api/session", json={"username": "ana", "password": "a brand new passphrase"}).status_code == 200


def test_sign_in_is_throttled_and_audited(server):
    with client(server) as attacker:
        codes = [attacker.post("/api/session", json={"username": "bo", "password": f"guess {n}"}).status_code
                 for n in range(7)]
    assert codes == [401] * 5 + [429] * 2
    with as_user(server, "lee") as lee:
        actions = [e["action"] for e in lee.get("/api/audit").json()["entries"]]
    assert actions.count("login_failed") == 5 and "login_throttled" in actions


def test_api_tokens_are_revocable(server):
    with as_user(server, "bo") as bo:
        made = bo.post("/api/me/tokens", json={"name": "script"}).json()
        with http_client(server.url, headers={"Authorization": f"Bearer {made['token']}"}) as script:
            assert script.get("/api/me").json()["username"] == "bo"
            token_id = next(t["id"] for t in bo.get("/api/me/tokens").json()["tokens"] if t["name"] == "script")
            assert bo.delete(f"/api/me/tokens/{token_id}").status_code == 204
            assert script.get("/api/me").json() == {"detail": "the API token is unknown or revoked"}


def test_sso_header_is_believed_only_from_trusted_proxies(org, make_services):
    header = {"X-Forwarded-User": "bo"}
    with LiveServer(org) as untrusted, client(untrusted) as c:
        assert c.get("/api/me", headers=header).status_code == 401
    trusting = make_services(org.settings.data, trusted_proxies=["127.0.0.0/8"])
    with LiveServer(trusting) as proxied, client(proxied) as c:
        assert c.get("/api/me", headers=header).json()["username"] == "bo"
        newcomer = c.get("/api/me", headers={"X-Forwarded-User": "p-ana@example.com"}).json()
        assert (newcomer["role"], newcomer["person_id"]) == ("employee", "p-ana")


def test_edits_are_versioned_and_restorable(server):
    with as_user(server, "ana") as ana:
        original = ana.get("/api/content/c-vpn").json()
        ana.put("/api/content/c-vpn", json={"title": "VPN v2", "body": "New text.", "authors": ["p-ana"]})
        versions = ana.get("/api/content/c-vpn/versions").json()["versions"]
        assert [v["record"]["title"] for v in versions] == [original["title"]]
        restored = ana.post(f"/api/content/c-vpn/versions/{versions[0]['version']}/restore").json()
        assert (restored["title"], restored["body"]) == (original["title"], original["body"])
        assert len(ana.get("/api/content/c-vpn/versions").json()["versions"]) == 2  # v2 kept too


def test_security_headers_and_size_limits(server):
    with as_user(server, "lee") as lee:
        response = lee.get("/api/stats")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        big = lee.post("/api/content", content=b"x" * 3_000_000, headers={"content-type": "application/json"})
        assert big.status_code == 413


def test_kudos_counts_only_items_the_viewer_may_see(org):
    from models.records import Audience

    org.store.thank("c-secret", "p-lee")
    org.store.thank("c-pay", "p-lee")
    assert org.store.kudos_received(["p-bo"], Audience(team="IT")) == {"p-bo": 1}
    assert org.store.kudos_received(["p-bo"], Audience(team="Finance")) == {"p-bo": 2}
    assert org.store.kudos_received(["p-bo"]) == {"p-bo": 2}


def test_a_token_notes_its_use_at_most_once_a_minute(services):
    """Every API request looks its token up; noting the use is a write, so it is kept to a minute's precision."""
    store = services.store
    user_id = store.create_user("tia", None, "employee")
    token_id = store.create_token(user_id, "laptop", "hash-of-tia")

    def last_used() -> str | None:
        return store.db.execute("SELECT last_used FROM api_tokens WHERE id = ?", [token_id]).fetchone()[0]

    assert store.token_user("hash-of-tia")["username"] == "tia"
    first = last_used()
    assert first is not None and "token_last_used" not in store.token_user("hash-of-tia")
    assert last_used() == first  # within the minute: not written again
    store.db.execute("UPDATE api_tokens SET last_used = '2020-01-01T00:00:00+00:00' WHERE id = ?", [token_id])
    store.token_user("hash-of-tia")
    assert last_used() > "2020-01-01T00:00:00+00:00"  # an old note is brought up to date
