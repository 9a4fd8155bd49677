"""Tests for jtbd.models: the manifest, model lookup, sha256 verification, and locally built models."""

from __future__ import annotations

import hashlib
import json
import re
import sys

import pytest
from typer.testing import CliRunner

from jtbd.cli import app
from jtbd.embed import make_embedder
from jtbd.errors import ModelError

runner = CliRunner()

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


def test_models_verified_model_dir_rejects_a_changed_config_beside_the_weights(fake_model, fresh_models, tmp_path):
    # Weights intact, pooling config changed (CLS instead of mean): 4 clusters instead of 19 in an earlier run, and
    # run.json still named the pinned hash. The sha256 over the whole folder catches it.
    config = fake_model["folder"] / "1_Pooling" / "config.json"
    config.parent.mkdir()
    config.write_text('{"pooling_mode_mean_tokens": true}', encoding="utf-8")
    tree = fresh_models.tree_sha256(fake_model["folder"])
    manifest = fresh_models.models_manifest_path()
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            'sha256 = "' + fake_model["sha256"] + '"\n',
            f'sha256 = "{fake_model["sha256"]}"\ntree_sha256 = "{tree}"\n',
            1,
        ),
        encoding="utf-8",
    )
    fresh_models.load_manifest.cache_clear()
    assert fresh_models.verified_model_dir("fake") == fake_model["folder"]
    fresh_models.verified_model_dir.cache_clear()
    config.write_text('{"pooling_mode_cls_token": true}', encoding="utf-8")
    with pytest.raises(
        ModelError, match=r"the files in .* are not the official ones .*force-reinstall 'fake-pkg==1.0'"
    ):
        fresh_models.verified_model_dir("fake")
    fresh_models.verified_model_dir.cache_clear()
    config.write_text('{"pooling_mode_mean_tokens": true}', encoding="utf-8")
    (config.parent / "extra.bin").write_bytes(b"x")  # a file added is a change too
    with pytest.raises(ModelError, match="not the official ones"):
        fresh_models.verified_model_dir("fake")


@pytest.mark.slow
def test_models_installed_packages_match_every_pinned_file(fresh_models):
    for key, role in (("minilm", "embedders"), ("en_core_web_sm", "spacy")):
        spec = fresh_models.get_spec(key, role)
        assert re.fullmatch(r"[0-9a-f]{64}", spec.tree_sha256), key
        assert fresh_models.tree_sha256(fresh_models.verified_model_dir(key, role)) == spec.tree_sha256


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


# Locally built models (minilm-static). A fake builder stands in for the two-minute distillation; the real one is
# covered by the slow test in test_embed.py.

STATIC_NOT_BUILT = (
    r"Model 'minilm-static' is not built yet\. Run: jtbd models build minilm-static \(about 2 minutes, offline\)\."
)


def fake_builder(source, spec, out):
    assert (source / "model.safetensors").is_file()  # built from the verified MiniLM folder
    (out / spec.file).write_bytes(b"pretend static weights")


def build_fake_static(models, monkeypatch):
    """Build minilm-static with `build_model` and the fake builder, into the test's JTBD_HOME."""
    monkeypatch.setitem(models.BUILDERS, "model2vec", fake_builder)
    return models.build_model("minilm-static")


def test_models_manifest_describes_the_built_model(fresh_models):
    spec = fresh_models.get_spec("minilm-static")
    assert (spec.kind, spec.built_from, spec.sha256, spec.dimensions) == ("model2vec", "minilm", "", 256)
    assert spec.is_built_locally and not fresh_models.get_spec("minilm").is_built_locally


def test_models_not_built_yet_says_how_to_build(fresh_models):
    with pytest.raises(ModelError, match=STATIC_NOT_BUILT):
        fresh_models.verified_model_dir("minilm-static")
    with pytest.raises(ModelError, match=STATIC_NOT_BUILT):
        make_embedder("minilm-static")  # at once, before a run does any work


def test_models_build_records_the_sha256_beside_the_model(fresh_models, jtbd_home, monkeypatch):
    built_static = build_fake_static(fresh_models, monkeypatch)
    folder = jtbd_home / "models" / "minilm-static"
    assert built_static.folder == folder
    assert built_static.sha256 == hashlib.sha256(b"pretend static weights").hexdigest()
    info = json.loads((folder / "build.json").read_text())
    assert info["sha256"] == built_static.sha256
    assert (info["built_from"], info["built_from_sha256"], info["kind"]) == ("minilm", MINILM_SHA, "model2vec")
    assert sorted(p.name for p in folder.parent.iterdir()) == ["minilm-static"]  # no temporary folder left
    assert fresh_models.verified_model_dir("minilm-static") == folder


def test_models_built_model_with_changed_file_asks_for_a_rebuild(fresh_models, monkeypatch):
    built_static = build_fake_static(fresh_models, monkeypatch)
    weights = built_static.folder / "model.safetensors"
    weights.write_bytes(b"tampered")
    with pytest.raises(ModelError) as caught:
        fresh_models.verify_built_model(fresh_models.get_spec("minilm-static"))
    message = str(caught.value)
    assert built_static.sha256 in message and hashlib.sha256(b"tampered").hexdigest() in message
    assert "rebuild it: jtbd models build minilm-static" in message


def test_models_built_model_from_another_source_pin_asks_for_a_rebuild(fresh_models, monkeypatch):
    built_static = build_fake_static(fresh_models, monkeypatch)
    info_path = built_static.folder / "build.json"
    info = json.loads(info_path.read_text())
    info_path.write_text(json.dumps({**info, "built_from_sha256": "1" * 64}))
    with pytest.raises(ModelError, match=f"manifest now pins {MINILM_SHA}. Rebuild it: jtbd models build"):
        fresh_models.verify_built_model(fresh_models.get_spec("minilm-static"))


def test_models_built_model_with_a_broken_record_asks_for_a_rebuild(fresh_models, monkeypatch):
    built_static = build_fake_static(fresh_models, monkeypatch)
    (built_static.folder / "build.json").write_text("{not json")
    with pytest.raises(ModelError, match="build.json records no sha256. Rebuild it: jtbd models build minilm-static"):
        make_embedder("minilm-static")


def test_models_failed_build_keeps_the_previous_model(fresh_models, monkeypatch):
    built_static = build_fake_static(fresh_models, monkeypatch)

    def broken(source, spec, out):
        (out / spec.file).write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setitem(fresh_models.BUILDERS, "model2vec", broken)
    with pytest.raises(KeyboardInterrupt):
        fresh_models.build_model("minilm-static")
    assert sorted(p.name for p in built_static.folder.parent.iterdir()) == ["minilm-static"]
    assert fresh_models.verify_built_model(fresh_models.get_spec("minilm-static"))[1] == built_static.sha256


def test_models_build_refuses_shipped_models(fresh_models):
    with pytest.raises(ModelError, match=r"Model 'minilm' is not built locally.*Buildable: minilm-static"):
        fresh_models.build_model("minilm")
    with pytest.raises(ModelError, match="Unknown model 'nope'"):
        fresh_models.build_model("nope")


def test_models_build_with_an_unwritable_home_says_so_in_one_line(fresh_models, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("JTBD_HOME", str(blocker / "home"))
    monkeypatch.setitem(fresh_models.BUILDERS, "model2vec", fake_builder)
    result = runner.invoke(app, ["models", "build", "minilm-static"])
    assert result.exit_code == 1
    assert "cannot create the models folder" in result.output and "Set JTBD_HOME" in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, OSError)


def test_models_build_without_the_fast_extra_names_the_pip_command(fresh_models, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "skeletoken", None)  # import fails as if not installed
    spec = fresh_models.get_spec("minilm-static")
    with pytest.raises(ModelError, match=r"needs model2vec's distillation extras.*pip install -e '\.\[fast\]'"):
        fresh_models.distill_model2vec(tmp_path, spec, tmp_path / "out")


def test_models_cli_list_shows_each_model_status(fresh_models):
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert set(lines) == {"minilm", "minilm-static", "hashing", "en_core_web_sm", "statements"}
    assert "installed, verified (sha256 53aa51172d14" in lines["minilm"]
    assert "detectors" in lines["statements"] and "installed, verified" in lines["statements"]
    assert "not built: run jtbd models build minilm-static" in lines["minilm-static"]
    assert "built in" in lines["hashing"]


def test_models_cli_list_shows_a_built_and_a_broken_model(fresh_models, monkeypatch):
    built_static = build_fake_static(fresh_models, monkeypatch)
    result = runner.invoke(app, ["models", "list"])
    assert f"verified (sha256 {built_static.sha256[:12]}" in result.output
    (built_static.folder / "model.safetensors").write_bytes(b"tampered")
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0
    assert "broken: Model 'minilm-static'" in result.output and "jtbd models build minilm-static" in result.output


def test_models_cli_build(fresh_models, monkeypatch, jtbd_home):
    monkeypatch.setitem(fresh_models.BUILDERS, "model2vec", fake_builder)
    result = runner.invoke(app, ["models", "build", "minilm-static"])
    assert result.exit_code == 0, result.output
    assert str(jtbd_home / "models" / "minilm-static") in result.stdout
    result = runner.invoke(app, ["models", "build", "hashing"])
    assert result.exit_code == 1
    assert "Buildable: minilm-static" in result.output
