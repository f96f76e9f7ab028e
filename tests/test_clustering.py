"""Gap clustering on synthetic question vectors, below and above one k-means cell (CELL_SIZE questions).

Each topic is a random direction in the model's 384 dimensions with its questions scattered around it
(cosine about 0.8 to the centre, about 0.65 to each other); random directions are nearly orthogonal, so
the true grouping is known and any mistake shows in the adjusted Rand index.
"""

from __future__ import annotations

import numpy as np

from finder.clustering import CELL_SIZE, adjusted_rand_index, centroids, cluster
from models.model_profile import MINILM

DIM = 384


def topics(sizes: list[int], seed: int = 3, spread: float = 0.035) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around one random centre per topic, and each vector's true topic."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    vectors = centres[truth] + rng.normal(scale=spread, size=(len(truth), DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), truth


def test_no_questions_and_one_question():
    assert cluster(np.zeros((0, DIM), np.float32), MINILM.gap, MINILM.merge).tolist() == []
    assert cluster(topics([1])[0], MINILM.gap, MINILM.merge).tolist() == [0]


def test_below_one_cell_each_topic_is_one_cluster():
    vectors, truth = topics([40] * 12)
    labels = cluster(vectors, MINILM.gap, MINILM.merge)
    assert adjusted_rand_index(truth.tolist(), labels.tolist()) == 1.0


def test_above_one_cell_each_topic_is_one_cluster_with_labels_from_zero():
    vectors, truth = topics([60] * 30, seed=5)
    assert len(vectors) > CELL_SIZE
    labels = cluster(vectors, MINILM.gap, MINILM.merge)
    assert adjusted_rand_index(truth.tolist(), labels.tolist()) == 1.0
    assert sorted(set(labels.tolist())) == list(range(30))


def test_above_one_cell_a_need_cut_by_cells_is_joined_again():
    # Two needs asked 900 times each fill four k-means cells: each need is cut in two, and the merge of
    # close centroids must rejoin the pieces.
    vectors, truth = topics([900, 900], seed=11)
    labels = cluster(vectors, MINILM.gap, MINILM.merge)
    assert adjusted_rand_index(truth.tolist(), labels.tolist()) == 1.0
    # Not vacuous: with a merge no centroid can reach, the needs come back in pieces.
    pieces = cluster(vectors, MINILM.gap, merge=1.01)
    assert len(set(pieces.tolist())) > 2 and adjusted_rand_index(truth.tolist(), pieces.tolist()) < 0.9


def test_centroids_are_unit_means_of_their_members():
    vectors = np.array([[1, 0], [0, 1], [1, 0]], np.float32)
    assert np.allclose(centroids(vectors, np.array([0, 0, 1])), [[0.70710677, 0.70710677], [1, 0]])
