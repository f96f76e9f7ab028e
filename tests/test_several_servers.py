"""Two `knowhow serve` processes, each with its own data folder, on one PostgreSQL database (README, "Running
several servers"): what one stores the other finds by its next search, a session begun on one holds on the
other, exactly one runs the background work, the other taking it over when that one is killed, and an import
whose server is killed mid-way is finished by the others with nothing lost and nothing embedded twice."""

from __future__ import annotations

import json
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
import psycopg
import pytest

from indexer.importer import import_files
from models.settings import Settings
from tests.conftest import PASSWORD, add_accounts, api_token
from tests.factories import ANA, VPN, content, jsonl
from web.services import Services

ITEMS = 400
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


def _start(folder: Path, name: str, url: str, log_name: str | None = None, **env: str) -> Server:
    """`knowhow serve` on data folder `name`, its output in `log_name` (a restart writes a log of its own)."""
    port, log = _free_port(), folder / f"{log_name or name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "web", "--data", str(folder / name), "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "KNOWHOW_DATABASE_URL": url, **env})
    return Server(f"http://127.0.0.1:{port}", process, log)


def _started(servers: list[Server]) -> bool:
    return all("Application startup complete" in s.log_text() for s in servers) and any(
        LEADER.search(s.log_text()) for s in servers)


def _stop(servers: list[Server]) -> None:
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


def _organisation(folder: Path, url: str, embedder) -> str:
    """The database with two items, sam's account and an L&D token (returned), made before any server starts."""
    services = Services(Settings(data=folder / "a", database_url=url), embedder)
    import_files(services.indexer, [jsonl(folder / "org.jsonl", ANA, VPN)])
    add_accounts(services, {"sam": ("employee", None)})
    token = api_token(services)
    services.close()
    return token


@pytest.fixture(scope="module")
def pair(tmp_path_factory, embedder, postgres):
    folder = tmp_path_factory.mktemp("several")
    url = postgres.new_database()
    token = _organisation(folder, url, embedder)
    servers = [_start(folder, name, url) for name in ("a", "b")]
    try:
        _wait(servers, lambda: _started(servers))
        yield servers, token
    finally:
        _stop(servers)


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


def test_an_import_whose_server_is_killed_is_finished_by_the_others_nothing_lost_nothing_embedded_twice(
        tmp_path, embedder, postgres):
    url = postgres.new_database()
    token = _organisation(tmp_path, url, embedder)
    auth = {"Authorization": f"Bearer {token}"}
    small_batches = {"KNOWHOW_INDEX_BATCH_SIZE": "32"}  # many committed batches: the kill lands between two
    servers = a, b = [_start(tmp_path, name, url, **small_batches) for name in ("a", "b")]
    try:
        _wait(servers, lambda: _started(servers))
        words = ["desk", "booking", "badge", "parking", "visitor", "laptop", "printer", "travel", "expense",
                 "onboarding", "holiday", "payroll", "network", "password", "meeting", "kitchen", "security"]
        items = [content(f"note-{n}", title=f"Office note {n}: {words[n % 17]} and {words[n * 7 % 17]}",
                         body=f"Note {n}. " + " ".join(words[(n * i + i) % 17] for i in range(60)))
                 for n in range(ITEMS)]
        upload = "\n".join(json.dumps(item) for item in items).encode()
        started = httpx.post(f"{a.url}/api/imports", headers=auth, timeout=60,
                             files=[("files", ("notes.jsonl", upload, "application/json"))])
        assert started.status_code == 202, started.text
        run = f"{a.url}/api/imports/{started.json()['id']}"

        def embedding_begun() -> bool:
            state = httpx.get(run, headers=auth, timeout=30).json()
            assert state["status"] == "running", state["summary"]  # killed before it ends, or the test proves nothing
            return state["stage"] == "chunks" and state["done"] > 0

        _wait(servers, embedding_begun, seconds=120)
        a.process.send_signal(signal.SIGKILL)
        a.process.wait(timeout=30)

        restarted = _start(tmp_path, "a", url, "a-restarted", **small_batches)
        servers = [restarted, b]
        _wait(servers, lambda: _started(servers))
        # A write on each makes it embed whatever is pending, claims of the killed server included.
        extra = {"title": "Parking permits", "kind": "howto", "body": "Ask the front desk for a parking permit."}
        for server in servers:
            assert httpx.post(f"{server.url}/api/content", json=extra, headers=auth, timeout=120).status_code == 201

        with psycopg.connect(url) as db:
            def all_embedded() -> bool:
                return db.execute("SELECT count(*) FROM chunks WHERE vector IS NULL").fetchone()[0] == 0
            _wait(servers, all_embedded, seconds=180)
            assert db.execute("SELECT count(*) FROM content WHERE id LIKE 'note-%'").fetchone()[0] == ITEMS
            twice = db.execute("SELECT passage_id, count(*) FROM vector_changes WHERE passage_table = 'chunks' "
                               "AND added = 1 GROUP BY passage_id HAVING count(*) > 1").fetchall()
            assert twice == []
            assert db.execute("SELECT count(*) FROM embedding_claims").fetchone()[0] == 0
        for server in servers:  # each server's index holds every passage, and the run says it was cut short
            found = httpx.get(f"{server.url}/api/search", params={"q": f"Office note {ITEMS - 1}"}, headers=auth, timeout=30)
            assert found.json()["results"][0]["id"] == f"note-{ITEMS - 1}"
            assert httpx.get(f"{server.url}/api/imports/{started.json()['id']}", headers=auth,
                             timeout=30).json()["status"] == "interrupted"
    finally:
        _stop([server for server in servers if server.process.poll() is None] + [a])
