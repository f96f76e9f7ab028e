"""`knowhow serve --workers 2`: two real worker processes on one data folder behind one port. What one worker
stores the other finds, a session started on one is good on the other, a killed worker is replaced while the
other answers and the background work moves to a live one; an import run of a live worker is never taken for
one a stopped server left behind."""

from __future__ import annotations

import functools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from indexer.importer import import_files
from indexer.pipeline import Changes
from models import liveness
from models.records import Content, Person, utc_now
from models.settings import Settings
from tests.conftest import PASSWORD, add_accounts, api_token
from tests.factories import ANA, VPN, jsonl
from web.services import BACKGROUND_LOCK, Services

WORKERS = 2
LEADER = re.compile(r"worker (\d+) runs the background work")


@dataclass
class Farm:
    url: str
    token: str
    process: subprocess.Popen
    log: Path
    data: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, ready: Callable[[str], bool], seconds: float = 180) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_text()
            if ready(text := self.log_text()):
                return text
            time.sleep(0.2)
        raise AssertionError(f"not seen within {seconds} s:\n{self.log_text()}")

    def each_worker(self, request: Callable[[], httpx.Response]) -> dict[str, list[httpx.Response]]:
        """Responses by the worker that gave them, asking on fresh connections (the kernel hands each to a
        worker) until every worker has answered at least once."""
        seen: dict[str, list[httpx.Response]] = {}
        for _ in range(200):
            response = request()
            seen.setdefault(response.headers["x-knowhow-worker"], []).append(response)
            if len(seen) == WORKERS and min(map(len, seen.values())) >= 2:
                return seen
        raise AssertionError(f"only {sorted(seen)} answered in 200 requests")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def farm(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("workers")
    services = Services(Settings(data=folder / "data"), embedder)
    import_files(services.indexer, [jsonl(folder / "org.jsonl", ANA, VPN)])
    add_accounts(services, {"sam": ("employee", None)})
    token = api_token(services)
    services.close()
    port, log = _free_port(), folder / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "web", "--data", str(folder / "data"), "serve", "--port", str(port),
             "--workers", str(WORKERS)], stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    farm = Farm(f"http://127.0.0.1:{port}", token, process, log, folder / "data")
    try:
        farm.wait_for(lambda text: text.count("Application startup complete") >= WORKERS and LEADER.search(text))
        yield farm
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    assert "Traceback" not in farm.log_text(), farm.log_text()


def test_what_one_worker_stores_every_worker_finds(farm):
    auth = {"Authorization": f"Bearer {farm.token}"}
    item = {"title": "Booking the rooftop terrace", "kind": "howto", "tags": ["facilities"],
            "body": "Reserve the rooftop terrace for team events through the facilities desk, two weeks ahead."}
    created = httpx.post(f"{farm.url}/api/content", json=item, headers=auth, timeout=30)
    assert created.status_code == 201, created.text
    writer = created.headers["x-knowhow-worker"]

    def search() -> httpx.Response:
        return httpx.get(f"{farm.url}/api/search", params={"q": "how do I book the rooftop terrace"},
                         headers=auth, timeout=30)

    answers = farm.each_worker(search)
    assert set(answers) > {writer}  # the other worker answered too
    for response in (r for responses in answers.values() for r in responses):
        assert response.json()["results"][0]["id"] == created.json()["id"]


def test_a_session_begun_on_one_worker_holds_on_the_other(farm):
    with httpx.Client(base_url=farm.url, headers={"Origin": farm.url}) as browser:
        signed = browser.post("/login", data={"username": "sam", "password": PASSWORD, "next": "/"})
        assert signed.status_code == 303
        cookies = dict(browser.cookies)
    pages = farm.each_worker(lambda: httpx.get(f"{farm.url}/inbox", cookies=cookies, timeout=30))
    for response in (r for responses in pages.values() for r in responses):
        assert response.status_code == 200 and "Sign in" not in response.text.split("<main", 1)[-1][:2000]


def test_a_killed_worker_is_replaced_and_another_takes_the_background_work(farm):
    auth = {"Authorization": f"Bearer {farm.token}"}
    leader = int(LEADER.findall(farm.log_text())[-1])
    os.kill(leader, signal.SIGKILL)
    for _ in range(10):  # the other worker answers meanwhile
        response = httpx.get(f"{farm.url}/api/search", params={"q": "vpn"}, headers=auth, timeout=30)
        assert response.status_code == 200 and response.json()["results"][0]["id"] == VPN["id"]
    text = farm.wait_for(lambda text: text.count("Application startup complete") > WORKERS
                         and int(LEADER.findall(text)[-1]) != leader)
    assert f"Child process [{leader}] died" in text
    farm.each_worker(lambda: httpx.get(f"{farm.url}/api/search", params={"q": "vpn"}, headers=auth, timeout=30))
    assert (farm.data / BACKGROUND_LOCK).exists()


HOLDER = """
import sys, time
from pathlib import Path
from models import liveness
liveness.hold(Path(sys.argv[1]), sys.argv[2])
print("holding", flush=True)
time.sleep(600)
"""


@pytest.mark.sqlite_only("worker liveness by the data folder's lock files (PostgreSQL: tests/test_several_servers.py)")
def test_an_import_run_is_left_to_its_live_worker_and_taken_over_once_it_is_gone(services):
    data = services.settings.data
    other = subprocess.Popen([sys.executable, "-c", HOLDER, str(data), "otherworker"], stdout=subprocess.PIPE)
    try:
        assert other.stdout.readline() == b"holding\n"
        run = services.store.start_import_run("elena", ["big.zip"], False, "otherworker")
        assert liveness.alive(data, "otherworker")
        assert services.store.interrupt_import_run(services.worker, services.worker_alive) is None
        assert services.store.import_run(run)["status"] == "running"
    finally:
        other.kill()
        other.wait()
    assert not liveness.alive(data, "otherworker")  # the kernel dropped its lock
    assert services.store.interrupt_import_run(services.worker, services.worker_alive) == run
    assert services.store.import_run(run)["status"] == "interrupted"
    assert not (data / liveness.FOLDER / "otherworker.lock").exists()
    with pytest.raises(ValueError):
        liveness.alive(data, "../knowhow")


@pytest.mark.sqlite_only("worker liveness by the data folder's lock files (PostgreSQL: tests/test_several_servers.py)")
def test_passages_another_process_is_embedding_are_left_to_it_until_it_is_gone(services):
    """Two workers writing at once each embed what they list as pending; a claim decides who embeds each
    passage. The claims of a process killed mid-batch are taken at once (its lock is gone), and claims
    past their time even when its lock cannot be seen."""
    store, indexer, data = services.store, services.indexer, services.settings.data
    with store.transaction():
        indexer._write(Changes.of(people=[Person(**ANA)], content=[Content(**VPN)]))
    pending = store.passage_ids("chunks", pending_only=True)
    assert pending
    other = liveness.hold(data, "otherworker")  # a second process's name, as its Services holds it
    now = utc_now()
    soon, later = (now + timedelta(minutes=2)).isoformat(), (now + timedelta(minutes=3)).isoformat()
    claim = functools.partial(store.claim_passages, "chunks", pending, alive=services.worker_alive)
    assert claim("otherworker", now.isoformat(), soon) == pending
    assert claim(services.worker, now.isoformat(), soon) == []  # held by the other

    indexer.resume()  # the other's passages are its work; the profile, unclaimed, is embedded here
    assert store.passage_ids("chunks", pending_only=True) == pending
    assert store.passage_ids("profiles", pending_only=True) == []
    assert claim(services.worker, later, later) == pending  # its claims ran out
    with store.transaction():
        store.release_passages("chunks", pending, services.worker)

    assert claim("otherworker", now.isoformat(), soon) == pending
    os.close(other)  # the other process dies mid-batch
    indexer.resume()
    assert store.passage_ids("chunks", pending_only=True) == []
    assert services.finder.ask("how do I connect to the vpn", log=False).results[0].id == VPN["id"]
    assert store.db.execute("SELECT count(*) FROM embedding_claims").fetchone()[0] == 0
