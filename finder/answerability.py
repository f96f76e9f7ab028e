"""Is a question answered? Three signals about the results, combined by a small calibrated logistic model.

One absolute cosine threshold does not carry across collections: a question nothing answers still finds
passages on its topic, as close as real answers are in another collection. What does carry is how far
the best result stands out from the rest, on each side: a passage written for the question is much closer
than the next ones by meaning (the dense margin) and by its words (the lexical margin); when the answer is
missing, the best of what remains is one of many similar near misses. The coefficients are fitted per
model (models/model_profile.py, `benchmarks.quality --fit`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from finder.feedback import WEIGHT as FEEDBACK_WEIGHT
from finder.retrieval import Retrieval
from models.model_profile import AnswerModel

DEPTH = 60  # results the signals look at
REST = 19  # results after the best that make its background


@dataclass(frozen=True)
class Signals:
    cosine: float
    """The best passage's cosine to the question (the model's absolute scale)."""
    dense_margin: float
    """That cosine minus the mean of the next REST results' best cosines (0 stands in for nothing else)."""
    lexical_margin: float
    """The same for BM25, divided by the best BM25 so it lies in [0, 1]; 0 when no word matched."""
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
    return Signals(
        cosine=float(dense[0]),
        dense_margin=float(dense[0] - _background(dense)),
        lexical_margin=float((top_lexical - _background(lexical)) / top_lexical) if top_lexical > 0 else 0.0,
        feedback=max(-1.0, min(1.0, feedback)),
    )


def _background(sorted_scores: np.ndarray) -> float:
    rest = sorted_scores[1: REST + 1]
    return float(rest.mean()) if len(rest) else 0.0


def confidence(model: AnswerModel, found: Signals | None) -> float:
    """The probability, as calibrated on the development splits, that some result answers the question."""
    if found is None:
        return 0.0
    logit = (model.intercept + model.cosine * found.cosine + model.dense_margin * found.dense_margin
             + model.lexical_margin * found.lexical_margin + model.feedback * found.feedback)
    return 1.0 / (1.0 + math.exp(-logit))
