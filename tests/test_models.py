"""Tests for jtbd.models: the manifest, model lookup, and sha256 verification of the pinned files."""

from __future__ import annotations

import re

import pytest

from jtbd.embed import make_embedder
from jtbd.errors import ModelError

MINILM_SHA = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def test_models_manifest_pins_every_model(fresh_models):
    specs = fresh_models.load_manifest()
    assert {"minilm", "hashing", "en_core_web_sm"} <= set(specs)
    for key in ("minilm", "en_core_web_sm"):
        spec = specs[key]
        assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256), key
        assert "==" in spec.package and spec.license and spec.file
    assert specs["minilm"].sha256 == MINILM_SHA
    assert (specs["minilm"].role, specs["en_core_web_sm"].role) == ("embedders", "spacy")
    assert specs["minilm"].dimensions == 384


def test_models_unknown_key_lists_choices(fresh_models):
    with pytest.raises(ModelError, match=r"Unknown model 'bert'\. Choose one of: hashing, minilm"):
        fresh_models.get_spec("bert")
    with pytest.raises(ModelError, match="Choose one of: en_core_web_sm"):
        fresh_models.get_spec("minilm", "spacy")
    with pytest.raises(ModelError, match="Unknown model 'bert'"):
        make_embedder("bert")


def test_models_verified_model_dir_accepts_the_pinned_file(fake_model, fresh_models):
    assert fresh_models.verified_model_dir("fake") == fake_model["folder"]


def test_models_verified_model_dir_rejects_a_changed_file(fake_model, fresh_models):
    fake_model["weights"].write_bytes(b"tampered weights")
    with pytest.raises(ModelError) as caught:
        fresh_models.verified_model_dir("fake")
    message = str(caught.value)
    assert fake_model["sha256"] in message  # the expected hash
    assert fresh_models.file_sha256(fake_model["weights"]) in message  # and the one found
    assert "pip install --force-reinstall 'fake-pkg==1.0'" in message


def test_models_verified_model_dir_missing_file(fake_model, fresh_models):
    with pytest.raises(ModelError, match=r"nothing\.bin is missing.*pip install --force-reinstall 'fake-pkg==1\.0'"):
        fresh_models.verified_model_dir("missing")


def test_models_verified_model_dir_missing_package(fake_model, fresh_models):
    with pytest.raises(ModelError, match=r"needs the package 'ghost-pkg==2\.0'.*pip install 'ghost-pkg==2\.0'"):
        fresh_models.verified_model_dir("ghost")


def test_models_real_minilm_with_wrong_hash_names_the_pinned_sha(fresh_models, monkeypatch):
    monkeypatch.setattr(fresh_models, "file_sha256", lambda path: "0" * 64)
    with pytest.raises(ModelError, match=f"has sha256 {'0' * 64}, expected {MINILM_SHA}"):
        fresh_models.verified_model_dir("minilm")
    # The embedder checks before it loads anything: no silent fallback.
    with pytest.raises(ModelError, match=MINILM_SHA):
        make_embedder("minilm").embed(["send invoices"])


def test_models_verification_runs_once_per_process(fake_model, fresh_models, monkeypatch):
    calls = []
    real = fresh_models.file_sha256

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(fresh_models, "file_sha256", counting)
    fresh_models.verified_model_dir("fake")
    fresh_models.verified_model_dir("fake")
    assert calls == [fake_model["weights"]]


@pytest.mark.parametrize(
    ("key", "role", "file"), [("minilm", "embedders", "model.safetensors"), ("en_core_web_sm", "spacy", "parser/model")]
)
def test_models_installed_models_match_their_pins(fresh_models, key, role, file):
    folder = fresh_models.verified_model_dir(key, role)
    assert (folder / file).is_file()
