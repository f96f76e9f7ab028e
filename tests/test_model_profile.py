"""Model-specific thresholds come from one profile found by the model's identity (a hash of its files,
not its folder name), and a setting overrides the profile."""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from indexer.embedder import DEFAULT_MODEL_NAME, default_model_path, model_identity
from indexer.importer import import_text
from models.model_profile import DEFAULT, MINILM, PROFILES, profile_for
from tests.factories import ANA, VPN


def test_packaged_model_is_registered_under_its_identity(embedder):
    assert embedder.identity == model_identity(default_model_path())
    assert PROFILES[embedder.identity] is MINILM
    assert embedder.profile is MINILM
    assert embedder.name == DEFAULT_MODEL_NAME  # what existing index files and stored vectors record


@pytest.fixture(scope="module")
def copied_model(tmp_path_factory):
    copy = tmp_path_factory.mktemp("models") / "renamed-minilm"
    shutil.copytree(default_model_path(), copy)
    return copy


def test_identity_does_not_depend_on_the_folder_name(embedder, copied_model):
    # What Embedder(copied_model) records, without loading a second copy of the weights (seconds per test).
    identity = model_identity(copied_model)
    assert (identity, profile_for(identity, copied_model.name)) == (embedder.identity, MINILM)


def test_one_changed_byte_of_config_is_another_model(embedder, copied_model, tmp_path, caplog):
    changed = tmp_path / "changed"
    shutil.copytree(copied_model, changed)
    config = changed / "config.json"
    config.write_bytes(config.read_bytes().replace(b" ", b"\t", 1))
    identity = model_identity(changed)
    assert identity != embedder.identity
    with caplog.at_level(logging.WARNING, logger="models.model_profile"):
        assert profile_for(identity, "changed") is DEFAULT
    assert "no calibrated thresholds for model changed" in caplog.text


def test_without_overrides_the_profile_is_in_force(services):
    assert services.profile == MINILM
    assert services.finder.answered_threshold == MINILM.answered
    assert (services.gaps.threshold, services.gaps.merge) == (MINILM.gap, MINILM.merge)


def test_a_setting_overrides_the_profile(make_services, tmp_path):
    services = make_services(tmp_path / "tuned", answered_threshold=0.6, gap_similarity=0.5)
    assert services.profile.answered == 0.6 and services.profile.gap == 0.5
    assert services.profile.feedback == MINILM.feedback  # what no setting overrides stays the model's
    assert services.finder.answered_threshold == 0.6
    assert services.gaps.threshold == 0.5


def test_the_answered_override_decides_answered(make_services, tmp_path):
    strict = make_services(tmp_path / "strict", answered_threshold=1.0)
    assert import_text(strict.indexer, "\n".join(json.dumps(r) for r in (ANA, VPN))).errors == []
    question = "how do I reset my VPN token"
    assert not strict.finder.ask(question, log=False).answered
    default = make_services(tmp_path / "strict")
    assert default.finder.ask(question, log=False).answered
