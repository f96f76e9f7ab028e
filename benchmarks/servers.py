"""Several app servers on one PostgreSQL: throughput and latency with 1, 2 and 4 `knowhow serve` processes, what
each costs in memory and database connections, SQLite against PostgreSQL on one server, and how long a write
on one server takes to reach another's answers.

    python -m benchmarks.servers                 # the demo organisation, 50 users, 30 s a configuration
    python -m benchmarks.servers --seconds 60 --servers 1 2 4
    python -m benchmarks.servers --only quality  # search and expert quality on both engines
    python -m benchmarks.servers --only load --corpus 100k   # benchmarks.speed's 100,000-passage corpus

The demo is imported into an SQLite data folder and copied into a throwaway PostgreSQL cluster with
`knowhow migrate-to-postgres` (tests/postgres_server.py: fsync off, as for the tests, so writes are cheaper
than on a durable server; the load is 70 % searches). Each server has its own data folder and builds its
indexes from the database. The users are benchmarks.load's (search 70 %, view 20 %, feedback 10 %), user n
on server n modulo the servers, as a load balancer would spread them. On a 2-core machine the servers, the
database and the load generator share the cores: where throughput stops growing, the machine is the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

from benchmarks.load import Server, drive, free_port, import_demo, knowhow_command, make_tokens, summarise
from benchmarks.speed import big_corpus, proc_status

LAG_WRITES = 20


def quality_report(postgres, scratch: Path) -> None:
    """Search nDCG@10 and expert P@1 of the same collections on SQLite and, copied by migrate-to-postgres, on
    PostgreSQL, with how many labelled questions got exactly the same ranking."""
    from benchmarks.datasets import all_datasets, loaded
    from benchmarks.quality import expert_scores, search_scores
    from models.pg_copy import copy_to_postgres
    from models.settings import Settings
    from web.services import Services

    print(f"{'collection':<12}{'engine':<12}{'nDCG@10':>9}{'MRR@10':>8}{'expert P@1':>12}{'same ranking':>14}")
    for dataset in all_datasets():
        on_sqlite = loaded(dataset)
        _ = on_sqlite.store  # opened, so migrated: a folder imported by an older build is brought up to date
        url = postgres.new_database()
        copy_to_postgres(on_sqlite.settings.db_path, url)
        on_postgres = Services(Settings(data=scratch / f"quality-{dataset.name}", database_url=url),
                               on_sqlite.embedder)
        rankings = []
        for services in (on_sqlite, on_postgres):
            finder = services.finder
            rankings.append([[hit.id for hit in finder.ask(q.text, k=10, log=False).results]
                             + [e.id for e in finder.experts(q.text, k=10, log=False)] for q in dataset.questions])
            search, experts = search_scores(finder, dataset), expert_scores(finder, dataset)
            engine = "SQLite" if services is on_sqlite else "PostgreSQL"
            same = "" if services is on_sqlite else f"{sum(a == b for a, b in zip(*rankings))}/{len(dataset.questions)}"
            p1 = f"{experts['P@1']:.3f}" if experts["n"] else "-"
            ndcg, mrr = (f"{search['nDCG@10']:.3f}", f"{search['MRR@10']:.3f}") if search["n"] else ("-", "-")
            print(f"{dataset.name:<12}{engine:<12}{ndcg:>9}{mrr:>8}{p1:>12}{same:>14}", flush=True)
        on_postgres.close()
        on_sqlite.close()


def copy_into_postgres(data: Path, url: str) -> float:
    started = time.perf_counter()
    result = subprocess.run([*knowhow_command(), "--data", str(data), "migrate-to-postgres", url],
                            env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"migrate-to-postgres failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


class ConnectionCount(threading.Thread):
    """The most connections the database held at once while the load ran (sampled every 0.2 s)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.most, self.stopping = url, 0, threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as db:
            while not self.stopping.wait(0.2):
                count = db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND pid != pg_backend_pid()").fetchone()[0]
                self.most = max(self.most, count)


def run_configuration(scratch: Path, label: str, count: int, tokens: list[str], seconds: float, think_ms: float,
                      url: str | None, source: Path) -> dict:
    """`count` servers (on PostgreSQL at `url`, or one on the SQLite folder `source`) under the load."""
    servers = []
    for n in range(count):
        data = source if url is None else scratch / f"{label}-server-{n}"
        if url and not data.exists():  # the copied store's index files: start-up is not what is measured here
            shutil.copytree(source / "index", data / "index")
        env = {"KNOWHOW_DATABASE_URL": url} if url else {}
        servers.append(Server(data, free_port(), scratch / f"{label}-server-{n}.log", env=env))
    connections = ConnectionCount(url) if url else None
    try:
        for server in servers:  # one after the other: on 2 cores, starting together only slows each
            server.start(tokens[0], timeout=600)
        if connections:
            connections.start()
        run = asyncio.run(drive([server.url for server in servers], tokens, seconds, think_ms))
        memory = [proc_status(server.process.pid)["VmRSS"] for server in servers]
    finally:
        if connections:
            connections.stopping.set()
        for server in servers:
            server.stop()
    summary = summarise(run)
    tracebacks = sum(server.log_text().count("Traceback (most recent call last)") for server in servers)
    return {"label": label, "servers": count, "summary": summary, "rss_mb": memory, "tracebacks": tracebacks,
            "connections": connections.most if connections else None}


def replica_lag(scratch: Path, url: str, token: str, source: Path) -> tuple[list[float], list[float]]:
    """Items created through the API on server A; searches on server B follow, each on a fresh request, until
    one answers with the new item first. Returns the lags (from A's response to B's answer) and B's search
    times on the way, in seconds."""
    for name in "ab":  # the copied store's index files, as for the load
        shutil.copytree(source / "index", scratch / f"lag-{name}" / "index")
    a, b = (Server(scratch / f"lag-{name}", free_port(), scratch / f"lag-{name}.log", env={"KNOWHOW_DATABASE_URL": url})
            for name in "ab")
    auth = {"Authorization": f"Bearer {token}"}
    lags, searches = [], []
    try:
        a.start(token, timeout=600)
        b.start(token, timeout=600)
        with httpx.Client(headers=auth, timeout=60) as client:
            for n in range(LAG_WRITES):
                word = f"zq{n}lag{n * 7919 % 10007}"
                created = client.post(f"{a.url}/api/content", json={
                    "title": f"Note {word}", "kind": "howto", "body": f"The {word} procedure, written for this check."})
                created.raise_for_status()
                written = time.perf_counter()
                while True:
                    asked = time.perf_counter()
                    found = client.get(f"{b.url}/api/search", params={"q": word, "k": 3, "experts": 0})
                    searches.append(time.perf_counter() - asked)
                    results = found.json()["results"]
                    if results and results[0]["id"] == created.json()["id"]:
                        lags.append(time.perf_counter() - written)
                        break
                    if time.perf_counter() - written > 30:
                        raise SystemExit(f"server B never found {word}")
    finally:
        a.stop()
        b.stop()
    return lags, searches


def lnd_token(data: Path, url: str) -> str:
    """An L&D account's API token (it may create items), written into the database as the CLI may."""
    from models.settings import Settings
    from web.auth import issue_api_token
    from web.services import Services

    services = Services(Settings(data=data, database_url=url))
    try:
        store = services.store
        return issue_api_token(store, store.create_user("servers-benchmark", None, "lnd"), "benchmarks.servers")
    finally:
        services.close()


def print_row(result: dict, engine: str) -> None:
    rows = result["summary"]["by_type"]
    total, search = rows["all"], rows["search"]
    memory = "/".join(f"{mb:.0f}" for mb in result["rss_mb"])
    connections = "" if result["connections"] is None else str(result["connections"])
    print(f"{engine:<12}{result['servers']:>8}{total['rps']:>9.1f}{total['p50_ms']:>9.1f}{total['p95_ms']:>9.1f}"
          f"{search['p50_ms']:>11.1f}{search['p95_ms']:>11.1f}{total['errors'] + result['tracebacks']:>8}"
          f"{connections:>13}   {memory}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30, help="load per configuration (default 30)")
    parser.add_argument("--think-ms", type=float, default=200)
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--only", choices=["load", "quality"], help="only the load and lag, or only the quality")
    parser.add_argument("--corpus", choices=["demo", "100k"], default="demo",
                        help="the organisation under load: the demo, or benchmarks.speed's synthetic corpus")
    args = parser.parse_args(argv)

    from tests.postgres_server import PostgresServer  # the tests' throwaway cluster

    scratch = Path(tempfile.mkdtemp(prefix="knowhow-servers-"))
    postgres = PostgresServer()
    failures = 0
    try:
        if args.only in (None, "quality"):
            quality_report(postgres, scratch)
        if args.only == "quality":
            return 0
        source = scratch / args.corpus
        if args.corpus == "demo":
            print(f"servers: demo imported into SQLite in {import_demo(source):.1f} s", flush=True)
        else:
            started = time.perf_counter()
            shutil.copytree(big_corpus(), source)  # the cached corpus stays as it is: the load writes
            print(f"servers: the 100,000-passage corpus copied in {time.perf_counter() - started:.1f} s", flush=True)
        url = postgres.new_database()
        print(f"servers: copied into PostgreSQL in {copy_into_postgres(source, url):.1f} s "
              f"(knowhow migrate-to-postgres)", flush=True)
        sqlite_tokens = make_tokens(source, args.users)
        tokens = make_tokens(scratch / "tokens", args.users, url)
        print(f"\n{args.users} users, {args.seconds:.0f} s each, think time 0-{args.think_ms:.0f} ms, "
              f"{os.cpu_count()} cores (servers, database and load generator together)")
        print(f"{'engine':<12}{'servers':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'search p50':>11}"
              f"{'search p95':>11}{'errors':>8}{'connections':>13}   RSS per server (MB)")
        result = run_configuration(scratch, "sqlite", 1, sqlite_tokens, args.seconds, args.think_ms, None, source)
        print_row(result, "sqlite")
        failures += result["summary"]["by_type"]["all"]["errors"] + result["tracebacks"]
        for count in args.servers:
            result = run_configuration(scratch, f"pg{count}", count, tokens, args.seconds, args.think_ms, url, source)
            print_row(result, "postgresql")
            failures += result["summary"]["by_type"]["all"]["errors"] + result["tracebacks"]

        lags, searches = replica_lag(scratch, url, lnd_token(scratch / "tokens", url), source)
        print(f"\nreplica lag over {LAG_WRITES} writes (an item created on server A, until server B's search "
              f"answers with it first): median {1000 * statistics.median(lags):.0f} ms, max "
              f"{1000 * max(lags):.0f} ms; B's searches took median {1000 * statistics.median(searches):.0f} ms, "
              f"and {len(searches) - LAG_WRITES} of {len(searches)} came before the item was there")
    finally:
        postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
