"""Load: the real server on the demo organisation, many concurrent users asking, reading and rating.

    python -m benchmarks.load                          # 50 users for 60 s (about 2-3 minutes in all)
    python -m benchmarks.load --users 10 --seconds 15  # a quick look
    python -m benchmarks.load --json results.json      # also write the figures as JSON
    python -m benchmarks.load --workers 2              # the server as two worker processes

What it does: imports the demo organisation into a fresh data folder (`knowhow --data DIR demo`), gives
every virtual user an employee account with a personal API token, starts `knowhow --data DIR serve` as a
subprocess on 127.0.0.1, and runs an asyncio + httpx loop: each user repeats search (70%), view of a
result it found (20%, GET /api/content/{id}) and feedback on one of its earlier searches (10%, POST
/api/feedback), with 0-200 ms of think time between requests. Nothing leaves loopback.

Reported: requests, errors (a non-2xx status or an exception; the target is zero), throughput, and
latency p50/p95/p99/max per request type and overall; the server's log is checked for tracebacks.
The load generator shares the machine's cores with the server, so throughput is a floor, not a ceiling.
Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

WEIGHTS = {"search": 0.70, "view": 0.20, "feedback": 0.10}
SEED = 20240611


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool
    status: int | None = None
    error: str | None = None


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


# -- the server ------------------------------------------------------------------------------------------

def knowhow_command() -> list[str]:
    """The installed `knowhow` script next to this interpreter, else `python -m web`."""
    script = Path(sys.executable).parent / "knowhow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "web"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def import_demo(data: Path) -> float:
    started = time.perf_counter()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([*knowhow_command(), "--data", str(data), "demo"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"`knowhow demo` failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def make_tokens(data: Path, users: int, database_url: str | None = None) -> list[str]:
    """One employee account and API token per virtual user, written straight into the data folder's store
    (or the PostgreSQL database at `database_url`), as the CLI, the local administrator, may; no password,
    so no hashing cost."""
    from models.settings import Settings
    from web.auth import issue_api_token
    from web.services import Services

    services = Services(Settings(data=data, database_url=database_url))
    try:
        store = services.store
        tokens = []
        for n in range(users):
            name = f"load-user-{n:03d}"
            user = store.user_by_name(name)
            user_id = user["id"] if user else store.create_user(name, None, "employee")
            tokens.append(issue_api_token(store, user_id, "benchmarks.load"))
        return tokens
    finally:
        services.close()


class Server:
    """`knowhow --data DIR serve` as a subprocess, its output in a log file."""

    def __init__(self, data: Path, port: int, log: Path, workers: int = 1, env: dict[str, str] | None = None):
        self.data, self.port, self.log, self.workers = data, port, log, workers
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, token: str, timeout: float = 180) -> float:
        started = time.perf_counter()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", **self.env}
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [*knowhow_command(), "--data", str(self.data), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)],
                stdout=out, stderr=subprocess.STDOUT, env=env,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                response = httpx.get(f"{self.url}/api/stats", headers={"Authorization": f"Bearer {token}"}, timeout=5)
                # every worker loaded, not only the first to answer
                if response.status_code == 200 and self.log_text().count("startup complete") >= self.workers:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise SystemExit(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully on SIGINT
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


# -- the users -------------------------------------------------------------------------------------------

def query_texts() -> list[str]:
    """The demo organisation's questions and the development sets' queries, so queries vary."""
    from benchmarks.datasets import demo_dataset, devset

    texts = [q.text for q in demo_dataset().questions]
    for name in ("cranfield", "se_coffee"):
        dataset = devset(name)
        if dataset is not None:
            texts += [q.text for q in dataset.questions]
    return list(dict.fromkeys(t for t in texts if t.strip()))


async def visible_content_ids(client: httpx.AsyncClient) -> list[str]:
    ids, offset = [], 0
    while True:
        response = await client.get("/api/content", params={"limit": 200, "offset": offset})
        response.raise_for_status()
        page = response.json()
        ids += [item["id"] for item in page["items"]]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return ids


async def virtual_user(number: int, base: str, token: str, queries: list[str], content_ids: list[str],
                       deadline: float, think_ms: float, run: Run) -> None:
    rng = random.Random(SEED + number)
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    query_ids: list[str] = []
    found: list[str] = []  # ids of results this user has seen
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        await asyncio.sleep(rng.uniform(0, think_ms) / 1000)  # users do not all start in the same millisecond
        while time.perf_counter() < deadline:
            kind = rng.choices(kinds, weights)[0]
            if kind == "feedback" and not query_ids:
                kind = "search"  # feedback needs a search of one's own first
            started = time.perf_counter()
            status = error = None
            try:
                if kind == "search":
                    response = await client.get("/api/search", params={"q": rng.choice(queries), "k": 10, "experts": 5})
                    if response.status_code == 200:
                        body = response.json()
                        if body.get("query_id"):
                            query_ids.append(body["query_id"])
                        found += [hit["id"] for hit in body["results"][:3]]
                        del found[:-50]
                elif kind == "view":
                    pool = found if found and rng.random() < 0.8 else content_ids
                    response = await client.get(f"/api/content/{rng.choice(pool)}")
                else:
                    response = await client.post("/api/feedback", json={
                        "query_id": rng.choice(query_ids[-10:]), "helpful": rng.random() < 0.6,
                        "comment": "" if rng.random() < 0.8 else "load test comment",
                    })
                status = response.status_code
            except Exception as exc:  # every failure counts; none may stop the run
                error = f"{type(exc).__name__}: {exc}"[:200]
            elapsed = time.perf_counter() - started
            run.samples.append(Sample(kind, elapsed, error is None and status is not None and 200 <= status < 300,
                                      status, error))
            await asyncio.sleep(rng.uniform(0, think_ms) / 1000)


async def drive(base: str | list[str], tokens: list[str], seconds: float, think_ms: float) -> Run:
    """The users for `seconds`; given several servers' addresses, user n uses server n modulo their number,
    as a load balancer spreading people over them would."""
    bases = [base] if isinstance(base, str) else base
    queries = query_texts()
    async with httpx.AsyncClient(base_url=bases[0], headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=60) as client:
        content_ids = await visible_content_ids(client)
    if not content_ids:
        raise SystemExit("the demo organisation has no content visible to an employee")
    print(f"load: {len(tokens)} users for {seconds:.0f} s, {len(queries)} distinct queries, "
          f"{len(content_ids)} content items, think time 0-{think_ms:.0f} ms", flush=True)
    run = Run(started=time.perf_counter())
    deadline = run.started + seconds
    await asyncio.gather(*(virtual_user(n, bases[n % len(bases)], token, queries, content_ids, deadline, think_ms, run)
                           for n, token in enumerate(tokens)))
    run.finished = time.perf_counter()
    return run


# -- the report ------------------------------------------------------------------------------------------

def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def summarise(run: Run) -> dict:
    duration = run.finished - run.started
    groups: dict[str, list[Sample]] = collections.defaultdict(list)
    for sample in run.samples:
        groups[sample.kind].append(sample)
    rows = {}
    for kind in [*WEIGHTS, "all"]:
        samples = run.samples if kind == "all" else groups.get(kind, [])
        latencies = sorted(s.seconds * 1000 for s in samples)
        rows[kind] = {
            "requests": len(samples), "errors": sum(not s.ok for s in samples),
            "rps": len(samples) / duration if duration else 0.0,
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99), "max_ms": latencies[-1] if latencies else float("nan"),
        }
    failures = collections.Counter(
        f"{s.kind}: {s.error or f'HTTP {s.status}'}" for s in run.samples if not s.ok
    )
    return {"duration_s": duration, "by_type": rows, "failures": dict(failures.most_common(20))}


def print_report(summary: dict, server_errors: int) -> None:
    total = summary["by_type"]["all"]
    print(f"\nrequests: {total['requests']}  errors: {total['errors']}  duration: {summary['duration_s']:.1f} s  "
          f"throughput: {total['rps']:.1f} req/s  server tracebacks: {server_errors}")
    print(f"{'type':<10}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, row in summary["by_type"].items():
        print(f"{kind:<10}{row['requests']:>10}{row['errors']:>8}{row['rps']:>9.1f}{row['p50_ms']:>10.1f}"
              f"{row['p95_ms']:>10.1f}{row['p99_ms']:>10.1f}{row['max_ms']:>10.1f}")
    for failure, count in summary["failures"].items():
        print(f"  failed x{count}: {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the load runs (default 60)")
    parser.add_argument("--think-ms", type=float, default=200, help="most think time between requests (default 200)")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--data", type=Path, default=None,
                        help="data folder to use; the demo is imported when it holds no database yet "
                             "(default: a fresh temporary folder, removed afterwards)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0:
        parser.error("--users and --seconds must be positive")

    temporary = args.data is None
    data = Path(tempfile.mkdtemp(prefix="knowhow-load-")) if temporary else args.data
    server = Server(data, args.port or free_port(), data.parent / f"{data.name}-server.log", args.workers)
    try:
        if not (data / "knowhow.db").exists():
            print(f"load: importing the demo organisation into {data} ...", flush=True)
            print(f"load: demo imported in {import_demo(data):.1f} s", flush=True)
        tokens = make_tokens(data, args.users)
        print(f"load: server started in {server.start(tokens[0]):.1f} s on {server.url}", flush=True)
        run = asyncio.run(drive(server.url, tokens, args.seconds, args.think_ms))
    finally:
        server.stop()
    log = server.log_text()
    tracebacks = log.count("Traceback (most recent call last)")
    summary = summarise(run)
    summary.update(users=args.users, seconds=args.seconds, think_ms=args.think_ms, server_tracebacks=tracebacks,
                   cpus=os.cpu_count(), workers=args.workers)
    print_report(summary, tracebacks)
    if tracebacks:
        print("\nserver log (last lines):\n" + server.log_tail())
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    if temporary:
        shutil.rmtree(data, ignore_errors=True)
        server.log.unlink(missing_ok=True)
    return 1 if summary["by_type"]["all"]["errors"] or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
