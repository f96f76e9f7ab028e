"""Gap clustering: is it right (ARI on questions asked in different words for the same need) and does
it scale (seconds for 10,000 and 100,000 logged questions on this machine)?

    python -m benchmarks.gaps [--sweep] [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from finder.clustering import adjusted_rand_index, cluster
from indexer.embedder import Embedder

PARAPHRASES = Path(__file__).resolve().parent / "data" / "paraphrases.jsonl"


def labelled() -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in PARAPHRASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows], [r["need"] for r in rows]


def synthetic(vectors: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """`size` question vectors scattered around the labelled ones, like many people rewording a need."""
    rng = np.random.default_rng(seed)
    base = vectors[rng.integers(0, len(vectors), size)]
    noisy = base + rng.normal(scale=0.25 / np.sqrt(vectors.shape[1]), size=base.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep", action="store_true", help="try several similarity thresholds")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()

    texts, needs = labelled()
    embedder = Embedder()
    profile = embedder.profile
    vectors = embedder.encode(texts)
    print(f"labelled set: {len(texts)} questions, {len(set(needs))} needs ({PARAPHRASES.name})")
    thresholds = [0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7] if args.sweep else [profile.gap]
    for threshold in thresholds:
        labels = cluster(vectors, threshold, profile.merge)
        print(f"  threshold {threshold:.2f}: ARI {adjusted_rand_index(needs, labels.tolist()):.3f}, "
              f"{labels.max() + 1} topics")

    for size in args.sizes:
        many = synthetic(vectors, size)
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            labels = cluster(many, profile.gap, profile.merge)
            timings.append(time.perf_counter() - started)
        print(f"clustering {size:>7,} questions: {min(timings):.1f} s (best of 2; target < 60 s), "
              f"{labels.max() + 1} topics")


if __name__ == "__main__":
    main()
