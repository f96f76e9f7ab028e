"""Two `knowhow serve` processes, each with its own data folder, on one PostgreSQL database (README, "Running
several servers"): what one stores the other finds by its next search, a session begun on one holds on the
other, and exactly one runs the background work, the other taking it over when that one is killed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from indexer.importer import import_files
from models.settings import Settings
from tests.conftest import PASSWORD, add_accounts, api_token
from tests.factories import ANA, VPN, jsonl
from web.services import Services

LEADER = re.compile(r"worker (\d+) runs the background work")


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(servers: list[Server], ready, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise AssertionError("\n\n".join(server.log_text() for server in servers))


@pytest.fixture(scope="module")
def pair(tmp_path_factory, embedder, postgres):
    folder = tmp_path_factory.mktemp("several")
    url = postgres.new_database()
    services = Services(Settings(data=folder / "a", database_url=url), embedder)
    import_files(services.indexer, [jsonl(folder / "org.jsonl", ANA, VPN)])
    add_accounts(services, {"sam": ("employee", None)})
    token = api_token(services)
    services.close()
    servers = []
    for name in ("a", "b"):
        port, log = _free_port(), folder / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "web", "--data", str(folder / name), "serve", "--port", str(port)],
                stdout=out, stderr=subprocess.STDOUT,
                env={**os.environ, "HF_HUB_OFFLINE": "1", "KNOWHOW_DATABASE_URL": url})
        servers.append(Server(f"http://127.0.0.1:{port}", process, log))
    try:
        _wait(servers, lambda: all("Application startup complete" in s.log_text() for s in servers)
              and any(LEADER.search(s.log_text()) for s in servers))
        yield servers, token
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGINT)
        for server in servers:
            try:
                server.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.process.kill()
    for server in servers:
        assert "Traceback" not in server.log_text(), server.log_text()


def test_what_one_server_stores_the_other_finds_by_its_next_search(pair):
    (a, b), token = pair
    auth = {"Authorization": f"Bearer {token}"}
    item = {"title": "Booking the rooftop terrace", "kind": "howto", "tags": ["facilities"],
            "body": "Reserve the rooftop terrace for team events through the facilities desk, two weeks ahead."}
    created = httpx.post(f"{a.url}/api/content", json=item, headers=auth, timeout=30)
    assert created.status_code == 201, created.text
    found = httpx.get(f"{b.url}/api/search", params={"q": "how do I book the rooftop terrace"}, headers=auth,
                      timeout=30)
    assert found.json()["results"][0]["id"] == created.json()["id"]
    assert httpx.delete(f"{b.url}/api/content/{created.json()['id']}", headers=auth, timeout=30).status_code == 204
    again = httpx.get(f"{a.url}/api/search", params={"q": "how do I book the rooftop terrace"}, headers=auth,
                      timeout=30)
    assert created.json()["id"] not in [r["id"] for r in again.json()["results"]]


def test_a_session_begun_on_one_server_holds_on_the_other(pair):
    (a, b), _ = pair
    with httpx.Client(base_url=a.url, headers={"Origin": a.url}) as browser:
        assert browser.post("/login", data={"username": "sam", "password": PASSWORD, "next": "/"}).status_code == 303
        cookies = dict(browser.cookies)
    page = httpx.get(f"{b.url}/inbox", cookies=cookies, timeout=30)
    assert page.status_code == 200 and "Sign in" not in page.text.split("<main", 1)[-1][:2000]


def test_one_server_runs_the_background_work_and_the_other_takes_it_when_it_is_killed(pair):
    (a, b), token = pair
    leaders = [server for server in (a, b) if LEADER.search(server.log_text())]
    assert len(leaders) == 1
    leader = leaders[0]
    other = b if leader is a else a
    leader.process.send_signal(signal.SIGKILL)
    leader.process.wait(timeout=30)
    _wait([other], lambda: LEADER.search(other.log_text()), seconds=30)
    response = httpx.get(f"{other.url}/api/search", params={"q": "vpn"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.json()["results"][0]["id"] == VPN["id"]
