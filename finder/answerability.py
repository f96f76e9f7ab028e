"""Is a question answered? Three signals about the results, combined by a small calibrated logistic model.

One absolute cosine threshold does not carry across collections: a question nothing answers still finds
passages on its topic, as close as real answers are in another collection. What does carry is how far
the best results stand out from the rest, on each side: passages written for the question are much closer
than the next ones by meaning (the dense margin) and by their words (the lexical margin); when the answer
is missing, the best of what remains is one of many similar near misses. Two details matter on the
leave-out splits (`benchmarks.quality --only answerability`): a question often has several answering
items, which share the lead, so the dense margin is that of the best group of up to three; and the
lexical margin is that of the item both sides agree on best, so a keyword match that the meaning ranks
low (an unrelated page that happens to repeat the question's words) does not count as evidence. The
coefficients are fitted per model (`benchmarks.quality --only answerability --fit`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from finder.feedback import WEIGHT as FEEDBACK_WEIGHT
from finder.retrieval import ItemScore, Retrieval
from models.model_profile import AnswerModel

DEPTH = 60  # results the signals look at
REST = 19  # results after the leaders that make their background
LEADERS = 3  # the most results that may share the lead (a question with several answering items)
# How the item both sides agree on is picked: its cosine and its BM25 over the best, blended as the default
# fusion does. Fixed here, so the decision does not move with the fusion setting, feedback or lifecycle order.
DENSE_SHARE = 0.7


@dataclass(frozen=True)
class Signals:
    cosine: float
    """The best passage's cosine to the question (the model's absolute scale)."""
    dense_margin: float
    """How far the best results lead by cosine: the most, over the best 1 to LEADERS results, that their mean
    cosine exceeds the mean of the REST results after them (0 stands in for nothing else)."""
    lexical_margin: float
    """The agreed item's BM25 (see `agreed`) minus the mean of the BM25s ranked 2nd to 20th, over the best
    BM25: at most 1, lower (even negative) when that item is not the lexical standout; 0 when no word matched."""
    feedback: float
    """Votes on similar past questions for the first result, in [-1, 1] (feedback's share of its score)."""

    def as_dict(self) -> dict[str, float]:
        return {"cosine": self.cosine, "dense_margin": self.dense_margin,
                "lexical_margin": self.lexical_margin, "feedback": self.feedback}


def signals(retrieval: Retrieval, adjust: dict[str, float] | None = None) -> Signals | None:
    """The signals of one retrieval; None when nothing was retrieved (then nothing answers)."""
    items = retrieval.items[:DEPTH]
    if not items:
        return None
    dense = np.sort(np.array([item.dense for item in items]))[::-1]
    lexical = np.sort(np.array([item.lexical for item in items]))[::-1]
    top_lexical = float(lexical[0])
    feedback = (adjust or {}).get(items[0].content_id, 0.0) / FEEDBACK_WEIGHT
    lead = agreed(items, top_lexical).lexical - _background(lexical, 1)
    return Signals(
        cosine=float(dense[0]),
        dense_margin=leaders_margin(dense),
        lexical_margin=float(lead / top_lexical) if top_lexical > 0 else 0.0,
        feedback=max(-1.0, min(1.0, feedback)),
    )


def agreed(items: list[ItemScore], top_lexical: float) -> ItemScore:
    """The item the dense and lexical sides agree on best. Its BM25 lead, not the lexical standout's, is the
    evidence: a page that repeats the question's words but means something else ranks low here."""
    scale = top_lexical or 1.0
    return max(items, key=lambda item: DENSE_SHARE * item.dense + (1 - DENSE_SHARE) * item.lexical / scale)


def leaders_margin(sorted_scores: np.ndarray) -> float:
    """The largest lead of the best k scores (k = 1 to LEADERS) over the REST after them. With one answer,
    k = 1 wins; with three equally good ones, the first's lead over the next (its fellow answers) is small
    and k = 3 shows the group's lead instead. A group counts only with a full background behind it: in a
    collection of a handful of items the mean of all of them would pass for a lead."""
    groups = [k for k in range(2, LEADERS + 1) if len(sorted_scores) >= k + REST]
    return max(float(sorted_scores[:k].mean()) - _background(sorted_scores, k) for k in [1, *groups])


def _background(sorted_scores: np.ndarray, leaders: int) -> float:
    rest = sorted_scores[leaders: leaders + REST]
    return float(rest.mean()) if len(rest) else 0.0


def confidence(model: AnswerModel, found: Signals | None) -> float:
    """The probability, as calibrated on the development splits, that some result answers the question."""
    if found is None:
        return 0.0
    logit = (model.intercept + model.cosine * found.cosine + model.dense_margin * found.dense_margin
             + model.lexical_margin * found.lexical_margin + model.feedback * found.feedback)
    return 1.0 / (1.0 + math.exp(-logit))
