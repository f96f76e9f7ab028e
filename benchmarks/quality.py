"""Search and expert quality on the labelled collections: dense alone, lexical alone, and the fused finder.

    python -m benchmarks.quality            # the configured finder against each side alone
    python -m benchmarks.quality --sweep    # also fusion methods/weights, expert weights and the expert floor
    python -m benchmarks.quality --only answerability         # the answered decision on the leave-out splits
    python -m benchmarks.quality --only answerability --fit   # and refit its coefficients (leave-one-out checks)

Prints nDCG@10 and MRR@10 for search, P@1 and nDCG@10 for experts, the answered decision's accuracy, and
how many people are suggested for questions nobody can answer (the demo's unanswerable questions, and the
other collection's questions), with the expert floor and without it.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, replace

import numpy as np

from benchmarks.datasets import Dataset, Question, Split, all_datasets, answerability_splits, cranfield_splits, loaded
from finder.answerability import DEPTH, Signals, confidence
from finder.experts import ExpertWeights
from finder.metrics import mean, mrr_at, ndcg_at, precision_at_1
from finder.retrieval import Retrieval, Retriever
from finder.search import Finder
from models.model_profile import AnswerModel, ModelProfile
from web.services import Services

SHOWN = 5  # people the ask page shows: how many of them a question nobody can answer still gets


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


def unanswerable(dataset: Dataset) -> list[Question]:
    """Labelled questions nothing in the collection answers and nobody is expert in."""
    return [q for q in dataset.questions if not q.relevant and not q.experts]


def people_shown(finder: Finder, questions: list[Question]) -> str:
    """People suggested (of the first SHOWN) for questions nobody can answer: ideally none."""
    shown = [len(finder.experts(q.text, k=SHOWN, log=False)) for q in questions]
    return (f"{sum(shown)} people ({mean(shown):.2f} per question, at most {max(shown, default=0)}); "
            f"nobody for {sum(n == 0 for n in shown)} of {len(shown)}")


def unfloored(profile: ModelProfile) -> ModelProfile:
    """The thresholds as they were before the floor: no floor, and no cap on an item's lexical lift."""
    return replace(profile, expert_floor=0.0, expert_lexical_margin=math.inf)


def before_floor(services: Services) -> Finder:
    """The expert ranker as it was before the floor (nor a profile counted among a person's documents)."""
    return variant(services, weights=ExpertWeights(profile_evidence=0.0), profile=unfloored(services.profile))


def floor_sweep(services: Services, dataset: Dataset, others: list[Question],
                margins=(0.03, 0.05, 0.1, math.inf), floors=(0.0, 0.1, 0.12, 0.15, 0.18, 0.2, 0.22, 0.25)) -> None:
    """Expert quality and people shown for unanswerable and other collections' questions, per margin and floor.
    The floor only drops people from the end of a ranking, so one unfloored ranking per question serves all."""
    labelled = [q for q in dataset.questions if q.experts]
    for margin in margins:
        finder = variant(services, profile=replace(services.profile, expert_floor=0.0, expert_lexical_margin=margin))
        ranked = {id(q): [(e.id, e.score) for e in finder.experts(q.text, k=10, log=False)]
                  for q in labelled + unanswerable(dataset) + others}
        for floor in floors:
            kept = {key: [pid for pid, score in people if score >= floor] for key, people in ranked.items()}
            p1 = mean([precision_at_1(kept[id(q)], q.experts) for q in labelled])
            ndcg = mean([ndcg_at(kept[id(q)], q.experts) for q in labelled])
            nobody = sum(not kept[id(q)] for q in labelled)
            none_answer = [len(kept[id(q)][:SHOWN]) for q in unanswerable(dataset)]
            elsewhere = [len(kept[id(q)][:SHOWN]) for q in others]
            print(f"  margin {margin:<4} floor {floor:<5} P@1 {p1:.3f}  nDCG@10 {ndcg:.3f}  labelled with nobody "
                  f"{nobody}/{len(labelled)}  "
                  + (f"unanswerable: {sum(none_answer)} people, {sum(n == 0 for n in none_answer)}/{len(none_answer)} "
                     "with nobody  " if none_answer else "")
                  + (f"other collection: {mean(elsewhere):.2f} per question" if elsewhere else ""))


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


# --- The answered decision on leave-out splits (issue 11) --------------------------------------------------

OLD_ANSWERED = 0.45  # the single cosine threshold the calibrated decision replaced
# The first calibrated decision (each margin over its own ranking's next 19), kept for the "before" figures.
FIRST_MODEL = AnswerModel(intercept=-5.82, cosine=4.85, dense_margin=4.46, lexical_margin=5.23, feedback=2.0)
FEATURES = ("cosine", "dense_margin", "lexical_margin")  # fitted; feedback's coefficient is set by hand
PLACEHOLDERS = ("how do I connect to the VPN?", "how do I submit a PTO request")


@dataclass
class Judged:
    """One labelled question of a split: the current signals, its label and the earlier rules' decisions."""
    signals: Signals | None
    label: bool
    split: str
    cosine_rule: bool
    first_model: bool


def balanced_accuracy(labels: list[bool], decisions: list[bool]) -> float:
    """The mean of the two per-class accuracies (what the public judge scores)."""
    yes = [d for label, d in zip(labels, decisions) if label]
    no = [not d for label, d in zip(labels, decisions) if not label]
    return 0.5 * (mean([float(v) for v in yes]) + mean([float(v) for v in no]))


def first_signals(retrieval: Retrieval) -> Signals | None:
    """The signals as the first calibrated decision read them: the best cosine's and the best BM25's lead
    over the next 19 of their own rankings (so the lexical lead could belong to another item than the first)."""
    items = retrieval.items[:DEPTH]
    if not items:
        return None
    dense = np.sort([item.dense for item in items])[::-1]
    lexical = np.sort([item.lexical for item in items])[::-1]
    rest = lambda scores: float(scores[1:20].mean()) if len(scores) > 1 else 0.0  # noqa: E731
    return Signals(float(dense[0]), float(dense[0] - rest(dense)),
                   float((lexical[0] - rest(lexical)) / lexical[0]) if lexical[0] > 0 else 0.0, 0.0)


def split_signals(split: Split, embedder) -> tuple[list[Judged], Services]:
    """Each labelled question of a split asked through the finder's own retrieval and decision."""
    services = loaded(split.dataset, embedder)
    finder = services.finder
    rows = []
    for question, label in split.labels:
        _, retrieval, adjust = finder._retrieve(question.text)
        found = finder.is_answered(retrieval, adjust).signals
        cosine_rule = found is not None and found.cosine >= OLD_ANSWERED
        first = confidence(FIRST_MODEL, first_signals(retrieval)) >= 0.5
        rows.append(Judged(found, label, split.name, cosine_rule, first))
    return rows, services


def fit_answer_model(rows: list[Judged], l2: float = 1.0) -> AnswerModel:
    """Logistic regression (Newton steps, a light L2 on the coefficients) with each class of each split
    weighted equally, so the balanced cut is 0.5 and no split or class dominates."""
    rows = [row for row in rows if row.signals is not None]
    x = np.array([[1.0] + [getattr(row.signals, f) for f in FEATURES] for row in rows])
    y = np.array([float(row.label) for row in rows])
    groups = [(row.split, row.label) for row in rows]
    size = {g: groups.count(g) for g in set(groups)}
    w = np.array([1.0 / size[g] for g in groups])
    w *= len(w) / w.sum()
    penalty = l2 * np.diag([0.0] + [1.0] * len(FEATURES))
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ beta))
        gradient = x.T @ (w * (p - y)) + penalty @ beta
        hessian = x.T @ (x * (w * p * (1 - p))[:, None]) + penalty
        beta -= np.linalg.solve(hessian, gradient)
    fitted = dict(zip(FEATURES, (round(float(b), 2) for b in beta[1:])))
    return AnswerModel(intercept=round(float(beta[0]), 2), feedback=2.0, **fitted)


def held_out_accuracy(by_split: dict[str, list[Judged]], held: set[str]) -> list[str]:
    """Balanced accuracy on the `held` splits of a model fitted on all the others."""
    model = fit_answer_model([row for name, rows in by_split.items() if name not in held for row in rows])
    return [f"{name} {decided_accuracy(by_split[name], model):.3f}" for name in by_split if name in held]


def decided_accuracy(rows: list[Judged], model: AnswerModel, cut: float = 0.5) -> float:
    return balanced_accuracy([row.label for row in rows], [confidence(model, row.signals) >= cut for row in rows])


def answerability_report(fit: bool, embedder=None) -> None:
    """Balanced accuracy of the old cosine rule, the first calibrated decision and the current one on every
    split; with `fit`, the coefficients refitted on all splits and checked on held-out ones."""
    by_split: dict[str, list[Judged]] = {}
    collection: dict[str, str] = {}
    print("\n== answered decision: balanced accuracy per leave-out split (cosine rule: best cosine >= "
          f"{OLD_ANSWERED}; first: the first calibrated decision; now: confidence >= the profile's cut)")
    for split in answerability_splits() + cranfield_splits():
        rows, services = split_signals(split, embedder)
        embedder, finder = services.embedder, services.finder
        by_split[split.name], collection[split.name] = rows, split.collection
        labels = [row.label for row in rows]
        now = [confidence(finder.answer_model, row.signals) >= finder.answered_threshold for row in rows]
        yes, no = split.counts()
        print(f"  {split.name:<24} {yes:>3} answerable {no:>3} not   BA cosine rule "
              f"{balanced_accuracy(labels, [row.cosine_rule for row in rows]):.3f}  first "
              f"{balanced_accuracy(labels, [row.first_model for row in rows]):.3f}  now "
              f"{balanced_accuracy(labels, now):.3f}   answerable answered "
              f"{sum(n for n, lab in zip(now, labels) if lab)}/{yes}, unanswerable unanswered "
              f"{sum(not n for n, lab in zip(now, labels) if not lab)}/{no}")
        if split.name == "demo":
            for text in PLACEHOLDERS:
                answer = finder.ask(text, k=10, experts=0, log=False)
                print(f"    {text!r}: answered {answer.answered} (confidence {answer.confidence:.3f}; "
                      f"cosine {answer.top_similarity})")
    if not fit:
        return
    model = fit_answer_model([row for rows in by_split.values() for row in rows])
    print(f" fitted on all {len(by_split)} splits: {model}")
    print(f" in force: {finder.answer_model}")
    print(" " + ", ".join(f"{name} {decided_accuracy(rows, model):.3f}" for name, rows in by_split.items()))
    for held in sorted(set(collection.values())):
        splits = {name for name, c in collection.items() if c == held}
        print(f"  fitted without {held}: {', '.join(held_out_accuracy(by_split, splits))}")
    print("  each split fitted without it: " + ", ".join(
        score for name in by_split for score in held_out_accuracy(by_split, {name})))


def variant(services: Services, method: str | None = None, alpha: float | None = None,
            weights: ExpertWeights | None = None, profile: ModelProfile | None = None) -> Finder:
    """A Finder over the same store and indexes with other fusion, expert settings or thresholds."""
    settings = services.settings
    finder = Finder(services.store, services.indexes, services.embedder, settings, profile or services.profile,
                    weights)
    if method is not None:
        finder.retriever = Retriever(services.store, services.indexes, method, alpha, settings.candidates)
    return finder


def _row(label: str, scores: dict[str, float]) -> str:
    figures = "  ".join(f"{k} {v:.3f}" for k, v in scores.items() if k != "n")
    return f"  {label:<28} {figures}  (n={scores.get('n', '-')})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep", action="store_true", help="also try other fusion and expert settings")
    parser.add_argument("--only", help="one dataset: demo, cranfield, se_coffee, or answerability")
    parser.add_argument("--fit", action="store_true", help="refit the answered decision (with --only answerability)")
    args = parser.parse_args()
    embedder = None
    if args.only in (None, "answerability"):
        answerability_report(args.fit)
    if args.only == "answerability":
        return
    datasets = all_datasets()
    for dataset in datasets:
        if args.only and dataset.name != args.only:
            continue
        # Questions of the other collections with people: nobody here can answer them.
        others = [q for d in datasets if d is not dataset and any(q.experts for q in d.questions)
                  for q in d.questions]
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
            thresholds = services.profile
            before = before_floor(services)
            print(f" experts (floor {thresholds.expert_floor}, lexical margin {thresholds.expert_lexical_margin})")
            print(_row("configured", expert_scores(finder, dataset)))
            print(_row("without the floor (as before)", expert_scores(before, dataset)))
            print(f" people shown (of the first {SHOWN}) for questions nobody here can answer")
            for label, questions in [("unanswerable", unanswerable(dataset)), ("other collections'", others)]:
                if questions:
                    print(f"  {label + ', floor':<28} {people_shown(finder, questions)}")
                    print(f"  {label + ', no floor':<28} {people_shown(before, questions)}")
            if args.sweep:
                for docs, profile, prior, sat, depth in [
                    (1, 0, 0, 1, 30), (0, 1, 0, 1, 30), (.6, .4, 0, 1, 30), (.6, .4, .4, 1, 30),
                    (.6, .4, .2, 2, 30), (.6, .4, .2, 4, 30), (.6, .4, .2, 2, 60), (.8, .2, .2, 2, 30),
                ]:
                    # Weights change the scale of the scores, so they are compared on whole rankings.
                    weights = ExpertWeights(documents=docs, profile=profile, prior=prior, saturation=sat, doc_depth=depth)
                    print(_row(f"docs {docs} prof {profile} prior {prior} sat {sat} depth {depth}",
                               expert_scores(variant(services, weights=weights, profile=unfloored(thresholds)),
                                             dataset)))
                print(" expert floor sweep")
                floor_sweep(services, dataset, others)
        print(f"  ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
