"""Group question vectors by meaning, at any scale: the engine of knowledge-gap topics.

Up to CELL_SIZE questions: average-linkage agglomerative clustering with a cosine threshold (no cluster
count to guess). Above that, k-means first cuts the space into cells of about CELL_SIZE, each cell is
clustered the same way, and clusters from neighbouring cells whose centroids are close are merged, so
the cost grows about linearly with the number of questions. Both cosines come from the model profile.
"""

from __future__ import annotations

import math

import faiss
import numpy as np
from sklearn.cluster import AgglomerativeClustering

CELL_SIZE = 1500


def cluster(vectors: np.ndarray, threshold: float, merge: float) -> np.ndarray:
    """A cluster label per row of unit `vectors` (labels are 0..n_clusters-1): groups whose mean cosine
    reaches `threshold`; above CELL_SIZE rows, clusters of neighbouring cells whose centroids reach
    `merge` are joined."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0, np.int64)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if n <= CELL_SIZE:
        return _agglomerate(vectors, threshold)
    cells = _cells(vectors)
    labels = np.empty(n, np.int64)
    next_label = 0
    for cell in np.unique(cells):
        members = np.nonzero(cells == cell)[0]
        local = _agglomerate(vectors[members], threshold)
        labels[members] = local + next_label
        next_label += int(local.max()) + 1
    return _merge_close(vectors, labels, merge)


def _agglomerate(vectors: np.ndarray, threshold: float) -> np.ndarray:
    if len(vectors) == 1:
        return np.zeros(1, np.int64)
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - threshold
    )
    return model.fit_predict(vectors).astype(np.int64)


def _cells(vectors: np.ndarray) -> np.ndarray:
    k = math.ceil(len(vectors) / CELL_SIZE) * 2  # k-means cells come out uneven; aim below the cap
    kmeans = faiss.Kmeans(vectors.shape[1], k, niter=12, seed=7, spherical=True, max_points_per_centroid=256)
    kmeans.train(vectors)
    _, assigned = kmeans.index.search(vectors, 1)
    return assigned[:, 0]


def centroids(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    count = int(labels.max()) + 1
    sums = np.zeros((count, vectors.shape[1]), np.float32)
    np.add.at(sums, labels, vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return sums / np.maximum(norms, 1e-12)


def _merge_close(vectors: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Union clusters whose centroids are within `threshold` of one of their 5 nearest neighbours."""
    centres = centroids(vectors, labels)
    index = faiss.IndexFlatIP(centres.shape[1])
    index.add(centres)
    scores, neighbours = index.search(centres, min(6, len(centres)))
    parent = np.arange(len(centres))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (row_scores, row_ids) in enumerate(zip(scores, neighbours)):
        for score, j in zip(row_scores, row_ids):
            if j >= 0 and j != i and score >= threshold:
                parent[root(i)] = root(int(j))
    roots = np.array([root(i) for i in range(len(centres))])
    _, relabelled = np.unique(roots[labels], return_inverse=True)
    return relabelled.astype(np.int64)


def adjusted_rand_index(truth: list, predicted: list) -> float:
    """Agreement of two labelings, 1 for identical, about 0 for chance (Hubert & Arabie 1985)."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(truth, predicted))
