"""The tests' vector cache gives back what the model computes, and only computes what it has not seen."""

from __future__ import annotations

import uuid

import numpy as np

from tests.vector_cache import CachedEmbedder


def test_a_new_text_is_encoded_by_the_model_once_and_read_back_after(embedder):
    fresh = [f"never seen before {uuid.uuid4()}: how do I reset my VPN token?", f"payday {uuid.uuid4()}"]
    misses = embedder.misses
    vectors = embedder.encode([fresh[0], fresh[1], fresh[0]])
    assert embedder.misses == misses + 2  # the repeated text is computed once

    model = embedder.model.encode(fresh, normalize_embeddings=True, convert_to_numpy=True)
    assert np.allclose(vectors, model[[0, 1, 0]], atol=1e-5)
    assert vectors.dtype == np.float32 and vectors.shape == (3, embedder.dim)

    later = CachedEmbedder(embedder.file.parent)  # another run on the same cache
    try:
        assert np.array_equal(later.encode(fresh), vectors[:2])
        assert (later.hits, later.misses) == (2, 0)
        assert later._model is None  # every text was cached: the model was never loaded
        assert (later.name, later.identity, later.profile, later.dim) == (
            embedder.name, embedder.identity, embedder.profile, embedder.dim)
    finally:
        later.close()


def test_queries_and_empty_batches(embedder):
    query = f"vpn token expired {uuid.uuid4()}"
    assert np.array_equal(embedder.encode_query(query), embedder.encode([query])[0])
    assert embedder.encode([]).shape == (0, embedder.dim)
