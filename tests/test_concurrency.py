"""Several writers at once (threads here, processes in production) never hit "database is locked",
and a write that fails leaves nothing behind."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from indexer.importer import import_files
from models import migrations
from models.records import Content, Feedback, Person
from models.store import Store
from tests.conftest import api_token, client
from tests.factories import ANA, VPN, jsonl

BOTH_ENGINES = True  # the tests on a service run on SQLite and on PostgreSQL (tests/conftest.py)

WRITER = """
import sys
from models.store import Store
store = Store(sys.argv[1])
for n in range(200):
    with store.transaction():
        store.log_query(f"process question {n}", "search", True, 0.5, [], [], "process")
"""


def test_parallel_writers_in_threads_and_another_process(tmp_path):
    path = tmp_path / "knowhow.db"
    store = Store(path)
    other = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])

    def write(worker: int) -> None:
        for n in range(100):
            query_id = store.log_query(f"question {worker}/{n}", "search", n % 2 == 0, 0.5, [], [], "thread")
            store.add_feedback(Feedback(query_id=query_id, helpful=True))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(8)))  # re-raises any "database is locked"
    assert other.wait(timeout=120) == 0
    assert store.stats()["queries"] == 8 * 100 + 200
    assert store.stats()["feedback"] == 8 * 100
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_twenty_writers_over_http_get_no_server_error_and_keep_one_version_per_edit(live, http):
    """Each PUT reads the item, keeps its previous state as a version and writes the new one; twenty at
    once on five shared items must neither fail nor lose or duplicate a version."""
    live.services.indexer.upsert_person(Person(**{k: v for k, v in ANA.items() if k != "type"}))
    token = api_token(live.services)

    def write(worker: int) -> list[int | str]:
        codes: list[int | str] = []
        with client(live, token) as c:
            for n in range(10):
                item = (worker + n) % 5
                try:
                    codes.append(c.put(f"/api/content/c-{item}", json={
                        "title": f"Shared item {item}", "body": f"Edit {n} by writer {worker}: rotate the VPN keys.",
                        "authors": ["p-ana"]}).status_code)
                except httpx.TransportError:  # the server dropped the connection after an unhandled error
                    codes.append("dropped")
        return codes

    with ThreadPoolExecutor(20) as pool:
        statuses = Counter(code for codes in pool.map(write, range(20)) for code in codes)
    assert statuses[200] + statuses[201] == 200, statuses  # no 500 ("database is locked"), nothing else
    store = live.services.store
    versions = store.db.execute("SELECT count(*) FROM content_versions").fetchone()[0]
    assert versions == 200 - 5  # every successful write but each item's first kept the state it replaced
    numbers = store.db.execute("SELECT content_id, max(version), count(*) FROM content_versions GROUP BY content_id")
    assert all(top == count for _, top, count in numbers)  # numbered 1..n per item, no gaps
    assert store.stats()["chunks_pending"] == 0
    assert live.services.indexes.counts()["chunks"] == store.stats()["chunks"]


# A real database failure half-way through a write (as "database is locked" or a full disk would be), in each
# engine's trigger language: refusing a passage that says "refused", and refusing any deletion of an item.
REFUSALS = {
    "sqlite": (sqlite3.IntegrityError,
               "CREATE TRIGGER refuse BEFORE INSERT ON chunks WHEN NEW.text LIKE '%refused%' "
               "BEGIN SELECT RAISE(ABORT, 'refused'); END",
               "CREATE TRIGGER refuse_delete BEFORE DELETE ON content BEGIN SELECT RAISE(ABORT, 'refused'); END",
               "DROP TRIGGER refuse_delete"),
    "postgres": (psycopg.Error,
                 "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'DELETE' OR "
                 "NEW.text LIKE '%refused%' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; "
                 "CREATE TRIGGER refuse BEFORE INSERT ON chunks FOR EACH ROW EXECUTE FUNCTION refuse()",
                 "CREATE TRIGGER refuse_delete BEFORE DELETE ON content FOR EACH ROW EXECUTE FUNCTION refuse()",
                 "DROP TRIGGER refuse_delete ON content"),
}


def test_a_failed_edit_or_delete_leaves_no_version_behind(services, database_engine):
    failure, refuse_passage, refuse_delete, allow_delete = REFUSALS[database_engine]
    services.indexer.save_content(Content(id="c1", title="Payday", body="The 25th."))
    services.store.db.execute(refuse_passage)
    with pytest.raises(failure):
        services.indexer.save_content(Content(id="c1", title="Payday", body="This edit is refused."))
    assert services.store.versions("c1") == []
    assert services.store.get_content("c1")["body"] == "The 25th."

    services.store.db.execute(refuse_delete)
    with pytest.raises(failure):
        services.indexer.delete_content(["c1"], edited_by="ana")
    assert services.store.versions("c1") == [] and services.store.content_exists("c1")
    services.store.db.execute(allow_delete)
    services.indexer.delete_content(["c1"], edited_by="ana")
    assert [(v["edited_by"], v["record"]["body"]) for v in services.store.versions("c1")] == [("ana", "The 25th.")]


def test_processes_upgrading_one_older_store_at_once_all_open_it(tmp_path, monkeypatch):
    """`knowhow serve` and an import started together after an upgrade: the migrations are applied once, and
    neither process fails with "database is locked" or "table already exists"."""
    path = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    Store(path).close()
    monkeypatch.undo()
    opening = "import sys\nfrom models.store import Store\nStore(sys.argv[1]).close()\n"
    processes = [subprocess.Popen([sys.executable, "-c", opening, str(path)]) for _ in range(3)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0]
    with sqlite3.connect(path) as conn:
        applied = [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    assert applied == [name for name, _ in migrations.MIGRATIONS]


class _Counting:
    """The real model, counting how many searches are inside it at once (the one thing a search's turn guards
    that can be watched from outside)."""

    def __init__(self, embedder):
        self.embedder, self.inside, self.most = embedder, 0, 0
        self.lock = threading.Lock()

    def encode_query(self, text: str):
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            time.sleep(0.05)  # long enough for every other thread to arrive
            return self.embedder.encode_query(text)
        finally:
            with self.lock:
                self.inside -= 1


@pytest.mark.parametrize("at_once", [1, 2])
def test_a_process_works_on_only_so_many_searches_at_once_and_answers_them_all(make_services, tmp_path, at_once):
    services = make_services(searches_at_once=at_once)
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, VPN)])
    finder = services.finder
    counting = finder.encoder = _Counting(finder.encoder)
    asks = [lambda n=n: finder.ask(f"vpn question {n}", log=False) for n in range(6)]
    asks += [lambda n=n: finder.experts(f"who knows the vpn {n}", log=False) for n in range(3)]
    with ThreadPoolExecutor(9) as pool:
        answers = list(pool.map(lambda ask: ask(), asks))
    assert counting.most == at_once
    assert all(answer.results[0].id == VPN["id"] for answer in answers[:6]) and all(answers[6:])
