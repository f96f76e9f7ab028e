"""Crash safety, for real: a `knowhow` process killed (SIGKILL) mid-import or mid-reindex leaves a service
that starts, answers from the last good index, and completes the work on its next run; nothing is lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.importer import import_files
from tests.factories import ANA, BO, PAYROLL, VPN, jsonl
from web.cli import demo_files

pytestmark = pytest.mark.sqlite_only("processes killed on the data folder's SQLite file")

# Small enough to encode in seconds, in enough batches of 8 passages to be killed between two of them:
# the demo's people and its first 20 business items (sales, with the discount approvals).
ITEMS = 20
BATCH = "8"


@pytest.fixture
def corpus(tmp_path) -> list[Path]:
    folder = next(iter(demo_files())).parent
    people = [str(f) for f in demo_files() if f.name.startswith("people_")]
    content = (folder / "content_business.jsonl").read_text(encoding="utf-8").splitlines()[:ITEMS]
    items = tmp_path / "content.jsonl"
    items.write_text("\n".join(content) + "\n", encoding="utf-8")
    return [*people, str(items)]


def _knowhow(data: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1", KNOWHOW_INDEX_BATCH_SIZE=BATCH)
    return subprocess.Popen([sys.executable, "-m", "web", "--data", str(data), *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _count(data: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{data / 'knowhow.db'}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql).fetchone()[0]


def _kill_when(process: subprocess.Popen, ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("the process finished before it could be killed mid-way")
        try:
            if ready():
                process.send_signal(signal.SIGKILL)
                process.wait()
                return
        except sqlite3.OperationalError:
            pass  # the database is not created yet
        time.sleep(0.02)
    process.kill()
    pytest.fail("the process never reached the point to kill it at")


def test_import_killed_midway_loses_nothing_and_resumes(tmp_path, make_services, corpus):
    data = tmp_path / "data"
    # Only the run to kill is a process of its own: the rest is the same code, in this one.
    assert import_files(make_services(data).indexer, [jsonl(tmp_path / "first.jsonl", ANA, BO, VPN, PAYROLL)]).ok

    importing = _knowhow(data, "import", *corpus)
    _kill_when(importing, lambda: 0 < _count(data, "SELECT count(*) FROM chunks WHERE vector IS NOT NULL AND content_id LIKE 'c1%'")
               and _count(data, "SELECT count(*) FROM chunks WHERE vector IS NULL") > 0)

    service = make_services(data)  # the service starts on what the killed process left
    assert service.store.stats()["content"] == ITEMS + 2  # the import's records committed as a whole
    assert service.store.stats()["chunks_pending"] > 0
    assert service.finder.ask("my VPN token expired", k=1, log=False).results[0].id == "c-vpn"

    service.indexer.resume()  # what `knowhow serve` does on start, in the background
    assert service.store.stats()["chunks_pending"] == 0
    assert service.indexes.counts()["chunks"] == service.store.stats()["chunks"]
    assert service.finder.ask("how do I get a discount approved in Salesforce", k=3, log=False).answered


def test_reindex_killed_midway_keeps_answering_and_reruns(tmp_path, make_services, corpus):
    data = tmp_path / "data"
    first = make_services(data)
    assert import_files(first.indexer, [Path(p) for p in corpus]).ok
    before = first.finder.ask("who signs off a 30% discount", k=5, log=False)

    generation = _count(data, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'")
    reindexing = _knowhow(data, "reindex")
    _kill_when(reindexing, lambda: _count(
        data, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'") >= generation + 2)

    service = make_services(data)
    after = service.finder.ask("who signs off a 30% discount", k=5, log=False)
    assert [(h.id, round(h.score, 3)) for h in after.results] == [(h.id, round(h.score, 3)) for h in before.results]
    service.rebuilding_indexer().reindex()  # what `knowhow reindex` runs
    again = make_services(data).finder.ask("who signs off a 30% discount", k=5, log=False)
    assert [h.id for h in again.results] == [h.id for h in before.results]
