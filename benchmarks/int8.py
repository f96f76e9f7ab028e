"""int8 query and passage encoding (tracker issue 13) against fp32: quality, encode speed, import rate, decision.

    python -m benchmarks.int8                       # everything (20-30 minutes on 2 busy cores)
    python -m benchmarks.int8 --parts quality,speed  # some of: quality, splits, speed, import

Quality, on the demo and Cranfield, for (a) fp32 everywhere (today), (b) int8 queries against the stored fp32
passage vectors, (c) int8 everywhere (the collection imported again with the int8 encoder): search nDCG@10
and MRR@10 (dense alone and fused), and the answered decision's accuracy as `benchmarks.quality` prints it;
for (a) and (b) also the decision's balanced accuracy on the seven leave-out splits (`--only answerability`).
Speed, in one run: one query, fp32 (torch) and int8 (median over distinct queries, one thread as `knowhow
serve` runs, in alternating blocks); passages/s and the import rate (rotated rounds) of the pipeline before
(torch, 64 texts a pass), the default now (the fp32 ONNX copy) and int8, each with `knowhow`'s batch size.
The decision: int8 when it loses at most 0.005 fused nDCG@10 on both collections.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.datasets import RESULTS, all_datasets, answerability_splits, cranfield_splits, loaded
from benchmarks.quality import answered_accuracy, balanced_accuracy, search_scores
from finder.search import Finder
from indexer.embedder import Embedder, default_model_path
from indexer.importer import import_files
from indexer.int8 import OnnxModel
from models.settings import Settings
from web.cli import demo_files
from web.services import Services

MAX_LOSS = 0.005  # nDCG@10 the issue allows int8 to lose on each collection
COLLECTIONS = ("demo", "cranfield")
QUERIES = 200
BLOCK = 20  # queries per block; blocks alternate fp32 / int8 so a change in load falls on both


class Int8Queries:
    """(b): queries encoded by the int8 model, searched against passages the fp32 model encoded."""

    def __init__(self, int8: Embedder):
        self.int8 = int8

    def encode_query(self, text: str) -> np.ndarray:
        return self.int8.encode_query(text)


def quality(fp32: Embedder, int8: Embedder) -> dict[str, dict[str, dict]]:
    figures: dict[str, dict[str, dict]] = {}
    for dataset in all_datasets():
        if dataset.name not in COLLECTIONS:
            continue
        today = loaded(dataset, fp32)
        # A folder per quantised copy: vectors of an earlier recipe are not reused.
        everywhere = loaded(dataset, int8, tag=f"-int8-{int8.int8.sha256[:8]}")
        mixed = Finder(today.store, today.indexes, Int8Queries(int8), today.settings, today.profile)
        rows = {}
        for label, finder in (("(a) fp32 everywhere", today.finder), ("(b) int8 queries, fp32 passages", mixed),
                              ("(c) int8 everywhere", everywhere.finder)):
            rows[label] = {"dense": search_scores(finder, dataset, "dense"),
                           "fused": search_scores(finder, dataset, "hybrid"),
                           "answered": answered_accuracy(finder, dataset)}
        figures[dataset.name] = rows
        print(f"\n== {dataset.name}: {rows['(a) fp32 everywhere']['fused']['n']} questions with relevant items "
              f"({today.store.stats()['chunks']} passages)")
        base = rows["(a) fp32 everywhere"]["fused"]["nDCG@10"]
        for label, row in rows.items():
            answered = row["answered"]
            print(f"  {label:<34} fused nDCG@10 {row['fused']['nDCG@10']:.4f} ({row['fused']['nDCG@10'] - base:+.4f})"
                  f"  MRR@10 {row['fused']['MRR@10']:.3f}  dense nDCG@10 {row['dense']['nDCG@10']:.4f}"
                  f"  answerable answered {answered['answerable marked answered']:.3f}"
                  f"  unanswerable unanswered {answered['unanswerable marked unanswered']:.3f}")
    return figures


def answered_splits(fp32: Embedder, int8: Embedder) -> None:
    """Balanced accuracy of the answered decision per leave-out split, fp32 queries against int8 queries
    (the splits' folders hold fp32 passage vectors; int8 everywhere would need each imported again)."""
    print("\n== answered decision, balanced accuracy per leave-out split: (a) fp32 / (b) int8 queries")
    for split in answerability_splits() + cranfield_splits():
        services = loaded(split.dataset, fp32)
        mixed = Finder(services.store, services.indexes, Int8Queries(int8), services.settings, services.profile)
        labels = [label for _, label in split.labels]
        scores = [balanced_accuracy(labels, [finder.ask(q.text, k=10, experts=0, log=False).answered
                                             for q, _ in split.labels]) for finder in (services.finder, mixed)]
        print(f"  {split.name:<24} {scores[0]:.3f} / {scores[1]:.3f} ({scores[1] - scores[0]:+.3f})", flush=True)


def passage_texts(limit: int = 512) -> list[str]:
    """Real passages (the demo's and Cranfield's, as chunked by the import), every tenth up to `limit`."""
    texts = []
    for name in COLLECTIONS:
        folder = RESULTS / f"data-{name}"
        if (folder / "knowhow.db").exists():
            store = Services(Settings(data=folder)).store
            ids = store.passage_ids("chunks", pending_only=False)
            texts += list(store.passage_texts("chunks", ids).values())
            store.close()
    return texts[::10][:limit]


def query_speed(fp32: Embedder, int8: Embedder) -> tuple[float, float]:
    """Median ms of one query, one thread each (as served), distinct queries so no cache answers."""
    import torch

    from benchmarks.speed import query_texts

    queries = query_texts()[: 2 * QUERIES]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    served = OnnxModel(default_model_path(), int8.int8.onnx_path, threads=1)
    timings: dict[str, list[float]] = {"fp32": [], "int8": []}
    encoders = {"fp32": lambda q: fp32.encode([q]), "int8": lambda q: served.encode([q])}
    for _ in range(5):  # warm-up
        for encode in encoders.values():
            encode("a warm-up question about the VPN")
    # Each encoder gets its own distinct queries (a query repeated would be warmer the second time).
    for block in range(2 * QUERIES // BLOCK):
        chunk = queries[block * BLOCK : (block + 1) * BLOCK]
        name = ("fp32", "int8")[block % 2] if block % 4 < 2 else ("int8", "fp32")[block % 2]
        for q in chunk:
            started = time.perf_counter()
            encoders[name](q)
            timings[name].append(1000 * (time.perf_counter() - started))
    torch.set_num_threads(threads)
    return statistics.median(timings["fp32"]), statistics.median(timings["int8"])


def rotated(encoders: dict[str, Embedder], n: int) -> list[tuple[str, Embedder]]:
    """Round `n`'s order: forwards, then backwards (ABC CBA ...), so a drift in load falls on each alike."""
    pairs = list(encoders.items())
    return pairs if n % 2 == 0 else pairs[::-1]


def batch_speed(encoders: dict[str, Embedder], texts: list[str], rounds: int = 3) -> dict[str, float]:
    """Passages/s through each encoder's `encode` (its own engine and batch size), rotated rounds; medians."""
    rates: dict[str, list[float]] = {name: [] for name in encoders}
    for n in range(rounds * 2):
        for name, embedder in rotated(encoders, n):
            started = time.perf_counter()
            embedder.encode(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}


def import_rate(encoders: dict[str, Embedder], rounds: int = 2) -> dict[str, float]:
    """Passages/s of a whole `import` of the demo organisation into a fresh folder, rotated rounds; medians."""
    rates: dict[str, list[float]] = {name: [] for name in encoders}
    for n in range(rounds * 2):
        for name, embedder in rotated(encoders, n):
            with tempfile.TemporaryDirectory(prefix="knowhow-int8-") as folder:
                services = Services(Settings(data=Path(folder)), embedder)
                _ = services.indexes
                started = time.perf_counter()
                import_files(services.indexer, demo_files())
                elapsed = time.perf_counter() - started
                passages = services.store.stats()["chunks"]
                services.close()
            rates[name].append(passages / elapsed)
            print(f"  import round {n + 1}: {name} {passages / elapsed:.1f} passages/s", flush=True)
    return {name: statistics.median(values) for name, values in rates.items()}


def ratios(rates: dict[str, float]) -> str:
    """Each rate and its ratio to the first (the pipeline before)."""
    first = next(iter(rates.values()))
    return "; ".join(f"{name} {rate:.1f}/s ({rate / first:.2f}x)" for name, rate in rates.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="quality,splits,speed,import",
                        help="comma-separated, of: quality, splits, speed, import")
    args = parser.parse_args()
    started = time.perf_counter()
    fp32 = Embedder()
    made = time.perf_counter()
    int8 = Embedder(encoder="int8", batch_size=Settings().embed_batch_size, cache_dir=RESULTS / "models")
    print(f"fp32 loaded in {made - started:.1f} s; int8 (quantised copy made or checked) in "
          f"{time.perf_counter() - made:.1f} s; load average {os.getloadavg()[0]:.1f}")
    sentences = ["How do I connect to the VPN from home?", "Expense reports go through Navan within 30 days.",
                 "boundary layer transition on a flat plate at supersonic speed"]
    cosines = (fp32.encode(sentences) * int8.encode(sentences)).sum(axis=1)
    print(f"cosine int8 to fp32 on {len(sentences)} sentences: " + ", ".join(f"{c:.3f}" for c in cosines))

    # Passages: the pipeline before (torch, 64 texts a pass) against the default now (the fp32 ONNX copy) and int8,
    # each with the batch size `knowhow` gives it.
    batch = Settings().embed_batch_size
    passages = {"torch fp32, 64 a pass (before)": Embedder(encoder="fp32-torch", batch_size=64),
                f"ONNX fp32, {batch} a pass (default)": Embedder(batch_size=batch, cache_dir=RESULTS / "models"),
                f"ONNX int8, {batch} a pass": int8}
    parts = set(args.parts.split(","))
    figures = quality(fp32, int8) if "quality" in parts else {}
    if "splits" in parts:
        answered_splits(fp32, int8)
    if "speed" in parts:
        print("\n== encode speed (same run)")
        one_fp32, one_int8 = query_speed(fp32, int8)
        print(f"  one query, one thread, median of {QUERIES} distinct queries each: fp32 {one_fp32:.1f} ms, "
              f"int8 {one_int8:.1f} ms ({one_fp32 / one_int8:.2f}x)")
        texts = passage_texts()
        words = sum(len(t.split()) for t in texts) / max(len(texts), 1)
        print(f"  {len(texts)} passages ({words:.0f} words each): {ratios(batch_speed(passages, texts))}")
    if "import" in parts:
        print(f"  import of the demo organisation: {ratios(import_rate(passages))} (target >= 2x the first)")

    if figures:
        print("\n== decision (int8 where it loses at most 0.005 fused nDCG@10 on each collection)")
        meets = {}
        for label in ("(b) int8 queries, fp32 passages", "(c) int8 everywhere"):
            losses = {name: rows["(a) fp32 everywhere"]["fused"]["nDCG@10"] - rows[label]["fused"]["nDCG@10"]
                      for name, rows in figures.items()}
            meets[label] = all(loss <= MAX_LOSS for loss in losses.values()) and set(losses) == set(COLLECTIONS)
            print(f"  {label}: loss " + ", ".join(f"{n} {v:.4f}" for n, v in losses.items())
                  + f" -> {'meets' if meets[label] else 'misses'} <= {MAX_LOSS}")
        chosen = ("int8" if meets["(c) int8 everywhere"] else
                  "int8-queries" if meets["(b) int8 queries, fp32 passages"] else "fp32")
        print(f"  -> KNOWHOW_ENCODER={chosen}")
    print(f"  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
