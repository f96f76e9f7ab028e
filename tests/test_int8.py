"""The int8 encoder: close to the fp32 model, unit vectors, its quantised copy made once and remade when damaged,
and a data folder never searched with the other encoder's vectors."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.factories import ANA, VPN, jsonl

SENTENCES = [
    "How do I connect to the VPN from home?",
    "Expense reports are submitted in Navan within 30 days of the purchase.",
    "Boundary layer transition on a flat plate at supersonic speed.",
    "Who can approve a discount above twenty percent for a customer?",
]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("int8-models")


@pytest.fixture(scope="module")
def int8(models_dir):
    """The int8 encoder of the packaged model, its copy made once for the module (about 5 s)."""
    from indexer.embedder import Embedder

    return Embedder(encoder="int8", cache_dir=models_dir)


def test_int8_vectors_are_close_to_fp32_and_unit_length(int8, embedder):
    vectors = int8.encode(SENTENCES)
    cosines = (vectors * embedder.encode(SENTENCES)).sum(axis=1)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert cosines.min() >= 0.95, cosines
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Activations are quantised with one scale per batch, so a text's vector moves a little with its batch mates.
    assert float(int8.encode_query(SENTENCES[0]) @ vectors[0]) >= 0.99


def test_int8_has_its_own_name_identity_and_the_minilm_profile(int8, embedder):
    from models.model_profile import MINILM

    assert int8.name == embedder.name + "+int8"
    assert int8.identity == embedder.identity + "+int8"
    assert int8.profile == MINILM


def test_quantised_copy_is_reused_on_a_second_load(int8, models_dir, monkeypatch):
    from indexer import int8 as module
    from indexer.embedder import default_model_path

    def no_copy(*args):
        raise AssertionError("the cached copy was rebuilt")

    monkeypatch.setattr(module, "_make", no_copy)
    before = int8.int8.onnx_path.stat().st_mtime_ns
    again = module.onnx_copy(default_model_path(), int8.identity.removesuffix("+int8"), models_dir)
    assert again == int8.int8.onnx_path and again.stat().st_mtime_ns == before
    assert sorted(path.name for path in models_dir.iterdir() if not path.name.startswith(".")) == sorted(
        [again.name, again.with_suffix(".json").name])


def test_damaged_or_partial_copy_is_rebuilt(int8, tmp_path):
    import shutil

    from indexer.int8 import OnnxModel, onnx_copy

    folder = tmp_path / "models"
    shutil.copytree(int8.int8.onnx_path.parent, folder)
    copy = folder / int8.int8.onnx_path.name
    with copy.open("r+b") as handle:  # a torn write: the first half only
        handle.truncate(copy.stat().st_size // 2)
    source = int8.identity.removesuffix("+int8")
    from indexer.embedder import default_model_path

    rebuilt = onnx_copy(default_model_path(), source, folder)
    assert rebuilt == copy and rebuilt.stat().st_size == int8.int8.onnx_path.stat().st_size
    os.remove(copy.with_suffix(".json"))  # a crash before the stamp: the copy is not trusted either
    remade = OnnxModel(default_model_path(), onnx_copy(default_model_path(), source, folder), threads=1)
    assert np.allclose(remade.encode(SENTENCES[:1]), int8.encode(SENTENCES[:1]), atol=1e-5)


def test_data_folder_of_one_encoder_is_refused_with_the_other_until_reindex(int8, make_services, tmp_path):
    from indexer.importer import import_files
    from models.errors import IndexMismatchError
    from web.services import Services

    fp32 = make_services()
    import_files(fp32.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    fp32.close()

    switched = Services(fp32.settings.model_copy(update={"encoder": "int8"}), int8)
    with pytest.raises(IndexMismatchError, match="reindex"):
        _ = switched.indexes
    switched.rebuilding_indexer().reindex()
    assert switched.store.get_meta("vector_model") == int8.name
    assert switched.finder.ask("vpn token expired", k=1, log=False).results[0].id == "c-vpn"
    switched.close()

    back = make_services(fp32.settings.data)  # the fp32 encoder on the folder now made with int8
    with pytest.raises(IndexMismatchError, match="reindex"):
        _ = back.indexes


def test_int8_queries_search_a_folder_of_fp32_vectors_as_it_is(int8, models_dir, embedder, make_services, tmp_path):
    from indexer.embedder import Embedder
    from indexer.importer import import_files
    from web.services import Services

    fp32 = make_services()
    import_files(fp32.indexer, [jsonl(tmp_path / "x.jsonl", ANA, VPN)])
    fp32.close()
    queries = Embedder(encoder="int8-queries", cache_dir=models_dir)
    assert (queries.name, queries.identity, queries.profile) == (embedder.name, embedder.identity, embedder.profile)
    assert np.allclose(queries.encode(SENTENCES[:1]), embedder.encode(SENTENCES[:1]), atol=1e-5)  # passages: fp32
    assert np.allclose(queries.encode_query(SENTENCES[0]), int8.encode_query(SENTENCES[0]), atol=1e-6)

    reopened = Services(fp32.settings.model_copy(update={"encoder": "int8-queries"}), queries)
    assert reopened.finder.ask("vpn token expired", k=1, log=False).results[0].id == "c-vpn"
    reopened.close()


def test_encoder_setting_builds_the_int8_encoder_in_the_data_folder(int8, tmp_path):
    import shutil

    from models.settings import Settings
    from web.services import Services

    assert Settings().encoder == "fp32"  # int8 queries cost the answered decision a little: opt-in
    with pytest.raises(ValueError):
        Settings(encoder="int4")
    settings = Settings(data=tmp_path / "data", encoder="int8-queries")
    assert settings.models_dir == tmp_path / "data" / "models"
    shutil.copytree(int8.int8.onnx_path.parent, settings.models_dir)  # the copy made already, not made again
    services = Services(settings)
    assert services.embedder.encoder == "int8-queries"
    assert services.embedder.int8.onnx_path.parent == settings.models_dir
    assert float(services.embedder.encode_query(SENTENCES[0]) @ int8.encode_query(SENTENCES[0])) > 0.9999


def test_the_default_encoder_runs_an_fp32_onnx_copy_with_the_same_vectors(models_dir, embedder):
    """The default `fp32` encodes queries and passages with an ONNX copy of the model's own weights (faster on
    a CPU): the vectors, name, identity and calibration are torch's, so folders embedded by torch stay as
    they are."""
    from indexer.embedder import Embedder

    default = Embedder(encoder="fp32", cache_dir=models_dir)
    assert (default.name, default.identity, default.profile) == (embedder.name, embedder.identity, embedder.profile)
    assert default.query_model.onnx_path.name.endswith("-fp32.onnx") and default.int8 is None
    assert default.passage_model is default.query_model and not hasattr(default, "model")  # torch's unloaded
    torch_vectors = embedder.encode(SENTENCES)
    onnx_vectors = np.stack([default.encode_query(text) for text in SENTENCES])
    assert (onnx_vectors * torch_vectors).sum(axis=1).min() > 0.99999
    passages = default.encode(SENTENCES + SENTENCES[:1])  # two passes of 4 and 1: the batch changes nothing
    assert np.allclose(passages[:4], torch_vectors, atol=1e-5) and np.allclose(passages[4], passages[0], atol=1e-6)
    torch_only = Embedder(encoder="fp32")  # no folder for the copy: torch for everything
    assert torch_only.query_model is None and torch_only.passage_model is None


def test_the_default_encoder_falls_back_to_torch_when_its_onnx_copy_cannot_be_made(tmp_path, monkeypatch, caplog,
                                                                                  embedder):
    """fp32's ONNX copy gives torch's vectors faster; without it (a failed export, no onnxruntime) the same
    vectors come from torch, so the service starts and its data folder stays valid, with a warning."""
    from indexer import int8 as module
    from indexer.embedder import Embedder

    def failed_export(*args):
        raise RuntimeError("making the ONNX copy of the embedding model failed: no space left on device")

    monkeypatch.setattr(module, "_make", failed_export)
    with caplog.at_level("WARNING", logger="indexer.embedder"):
        fallback = Embedder(encoder="fp32", cache_dir=tmp_path / "models")
    assert fallback.encoder == "fp32-torch" and fallback.query_model is None and fallback.passage_model is None
    assert "no space left on device" in caplog.text and "encoding with torch" in caplog.text
    assert (fallback.name, fallback.identity) == (embedder.name, embedder.identity)
    assert np.allclose(fallback.encode(SENTENCES), embedder.encode(SENTENCES), atol=1e-5)
    with pytest.raises(RuntimeError, match="no space left on device"):  # int8's vectors are its own: no fallback
        Embedder(encoder="int8", cache_dir=tmp_path / "models")


def test_only_models_the_onnx_path_reproduces_get_a_copy(tmp_path):
    """The ONNX path is the transformer, mean pooling and the norm: a model that pools otherwise or has more
    modules (a Dense layer) would get other vectors, so no copy is made (fp32 then runs it with torch)."""
    import json
    import shutil

    from indexer.embedder import default_model_path
    from indexer.int8 import onnx_copy

    model = tmp_path / "model"
    shutil.copytree(default_model_path(), model)
    modules = json.loads((model / "modules.json").read_text())
    (model / "modules.json").write_text(json.dumps([*modules, {"idx": 3, "name": "3", "path": "3_Dense",
                                                                "type": "sentence_transformers.models.Dense"}]))
    with pytest.raises(ValueError, match="also has Dense"):
        onnx_copy(model, "sha256:0123", tmp_path / "models", quantised=False)
    (model / "modules.json").write_text(json.dumps(modules))
    pooling = json.loads((model / "1_Pooling" / "config.json").read_text())
    (model / "1_Pooling" / "config.json").write_text(json.dumps({**pooling, "pooling_mode_mean_tokens": False,
                                                                 "pooling_mode_cls_token": True}))
    with pytest.raises(ValueError, match="mean pooling only"):
        onnx_copy(model, "sha256:0123", tmp_path / "models", quantised=False)
    assert not (tmp_path / "models").exists()


def test_a_copy_that_cannot_be_made_says_why_and_leaves_nothing_behind(tmp_path):
    """The copy is made in a child process (the server keeps none of the export's memory): its failure
    comes back as one error naming the cause, and no partial copy is left to be trusted."""
    from indexer.int8 import onnx_copy

    with pytest.raises(RuntimeError, match="making the ONNX copy of the embedding model failed: .+"):
        onnx_copy(tmp_path / "no-such-model", "sha256:0123", tmp_path / "models", quantised=False)
    assert [path.name for path in (tmp_path / "models").iterdir()] == [".fp32.lock"]
