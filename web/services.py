"""Wiring: one data folder's store, model, indexes, indexer and finder, each built once and on first use."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from functools import cached_property
from threading import Lock
from typing import Any
from uuid import uuid4

from finder.duplicates import DuplicateFinder
from finder.gaps import GapFinder
from finder.health import HealthReport, content_health
from finder.search import Finder
from indexer.embedder import Embedder
from indexer.pipeline import Indexer
from models import liveness, pg_locks
from models.index_set import IndexSet
from models.model_profile import ModelProfile, configured
from models.settings import Settings
from models.store import Store

BACKGROUND_LOCK = "background.lock"  # the data folder's flock on the once-per-folder background work


class Services:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._lock = Lock()
        self._worker_lock: Any = None  # an flock's descriptor, or the PostgreSQL session holding the lock
        self._background_lock: Any = None  # the same, for the background work (lead_background)
        self._leading = False

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.database, self.settings.database_pool_size)

    @property
    def embedder(self) -> Embedder:
        # The model is shared by tests and loaded at most once per process.
        with self._lock:
            if self._embedder is None:
                self._embedder = Embedder(self.settings.model_path, self.settings.embed_batch_size,
                                          self.settings.encoder, self.settings.models_dir)
            return self._embedder

    @cached_property
    def worker(self) -> str:
        """This process's name on the background work it starts (an import run). It holds a lock under that
        name while it runs (models.liveness), so work recorded under a name nobody holds was left behind by a
        server that has stopped, while a second worker process of the same `serve` keeps its own."""
        name = uuid4().hex
        if self.settings.embedded:
            self._worker_lock = liveness.hold(self.settings.data, name)
        else:  # servers on one PostgreSQL share no folder: the database holds the lock (models.pg_locks)
            self._worker_lock = pg_locks.hold(self.settings.database, name)
        return name

    def worker_alive(self, name: str) -> bool:
        """Whether the process that recorded work under `name` (an import run, passages it embeds) still runs."""
        if name == self.worker:
            return True
        if self.settings.embedded:
            return liveness.alive(self.settings.data, name)
        return pg_locks.alive(self.store.db, name)

    def lead_background(self) -> bool:
        """Whether this process runs the once-per-organisation background work, taking its lock if nobody
        holds it: the data folder's flock, or on PostgreSQL the database's advisory lock (servers on other
        machines share no folder). Held until `close`: the lock goes when what holds it is closed or
        collected, however the process ends."""
        if not self._leading:
            if not self.settings.embedded:
                self._background_lock = pg_locks.try_lead(self.settings.database)
                self._leading = self._background_lock is not None
            else:
                if self._background_lock is None:
                    self._background_lock = os.open(self.settings.data / BACKGROUND_LOCK, os.O_RDWR | os.O_CREAT,
                                                    0o644)
                try:
                    fcntl.flock(self._background_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self._leading = True
                except BlockingIOError:
                    pass
        return self._leading

    @cached_property
    def profile(self) -> ModelProfile:
        """The thresholds in force: the model's calibrated profile, with the settings' overrides."""
        return configured(self.embedder.profile, self.settings)

    def _index_set(self, rebuild: bool) -> IndexSet:
        return IndexSet(
            self.store, self.settings.index_dir, self.embedder.name, self.embedder.dim,
            self.settings.hnsw_threshold, rebuild=rebuild,
        )

    @cached_property
    def indexes(self) -> IndexSet:
        return self._index_set(rebuild=False)

    @cached_property
    def indexer(self) -> Indexer:
        return Indexer(self.store, self.embedder, self.indexes, self.settings, self.worker, self.worker_alive)

    def rebuilding_indexer(self) -> Indexer:
        """An indexer that ignores the saved indexes and stored model: for `reindex` after a model change."""
        indexes = self._index_set(rebuild=True)
        self.__dict__["indexes"] = indexes
        self.__dict__.pop("indexer", None)
        self.__dict__.pop("finder", None)
        return self.indexer

    @cached_property
    def finder(self) -> Finder:
        return Finder(self.store, self.indexes, self.embedder, self.settings, self.profile)

    @cached_property
    def gaps(self) -> GapFinder:
        return GapFinder(self.store, self.finder, self.profile)

    @cached_property
    def duplicates(self) -> DuplicateFinder:
        """Near-duplicates by the configured model's `duplicate` score, kept until the store changes."""
        return DuplicateFinder(self.store, self.profile.duplicate)

    def content_health(self, now: datetime | None = None) -> HealthReport:
        return content_health(self.store, self.settings.stale_months, now, self.duplicates)

    def close(self) -> None:
        if self._worker_lock is not None:
            if self.settings.embedded:
                liveness.release(self.settings.data, self.worker, self._worker_lock)
            else:
                self._worker_lock.close()
            self._worker_lock = None
        if self._background_lock is not None:
            if self.settings.embedded:
                os.close(self._background_lock)
            else:
                self._background_lock.close()
            self._background_lock, self._leading = None, False
        if "store" in self.__dict__:
            self.store.close_all()
