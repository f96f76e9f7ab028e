"""Holes 6-8 of issue 9, each reproduced over real HTTP: forged posts in SSO proxy mode and cross-site sign-in,
a spoofed X-Forwarded-For, and the sign-in throttle (races, user-name timing, lock-outs, tokens outliving a
password change)."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import LiveServer, api_token, client
from tests.test_auth import PASSWORD, as_user, org, server  # noqa: F401 (shared fixtures)

EVIL = "https://evil.example"
DEFACED = {"title": "Defaced", "body": "Defaced by a forged post.", "kind": "howto", "author": "p-ana"}


@pytest.fixture
def proxied(org, make_services):  # noqa: F811
    """The org behind a trusted SSO proxy on the loopback network (the test client plays the proxy)."""
    with LiveServer(make_services(org.settings.data, trusted_proxies=["127.0.0.0/8"])) as live:
        yield live


def failed_sign_in_ips(services) -> list[str]:
    return [e["ip"] for e in services.store.audit_entries(action="login_failed")]


# -- 6. CSRF whatever the sign-in method, and no sign-in or sign-out from another site --

def test_proxy_users_posts_need_their_csrf_token(proxied):
    store = proxied.services.store
    with client(proxied) as browser:
        browser.headers["X-Forwarded-User"] = "lee"  # L&D, as the proxy says on every request
        assert browser.post("/content/c-vpn/edit", data=DEFACED, headers={"Origin": EVIL}).status_code == 403
        assert browser.post("/content/c-vpn/edit", data=DEFACED).status_code == 403  # no Origin, no token
        assert store.get_content("c-vpn")["title"] == "Resetting your VPN token"

        token = browser.get("/api/me").json()["csrf_token"]
        assert token and f'name="csrf_token" value="{token}"' in browser.get("/content/c-vpn").text
        bo_token = browser.get("/api/me", headers={"X-Forwarded-User": "bo"}).json()["csrf_token"]
        assert bo_token and bo_token != token  # one per user
        forged = {**DEFACED, "csrf_token": token}
        assert browser.post("/content/c-vpn/edit", data=forged, headers={"Origin": EVIL}).status_code == 403
        for wrong in (bo_token, "é"):
            assert browser.post("/content/c-vpn/edit", data={**DEFACED, "csrf_token": wrong}).status_code == 403
        saved = browser.post("/content/c-vpn/edit", data=forged, headers={"Origin": proxied.url})
        assert saved.status_code == 303 and store.get_content("c-vpn")["title"] == "Defaced"


def test_sign_in_and_sign_out_from_another_site_are_refused(server):  # noqa: F811
    credentials = {"username": "ana", "password": PASSWORD}
    with client(server) as browser:
        for header in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": EVIL + "/login-csrf.html"}):
            forged = browser.post("/api/session", json=credentials, headers=header)
            assert (forged.status_code, "set-cookie" in forged.headers) == (403, False), header
            forged = browser.post("/login", data=credentials, headers=header)
            assert (forged.status_code, "set-cookie" in forged.headers) == (403, False), header
        signed = browser.post("/login", data=credentials, headers={"Origin": server.url})
        assert signed.status_code == 303 and "set-cookie" in signed.headers
        csrf = {"X-CSRF-Token": browser.get("/api/me").json()["csrf_token"]}
        assert browser.delete("/api/session", headers={**csrf, "Origin": EVIL}).status_code == 403
        assert browser.post("/logout", headers={**csrf, "Referer": EVIL + "/"}).status_code == 403
        assert browser.get("/api/me").json()["username"] == "ana"  # still signed in
        same_site = {**csrf, "Origin": server.url, "Referer": server.url + "/content/c-vpn"}
        assert browser.post("/api/feedback", json={"content_id": "c-vpn", "helpful": True},
                            headers=same_site).status_code == 201
    with as_user(server, "ana") as script:  # API tokens are never sent by a browser on its own: exempt
        assert script.post("/api/feedback", json={"content_id": "c-vpn", "helpful": True},
                           headers={"Origin": EVIL}).status_code == 201


# -- 7. only the socket peer decides whether a request came from the proxy --

def test_forwarded_for_is_believed_only_from_a_trusted_peer(server, org, make_services):  # noqa: F811
    far_proxy = make_services(org.settings.data, trusted_proxies=["10.0.0.0/8"])
    with LiveServer(far_proxy) as live, client(live) as c:
        spoofed = {"X-Forwarded-For": "10.0.0.1", "X-Forwarded-User": "lee"}
        assert c.get("/api/me", headers=spoofed).status_code == 401
    with client(server) as c:  # trusts no proxy: the header is the client's say-so
        c.post("/api/session", json={"username": "bo", "password": "x"}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert failed_sign_in_ips(org) == ["127.0.0.1"]


def test_client_address_is_the_right_most_untrusted_forwarded_for_entry(proxied):
    with client(proxied) as proxy:
        for chain in ("198.51.100.1, 203.0.113.7", "203.0.113.7, 127.0.0.9"):
            proxy.post("/api/session", json={"username": "bo", "password": "x"}, headers={"X-Forwarded-For": chain})
    assert failed_sign_in_ips(proxied.services) == ["203.0.113.7", "203.0.113.7"]


# -- 8. the sign-in throttle --

def test_concurrent_wrong_passwords_are_throttled(server):  # noqa: F811
    def guess(n: int) -> int:
        with client(server) as attacker:
            return attacker.post("/api/session", json={"username": "bo", "password": f"guess {n}"}).status_code

    with ThreadPoolExecutor(30) as pool:
        codes = Counter(pool.map(guess, range(30)))
    assert codes == {401: 5, 429: 25}


def test_an_unknown_user_name_takes_as_long_as_a_wrong_password(server):  # noqa: F811
    def seconds(username: str) -> float:
        started = time.perf_counter()
        response = c.post("/api/session", json={"username": username, "password": "wrong password"})
        assert response.status_code == 401
        return time.perf_counter() - started

    with client(server) as c:
        known, unknown = [], []
        for n in range(5):  # interleaved, so a busy machine slows both alike
            known.append(seconds("ana"))
            unknown.append(seconds(f"nobody-{n}"))
    assert 0.5 < statistics.median(unknown) / statistics.median(known) < 2


def test_guesses_from_one_address_lock_out_neither_the_user_elsewhere_nor_everyone(org, make_services):  # noqa: F811
    """Per (user, address) pair 1 failure here, per address 10, per user 20 unless from an address it used before."""
    services = make_services(org.settings.data, trusted_proxies=["127.0.0.0/8"], login_attempts=1)

    def sign_in(username: str, password: str, address: str) -> int:
        proxy.cookies.clear()  # each attempt as a fresh browser
        return proxy.post("/api/session", json={"username": username, "password": password},
                          headers={"X-Forwarded-For": address}).status_code

    with LiveServer(services) as live, client(live) as proxy:
        assert sign_in("lee", PASSWORD, "198.51.100.5") == 200  # lee's own desk
        assert [sign_in("lee", "guess", "203.0.113.66") for _ in range(2)] == [401, 429]
        assert sign_in("lee", PASSWORD, "203.0.113.66") == 429
        assert sign_in("lee", PASSWORD, "198.51.100.20") == 200  # from elsewhere lee still gets in
        # Spraying many names from one address is stopped at 10 failures...
        assert [sign_in(f"user-{n}", "guess", "203.0.113.77") for n in range(10)] == [401] * 10
        assert sign_in("bo", PASSWORD, "203.0.113.77") == 429
        # ...and guessing one account from many addresses at 20, except from addresses it signed in from.
        with ThreadPoolExecutor(4) as pool:
            guesses = list(pool.map(lambda n: sign_in("lee", "guess", f"192.0.2.{n}"), range(19)))
        assert guesses == [401] * 19  # 20 failures for lee in all, with the one above
        assert sign_in("lee", PASSWORD, "192.0.2.200") == 429
        assert sign_in("lee", PASSWORD, "198.51.100.5") == 200


def test_a_password_change_revokes_the_accounts_api_tokens(server):  # noqa: F811
    token = api_token(server.services, "bo")
    with client(server, token) as script, client(server) as browser:
        assert script.get("/api/me").json()["username"] == "bo"
        signed = browser.post("/api/session", json={"username": "bo", "password": PASSWORD})
        changed = browser.put("/api/me/password", json={"current": PASSWORD, "new": "another long passphrase"},
                              headers={"X-CSRF-Token": signed.json()["csrf_token"]})
        assert changed.status_code == 204
        assert script.get("/api/me").json() == {"detail": "the API token is unknown or revoked"}
        assert browser.get("/api/me").json()["username"] == "bo"  # the session that changed it stays
    store = server.services.store
    assert [t["revoked"] for t in store.tokens_of(store.user_by_name("bo")["id"])] == [1]
