"""The one interface to FAISS: integer ids and unit vectors in, (score, id) out; exact or approximate.

The index is a cache of vectors stored in SQLite. Each file records the model and dimension that built it
so a different model is refused instead of silently returning nonsense.

The approximate (HNSW) index, used past `hnsw_threshold` vectors, keeps each vector in 16-bit floats: half
the memory of 32-bit ones (at a million passages 768 MB instead of 1.5 GB) at a cosine error of about 1e-4.
Search rescoring reads the vectors back from them. (8-bit codes took a quarter, but their error, about 0.001,
is the gap between neighbouring scores in a dense corpus: recall@100 against the exact scan stopped at 0.983
at a million vectors however well the graph was searched.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

try:
    import faiss
except ImportError as exc:  # pragma: no cover - faiss-cpu is a core dependency
    raise ImportError("install faiss-cpu to enable the vector index") from exc

from models.errors import IndexMismatchError

HNSW_NEIGHBOURS = 32
# A better-built graph: at 1,000,000 vectors shaped like real passages (benchmarks.ann, vectors as 8-bit codes
# then) 80 left recall@100 at 0.961 with efSearch 1024 and 200 gave 0.980; 48 neighbours instead of 32 added
# nothing. Building takes 2-3 times as long (319 s at a million vectors on 2 cores), and so does each add.
HNSW_EF_CONSTRUCTION = 200
# recall@100 against the exact scan, vectors shaped like real passages (benchmarks.ann, 16-bit floats, the graph
# above): at 100,000 vectors 0.996 at 256, 0.999 at 512 (0.66 ms a query on one thread); at 1,000,000 0.972
# at 256, 0.986 at 512 (0.76 ms), 0.992 at 768.
HNSW_EF_SEARCH = 512
# HNSW cannot delete in place: removed ids are hidden at search time until they pass this share.
TOMBSTONE_REBUILD_SHARE = 0.1
# An HNSW label: the id in the low bits, the copy number above them (ids stay far below 2**40).
ID_BITS = 40
ID_MASK = (1 << ID_BITS) - 1


class VectorIndex:
    """Exact inner product (flat) or HNSW, both keyed by our int64 ids.

    HNSW cannot delete in place, so a removed vector stays in the graph, hidden at search time. Each vector
    HNSW holds carries a label of its own, the id with a copy number in its high bits: a passage added again
    (an add from the change log replayed after a table comparison already brought it in) hides its old copy
    without hiding the new one, which hiding by id did.
    """

    def __init__(self, dim: int, model: str, kind: str = "flat"):
        if kind not in ("flat", "hnsw"):
            raise ValueError(f"unknown index kind: {kind}")
        self.dim, self.model, self.kind = dim, model, kind
        self._index = faiss.IndexIDMap2(self._new_inner())
        self._tombstones: set[int] = set()  # HNSW: labels of hidden copies
        self._position: dict[int, int] = {}  # id -> where its live copy is stored (its label's place in id_map)
        self._next_copy = 1

    def _new_inner(self):
        if self.kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        inner = faiss.IndexHNSWSQ(self.dim, faiss.ScalarQuantizer.QT_fp16, HNSW_NEIGHBOURS,
                                  faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
        return inner

    @staticmethod
    def kind_for(count: int, hnsw_threshold: int) -> str:
        return "hnsw" if count > hnsw_threshold else "flat"

    def count(self) -> int:
        return len(self._position)

    def ids(self) -> np.ndarray:
        return np.fromiter(self._position, dtype=np.int64, count=len(self._position))

    def vectors(self, ids) -> tuple[np.ndarray, np.ndarray]:
        """(ids found, their vectors) read from memory: a search rescores every passage of its candidate
        items, and reading their vectors from the database cost 9.5 ms a search at 100,000 passages. HNSW
        gives them back from 16 bits (cosine error about 1e-4)."""
        found = [(i, p) for i in map(int, ids) if (p := self._position.get(i)) is not None]
        if not found:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        positions = np.fromiter((p for _, p in found), np.int64, count=len(found))
        return np.fromiter((i for i, _ in found), np.int64, count=len(found)), self._read(positions)

    def _read(self, positions: np.ndarray) -> np.ndarray:
        """The vectors stored at `positions` (valid positions only)."""
        n = int(self._index.ntotal)
        inner = faiss.downcast_index(self._index.index)
        if self.kind == "flat":
            return faiss.rev_swig_ptr(inner.get_xb(), n * self.dim).reshape(n, self.dim)[positions]
        storage = faiss.downcast_index(inner.storage)  # 16-bit floats: decoded to 32 for the caller
        held = faiss.rev_swig_ptr(storage.codes.data(), n * storage.code_size).reshape(n, storage.code_size)
        return storage.sa_decode(np.ascontiguousarray(held[positions]))

    def _labels(self) -> np.ndarray:
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[1] != self.dim:
            raise IndexMismatchError(f"vectors have dimension {vectors.shape[1]}, the index {self.dim}")
        ids = np.asarray(ids, dtype=np.int64)
        # Re-adding an id must replace, not duplicate, it.
        self.remove(ids)
        start = int(self._index.ntotal)
        if self.kind == "flat":
            self._index.add_with_ids(vectors, ids)
        else:
            self._index.add_with_ids(vectors, ids | np.int64(self._next_copy << ID_BITS))
            self._next_copy += 1
        self._position.update(zip(ids.tolist(), range(start, start + len(ids))))

    def remove(self, ids) -> None:
        ids = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, dtype=np.int64)
        if len(ids) == 0 or self._index.ntotal == 0:
            return
        if self.kind == "flat":
            if self._index.remove_ids(faiss.IDSelectorBatch(ids)):
                self._position = dict(zip(self._labels().tolist(), range(int(self._index.ntotal))))  # shifted
            return
        positions = [p for i in ids.tolist() if (p := self._position.pop(i, None)) is not None]
        if positions:
            self._tombstones.update(self._labels()[positions].tolist())
        if len(self._tombstones) > TOMBSTONE_REBUILD_SHARE * max(self._index.ntotal, 1):
            self._compact()

    def _compact(self) -> None:
        """Rebuild the HNSW graph without the hidden copies; the live ones are labelled by their ids again
        (and keep their values: 16-bit floats convert to 32 and back exactly)."""
        ids = self.ids()
        vectors = self.vectors(ids)[1]
        self._index = faiss.IndexIDMap2(self._new_inner())
        self._tombstones.clear()
        self._position = dict(zip(ids.tolist(), range(len(ids))))
        self._next_copy = 1
        if len(ids):
            self._index.add_with_ids(vectors, ids)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Best-first (scores, ids) per query; missing slots have id -1."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = len(queries)
        if self._index.ntotal == 0 or k <= 0:
            return np.zeros((n, max(k, 0)), np.float32), np.full((n, max(k, 0)), -1, np.int64)
        fetch = min(k + len(self._tombstones), int(self._index.ntotal))
        scores, labels = self._index.search(queries, fetch)
        if self._tombstones:
            scores, labels = _drop_tombstones(scores, labels, self._tombstones, k)
        ids = np.where(labels >= 0, labels & ID_MASK, -1)
        return _pad(scores[:, :k], ids[:, :k], k)

    # -- persistence: a pair of files written atomically, checked against each other on load --

    def save(self, stem: Path) -> None:
        stem.parent.mkdir(parents=True, exist_ok=True)
        if self._tombstones:
            self._compact()
        data_path, meta_path = _paths(stem)
        # Named per process: two worker processes of one `serve` may save at once, each its own whole file.
        tmp = data_path.with_suffix(f".faiss.{os.getpid()}.tmp")
        faiss.write_index(self._index, str(tmp))
        os.replace(tmp, data_path)
        meta = {"model": self.model, "dim": self.dim, "kind": self.kind, "ntotal": int(self._index.ntotal)}
        tmp_meta = meta_path.with_suffix(f".json.{os.getpid()}.tmp")
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, meta_path)

    @classmethod
    def load(cls, stem: Path, model: str, dim: int) -> VectorIndex | None:
        """The saved index, or None when there is none or it is unreadable (it is then rebuilt from SQLite)."""
        data_path, meta_path = _paths(stem)
        if not data_path.exists() or not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            return None
        if meta.get("model") != model or meta.get("dim") != dim:
            raise IndexMismatchError(
                f"the index in {data_path.parent} was built with model {meta.get('model')!r} "
                f"(dimension {meta.get('dim')}), but the configured model is {model!r} (dimension {dim}); "
                "run `knowhow reindex` to rebuild it"
            )
        try:
            raw = faiss.read_index(str(data_path))
        except RuntimeError:
            return None
        if raw.ntotal != meta.get("ntotal"):
            return None  # a torn pair of files from a crash: rebuild from SQLite
        index = cls(dim, model, meta.get("kind", "flat"))
        index._index = faiss.downcast_index(raw) if not isinstance(raw, faiss.IndexIDMap2) else raw
        if index.kind == "hnsw" and not isinstance(faiss.downcast_index(index._index.index), faiss.IndexHNSWSQ):
            return None  # saved by a version that kept 32-bit floats in the graph: rebuilt in 16 bits
        labels = index._labels()
        index._position = dict(zip((labels & ID_MASK).tolist(), range(len(labels))))  # saved compacted
        if index.kind == "hnsw":
            faiss.downcast_index(index._index.index).hnsw.efSearch = HNSW_EF_SEARCH
            index._next_copy = int((labels >> ID_BITS).max()) + 1 if len(labels) else 1
        return index


def _paths(stem: Path) -> tuple[Path, Path]:
    return stem.with_suffix(".faiss"), stem.with_suffix(".json")


def _drop_tombstones(scores, ids, tombstones, k):
    keep_scores, keep_ids = [], []
    for row_scores, row_ids in zip(scores, ids):
        mask = np.array([int(i) not in tombstones for i in row_ids], dtype=bool)
        keep_scores.append(row_scores[mask][:k])
        keep_ids.append(row_ids[mask][:k])
    width = max(k, 1)
    out_scores = np.zeros((len(ids), width), np.float32)
    out_ids = np.full((len(ids), width), -1, np.int64)
    for row, (s, i) in enumerate(zip(keep_scores, keep_ids)):
        out_scores[row, : len(s)] = s
        out_ids[row, : len(i)] = i
    return out_scores, out_ids


def _pad(scores, ids, k):
    if scores.shape[1] >= k:
        return scores, ids
    n = len(ids)
    pad = k - scores.shape[1]
    return (
        np.hstack([scores, np.zeros((n, pad), np.float32)]),
        np.hstack([ids, np.full((n, pad), -1, np.int64)]),
    )
