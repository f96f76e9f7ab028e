"""Several writers at once (threads here, processes in production) never hit "database is locked"."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from models.records import Feedback
from models.store import Store

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
