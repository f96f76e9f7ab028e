"""Speed: import+index throughput against raw encoding, /api/search latency, server memory, install size.

    python -m benchmarks.speed                 # everything (about 10 minutes; the 100k corpus is cached)
    python -m benchmarks.speed --rebuild       # rebuild the cached 100,000-passage corpus first
    python -m benchmarks.speed --no-variant    # without the one-thread servers shown for comparison
    python -m benchmarks.speed --quick         # only /api/search at 100,000 passages (under 5 minutes)
    python -m benchmarks.speed --quick --passages 1000000  # the same at a million (the corpus built once, ~1 h)

Machines are noisy, so every timing is a median of several runs and each figure is set against another
measured in the same run: the pipeline's rate against the model's own encode rate on the same texts (runs
in ABBA order, and the model's share timed inside each pipeline run); the servers' requests take turns
query by query, so a burst of load from elsewhere falls on all of them; a request's time is split into
the stages it spends it in (Finder.ask in-process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.datasets import DEVSETS, RESULTS, demo_dataset, devset
from indexer.embedder import DEFAULT_MODEL_NAME, Embedder
from indexer.importer import import_files
from models.index_set import TABLES, IndexSet
from models.records import Chunk, Content, Person
from models.settings import Settings
from models.store import Store
from web.cli import demo_files
from web.services import Services

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)

# Targets from the issue ("Benchmarks", speed).
TARGET_OVERHEAD_PCT = 15.0
TARGET_MEDIAN_MS = 25.0
TARGET_P95_MS = 60.0
TARGET_RSS_MB = 1536.0
# At a million passages (issue 13): the search's median and p95, and the server's peak memory.
TARGET_1M = (50.0, 120.0, 3072.0)

# The synthetic large corpus: 20,000 items x 5 passages, random unit vectors, a real vocabulary.
BIG_ITEMS = 20_000
BIG_CHUNKS_PER_ITEM = 5
BIG_PEOPLE = 1_000
BIG_DIM = 384
BIG_VERSION = 2  # bump when the corpus recipe changes, so a cached folder is rebuilt
BIG_DIR = RESULTS / "speed-100k"  # the default corpus; other sizes (--passages) beside it

WARMUP_REQUESTS = 10
MIN_REQUESTS = 200
BREAKDOWN_QUERIES = 50
QUICK_REQUESTS = 300


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# -- corpus and queries ------------------------------------------------------------------------------


def corpus_files() -> tuple[list[Path], str]:
    """The demo organisation plus Cranfield's abstracts when the development sets are present."""
    files = demo_files()
    if not files:
        raise SystemExit(f"no demo organisation files in {demo_files.__module__}'s DEMO_DIR")
    cranfield = devset("cranfield")
    if cranfield is None:
        print(f"warning: development sets not found at {DEVSETS}; measuring on the demo organisation only",
              file=sys.stderr)
        return files, "demo"
    return files + cranfield.files, "demo + cranfield"


def query_texts() -> list[str]:
    """Distinct questions, so the server's query cache never answers one (devsets, then the demo's)."""
    texts: list[str] = []
    for name in ("cranfield", "se_coffee"):
        path = DEVSETS / name / "queries.jsonl"
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    texts += [q.text for q in demo_dataset().questions]
    if len(texts) < WARMUP_REQUESTS + MIN_REQUESTS + 2 * BREAKDOWN_QUERIES:
        # Without the devsets there are too few questions: the demo's item titles fill the gap.
        for path in demo_files():
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line) if line.strip() else {}
                if record.get("type") == "content":
                    texts.append(f"{record['title']}?")
    distinct = list(dict.fromkeys(" ".join(t.split()) for t in texts if t.strip()))
    random.Random(3).shuffle(distinct)  # mix short and paragraph-long questions through the run
    return distinct


def vocabulary_sentences() -> tuple[list[str], list[str]]:
    """(sentences, titles) of real text for the synthetic corpus: Cranfield abstracts, else the demo."""
    path = DEVSETS / "cranfield" / "import.jsonl"
    sources = [path] if path.exists() else demo_files()
    sentences, titles = [], []
    for source in sources:
        for line in source.read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else {}
            if record.get("type") != "content":
                continue
            titles.append(record["title"].rstrip(" ."))
            for sentence in re.split(r"\s+\.\s+|(?<=[.!?])\s+|\n+", record["body"]):
                if len(sentence.split()) >= 5:
                    sentences.append(sentence.strip().rstrip(" .") + ".")
    return sentences, titles


# -- 1. import + index throughput --------------------------------------------------------------------


@dataclass
class Throughput:
    passages: int = 0
    words_per_passage: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)
    pipeline_s: list[float] = field(default_factory=list)
    encode_s: list[float] = field(default_factory=list)
    model_in_pipeline_s: list[float] = field(default_factory=list)  # time inside embedder.encode during imports

    def overheads(self) -> list[float]:
        """Per round, the pipeline's time over the raw encoding's measured beside it, in %."""
        return [100 * (p / e - 1) for p, e in zip(self.pipeline_s, self.encode_s)]

    def outside_model(self) -> list[float]:
        """Per pipeline run, its time outside the model as a share of its time inside it, in %."""
        return [100 * (p / m - 1) for p, m in zip(self.pipeline_s, self.model_in_pipeline_s)]


@contextmanager
def time_in_model(embedder: Embedder):
    """Yields a one-element list that adds up the seconds spent inside embedder.encode meanwhile."""
    inside = [0.0]
    encode = embedder.encode

    def timed_encode(texts):
        started = time.perf_counter()
        try:
            return encode(texts)
        finally:
            inside[0] += time.perf_counter() - started

    embedder.encode = timed_encode
    try:
        yield inside
    finally:
        del embedder.encode  # back to the class's method


def import_once(embedder: Embedder, files: list[Path]) -> tuple[float, float, int, dict[str, list[str]]]:
    """Import into a fresh data folder; (seconds, of which in the model, passages, the texts embedded)."""
    with tempfile.TemporaryDirectory(prefix="knowhow-speed-") as folder:
        services = Services(Settings(data=Path(folder)), embedder)
        _ = services.indexes  # an empty index set, made outside the timing as a running server has one
        with time_in_model(embedder) as inside:
            started = time.perf_counter()
            report = import_files(services.indexer, files)
            elapsed = time.perf_counter() - started
        if report.errors:
            raise SystemExit(f"import errors, first: {report.errors[0]}")
        store = services.store
        texts = {}
        for table in TABLES:
            ids = store.passage_ids(table, pending_only=False)  # the pipeline's order: shortest first
            by_id = store.passage_texts(table, ids)
            texts[table] = [by_id[i] for i in ids]
        passages = store.stats()["chunks"] + store.db.execute("SELECT count(*) FROM profiles").fetchone()[0]
        services.close()
    return elapsed, inside[0], passages, texts


def encode_once(embedder: Embedder, texts: dict[str, list[str]]) -> float:
    """The model alone on the same texts, in the pipeline's batches."""
    size = getattr(Settings(), "index_batch_size", 512)  # passages the pipeline hands the model at once
    started = time.perf_counter()
    for table in TABLES:
        batch_texts = texts[table]
        for start in range(0, len(batch_texts), size):
            embedder.encode(batch_texts[start : start + size])
    return time.perf_counter() - started


def measure_throughput(embedder: Embedder, files: list[Path], rounds: int) -> Throughput:
    """Pipeline and raw encoding in ABBA order (P R, R P, P R, ...), so a drift in load falls on both;
    the first pipeline run also gives the texts that the raw runs encode."""
    result = Throughput()
    load_before = os.getloadavg()[0]
    texts: dict[str, list[str]] = {}
    for n in range(rounds):
        for step in (("pipeline", "raw") if n % 2 == 0 else ("raw", "pipeline")):
            if step == "pipeline":
                elapsed, inside, result.passages, texts = import_once(embedder, files)
                result.pipeline_s.append(elapsed)
                result.model_in_pipeline_s.append(inside)
            else:
                elapsed = encode_once(embedder, texts)
                result.encode_s.append(elapsed)
            log(f"round {n + 1}/{rounds}: {step} {result.passages / elapsed:.1f} passages/s")
    every = [t for table in TABLES for t in texts[table]]
    result.words_per_passage = sum(len(t.split()) for t in every) / max(len(every), 1)
    result.load = (load_before, os.getloadavg()[0])
    return result


# -- 2. the 100,000-passage corpus, built through the Store without the model --------------------------


def big_corpus(rebuild: bool = False, items: int = BIG_ITEMS) -> Path:
    """The cached synthetic corpus folder of `items` items, built when missing, stale or asked for."""
    from models.migrations import schema_version

    folder = BIG_DIR if items == BIG_ITEMS else RESULTS / f"speed-{items * BIG_CHUNKS_PER_ITEM // 1000}k"
    stamp = folder / "corpus.json"
    # The schema version too: a corpus migrated at every server start would inflate the start-up time.
    recipe = {"version": BIG_VERSION, "schema": schema_version(), "items": items,
              "hnsw_threshold": Settings().hnsw_threshold,
              "chunks_per_item": BIG_CHUNKS_PER_ITEM, "people": BIG_PEOPLE, "dim": BIG_DIM, "model": DEFAULT_MODEL_NAME}
    if not rebuild and stamp.exists() and json.loads(stamp.read_text()) == recipe:
        return folder
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    started = time.perf_counter()
    log(f"building the {items * BIG_CHUNKS_PER_ITEM:,}-passage corpus in {folder} (cached for re-runs)")
    settings = Settings(data=building)
    _build_big(Store(settings.db_path), items)
    # The index files too, as an import leaves them: a server would otherwise build the HNSW graph (minutes
    # on random vectors) at every start.
    store = Store(settings.db_path)
    IndexSet(store, settings.index_dir, DEFAULT_MODEL_NAME, BIG_DIM, settings.hnsw_threshold).save()
    store.close()
    (building / "corpus.json").write_text(json.dumps(recipe))
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)  # a half-built corpus is never taken for a cached one
    log(f"built in {time.perf_counter() - started:.0f} s")
    return folder


FIRST = ["Ana", "Luis", "Marta", "Jonas", "Priya", "Wei", "Olu", "Sofia", "Tom", "Ines", "Kenji", "Lea", "Omar",
         "Nora", "Pablo", "Rosa", "Sam", "Tariq", "Yara", "Zoe"]
LAST = ["Ruiz", "Okafor", "Berg", "Novak", "Tanaka", "Silva", "Moreau", "Haddad", "Kowalski", "Jensen", "Rossi",
        "Singh", "Chen", "Walsh", "Duarte"]
TEAMS = ["Aerodynamics", "Structures", "Propulsion", "Flight Test", "Materials", "Simulation", "Wind Tunnel"]
KINDS = ["howto", "anecdote", "best_practice", "answer", "course", "policy", "article"]


def _build_big(store: Store, items: int) -> None:
    rng = random.Random(42)
    sentences, titles = vocabulary_sentences()
    words = sorted({w for s in sentences for w in re.findall(r"[a-z]{5,}", s.lower())})

    def passage() -> str:
        target, text = rng.randint(60, 140), []
        while sum(len(s.split()) for s in text) < target:
            text.append(rng.choice(sentences))
        return " ".join(text)

    people = [
        Person(
            id=f"p{i:05d}", name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", email=f"p{i}@example.com",
            title=f"{rng.choice(['Senior', 'Lead', 'Staff', ''])} engineer".strip(), team=rng.choice(TEAMS),
            location=rng.choice(["Madrid", "Leeds", "Toulouse", "Bremen"]), bio=" ".join(rng.sample(sentences, 2)),
            skills=rng.sample(words, 4), mentor=rng.random() < 0.2,
        )
        for i in range(BIG_PEOPLE)
    ]
    # A few prolific authors and a long tail, as in a real organisation.
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(BIG_PEOPLE)]
    with store.transaction():
        store.upsert_people(people)
    per_transaction = 5_000
    for start in range(0, items, per_transaction):
        made, chunks = [], {}
        for i in range(start, min(start + per_transaction, items)):
            title = rng.choice(titles).capitalize()
            texts = [passage() for _ in range(BIG_CHUNKS_PER_ITEM)]
            authors = list(dict.fromkeys(p.id for p in rng.choices(people, weights, k=rng.choice([1, 1, 1, 2]))))
            item = Content(id=f"c{i:06d}", title=title, body="\n\n".join(texts), authors=authors,
                           tags=rng.sample(words, 2), kind=rng.choice(KINDS), created="2024-01-01T00:00:00Z")
            made.append(item)
            chunks[item.id] = (title, [Chunk(content_id=item.id, position=n, heading="", text=t)
                                       for n, t in enumerate(texts)])
        with store.transaction():
            store.upsert_content(made)
            store.replace_chunks(chunks)
        log(f"  {start + len(made):,} items")
    vectors = np.random.default_rng(42)
    for table in TABLES:
        ids = store.passage_ids(table, pending_only=True)
        with store.transaction():
            for start in range(0, len(ids), 10_000):
                part = ids[start : start + 10_000]
                matrix = vectors.standard_normal((len(part), BIG_DIM)).astype(np.float32)
                matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
                store.set_vectors(table, part, matrix)
    with store.transaction():
        store.set_meta("vector_model", DEFAULT_MODEL_NAME)
        store.bump_generation()
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


# -- the real server ---------------------------------------------------------------------------------


@dataclass
class Served:
    name: str
    passages: int
    startup_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    peak_rss_mb: float = 0.0
    rss_mb: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    in_process_ms: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after the requests
    auth: str = ""
    first_error: str = ""
    env: dict[str, str] = field(default_factory=dict)  # extra environment of its server (a variant)
    in_process_n: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(data: Path, port: int) -> list[str]:
    script = Path(sys.executable).parent / "knowhow"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "web.cli"]
    return base + ["--data", str(data), "serve", "--port", str(port)]


def api_token(data: Path) -> str | None:
    """A personal API token for a benchmark account made with the CLI, so each request pays for
    authentication like a real client's; None when that fails (the server then allows anonymous reads)."""
    base = server_command(data, 0)[:-3]  # `knowhow --data DIR`
    password = f"speed-{random.randrange(10**12)}"
    steps = [base + ["user", "add", "speed-benchmark", "--role", "employee", "--password", password],
             base + ["user", "token", "speed-benchmark", "--name", "speed benchmark"]]
    out = None
    for step in steps:
        out = subprocess.run(step, capture_output=True, text=True, cwd=ROOT, check=False)
        if out.returncode != 0:
            reason = (out.stderr or out.stdout).strip()[-200:]
            log(f"no API token ({' '.join(step[-5:])}: {reason}); reading anonymously")
            return None
    lines = out.stdout.strip().splitlines()
    return lines[-1].strip() if lines else None


def proc_status(pid: int) -> dict[str, float]:
    """VmHWM (peak) and VmRSS of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = int(value.split()[0]) / 1024
    return found


@contextmanager
def server(data: Path, log_path: Path, extra_env: dict[str, str] | None = None):
    """A `knowhow serve` subprocess; yields (process, base URL, seconds until it answered)."""
    import httpx

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Anonymous reads are allowed only as the fallback when no API token could be made.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KNOWHOW_ALLOW_ANONYMOUS_READ": "true", **(extra_env or {})}
    with open(log_path, "w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(server_command(data, port), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        try:
            deadline = started + 300
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"the server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the server did not answer within 300 s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.05)
            yield process, url, time.perf_counter() - started
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def measure_latencies(corpora: list[tuple[Served, Path]], queries: list[str], requests: int) -> None:
    """Start every corpus's server (one after another, timing each start-up), then send the same distinct
    queries to each in turn, so a burst of load on this shared machine falls on all corpora alike."""
    import httpx

    warmup, measured = queries[:WARMUP_REQUESTS], queries[WARMUP_REQUESTS : WARMUP_REQUESTS + requests]
    with ExitStack() as stack:
        running = []
        for result, data in corpora:
            token = api_token(data)
            result.auth = "API token" if token else "anonymous read"
            log_path = data.parent / f"server-{data.name}.log"
            process, url, startup = stack.enter_context(server(data, log_path, result.env))
            result.startup_s = startup
            log(f"{result.name}: server answered after {startup:.1f} s")
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            client = stack.enter_context(httpx.Client(base_url=url, timeout=60, headers=headers))
            running.append((result, process, client))
        log(f"{len(measured)} requests to each of {len(running)} servers, interleaved")
        load_before = os.getloadavg()[0]
        for q in warmup:
            for _, _, client in running:
                client.get("/api/search", params={"q": q, "k": 10})
        for q in measured:
            for result, _, client in running:
                started = time.perf_counter()
                response = client.get("/api/search", params={"q": q, "k": 10})
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    result.errors += 1
                    result.first_error = result.first_error or f"{response.status_code} {response.text[:200]}"
                    continue
                result.latencies_ms.append(elapsed * 1000)
        for result, process, _ in running:
            if not result.latencies_ms:
                raise SystemExit(f"{result.name}: no request succeeded; first answer: {result.first_error}")
            status = proc_status(process.pid)
            result.peak_rss_mb, result.rss_mb = status.get("VmHWM", 0.0), status.get("VmRSS", 0.0)
            result.load = (load_before, os.getloadavg()[0])


def thread_comparison(embedder: Embedder, queries: list[str], rounds: int = 5) -> dict[int, list[float]]:
    """One query's encode time with the default thread count against one thread, alternating blocks: the
    encoder's ONNX copy in a session per thread count (a session keeps the threads it was made with), or
    torch when it runs the model.

    On a shared 2-core machine a 2-thread forward pass waits at every parallel barrier for a descheduled
    thread, so when other processes are busy a short query can get far slower than on one thread."""
    import torch

    from indexer.int8 import OnnxModel

    default = torch.get_num_threads()
    onnx = embedder.query_model
    sessions = {t: OnnxModel(onnx.model_path, onnx.onnx_path, threads=t) for t in (default, 1)} if onnx else {}
    timings: dict[int, list[float]] = {default: [], 1: []}
    block = max(len(queries) // (2 * rounds), 1)
    try:
        for r in range(rounds):
            for n, threads in enumerate(dict.fromkeys([default, 1])):
                torch.set_num_threads(threads)
                encode = sessions[threads].encode if sessions else embedder.encode
                start = (2 * r + n) * block
                for q in queries[start : start + block]:
                    started = time.perf_counter()
                    encode([q])
                    timings[threads].append(1000 * (time.perf_counter() - started))
    finally:
        torch.set_num_threads(default)
    return timings


# -- where one request's time goes: Finder.ask in-process, each store/index call timed ---------------------


class StageTimer:
    """Exclusive time per stage: a call nested in another stage is charged to the inner one only."""

    def __init__(self):
        self.totals: dict[str, float] = {}
        self._stack: list[list] = []

    def wrap(self, owner, attribute: str, stage: str) -> None:
        original = getattr(owner, attribute, None)
        if original is None:  # the code moved on; its time then shows under the caller's stage
            return
        timer = self

        def timed(*args, **kwargs):
            with timer.stage(stage):
                result = original(*args, **kwargs)
            if hasattr(result, "__next__"):  # a generator does its work while being iterated
                return timer._iterate(result, stage)
            return result

        setattr(owner, attribute, timed)

    def _iterate(self, generator, stage: str):
        while True:
            with self.stage(stage):
                try:
                    value = next(generator)
                except StopIteration:
                    return
            yield value

    @contextmanager
    def stage(self, name: str):
        frame = [name, time.perf_counter(), 0.0]  # name, start, time of nested stages
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            elapsed = time.perf_counter() - frame[1]
            self.totals[name] = self.totals.get(name, 0.0) + elapsed - frame[2]
            if self._stack:
                self._stack[-1][2] += elapsed


STAGES = [
    ("encoder", "encode_query", "embed the query (model)"),
    ("chunks_index", "search", "FAISS search, passages"),
    ("profiles_index", "search", "FAISS search, profiles"),
    ("words", "search", "BM25 search (word index)"),
    ("chunks_index", "vectors", "candidates' vectors (rescoring)"),
    ("store", "chunk_rows", "passage rows"),
    ("store", "chunk_ids_of_content", "passage rows"),
    ("store", "content_by_ids", "item rows"),
    ("store", "authors_of", "people/author rows"),
    ("store", "people_by_ids", "people/author rows"),
    ("store", "profile_owner", "people/author rows"),
    ("store", "profile_ids_of", "people/author rows"),
    ("store", "content_titles", "people/author rows"),
    ("store", "contribution_counts", "contribution prior (all authors)"),
    ("store", "log_query", "query log write"),
    ("retriever", "retrieve", "fusion and grouping (Python)"),
    ("ranker", "rank", "expert scoring (Python)"),
]


class _Encoder:
    """A finder's own handle on the shared model, so each finder's timer wraps only its own calls."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def encode_query(self, text: str):
        return self.embedder.encode_query(text)


def breakdown(corpora: list[tuple[Served, Path]], embedder: Embedder, queries: list[str]) -> None:
    """Time each stage of Finder.ask in-process, the corpora taking turns (each with its own queries, so
    the shared model's query cache never answers)."""
    finders = []
    for result, data in corpora:
        services = Services(Settings(data=data), embedder)
        finder = services.finder
        finder.encoder = _Encoder(embedder)
        timer = StageTimer()
        owners = {"encoder": finder.encoder, "chunks_index": services.indexes["chunks"], "words": services.indexes.words,
                  "profiles_index": services.indexes["profiles"], "store": services.store,
                  "retriever": finder.retriever, "ranker": finder.ranker}
        for owner, attribute, stage in STAGES:
            timer.wrap(owners[owner], attribute, stage)
        finders.append((result, services, finder, timer, [], []))
    turns = len(finders)
    for n, q in enumerate(queries):
        result, services, finder, timer, per_query, totals = finders[n % turns]
        timer.totals = {}
        with timer.stage("other (snippets, checks)"):
            finder.ask(q, k=10, experts=5, source="benchmark")
        if n >= 5 * turns:  # the first five of each are a warm-up
            per_query.append(dict(timer.totals))
            totals.append(sum(timer.totals.values()))
    names = list(dict.fromkeys([stage for _, _, stage in STAGES] + ["other (snippets, checks)"]))
    for result, services, _, _, per_query, totals in finders:
        # Mean per stage: medians of the parts would not add up to the whole.
        result.stages = {name: 1000 * sum(p.get(name, 0.0) for p in per_query) / len(per_query) for name in names}
        result.in_process_ms = 1000 * median(totals)
        result.in_process_n = len(totals)
        services.close()


# -- 4. install size -----------------------------------------------------------------------------------


def install_size() -> tuple[float, list[tuple[str, float]]]:
    """The environment's size in MB, and its largest installed packages."""
    du = subprocess.run(["du", "-sk", str(VENV)], capture_output=True, text=True, check=False)
    total = int(du.stdout.split()[0]) / 1024
    site = next(VENV.glob("lib/python*/site-packages"), None)
    largest: dict[str, float] = {}
    if site is not None:
        out = subprocess.run(["du", "-sk", *[str(p) for p in site.iterdir()]], capture_output=True, text=True,
                             check=False).stdout
        for line in out.splitlines():
            size, _, path = line.partition("\t")
            name = re.split(r"[-.]", Path(path).name.lstrip("_"))[0].lower() or Path(path).name
            largest[name] = largest.get(name, 0.0) + int(size) / 1024
    return total, sorted(largest.items(), key=lambda kv: -kv[1])[:6]


# -- the report ----------------------------------------------------------------------------------------


def environment_line(embedder: Embedder, load_s: float) -> str:
    import faiss
    import torch

    return (f"{os.cpu_count()} CPU cores, Python {platform.python_version()}, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), faiss {faiss.__version__}; "
            f"model {embedder.name} ({embedder.encoder}, {embedder.batch_size} a pass) loaded in {load_s:.1f} s "
            "(not timed below)")


def print_report(env: str, corpus: str, tp: Throughput, served: list[Served], threads: dict[int, list[float]],
                 size) -> None:
    print("\nKnowhow speed benchmark")
    print(f"  {env}")

    pipe = [tp.passages / s for s in tp.pipeline_s]
    raw = [tp.passages / s for s in tp.encode_s]
    overhead = median(tp.overheads())
    print(f"\n1. Import + index throughput: {corpus}, {tp.passages:,} passages (chunks + profiles, "
          f"{tp.words_per_passage:.0f} words each on average), into a fresh data folder")
    print(f"   {'passages/s':<26}{'median':>8}   runs, alternating pipeline and model")
    print(f"   {'pipeline (import_files)':<26}{median(pipe):>8.1f}   " + "  ".join(f"{r:.1f}" for r in pipe))
    print(f"   {'model encode, same texts':<26}{median(raw):>8.1f}   " + "  ".join(f"{r:.1f}" for r in raw))
    print(f"   pipeline overhead over pure encoding, median of rounds {overhead:+.1f} %  "
          f"(target < {TARGET_OVERHEAD_PCT:.0f} %)  {mark(overhead < TARGET_OVERHEAD_PCT)}   rounds: "
          + "  ".join(f"{o:+.1f}" for o in tp.overheads()))
    outside = tp.outside_model()
    print(f"   same, from inside each pipeline run (its time outside embedder.encode over its time inside): "
          f"{median(outside):+.1f} %   runs: " + "  ".join(f"{o:+.1f}" for o in outside))
    print(f"   (ABBA order; load average {tp.load[0]:.1f} -> {tp.load[1]:.1f})")

    print("\n2./3. GET /api/search?k=10 on the real server: latency, start-up, peak RSS")
    print(f"   (5 experts; sequential; every query distinct; {WARMUP_REQUESTS} warm-up; the servers take turns, "
          "query by query)")
    print(f"   {'server':<10}{'passages':>9}{'requests':>9}{'median':>9}{'p95':>9}  {'start-up':>8}{'peak RSS':>10}"
          "   load average")
    for s in served:
        lat = s.latencies_ms
        print(f"   {s.name:<10}{s.passages:>9,}{len(lat):>9}{median(lat):>7.1f}ms{p95(lat):>7.1f}ms  "
              f"{s.startup_s:>7.1f}s{s.peak_rss_mb:>7.0f} MB   {s.load[0]:.1f} -> {s.load[1]:.1f}"
              + (f"   ({s.errors} non-200 answers, first: {s.first_error})" if s.errors else ""))
    print(f"   {'target':<28}{f'< {TARGET_MEDIAN_MS:.0f} ms':>9}{f'< {TARGET_P95_MS:.0f} ms':>9}  {'':>8}"
          f"{'< 1.5 GB':>10} (100k)")
    main_rows = [s for s in served if not s.env]
    for s in main_rows:
        lat = s.latencies_ms
        checks = [f"median {mark(median(lat) < TARGET_MEDIAN_MS)}", f"p95 {mark(p95(lat) < TARGET_P95_MS)}"]
        if s.name == "100k":
            checks.append(f"peak RSS {mark(s.peak_rss_mb < TARGET_RSS_MB)} ({s.peak_rss_mb / 1024:.2f} GB)")
        print(f"   {s.name:<10}" + "   ".join(checks))
    print(f"   authentication: {', '.join(sorted({s.auth for s in served}))}. start-up: process start until it "
          "answers (model load, migrations, FAISS index built from the stored vectors).")
    variants = [s for s in served if s.env]
    if variants:
        print("   rows marked 1t: the same server with " + " ".join(f"{k}={v}" for k, v in variants[0].env.items())
              + " (one thread for torch and FAISS), for comparison; no target applies")

    timed = [s for s in served if s.stages]
    print(f"\n   where the time goes: Finder.ask in-process, mean ms per stage over {timed[0].in_process_n} "
          "other distinct queries each (corpora taking turns)")
    print(f"   {'stage':<38}" + "".join(f"{s.name:>9}" for s in timed))
    for name in timed[0].stages:
        print(f"   {name:<38}" + "".join(f"{s.stages.get(name, 0.0):>9.1f}" for s in timed))
    print(f"   {'all stages (mean)':<38}" + "".join(f"{sum(s.stages.values()):>9.1f}" for s in timed))
    print(f"   {'in-process median':<38}" + "".join(f"{s.in_process_ms:>9.1f}" for s in timed))
    print(f"   {'HTTP median minus in-process median':<38}"
          + "".join(f"{median(s.latencies_ms) - s.in_process_ms:>9.1f}" for s in timed))
    default = max(threads)
    print(f"   one query's embedding alone (model only, in-process, {len(threads[1])} queries each way, alternating): "
          f"{default} threads median {median(threads[default]):.1f} ms, p95 {p95(threads[default]):.1f}; "
          f"1 thread median {median(threads[1]):.1f}, p95 {p95(threads[1]):.1f}")

    total, largest = size
    print(f"\n4. Install size: {VENV} is {total:,.0f} MB; largest packages (MB): "
          + ", ".join(f"{name} {mb:,.0f}" for name, mb in largest))


def quick(requests: int, rebuild: bool, items: int = BIG_ITEMS) -> None:
    """/api/search over HTTP on the cached 100,000-passage corpus, one client, with where the time goes; the
    last line is the figure to compare between runs."""
    started = time.perf_counter()
    queries = query_texts()
    with tempfile.TemporaryDirectory(prefix="knowhow-speed-") as scratch:
        big = Path(scratch) / "corpus"
        shutil.copytree(big_corpus(rebuild, items), big)
        store = Store(Settings(data=big).db_path)
        result = Served(f"{items * BIG_CHUNKS_PER_ITEM // 1000}k", store.stats()["chunks"])
        store.close()
        measure_latencies([(result, big)], queries, min(requests, len(queries) - WARMUP_REQUESTS - BREAKDOWN_QUERIES))
        import faiss
        import torch

        torch.set_num_threads(1)  # as `knowhow serve` runs: the breakdown is the server's time, stage by stage
        faiss.omp_set_num_threads(1)
        served = Settings(data=big)  # the server's encoder: queries through the ONNX copy it made in the folder
        embedder = Embedder(served.model_path, served.embed_batch_size, served.encoder, served.models_dir)
        breakdown([(result, big)], embedder, queries[-BREAKDOWN_QUERIES:])
    lat = result.latencies_ms
    print(f"\nKnowhow quick speed check: GET /api/search?k=10 (5 experts), {len(lat)} distinct queries, one client, "
          f"load average {result.load[0]:.1f} -> {result.load[1]:.1f}, server start-up {result.startup_s:.1f} s, "
          f"peak RSS {result.peak_rss_mb:.0f} MB")
    print(f"   where the time goes (Finder.ask in-process, one thread as served, mean ms over {result.in_process_n} "
          "other queries): "
          + ", ".join(f"{name} {ms:.1f}" for name, ms in result.stages.items())
          + f"; in-process median {result.in_process_ms:.1f}")
    if result.passages >= 1_000_000:
        median_ms, p95_ms, rss_mb = TARGET_1M
        memory = f", peak RSS < {rss_mb / 1024:.0f} GB {mark(result.peak_rss_mb < rss_mb)}"
    else:
        median_ms, p95_ms, memory = TARGET_MEDIAN_MS, TARGET_P95_MS, ""
    print(f"   target at {result.passages:,} passages: median < {median_ms:.0f} ms {mark(median(lat) < median_ms)}, "
          f"p95 < {p95_ms:.0f} ms {mark(p95(lat) < p95_ms)}{memory}   (took {time.perf_counter() - started:.0f} s)")
    print(f"search at {result.passages} passages: median {median(lat):.1f} ms, p95 {p95(lat):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="pipeline and raw-encode runs each (alternating; >= 2)")
    parser.add_argument("--requests", type=int, default=0,
                        help=f"measured requests per corpus (default: every distinct query, at least {MIN_REQUESTS})")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached 100,000-passage corpus")
    parser.add_argument("--no-variant", action="store_true", help="skip the servers run with one thread")
    parser.add_argument("--passages", type=int, default=BIG_ITEMS * BIG_CHUNKS_PER_ITEM,
                        help="size of the synthetic corpus --quick searches (default 100,000; cached per size)")
    parser.add_argument("--quick", action="store_true",
                        help="only the search figures at 100,000 passages (synthetic vectors), in under 5 minutes")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.quick:
        quick(args.requests or QUICK_REQUESTS, args.rebuild, args.passages // BIG_CHUNKS_PER_ITEM)
        return

    started = time.perf_counter()
    configured = Settings()  # the model as `knowhow` runs it (its ONNX copy kept beside the results)
    embedder = Embedder(configured.model_path, configured.embed_batch_size, configured.encoder, RESULTS / "models")
    load_s = time.perf_counter() - started
    embedder.encode(["a warm-up sentence for the model"] * 64)
    env = environment_line(embedder, load_s)

    files, corpus = corpus_files()
    log(f"throughput on {corpus}, {max(args.rounds, 2)} rounds")
    tp = measure_throughput(embedder, files, max(args.rounds, 2))

    queries = query_texts()
    requests = args.requests or len(queries) - WARMUP_REQUESTS
    if requests < MIN_REQUESTS:
        log(f"only {requests} distinct queries available (fewer than {MIN_REQUESTS})")
    with tempfile.TemporaryDirectory(prefix="knowhow-speed-") as scratch:
        scratch = Path(scratch)
        demo = scratch / "demo"
        services = Services(Settings(data=demo), embedder)
        import_files(services.indexer, demo_files())
        demo_passages = services.store.stats()["chunks"]
        services.close()

        big = scratch / "100k"
        cached = big_corpus(args.rebuild)
        log("copying the cached corpus (the servers log queries; the cache stays untouched)")
        shutil.copytree(cached, big)
        store = Store(Settings(data=big).db_path)
        big_passages = store.stats()["chunks"]
        store.close()

        # The same corpora served with one thread for torch and FAISS: a variant, for comparison only.
        one_thread = {"OMP_NUM_THREADS": "1"}
        corpora = [(Served("demo", demo_passages), demo), (Served("100k", big_passages), big)]
        if not args.no_variant:
            for result, data in list(corpora):
                copy = scratch / f"{data.name}-1thread"
                shutil.copytree(data, copy)
                corpora.append((Served(f"{result.name} 1t", result.passages, env=one_thread), copy))
        measure_latencies(corpora, queries, requests)
        served = [result for result, _ in corpora]
        log("stage breakdown in-process")
        breakdown(corpora[:2], embedder, queries[-2 * BREAKDOWN_QUERIES :])
    log("query embedding: default threads against one")
    threads = thread_comparison(embedder, queries[:200])

    print_report(env, corpus, tp, served, threads, install_size())
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
