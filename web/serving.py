"""`knowhow serve`: one process, or several worker processes answering on one port from one data folder.

Python runs one request's Python at a time per process, so one process uses about one core however many
requests it holds (issue 13: four request threads contending under 50 users). Worker processes each load
the model and their own copy of the vector indexes; SQLite is shared and stays the source of truth. Every
worker applies the store's log of vector changes before each search (models.index_set), so what one worker
stores the others find by their next search; passages are claimed before they are embedded
(indexer.pipeline), so two workers never embed the same one. The background work that must
run once per data folder (finishing an interrupted import's embedding, the daily jobs and the mail queue)
runs in whichever worker holds the background lock; when that worker dies, another takes it over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from fastapi import FastAPI

from models.index_set import TABLES
from models.settings import Settings
from web.services import Services

log = logging.getLogger("uvicorn.error")  # the server's own log, which `serve` prints

LEFTOVER_SECONDS = 60.0  # how often passages left without a vector are looked for
TAKEOVER_SECONDS = 5.0  # how often a worker without the background lock tries for it
HEALTHCHECK_SECONDS = 30  # a busy worker answers the supervisor's ping late; only a hung one misses this
WORKER_DATA = "KNOWHOW_DATA"  # how the workers learn the data folder (Settings reads it)
WORKER_HEADER = b"x-knowhow-worker"


def prepare(services: Services) -> None:
    """Load the model and the indexes before the first request, and settle the threads each search uses."""
    import faiss
    import torch

    # One thread per forward pass: requests are encoded concurrently, and on a busy 2-core machine a
    # 2-thread pass stalls at every barrier (benchmarks/speed.py: median 30.8 -> 23.8 ms on the demo,
    # 404 -> 28 ms with other processes running).
    torch.set_num_threads(1)
    _ = services.indexes  # the model and the indexes (repairing drift from SQLite), not on the first request
    _ = services.embedder.query_model  # and the ONNX query encoder (made the first time in a folder): not on a query
    # One FAISS thread per search too, once the indexes are built (building uses every core): requests
    # run side by side, and OpenMP's hand-off between two threads made one HNSW query take 7.9 ms
    # against 0.9 ms on one thread (benchmarks.ann at 100,000 vectors).
    faiss.omp_set_num_threads(1)


def start_background(services: Services) -> None:
    """The work beside the requests, never in them: passages left without a vector embedded while the
    service answers, then the daily jobs (digests, stale content) and the mail queue."""
    from web.mailer import start_mailer

    threading.Thread(target=embed_leftovers, args=(services,), name="embed-leftovers", daemon=True).start()
    start_mailer(services)


def embed_leftovers(services: Services, interval: float = LEFTOVER_SECONDS) -> None:
    """Embed the passages left without a vector, now and then every `interval`: an import interrupted by a
    stop, or a worker killed mid-batch, leaves them, and nobody else may be writing to take them up."""
    while True:
        try:
            if any(services.store.passage_ids(table, pending_only=True) for table in TABLES):
                services.indexer.resume()
        except Exception:  # a failed pass must not end the thread: the next one retries
            log.exception("embedding the passages left over failed; trying again in %s s", interval)
        time.sleep(interval)


def uvicorn_config(app, **options):
    import uvicorn

    # No proxy-header rewriting: web.auth decides on the real peer whether X-Forwarded-* are believed.
    return uvicorn.Config(app, log_level="info", proxy_headers=False, **options)


def serve_one(services: Services, listening: socket.socket, ready: Callable[[], None]) -> None:
    """One process: requests on threads, the background work on its own threads; `ready` once loaded."""
    import uvicorn

    from web.app import create_app

    prepare(services)
    # The config first: making it sets up the server's log, which the background work writes to from its
    # first moment (a line logged before it was dropped, e.g. which server leads the background work).
    config = uvicorn_config(create_app(services))
    if services.settings.embedded:
        start_background(services)
    else:  # other servers may share the database: the one holding its lock runs the background work
        BackgroundLeader(services).start()
    ready()
    uvicorn.Server(config).run(sockets=[listening])


def serve_workers(settings: Settings, listening: socket.socket, workers: int) -> None:
    """`workers` processes sharing the listening socket, watched by this one: a worker that dies or hangs is
    replaced (uvicorn's supervisor). Each builds its own services from the data folder (`worker_app`)."""
    from uvicorn.supervisors import Multiprocess

    os.environ[WORKER_DATA] = str(settings.data.resolve())
    config = uvicorn_config("web.serving:worker_app", factory=True, workers=workers,
                            timeout_worker_healthcheck=HEALTHCHECK_SECONDS)
    Multiprocess(config, sockets=[listening]).run()


def worker_app() -> FastAPI:
    """One worker process's app (uvicorn calls this in each new process): its own services on the data folder,
    loaded before it answers, and a bid for the background work."""
    from web.app import create_app

    services = Services(Settings())
    prepare(services)
    BackgroundLeader(services).start()
    app = create_app(services)
    app.add_middleware(NamedWorker, name=services.worker[:12])
    return app


class NamedWorker:
    """Says which worker answered (`X-Knowhow-Worker`, the start of its opaque name): behind one port the
    workers are otherwise alike, and an operator or a test following a request needs to tell them apart."""

    def __init__(self, app, name: str):
        self.app, self.name = app, name.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def named(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (WORKER_HEADER, self.name)]
            await send(message)

        return await self.app(scope, receive, named)


class BackgroundLeader(threading.Thread):
    """Runs the once-per-organisation background work in the one process holding the background lock
    (Services.lead_background); the others retry every few seconds, so the lock passes on when its holder
    dies (however it dies) and no two run it at once."""

    def __init__(self, services: Services, interval: float = TAKEOVER_SECONDS):
        super().__init__(name="background-leader", daemon=True)
        self.services, self.interval = services, interval

    def run(self) -> None:
        while not self.services.lead_background():
            time.sleep(self.interval)
        log.info("worker %s runs the background work (indexing left over, daily jobs, mail)", os.getpid())
        start_background(self.services)
