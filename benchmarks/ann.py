"""Approximate nearest neighbours: recall@100 of the HNSW index against exact search, and the time of one
query each way, at 100,000 (and optionally 1,000,000) vectors: where `hnsw_threshold` should sit.

    python -m benchmarks.ann                  # 100,000 vectors
    python -m benchmarks.ann --sizes 100000 1000000
    python -m benchmarks.ann --sizes 1000000 --no-random --ef 256 512 768   # other efSearch values

Vectors: real passages lie on a thin, clustered part of the sphere, which is what makes HNSW work, and
uniform random vectors (the speed benchmark's synthetic corpus) are its worst case; both are measured.
"Realistic" vectors mix two real passage vectors of the development sets and the demo (stored in
benchmarks/results/data-*, made by benchmarks.quality) with a little noise; queries are the real
questions of those sets, encoded by the packaged model. The index is models.vector_index.VectorIndex as
the server builds it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time

import numpy as np

from benchmarks.datasets import RESULTS
from benchmarks.speed import query_texts
from indexer.embedder import Embedder
from models.settings import Settings
from models.vector_index import HNSW_EF_SEARCH, VectorIndex

DIM = 384
K = 100
TARGET_RECALL = 0.98
EF_SEARCH = (64, 128, 256, 384)
QUERIES = 300


def real_passages() -> np.ndarray:
    """Every stored passage vector of the benchmark data folders (Cranfield, the StackExchange sets, demo)."""
    vectors = []
    for folder in sorted(RESULTS.glob("data-*")):
        if "-out" in folder.name or "answerability" in folder.name:
            continue  # the leave-out splits hold the same passages again
        with sqlite3.connect(folder / "knowhow.db") as db:
            vectors += [np.frombuffer(row[0], dtype=np.float32) for row in
                        db.execute("SELECT vector FROM chunks WHERE vector IS NOT NULL")]
    if not vectors:
        raise SystemExit("no stored passages: run `python -m benchmarks.quality` once to build the data folders")
    return np.stack(vectors)


def unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def realistic(base: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Mixtures of two real passages (the first weighing 0.5-1) with noise of a tenth of their spread."""
    first, second = rng.integers(0, len(base), count), rng.integers(0, len(base), count)
    weight = rng.uniform(0.5, 1.0, (count, 1)).astype(np.float32)
    noise = rng.standard_normal((count, DIM)).astype(np.float32) * (0.1 / np.sqrt(DIM))
    return unit(weight * base[first] + (1 - weight) * base[second] + noise)


def measure(name: str, corpus: np.ndarray, queries: np.ndarray, ef_values: tuple[int, ...] = EF_SEARCH) -> None:
    ids = np.arange(len(corpus), dtype=np.int64)
    exact = VectorIndex(DIM, "benchmark", "flat")
    exact.add(ids, corpus)
    started = time.perf_counter()
    approx = VectorIndex(DIM, "benchmark", "hnsw")
    approx.add(ids, corpus)
    build_s = time.perf_counter() - started
    truth, exact_ms = [], []
    for q in queries:
        t = time.perf_counter()
        _, found = exact.search(q, K)
        exact_ms.append(1000 * (time.perf_counter() - t))
        truth.append(set(found[0].tolist()))
    print(f"\n{name}: {len(corpus):,} vectors, {len(queries)} queries; HNSW built in {build_s:.0f} s; "
          f"exact search median {statistics.median(exact_ms):.2f} ms")
    print(f"   {'efSearch':>8}{'recall@100':>12}{'min':>8}{'median ms':>11}{'p95 ms':>9}")
    inner = approx._index.index if hasattr(approx._index, "index") else None
    for ef in ef_values:
        if inner is not None:
            import faiss

            faiss.downcast_index(inner).hnsw.efSearch = ef
        recalls, times = [], []
        for q, expected in zip(queries, truth):
            t = time.perf_counter()
            _, found = approx.search(q, K)
            times.append(1000 * (time.perf_counter() - t))
            recalls.append(len(expected & set(found[0].tolist())) / K)
        mark = " (the index's setting)" if ef == HNSW_EF_SEARCH else ""
        ok = "PASS" if statistics.mean(recalls) >= TARGET_RECALL else "FAIL"
        print(f"   {ef:>8}{statistics.mean(recalls):>12.4f}{min(recalls):>8.2f}{statistics.median(times):>11.2f}"
              f"{float(np.percentile(times, 95)):>9.2f}   {ok}{mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--no-random", action="store_true", help="skip the uniform random vectors (slow to build)")
    parser.add_argument("--ef", type=int, nargs="+", default=list(EF_SEARCH), help="efSearch values to try")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import faiss

    faiss.omp_set_num_threads(1)  # as `knowhow serve` runs it: one search per request thread
    rng = np.random.default_rng(7)
    base = real_passages()
    embedder = Embedder(Settings().model_path, Settings().embed_batch_size)
    queries = embedder.encode(query_texts()[:QUERIES])
    print(f"Approximate search: {len(base):,} real passages mixed into larger corpora; {len(queries)} real questions")
    for size in args.sizes:
        measure("realistic (mixtures of real passages)", realistic(base, size, rng), queries, tuple(args.ef))
        if not args.no_random:
            measure("uniform random (worst case)", unit(rng.standard_normal((size, DIM)).astype(np.float32)), queries,
                    tuple(args.ef))


if __name__ == "__main__":
    main()
