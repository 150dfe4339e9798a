"""The SageMaker model archive (model.tar.gz) and the Hugging Face inference image it runs on.

Layout the Hugging Face DLC expects: `code/inference.py` and `code/requirements.txt` (installed at
start-up), our `code/precis_summarizer/` package beside them (the toolkit puts `code/` on sys.path),
and optionally the model's weights at the archive root, where model_fn finds `config.json`.
"""

from __future__ import annotations

import gzip
import tarfile
from collections.abc import Iterator
from pathlib import Path

from precis.paths import model_code_dir

CODE_FILES = ("inference.py", "requirements.txt")
CODE_PACKAGE = "precis_summarizer"
# The newest 4.x Hugging Face inference DLC the SDK knows (huggingface.json, image_scope inference).
DEFAULT_TRANSFORMERS_VERSION = "4.51.3"
DEFAULT_PYTORCH_VERSION = "2.6.0"


class SageMakerSdkMissing(RuntimeError):
    """`precis image-uri` needs the optional sagemaker SDK (v3)."""


def build_model_archive(output: Path, weights: Path | None = None, code_dir: Path | None = None) -> Path:
    """Writes the archive reproducibly (sorted, zero timestamps): the same inputs give the same bytes."""
    code_dir = code_dir or model_code_dir()
    members = list(_code_members(code_dir))
    if weights is not None:
        members.extend(_weight_members(weights))
    output.parent.mkdir(parents=True, exist_ok=True)
    with (
        output.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w") as archive,
    ):
        for source, name in sorted(members, key=lambda member: member[1]):
            archive.add(source, arcname=name, recursive=False, filter=_normalized)
    return output


def archive_names(archive: Path) -> list[str]:
    with tarfile.open(archive, "r:gz") as opened:
        return sorted(member.name for member in opened.getmembers() if member.isfile())


def resolve_image_uri(
    region: str,
    instance_type: str,
    transformers_version: str = DEFAULT_TRANSFORMERS_VERSION,
    pytorch_version: str = DEFAULT_PYTORCH_VERSION,
) -> str:
    """The Hugging Face PyTorch inference DLC for this region and instance type, from the SDK's own table."""
    try:
        from sagemaker.core import image_uris
    except ImportError as error:
        raise SageMakerSdkMissing(
            "precis image-uri needs the SageMaker Python SDK v3 (about 1 GB), which is not installed. "
            "Install it with: pip install 'precis[sagemaker]'"
        ) from error
    return image_uris.retrieve(
        framework="huggingface",
        region=region,
        version=transformers_version,
        base_framework_version=f"pytorch{pytorch_version}",
        instance_type=instance_type,
        image_scope="inference",
    )


def _code_members(code_dir: Path) -> Iterator[tuple[Path, str]]:
    for name in CODE_FILES:
        path = code_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: the archive needs code/{name}")
        yield path, f"code/{name}"
    package = code_dir / CODE_PACKAGE
    for path in sorted(package.rglob("*.py")):
        yield path, f"code/{path.relative_to(code_dir).as_posix()}"


def _weight_members(weights: Path) -> Iterator[tuple[Path, str]]:
    if not (weights / "config.json").is_file():
        raise FileNotFoundError(f"{weights} has no config.json: not a transformers model directory")
    for path in sorted(weights.rglob("*")):
        relative = path.relative_to(weights)
        if path.is_file() and relative.parts[0] != "code" and not relative.name.startswith("."):
            yield path, relative.as_posix()


def _normalized(member: tarfile.TarInfo) -> tarfile.TarInfo:
    member.uid = member.gid = 0
    member.uname = member.gname = "root"
    member.mtime = 0
    member.mode = 0o644
    return member
