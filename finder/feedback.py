"""Feedback in ranking: votes on the results of similar past questions move items for a new one.

A vote counts in proportion to how close its question is to the new one (nothing below the model
profile's `feedback` cosine), so an item marked unhelpful for one need sinks for that need only, and one
that keeps helping rises for it.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from models.store import Store

WEIGHT = 0.15  # the most feedback can move an item's fused score, up or down


class FeedbackModel:
    def __init__(self, store: Store, similar: float):
        """`similar`: the cosine from which a past question counts as a rewording of the new one."""
        self.store, self.similar = store, similar
        self._lock = threading.Lock()
        self._version: int | None = None
        self._vectors = np.zeros((0, 0), np.float32)
        self._content: list[str] = []
        self._signs = np.zeros(0, np.float32)

    def _refresh(self) -> None:
        version = self.store.feedback_version()
        with self._lock:
            if version != self._version:
                self._vectors, self._content, self._signs = self.store.result_feedback()
                self._version = version

    def adjustments(self, vector: np.ndarray) -> dict[str, float]:
        """Score change per item for this question: +/- WEIGHT at most, saturating with more votes."""
        self._refresh()
        if not self._content:
            return {}
        similarity = self._vectors @ vector
        close = np.nonzero(similarity >= self.similar)[0]
        totals: dict[str, float] = {}
        for n in close:
            weight = (similarity[n] - self.similar) / (1 - self.similar) + 0.5
            cid = self._content[n]
            totals[cid] = totals.get(cid, 0.0) + float(weight * self._signs[n])
        return {cid: WEIGHT * math.tanh(total) for cid, total in totals.items() if total}
