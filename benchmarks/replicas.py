"""Replicas: how fast each server process's vector index catches up with another process's write.

    python -m benchmarks.replicas                  # both parts (about 5 minutes; the 100k corpus is cached)
    python -m benchmarks.replicas --only catch-up  # the index catch-up at the demo size and 100,000 passages
    python -m benchmarks.replicas --only lag       # two `serve` workers over HTTP on the demo

Catch-up (in-process, two stores on one SQLite file): a writer replaces one item's passages and stores
their vectors, as a save does; the other process's indexes then catch up before its next search, from the
log of vector changes (what they do now) and, for comparison, by comparing every stored id with their own
(what they did before the log). Medians and maxima over the writes, at the demo's size and at 100,000
passages (benchmarks.speed's synthetic corpus, copied to a temporary folder).

Lag (HTTP, `knowhow serve --workers 2` on the demo): an item is created through the API, and searches on
fresh connections follow until the worker that did not write answers with it first: the time from the
write's response to that answer. Also each worker's memory.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.load import Server, free_port, import_demo
from benchmarks.speed import BIG_DIM, big_corpus, proc_status
from models.index_set import IndexSet
from models.records import Chunk
from models.settings import Settings
from models.store import Store

WRITES = 20


def _unit(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _save_like(store: Store, content_id: str, title: str, rng: np.random.Generator, dim: int) -> None:
    """What a save leaves in the store: the item's passages replaced, then their vectors set."""
    with store.transaction():
        store.replace_chunks({content_id: (title, [Chunk(content_id=content_id, position=n, heading="",
                                                         text=f"passage {n} of a new version")
                                                   for n in range(3)])})
        store.bump_generation()
    ids = store.passage_ids("chunks", pending_only=True)
    with store.transaction():
        store.set_vectors("chunks", ids, _unit(len(ids), dim, rng))


def catch_up(label: str, data: Path, model: str, dim: int) -> None:
    settings = Settings(data=data)
    writer, reader_store = Store(settings.db_path), Store(settings.db_path)
    started = time.perf_counter()
    reader = IndexSet(reader_store, settings.index_dir, model, dim, settings.hnsw_threshold)
    loaded = time.perf_counter() - started
    titles = dict(writer.db.execute("SELECT id, title FROM content ORDER BY id LIMIT ?", [WRITES]).fetchall())
    rng = np.random.default_rng(7)
    by_log, by_scan = [], []
    for content_id, title in titles.items():
        _save_like(writer, content_id, title, rng, dim)
        started = time.perf_counter()
        reader.refresh_if_stale()
        by_log.append(time.perf_counter() - started)
        started = time.perf_counter()
        reader.sync()  # the way before the log: every stored id against the index's (nothing left to do here)
        by_scan.append(time.perf_counter() - started)
    stored = reader_store.vector_ids("chunks")
    assert sorted(reader["chunks"].ids().tolist()) == stored.tolist(), "the replica drifted from the store"
    print(f"  {label:<22} {len(stored):>8,} passages ({reader['chunks'].kind}; loaded in {loaded:.1f} s): "
          f"catch-up by the change log median {1000 * statistics.median(by_log):.2f} ms, max "
          f"{1000 * max(by_log):.2f}; by comparing the tables median {1000 * statistics.median(by_scan):.1f} ms, "
          f"max {1000 * max(by_scan):.1f}")
    writer.close()
    reader_store.close()


def catch_up_report(scratch: Path, demo_data: Path) -> None:
    print(f"== index catch-up after another process's save ({WRITES} saves of 3 passages each)")
    demo = scratch / "demo"
    shutil.copytree(demo_data, demo)
    embedder_model = Store(Settings(data=demo).db_path).get_meta("vector_model")
    catch_up("demo", demo, embedder_model, 384)
    big = scratch / "big"
    shutil.copytree(big_corpus(), big)
    catch_up("synthetic corpus", big, Store(Settings(data=big).db_path).get_meta("vector_model") or "", BIG_DIM)


def lag_report(scratch: Path, demo_data: Path) -> None:
    import httpx

    print(f"== replica lag over HTTP: `knowhow serve --workers 2` on the demo, {WRITES} creates")
    data = scratch / "lag"
    shutil.copytree(demo_data, data)
    token = _writer_token(data)
    server = Server(data, free_port(), scratch / "lag-server.log", workers=2)
    auth = {"Authorization": f"Bearer {token}"}
    lags, tries = [], []
    try:
        server.start(token)
        for n in range(WRITES):
            word = f"zq{n}replica{n * 7919 % 10007}"
            created = httpx.post(f"{server.url}/api/content", headers=auth, timeout=60, json={
                "title": f"Note {word}", "kind": "howto", "body": f"The {word} procedure, written for this check."})
            created.raise_for_status()
            done, writer = time.perf_counter(), created.headers["x-knowhow-worker"]
            for attempt in range(1, 200):
                found = httpx.get(f"{server.url}/api/search", params={"q": word, "k": 3}, headers=auth, timeout=60)
                if found.headers["x-knowhow-worker"] != writer:
                    assert found.json()["results"][0]["id"] == created.json()["id"], f"worker missed {word}"
                    lags.append(time.perf_counter() - done)
                    tries.append(attempt)
                    break
        workers = [proc_status(pid) for pid in _children(server.process.pid)]
    finally:
        server.stop()
    print(f"  the other worker's first answer after the write: median {1000 * statistics.median(lags):.0f} ms, "
          f"max {1000 * max(lags):.0f} ms (that answer's own time included; it came with request "
          f"{statistics.median(tries):.0f} in the median); every one of them held the new item first")
    print("  worker memory (RSS / peak): " + ", ".join(f"{w['VmRSS']:.0f} / {w['VmHWM']:.0f} MB" for w in workers))


def _writer_token(data: Path) -> str:
    """An API token of an L&D account, which may create items (written straight into the folder, as the CLI
    may)."""
    from web.auth import issue_api_token

    store = Store(Settings(data=data).db_path)
    try:
        return issue_api_token(store, store.create_user("replica-check", None, "lnd"), "benchmarks.replicas")
    finally:
        store.close()


def _children(pid: int) -> list[int]:
    """The worker processes of a `serve`: its children that multiprocessing spawned (not its resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replicas", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["catch-up", "lag"])
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="knowhow-replicas-"))
    try:
        demo = scratch / "demo-imported"
        import_demo(demo)
        if args.only in (None, "catch-up"):
            catch_up_report(scratch, demo)
        if args.only in (None, "lag"):
            lag_report(scratch, demo)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
