"""The live vector indexes (passages and people), kept in step with the vectors stored in SQLite.

SQLite is the source of truth; the index files are a start-up cache. `sync` repairs any drift (a crash
between a commit and an index save, another process's writes) by adding and removing the difference.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from models.errors import IndexMismatchError
from models.store import Store
from models.vector_index import VectorIndex

TABLES = ("chunks", "profiles")


class IndexSet:
    def __init__(self, store: Store, directory: Path, model: str, dim: int, hnsw_threshold: int, rebuild: bool = False):
        """Load and sync the indexes; with `rebuild`, start empty and skip the model checks (for reindex)."""
        self.store, self.directory = store, directory
        self.model, self.dim, self.hnsw_threshold = model, dim, hnsw_threshold
        self.lock = threading.RLock()
        self.generation = -1
        if rebuild:
            self.indexes = {table: VectorIndex(dim, model) for table in TABLES}
            return
        self._check_stored_model()
        self.indexes = {table: self._load_or_new(table) for table in TABLES}
        self.sync()

    def _check_stored_model(self) -> None:
        stored = self.store.get_meta("vector_model")
        if stored is not None and stored != self.model:
            raise IndexMismatchError(
                f"the stored vectors were made by model {stored!r}, but the configured model is "
                f"{self.model!r}; run `knowhow reindex` to re-embed everything with it"
            )

    def _load_or_new(self, table: str) -> VectorIndex:
        loaded = VectorIndex.load(self.directory / table, self.model, self.dim)
        return loaded if loaded is not None else VectorIndex(self.dim, self.model)

    def __getitem__(self, table: str) -> VectorIndex:
        return self.indexes[table]

    def add(self, table: str, ids, vectors: np.ndarray) -> None:
        """Add freshly stored vectors to the live index, under the lock searches take (briefly)."""
        with self.lock:
            self.indexes[table].add(ids, vectors)

    def sync(self) -> dict[str, tuple[int, int]]:
        """Make each index hold exactly the stored vectors; returns (added, removed) per table."""
        with self.lock:
            generation = self.store.generation()
            changes = {}
            for table in TABLES:
                changes[table] = self._sync_table(table)
            self.generation = generation
            return changes

    def refresh_if_stale(self) -> None:
        """Cheap check before a search: resync only when some writer bumped the store's generation."""
        if self.store.generation() != self.generation:
            self.sync()

    def _sync_table(self, table: str) -> tuple[int, int]:
        index = self.indexes[table]
        stored = self.store.vector_ids(table)
        held = index.ids()
        extra = np.setdiff1d(held, stored, assume_unique=True)
        missing = np.setdiff1d(stored, held, assume_unique=True)
        wanted_kind = VectorIndex.kind_for(len(stored), self.hnsw_threshold)
        if wanted_kind != index.kind:
            index = self.indexes[table] = VectorIndex(self.dim, self.model, wanted_kind)
            extra, missing = np.array([], np.int64), stored
        index.remove(extra)
        for ids, vectors in self.store.iter_vectors(table, missing.tolist() if len(missing) < len(stored) else None):
            index.add(ids, vectors)
        return len(missing), len(extra)

    def save(self) -> None:
        with self.lock:
            for table, index in self.indexes.items():
                index.save(self.directory / table)

    def counts(self) -> dict[str, int]:
        return {table: index.count() for table, index in self.indexes.items()}
