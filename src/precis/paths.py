"""Where the project's own files live, so every command reads the one template and the one handler code."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The repository root: PRECIS_ROOT if set, else the checkout this package is installed from
    (editable)."""
    override = os.environ.get("PRECIS_ROOT")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2]


def template_path() -> Path:
    return project_root() / "template.yaml"


def functions_dir() -> Path:
    return project_root() / "functions"


def model_code_dir() -> Path:
    return project_root() / "model" / "code"


def samples_dir() -> Path:
    return project_root() / "samples"
