"""Expert finding against simple baselines, on the demo and the StackExchange development sets.

    python -m benchmarks.experts                 # demo, se_coffee, se_cardano
    python -m benchmarks.experts --only se_coffee

For each labelled question, P@1, nDCG@10 and MRR@10 of:
- our ranker as configured (`finder.experts`, the floor included);
- "most answers": everyone by how many items they wrote, the same list for every question;
- Model 2 document voting (Balog et al. 2006): a person scores the sum, over the top `DEPTH` retrieved
  items, of the item's retrieval score times the person's association with it (1 / number of authors),
  over BM25 alone (the product's lexical side) and over the product's fused scores.
Each question is retrieved once, through the product's own retriever, and every method ranks from it.
Relevance labels are those of `benchmarks.quality`. Also printed: people the ranker suggests (of the
first 5) for questions nobody in the collection can answer, which the expert floor should keep few.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks.datasets import Dataset, Question, all_datasets, devset, loaded
from benchmarks.quality import SHOWN, unanswerable
from finder.experts import ExpertRanker
from finder.metrics import mean, mrr_at, ndcg_at, precision_at_1
from finder.retrieval import ItemScore
from finder.terms import query_terms, term_stems
from web.services import Services

DEPTH = 100  # items that vote in the Model 2 baselines
NAMES = ("demo", "se_coffee", "se_cardano")


@dataclass
class Asked:
    """One question retrieved once, as the product retrieves it, for every method to rank from."""
    question: Question
    vector: np.ndarray
    stems: set[str]
    fused: list[ItemScore]
    lexical: list[ItemScore]
    adjust: dict[str, float]


def datasets(only: str | None = None) -> list[Dataset]:
    found = {d.name: d for d in all_datasets()}
    cardano = devset("se_cardano")
    if cardano is not None:
        found["se_cardano"] = cardano
    return [found[name] for name in NAMES if name in found and (only is None or name == only)]


def ask_all(services: Services, questions: list[Question]) -> list[Asked]:
    finder = services.finder
    asked = []
    for q in questions:
        vector, retrieval, adjust = finder._retrieve(q.text)
        lexical = finder.retriever.retrieve(vector, query_terms(q.text), "lexical")
        asked.append(Asked(q, vector, term_stems(q.text), retrieval.items, lexical.items, adjust))
    return asked


def model2(items: list[ItemScore], authors: dict[str, list[str]], score: Callable[[ItemScore], float],
           depth: int = DEPTH) -> list[str]:
    """Balog's Model 2 as document voting: sum of retrieval score x association over the top items."""
    votes: dict[str, float] = {}
    for item in items[:depth]:
        names = authors.get(item.content_id, [])
        for person in names:
            votes[person] = votes.get(person, 0.0) + score(item) / len(names)
    return [pid for pid, _ in sorted(votes.items(), key=lambda pair: (-pair[1], pair[0]))]


def ours(ranker: ExpertRanker) -> Callable[[Asked], list[str]]:
    return lambda a: [e.id for e in ranker.rank(a.vector, a.stems, a.fused, 10, adjust=a.adjust)]


def methods(services: Services, asked: list[Asked]) -> dict[str, Callable[[Asked], list[str]]]:
    """The ranker as configured and the baselines, each a function from a retrieved question to people."""
    store = services.store
    counts = store.contribution_counts()
    most = [pid for pid, _ in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))]
    authors = store.authors_of({i.content_id for a in asked for i in a.fused[:DEPTH] + a.lexical[:DEPTH]})
    return {
        "ranker (configured)": ours(services.finder.ranker),
        "most answers": lambda a: most,
        f"Model 2 over BM25 (k={DEPTH})": lambda a: model2(a.lexical, authors, lambda i: i.lexical),
        f"Model 2 over fused (k={DEPTH})": lambda a: model2(a.fused, authors, lambda i: i.score),
    }


def scores(rank: Callable[[Asked], list[str]], asked: list[Asked]) -> dict[str, float]:
    rankings = [(rank(a), a.question.experts) for a in asked]
    return {"P@1": mean([precision_at_1(r, rel) for r, rel in rankings]),
            "nDCG@10": mean([ndcg_at(r, rel) for r, rel in rankings]),
            "MRR@10": mean([mrr_at(r, rel) for r, rel in rankings]),
            "n": len(rankings)}


def shown(ranker: ExpertRanker, asked: list[Asked]) -> str:
    counts = [len(ranker.rank(a.vector, a.stems, a.fused, SHOWN, adjust=a.adjust)) for a in asked]
    return f"{sum(counts)} people, nobody for {sum(n == 0 for n in counts)} of {len(counts)}"


def row(label: str, figures: dict[str, float]) -> str:
    text = "  ".join(f"{k} {v:.3f}" for k, v in figures.items() if k != "n")
    return f"  {label:<30} {text}  (n={figures['n']})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=NAMES, help="one collection")
    args = parser.parse_args()
    embedder = None
    every = datasets()
    for dataset in datasets(args.only):
        services = loaded(dataset, embedder)
        embedder = services.embedder
        labelled = [q for q in dataset.questions if q.experts]
        asked = ask_all(services, labelled)
        print(f"\n== {dataset.name}: {len(labelled)} questions with labelled experts, "
              f"{services.store.stats()['content']} items")
        for label, rank in methods(services, asked).items():
            print(row(label, scores(rank, asked)))
        ranker = services.finder.ranker
        nobody = ask_all(services, unanswerable(dataset))
        others = ask_all(services, [q for d in every if d.name != dataset.name for q in d.questions if q.experts])
        print(f" people suggested (of the first {SHOWN}) by the ranker for questions nobody here can answer")
        if nobody:
            print(f"  unanswerable questions: {shown(ranker, nobody)}")
        print(f"  other collections' questions: {shown(ranker, others)}")


if __name__ == "__main__":
    main()
