"""Fusing dense and lexical scores of the same candidates, checked on hand-made score arrays."""

from __future__ import annotations

import numpy as np
import pytest

from finder.fusion import RRF_K, convex, fuse, rrf


def test_convex_scales_bm25_by_the_best_candidate_and_keeps_cosine_as_is():
    dense = np.array([0.8, 0.5, 0.2])
    lexical = np.array([4.0, 8.0, 0.0])
    assert convex(dense, lexical, 0.5) == pytest.approx([0.5 * 0.8 + 0.5 * 0.5, 0.5 * 0.5 + 0.5, 0.1])


def test_convex_without_any_term_match_is_the_weighted_cosine():
    dense = np.array([0.6, -0.2])
    assert convex(dense, np.zeros(2), 0.7) == pytest.approx([0.42, -0.14])
    assert convex(np.array([]), np.array([]), 0.7).shape == (0,)


def test_convex_alpha_one_is_dense_alone_and_zero_is_lexical_alone():
    dense, lexical = np.array([0.9, 0.1, 0.5]), np.array([1.0, 3.0, 2.0])
    assert np.argsort(-convex(dense, lexical, 1.0)).tolist() == [0, 2, 1]
    assert np.argsort(-convex(dense, lexical, 0.0)).tolist() == [1, 2, 0]


def test_rrf_sums_weighted_reciprocal_ranks():
    dense = np.array([0.9, 0.5, 0.1])   # ranks 1, 2, 3
    lexical = np.array([1.0, 0.0, 5.0])  # ranks 2, -, 1
    expected = [2 * 0.5 / (RRF_K + 1) + 2 * 0.5 / (RRF_K + 2), 2 * 0.5 / (RRF_K + 2),
                2 * 0.5 / (RRF_K + 3) + 2 * 0.5 / (RRF_K + 1)]
    assert rrf(dense, lexical) == pytest.approx(expected)


def test_rrf_gives_no_lexical_share_to_candidates_without_a_term_match():
    dense = np.array([0.9, 0.8])
    fused = rrf(dense, np.zeros(2), alpha=0.5)
    assert fused == pytest.approx([1 / (RRF_K + 1), 1 / (RRF_K + 2)])


def test_rrf_breaks_ties_by_candidate_order():
    fused = rrf(np.array([0.5, 0.5, 0.5]), np.zeros(3))
    assert fused[0] > fused[1] > fused[2]


def test_fuse_picks_the_method_by_name():
    dense, lexical = np.array([0.3, 0.7]), np.array([2.0, 1.0])
    assert fuse("convex", dense, lexical, 0.6) == pytest.approx(convex(dense, lexical, 0.6))
    assert fuse("rrf", dense, lexical, 0.6) == pytest.approx(rrf(dense, lexical, 0.6))
    with pytest.raises(KeyError):
        fuse("max", dense, lexical, 0.6)
