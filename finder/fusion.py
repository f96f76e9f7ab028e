"""Fusing the dense and lexical scores of the same candidates into one ranking.

Both sides are scored on every candidate (exact rescoring), so fusion never has to guess a missing score.
The choice between methods was measured (benchmarks/quality.py); see the README for the figures.
"""

from __future__ import annotations

import numpy as np

RRF_K = 60


def convex(dense: np.ndarray, lexical: np.ndarray, alpha: float) -> np.ndarray:
    """alpha * cosine + (1 - alpha) * BM25 scaled by the best candidate's BM25.

    Cosine keeps its absolute scale (it already lies in [-1, 1] for unit vectors); BM25 has no fixed
    scale, so it is divided by its maximum with a theoretical minimum of 0 (no term matched).
    """
    top = float(lexical.max()) if len(lexical) else 0.0
    lexical_scaled = lexical / top if top > 0 else np.zeros_like(lexical)
    return alpha * dense + (1.0 - alpha) * lexical_scaled


def rrf(dense: np.ndarray, lexical: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Reciprocal rank fusion (Cormack et al. 2009), weighted; candidates without any term match get no lexical share."""
    fused = alpha * 2 / (RRF_K + _ranks(dense))
    matched = lexical > 0
    fused[matched] += (1 - alpha) * 2 / (RRF_K + _ranks(lexical)[matched])
    return fused


def _ranks(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


FUSIONS = {"convex": convex, "rrf": rrf}


def fuse(method: str, dense: np.ndarray, lexical: np.ndarray, alpha: float) -> np.ndarray:
    return FUSIONS[method](dense, lexical, alpha)
