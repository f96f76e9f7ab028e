"""Search and expert quality on the labelled collections: dense alone, lexical alone, and the fused finder.

    python -m benchmarks.quality            # the configured finder against each side alone
    python -m benchmarks.quality --sweep    # also fusion methods/weights and expert weights, to choose them

Prints nDCG@10 and MRR@10 for search, P@1 and nDCG@10 for experts, and the answered decision's accuracy.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.datasets import Dataset, all_datasets, loaded
from finder.experts import ExpertWeights
from finder.metrics import mean, mrr_at, ndcg_at, precision_at_1
from finder.retrieval import Retriever
from finder.search import Finder
from web.services import Services


def search_scores(finder: Finder, dataset: Dataset, mode: str = "hybrid") -> dict[str, float]:
    ndcg, mrr = [], []
    for q in dataset.questions:
        if not q.relevant:
            continue
        ranked = [hit.id for hit in finder.ask(q.text, k=10, experts=0, mode=mode, log=False).results]
        ndcg.append(ndcg_at(ranked, q.relevant))
        mrr.append(mrr_at(ranked, q.relevant))
    return {"nDCG@10": mean(ndcg), "MRR@10": mean(mrr), "n": len(ndcg)}


def expert_scores(finder: Finder, dataset: Dataset) -> dict[str, float]:
    p1, ndcg = [], []
    for q in dataset.questions:
        if not q.experts:
            continue
        ranked = [e.id for e in finder.experts(q.text, k=10, log=False)]
        p1.append(precision_at_1(ranked, q.experts))
        ndcg.append(ndcg_at(ranked, q.experts))
    return {"P@1": mean(p1), "nDCG@10": mean(ndcg), "n": len(p1)}


def answered_accuracy(finder: Finder, dataset: Dataset) -> dict[str, float]:
    """How often `answered` is right: true for questions with relevant items, false for the others."""
    answerable, unanswerable = [], []
    for q in dataset.questions:
        answer = finder.ask(q.text, k=10, experts=0, log=False)
        (answerable if q.relevant else unanswerable).append(answer.answered)
    return {
        "answerable marked answered": mean([float(a) for a in answerable]),
        "unanswerable marked unanswered": mean([float(not a) for a in unanswerable]) if unanswerable else float("nan"),
    }


def variant(services: Services, method: str | None = None, alpha: float | None = None,
            weights: ExpertWeights | None = None) -> Finder:
    """A Finder over the same store and indexes with other fusion or expert settings."""
    settings = services.settings
    finder = Finder(services.store, services.indexes, services.embedder, settings, services.profile, weights)
    if method is not None:
        finder.retriever = Retriever(services.store, services.indexes, method, alpha, settings.candidates)
    return finder


def _row(label: str, scores: dict[str, float]) -> str:
    figures = "  ".join(f"{k} {v:.3f}" for k, v in scores.items() if k != "n")
    return f"  {label:<28} {figures}  (n={scores.get('n', '-')})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep", action="store_true", help="also try other fusion and expert settings")
    parser.add_argument("--only", help="one dataset: demo, cranfield or se_coffee")
    args = parser.parse_args()
    embedder = None
    for dataset in all_datasets():
        if args.only and dataset.name != args.only:
            continue
        started = time.perf_counter()
        services = loaded(dataset, embedder)
        embedder = services.embedder
        finder = services.finder
        print(f"\n== {dataset.name}: {len(dataset.questions)} questions "
              f"({services.store.stats()['content']} items, {services.store.stats()['chunks']} passages)")
        if any(q.relevant for q in dataset.questions):
            print(" search")
            for mode in ("dense", "lexical", "hybrid"):
                label = mode if mode != "hybrid" else f"fused ({services.settings.fusion}, a={services.settings.fusion_alpha})"
                print(_row(label, search_scores(finder, dataset, mode)))
            if args.sweep:
                for method, alpha in [("convex", a / 10) for a in range(3, 10)] + [("rrf", 0.5), ("rrf", 0.7)]:
                    print(_row(f"{method} a={alpha}", search_scores(variant(services, method, alpha), dataset)))
            print(" answered decision (threshold "
                  f"{services.profile.answered}): {answered_accuracy(finder, dataset)}")
        if any(q.experts for q in dataset.questions):
            print(" experts")
            print(_row("configured", expert_scores(finder, dataset)))
            if args.sweep:
                for docs, profile, prior, sat, depth in [
                    (1, 0, 0, 1, 30), (0, 1, 0, 1, 30), (.6, .4, 0, 1, 30), (.6, .4, .4, 1, 30),
                    (.6, .4, .2, 2, 30), (.6, .4, .2, 4, 30), (.6, .4, .2, 2, 60), (.8, .2, .2, 2, 30),
                ]:
                    weights = ExpertWeights(documents=docs, profile=profile, prior=prior, saturation=sat, doc_depth=depth)
                    print(_row(f"docs {docs} prof {profile} prior {prior} sat {sat} depth {depth}",
                               expert_scores(variant(services, weights=weights), dataset)))
        print(f"  ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
