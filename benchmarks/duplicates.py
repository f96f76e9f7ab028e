"""Near-duplicates: the pairs content health reports on the demo and the public devsets, whether the demo's
replaced items (Expensify/Navan, AnyConnect/Tailscale, Zendesk 2022/2025) are among them, whether FAISS's
candidates miss any pair an all-pairs scan finds, and the time for 10,000 and 50,000 items.

    python -m benchmarks.duplicates            # the pairs and figures at the model profile's score
    python -m benchmarks.duplicates --sweep    # the weights and score that find the demo pairs with fewest others
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time

import numpy as np

from benchmarks.datasets import all_datasets, loaded
from finder.duplicates import (
    NAME_WEIGHT, OTHER_KIND_PENALTY, TAG_WEIGHT, UNKNOWN_TAGS, Doc, Likeness, Vocabulary, likeness,
    near_duplicate_pairs,
)
from indexer.embedder import Embedder
from models.model_profile import DEFAULT

DEMO_PAIRS = {("c218", "c219"), ("c001", "c002"), ("c121", "c122")}


def _docs(services) -> list[Doc]:
    return [Doc(row["id"], row["title"], row["body"], row["kind"], row["tags"], passages)
            for row, passages in services.store.items_with_passages()]


def _all_pairs(docs: list[Doc], vocabulary: Vocabulary) -> dict[tuple[str, str], Likeness]:
    return {(a.id, b.id): likeness(a, b, vocabulary) for a, b in itertools.combinations(docs, 2)}


def score(like: Likeness, tag: float, name: float, kind: float) -> float:
    tags = UNKNOWN_TAGS if like.tags is None else like.tags
    return like.text + tag * tags + name * like.name_strength - (0 if like.same_kind else kind)


def report(embedder: Embedder, threshold: float) -> None:
    print(f"near-duplicate score {threshold} (tags x{TAG_WEIGHT}, name x{NAME_WEIGHT}, "
          f"other kind -{OTHER_KIND_PENALTY})\n")
    for dataset in all_datasets():
        services = loaded(dataset, embedder)
        docs = _docs(services)
        vocabulary = Vocabulary(docs)
        started = time.perf_counter()
        pairs = near_duplicate_pairs(docs, threshold, vocabulary)
        seconds = time.perf_counter() - started
        exact = {key for key, like in _all_pairs(docs, vocabulary).items() if like.score >= threshold}
        found = {(p.first, p.second) for p in pairs}
        titles = {d.id: d.title for d in docs}
        same_title = sum(titles[p.first] == titles[p.second] for p in pairs)
        print(f"## {dataset.name}: {len(docs)} items, {len(pairs)} pairs ({same_title} with the same title), "
              f"{len(exact - found)} missed by the FAISS candidates, {seconds:.2f} s")
        if dataset.name == "demo":
            ranked = [tuple(sorted((p.first, p.second))) for p in pairs]
            for pair in sorted(DEMO_PAIRS):
                place = ranked.index(pair) + 1 if pair in ranked else None
                print(f"   demo pair {pair}: {'#' + str(place) if place else 'NOT FOUND'}")
        shown = pairs if dataset.name == "demo" else [p for p in pairs if titles[p.first] != titles[p.second]][:15]
        for p in shown:
            like = p.likeness
            print(f"   {like.score:.3f}  text {like.text:.2f}  tags {'-' if like.tags is None else f'{like.tags:.2f}'}"
                  f"  name {like.name or '-'}{'' if like.same_kind else '  other kind'}  "
                  f"{p.first} {titles[p.first][:42]!r} | {p.second} {titles[p.second][:42]!r}")
        print()
    speed()


def sweep(embedder: Embedder) -> None:
    """For each weighting, the highest score that still finds all three demo pairs, and how many pairs it
    reports there on each collection (fewer is better: the demo pairs are the hardest to find)."""
    parts = {}
    for dataset in all_datasets():
        docs = _docs(loaded(dataset, embedder))
        parts[dataset.name] = _all_pairs(docs, Vocabulary(docs))
    demo = parts["demo"]
    rows = []
    for tag, name, kind in itertools.product((0, 0.1, 0.2, 0.3, 0.4), (0, 0.2, 0.3, 0.4, 0.5), (0, 0.1, 0.2)):
        cut = min(score(demo[pair], tag, name, kind) for pair in DEMO_PAIRS)
        counts = {collection: sum(score(like, tag, name, kind) >= cut for like in likes.values())
                  for collection, likes in parts.items()}
        rows.append((counts["demo"], tag, name, kind, cut, counts))
    rows.sort(key=lambda row: (row[0], -row[4]))
    print("| tags | name | other kind | score finding all 3 demo pairs | pairs reported there |")
    print("|---|---|---|---|---|")
    for count, tag, name, kind, cut, counts in rows[:15]:
        others = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"| {tag} | {name} | -{kind} | {cut:.3f} | {others} |")


def speed(sizes: tuple[int, ...] = (10_000, 50_000), dim: int = 384) -> None:
    """Synthetic items (clustered unit vectors, 1-5 passages, tags and titles from small vocabularies):
    the time to find every pair, median of 3."""
    rng = np.random.default_rng(7)
    words = [f"word{i}" for i in range(3000)] + [f"Product{i}" for i in range(500)]
    for size in sizes:
        centres = rng.standard_normal((size // 5, dim)).astype(np.float32)
        docs = []
        for i in range(size):
            centre = centres[i % len(centres)]
            passages = centre + 0.8 * rng.standard_normal((int(rng.integers(1, 6)), dim)).astype(np.float32)
            passages /= np.linalg.norm(passages, axis=1, keepdims=True)
            pick = random.Random(i)
            docs.append(Doc(f"s{i}", " ".join(pick.sample(words, 6)), " ".join(pick.sample(words, 60)), "howto",
                            pick.sample(words[:200], 2), passages))
        times = []
        for _ in range(3):
            started = time.perf_counter()
            pairs = near_duplicate_pairs(docs, DEFAULT.duplicate)
            times.append(time.perf_counter() - started)
        print(f"{size:,} synthetic items: {statistics.median(times):.2f} s (median of 3), {len(pairs)} pairs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="try the weights and pick the score")
    args = parser.parse_args()
    embedder = Embedder()
    if args.sweep:
        sweep(embedder)
    else:
        report(embedder, DEFAULT.duplicate)


if __name__ == "__main__":
    main()
