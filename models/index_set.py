"""The live indexes: vectors of passages and people, and the passages' words (models.word_index), kept in step
with the store.

SQLite is the source of truth; the index files are a start-up cache. `sync` repairs any drift (a crash
between a commit and an index save) by adding and removing the difference; after that, each index follows
the store's log of changes (vectors set or gone, passages' words saved or gone), so another process's writes
cost what they changed, not a scan.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from models import word_index
from models.errors import IndexMismatchError
from models.store import Store
from models.vector_index import VectorIndex
from models.word_index import WordIndex

TABLES = ("chunks", "profiles")
WORDS = "words"  # the change log's name for changes to passages' words (migration m022)
# Changes applied one by one up to this many since the last look; past it, comparing whole tables is cheaper.
CATCH_UP_LIMIT = 20_000
# Vector changes the store keeps (trimmed daily): a replica further behind compares whole tables instead.
VECTOR_CHANGES_KEPT = 100_000
# A start-up that had to add or remove this many passages saves the indexes at once (rebuilding the word index
# of 100,000 passages took 27 s).
SAVE_AFTER_SYNC = 1_000


class IndexSet:
    def __init__(self, store: Store, directory: Path, model: str, dim: int, hnsw_threshold: int, rebuild: bool = False):
        """Load and sync the indexes; with `rebuild`, start empty and skip the model checks (for reindex)."""
        self.store, self.directory = store, directory
        self.model, self.dim, self.hnsw_threshold = model, dim, hnsw_threshold
        self.lock = threading.RLock()
        self.applied = -1  # the last vector change (models.chunk_store) this process's indexes hold
        if rebuild:
            self.indexes = {table: VectorIndex(dim, model) for table in TABLES}
            self.words = WordIndex()
            return
        self._check_stored_model()
        self.indexes = {table: self._load_or_new(table) for table in TABLES}
        self.words = WordIndex.load(self.directory / "chunks") or WordIndex()
        changes = self.sync()
        if sum(added + removed for added, removed in changes.values()) >= SAVE_AFTER_SYNC:
            self.save()  # a first start over a large store: the next one reads files instead of redoing this

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

    def sync(self) -> dict[str, tuple[int, int]]:
        """Make each index hold exactly the stored vectors (the word index: the stored passages), comparing
        every stored id with the index's; returns (added, removed) per table and for WORDS. The change log's
        position is read first: a change committed meanwhile is applied again later, which adding (a replace)
        and removing allow."""
        with self.lock:
            applied = self.store.latest_vector_change()
            changes = {table: self._sync_table(table) for table in TABLES}
            changes[WORDS] = self._sync_words()
            self.applied = applied
            return changes

    def refresh_if_stale(self) -> None:
        """Cheap check before a search: apply the vector changes some writer (this process or another) made
        since the last look, or compare whole tables when too many came (an import elsewhere)."""
        if self.store.latest_vector_change() == self.applied:
            return
        with self.lock:
            found = self.store.vector_changes_since(self.applied, CATCH_UP_LIMIT)
            if found is None:
                self.sync()
                return
            latest, changes = found
            for table in TABLES:
                self._apply(table, [(pid, added) for _, t, pid, added in changes if t == table])
            self._apply_words({pid: added for _, t, pid, added in changes if t == WORDS})
            self.applied = latest

    def _apply(self, table: str, changes: list[tuple[int, bool]]) -> None:
        """Changes in order: an id's last one wins. Its vector is read from the store, so a passage deleted
        since it was added (the log is behind the table) is simply not found and stays out."""
        if not changes:
            return
        last = {pid: added for pid, added in changes}
        index = self.indexes[table]
        index.remove(np.fromiter((pid for pid, added in last.items() if not added), np.int64))
        wanted = [pid for pid, added in last.items() if added]
        found: set[int] = set()
        for ids, vectors in self.store.iter_vectors(table, wanted):
            index.add(ids, vectors)
            found.update(int(i) for i in ids)
        index.remove(np.fromiter((pid for pid in wanted if pid not in found), np.int64))
        if VectorIndex.kind_for(index.count(), self.hnsw_threshold) != index.kind:
            self._sync_table(table)  # crossed the size where the other kind of index serves better

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

    def _apply_words(self, last: dict[int, bool]) -> None:
        """Word changes in order (the dict keeps each passage's last): its words are read again, so a passage
        deleted since is simply not found and stays out."""
        if last:
            self.words.remove(last)
            self._add_words([pid for pid, added in last.items() if added])

    def _sync_words(self) -> tuple[int, int]:
        """The word index holds exactly the stored passages, embedded or not; returns (added, removed)."""
        stored = self.store.passage_word_ids()
        held = self.words.ids()
        extra = np.setdiff1d(held, stored, assume_unique=True)
        self.words.remove(extra.tolist())
        missing = np.setdiff1d(stored, held, assume_unique=True)
        self._add_words(None if len(missing) == len(stored) else missing.tolist())
        return len(missing), len(extra)

    def _add_words(self, ids) -> None:
        """Tokenise and add passages (every stored one when `ids` is None), read batch by batch."""
        if ids is not None and not len(ids):
            return
        for rows in self.store.iter_passage_words(ids):
            self.words.add(rows, merge=False)
        self.words.merge()

    def save(self) -> None:
        with self.lock:
            for table, index in self.indexes.items():
                index.save(self.directory / table)
            words = self.words.snapshot()
        if words is not None:  # written outside the lock searches take (models.word_index says why it may)
            word_index.write(words, self.directory / "chunks")

    def counts(self) -> dict[str, int]:
        return {table: index.count() for table, index in self.indexes.items()}
