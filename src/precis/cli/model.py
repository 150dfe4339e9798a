"""`precis package-model` and `precis image-uri`: the inputs `sam deploy` needs for the endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from precis.cli import modelpkg


def package_model(
    weights: Annotated[
        Path | None,
        typer.Option(help="A transformers model directory (config.json, weights, tokenizer) to ship inside."),
    ] = None,
    output: Annotated[Path, typer.Option(help="Where to write the archive.")] = Path("build/model.tar.gz"),
) -> None:
    """Build model.tar.gz for the endpoint's ModelDataUrl: code/inference.py, its package and requirements."""
    try:
        archive = modelpkg.build_model_archive(output, weights=weights)
    except FileNotFoundError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    names = modelpkg.archive_names(archive)
    typer.echo(f"{archive} ({archive.stat().st_size:,} bytes, {len(names)} files)")


def image_uri(
    region: Annotated[str, typer.Option(help="AWS region of the endpoint.")],
    instance_type: Annotated[str, typer.Option(help="Endpoint instance type, e.g. ml.m5.xlarge.")],
    transformers_version: Annotated[str, typer.Option()] = modelpkg.DEFAULT_TRANSFORMERS_VERSION,
    pytorch_version: Annotated[str, typer.Option()] = modelpkg.DEFAULT_PYTORCH_VERSION,
) -> None:
    """Print the Hugging Face inference DLC image URI (needs the optional sagemaker extra)."""
    try:
        uri = modelpkg.resolve_image_uri(region, instance_type, transformers_version, pytorch_version)
    except modelpkg.SageMakerSdkMissing as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    except ValueError as error:
        typer.echo(f"error: no Hugging Face inference image for these settings: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(uri)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.command("package-model")(package_model)
    app.command("image-uri")(image_uri)
