"""The embedding model in ONNX Runtime, as int8 (dynamically quantised weights) or with its fp32 weights: made once
per data folder from the packaged model, then loaded from there; vectors pooled and normalised exactly as
sentence-transformers does."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from threading import Lock

import numpy as np

from models.settings import EMBED_BATCH_SIZE

log = logging.getLogger(__name__)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Per-channel scales: cosine to fp32 0.993 on the demo's questions where one scale per tensor gives 0.965
# (benchmarks/README.md, "int8 encoding"). A copy made by another recipe is rebuilt.
RECIPE = "torch.onnx.export opset 17; quantize_dynamic weight_type=QInt8 per_channel=True"
# The same graph with the model's own fp32 weights: vectors equal to torch's (cosine >= 0.9999998 on 200
# questions), one short query 2.4x faster (13.1 against 31.0 ms on one thread) and passages 4 a pass 2.4x
# torch's rate at 64 a pass (benchmarks.int8; benchmarks/README.md): the default encoder runs everything through it.
FP32_RECIPE = "torch.onnx.export opset 17; fp32"


def _require_onnx():
    try:
        import onnxruntime
    except ImportError as exc:
        raise ImportError("install onnxruntime (and onnx) for the ONNX encoders (the default), or set "
                          "KNOWHOW_ENCODER=fp32-torch") from exc
    return onnxruntime


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _intact(target: Path, stamp: Path, identity: str, recipe: str) -> bool:
    """The copy is whole and made from this model: its stamp (written after it) names both."""
    try:
        recorded = json.loads(stamp.read_text())
        return (recorded.get("source") == identity and recorded.get("recipe") == recipe
                and recorded.get("sha256") == _sha256(target))
    except (OSError, ValueError, AttributeError):
        return False


def _export(model_path: Path, onnx_path: Path) -> None:
    """The transformer (without pooling) as an fp32 ONNX graph with dynamic batch and length."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()

    class Tokens(torch.nn.Module):
        # Keyword arguments: BertModel's positional order is not stable across transformers releases.
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    ones = torch.ones((1, 8), dtype=torch.long)
    dummy = (ones, ones, torch.zeros_like(ones))
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "tokens")}
    with torch.no_grad():
        torch.onnx.export(Tokens(), dummy, str(onnx_path), input_names=list(_INPUTS), output_names=["tokens"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)


def onnx_copy(model_path: Path, identity: str, folder: Path, quantised: bool = True) -> Path:
    """The ONNX copy of the model in `folder`, int8 (`quantised`) or fp32, made when missing, partial or
    damaged (about 5 s).

    Written atomically (a temporary file, then a rename) and checked on every load against the sha256 in its
    stamp, which is written last: a crash mid-way or a damaged file is rebuilt, never loaded. A lock keeps two
    processes starting on one data folder from building it twice."""
    _check_supported(model_path)  # before an export of a model whose vectors it could not reproduce
    folder.mkdir(parents=True, exist_ok=True)
    kind, recipe = ("int8", RECIPE) if quantised else ("fp32", FP32_RECIPE)
    target = folder / f"minilm-{identity.removeprefix('sha256:')[:16]}-{kind}.onnx"
    stamp = target.with_suffix(".json")
    if _intact(target, stamp, identity, recipe):
        return target
    onnxruntime = _require_onnx()
    with open(folder / f".{kind}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _intact(target, stamp, identity, recipe):  # another process built it while this one waited
            return target
        log.info("making the %s ONNX copy of the embedding model in %s (once per data folder)", kind, folder)
        _make(model_path, target, quantised)
        record = {"source": identity, "recipe": recipe, "sha256": _sha256(target),
                  "onnxruntime": onnxruntime.__version__}
        partial = stamp.with_suffix(".json.tmp")
        partial.write_text(json.dumps(record))
        os.replace(partial, stamp)
    return target


def _make(model_path: Path, target: Path, quantised: bool) -> None:
    """Make the copy at `target` in a child process. Tracing loads a second copy of the model, and torch keeps
    what it allocated: made in the server, the copy held a first start over a million passages at 3.1 GB
    instead of 2.3 GB for the rest of its life (3.6 GB at the peak)."""
    done = subprocess.run([sys.executable, "-m", "indexer.int8", str(model_path), str(target),
                           "int8" if quantised else "fp32"], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise RuntimeError(f"making the ONNX copy of the embedding model failed: {reason}")


def _write_copy(model_path: Path, target: Path, quantised: bool) -> None:
    """Export (and quantise) the model into `target`, replaced whole at the end (run by `_make`'s child)."""
    kind = "int8" if quantised else "fp32"
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{kind}-") as scratch, warnings.catch_warnings():
        # The tracer's warnings are about shapes the export keeps dynamic anyway, and the quantiser logs a
        # suggestion on the root logger: neither is for someone running `knowhow`.
        warnings.simplefilter("ignore")
        fp32, int8 = Path(scratch) / "fp32.onnx", Path(scratch) / "int8.onnx"
        _export(model_path, fp32)
        if quantised:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            logging.disable(logging.WARNING)
            try:
                quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
            finally:
                logging.disable(logging.NOTSET)
        os.replace(int8 if quantised else fp32, target)


def _max_tokens(model_path: Path) -> int:
    config = model_path / "sentence_bert_config.json"
    return int(json.loads(config.read_text()).get("max_seq_length", 256)) if config.exists() else 256


# What the ONNX copy reproduces: the transformer, mean pooling and the L2 norm (done in `OnnxModel._batch`).
_MODULES = {"Transformer", "Pooling", "Normalize"}


def _check_supported(model_path: Path) -> None:
    """The ONNX path runs the transformer, pools by the mean of the tokens and normalises, as all-MiniLM-L6-v2
    does; a model with another pooling or more modules (a Dense layer) would get other vectors, so it is
    refused (the default encoder then runs it with torch)."""
    config = model_path / "1_Pooling" / "config.json"
    if config.exists() and not json.loads(config.read_text()).get("pooling_mode_mean_tokens", False):
        raise ValueError(f"the ONNX encoder supports mean pooling only; {model_path} pools otherwise")
    modules = model_path / "modules.json"
    listed = json.loads(modules.read_text()) if modules.exists() else []
    kinds = {entry.get("type", "").rsplit(".", 1)[-1] for entry in listed}
    if kinds - _MODULES:
        raise ValueError(f"the ONNX encoder runs {', '.join(sorted(_MODULES))} only; {model_path} also has "
                         f"{', '.join(sorted(kinds - _MODULES))}")


class OnnxModel:
    """Texts in, unit vectors out, from an ONNX copy (int8 or fp32) and the model's own tokenizer (same
    truncation)."""

    def __init__(self, model_path: Path, onnx_path: Path, threads: int | None = None):
        onnxruntime = _require_onnx()
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
        # A fast tokenizer sets its truncation and padding on each call: one caller at a time (a few
        # hundred microseconds); ONNX Runtime's run itself is safe to call from several threads.
        self._tokenizing = Lock()
        self.max_tokens = _max_tokens(model_path)
        options = onnxruntime.SessionOptions()
        if threads is None:
            import torch

            threads = torch.get_num_threads()  # follow the process's choice (`knowhow serve` uses one)
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.model_path, self.onnx_path = model_path, onnx_path
        self.sha256 = json.loads(onnx_path.with_suffix(".json").read_text()).get("sha256", "")
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], batch_size: int = EMBED_BATCH_SIZE) -> np.ndarray:
        # Longest first, as sentence-transformers batches: texts of one batch pad to similar lengths (and small
        # batches pad least: models/settings.py).
        order = np.argsort([-len(text) for text in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), np.float32)
        for start in range(0, len(texts), batch_size):
            picked = order[start : start + batch_size]
            out[picked] = self._batch([texts[i] for i in picked])
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        with self._tokenizing:
            tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens,
                                    return_tensors="np")
        feeds = {name: tokens[name].astype(np.int64) for name in _INPUTS}
        hidden = self.session.run(None, feeds)[0]
        # Mean over real tokens, then L2: sentence-transformers' Pooling (clamp 1e-9) and Normalize (eps 1e-12).
        mask = tokens["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


if __name__ == "__main__":  # `_make`'s child: MODEL_PATH TARGET int8|fp32
    _write_copy(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "int8")
