"""The packaged model behind a disk cache of the vectors it computed, so later test runs skip the encoding.

For tests only. The model is deterministic, so a text's vector can be reused: every vector in the cache
was computed by the real model, in some earlier run or this one. The cache is a SQLite file per model
identity (a changed model starts an empty one), safe for several test processes at once. The model itself
is loaded on the first text the cache does not hold: a run whose texts are all cached never loads it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from indexer.embedder import DEFAULT_MODEL_NAME, Embedder, default_model_path, model_identity
from models.model_profile import profile_for

_BUSY_MS = 60_000  # another test process may be writing a batch


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class CachedEmbedder(Embedder):
    """An `Embedder` of the packaged model whose `encode` reads cached vectors and computes only the rest."""

    def __init__(self, folder: Path, batch_size: int = 64):
        # Embedder.__init__ would load the model at once; this sets the same attributes and loads it lazily.
        self._path = default_model_path()
        self.name = DEFAULT_MODEL_NAME
        self.identity = model_identity(self._path)
        self.profile = profile_for(self.identity, self.name)
        self.batch_size = batch_size
        self._cache, self._lock = OrderedDict(), threading.Lock()  # Embedder's recent-query cache
        self._model = None
        self._model_lock = threading.Lock()
        self._db_lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        self.file = folder / f"vectors-{self.identity.removeprefix('sha256:')[:16]}.sqlite"
        self._db = sqlite3.connect(self.file, timeout=_BUSY_MS / 1000, check_same_thread=False, isolation_level=None)
        self._db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self._db.execute("SELECT value FROM meta WHERE key = 'dim'").fetchone()
        self.dim = int(row[0]) if row else int(self.model.get_embedding_dimension())
        self.hits = self.misses = 0

    @property
    def model(self):
        """The SentenceTransformer, loaded on first use (the first text the cache does not hold)."""
        with self._model_lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(self._path), device="cpu", local_files_only=True)
                with self._db_lock:
                    self._db.execute("INSERT OR REPLACE INTO meta VALUES ('dim', ?)",
                                     (str(self._model.get_embedding_dimension()),))
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        keys = [_key(text) for text in texts]
        found = self._read(set(keys))
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        self.hits += len(texts) - sum(1 for key in keys if key not in found)
        if missing:
            first_text = {}
            for key, text in zip(keys, texts):
                first_text.setdefault(key, text)
            computed = super().encode([first_text[key] for key in missing])
            self.misses += len(missing)
            found.update(zip(missing, computed))
            self._write(zip(missing, computed))
        return np.stack([found[key] for key in keys]).astype(np.float32, copy=False)

    def _read(self, keys: set[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        wanted = list(keys)
        with self._db_lock:
            for start in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
                part = wanted[start: start + 500]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((key, np.frombuffer(blob, np.float32)) for key, blob in rows)
        return found

    def _write(self, pairs) -> None:
        rows = [(key, np.asarray(vector, np.float32).tobytes()) for key, vector in pairs]
        with self._db_lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._db_lock:
            self._db.close()
