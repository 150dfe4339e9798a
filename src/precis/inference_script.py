"""The inference script, loaded and called as the Hugging Face DLC's handler service does.

Each instance imports the script by file path once, calls `model_fn(model_dir)` once, then per request
`input_fn(body, content_type)` -> `predict_fn(data, model)` -> `output_fn(prediction, accept)`, or
`transform_fn(model, body, content_type, accept)` when the script defines it. A body whose content type
is exactly application/json or text/csv is decoded as UTF-8 first (one with a charset parameter stays
bytes) and a missing or */* Accept becomes application/json, as the toolkit does.
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

UTF8_TYPES = ("application/json", "text/csv")
CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"
JSON = "application/json"
_module_ids = itertools.count(1)


class InferenceScriptError(RuntimeError):
    """The script cannot be loaded or does not follow the handler contract."""


@dataclass(frozen=True)
class InferenceScript:
    path: Path
    model_dir: Path

    def load(self) -> LoadedModel:
        """Imports a fresh copy of the script (one per instance, as each has its container); runs model_fn."""
        module = _import(self.path)
        transform_fn = getattr(module, "transform_fn", None)
        if transform_fn and any(hasattr(module, name) for name in ("input_fn", "predict_fn", "output_fn")):
            raise InferenceScriptError(
                f"{self.path}: transform_fn cannot be combined with input_fn, predict_fn or output_fn"
            )
        model_fn = getattr(module, "model_fn", None)
        if model_fn is None:
            raise InferenceScriptError(f"{self.path} defines no model_fn")
        return LoadedModel(module, model_fn(str(self.model_dir)))


class LoadedModel:
    def __init__(self, module: ModuleType, model: Any) -> None:
        self.module = module
        self.model = model

    def invoke(
        self, body: bytes, content_type: str | None, accept: str | None, custom_attributes: str | None = None
    ) -> tuple[bytes, str]:
        """One request through the handler chain; returns the response bytes and their content type.
        An input_fn with room for a third argument gets the toolkit's context: the request's headers
        (here X-Amzn-SageMaker-Custom-Attributes, as SageMaker forwards a request's CustomAttributes)."""
        content_type = content_type or JSON
        if not accept or accept == "*/*":
            accept = JSON
        data: bytes | str = body.decode("utf-8") if content_type in UTF8_TYPES else body
        transform_fn = getattr(self.module, "transform_fn", None)
        if transform_fn:
            response = transform_fn(self.model, data, content_type, accept)
        else:
            input_fn: Callable[..., Any] = getattr(self.module, "input_fn", _decode)
            predict_fn = getattr(self.module, "predict_fn", _predict)
            output_fn = getattr(self.module, "output_fn", _encode)
            context = RequestContext(custom_attributes)
            data = (
                input_fn(data, content_type, context)
                if _takes_context(input_fn)
                else input_fn(data, content_type)
            )
            response = output_fn(predict_fn(data, self.model), accept)
        if isinstance(response, tuple):
            response, accept = response[0], response[1]
        return (response.encode("utf-8") if isinstance(response, str) else bytes(response)), accept


class RequestContext:
    """The part of the model server's context an inference script reads: one request processor whose
    request properties are the request's headers."""

    def __init__(self, custom_attributes: str | None) -> None:
        headers = {CUSTOM_ATTRIBUTES: custom_attributes} if custom_attributes else {}
        self.request_processor = [_RequestProcessor(headers)]


@dataclass(frozen=True)
class _RequestProcessor:
    headers: dict[str, str]

    def get_request_properties(self) -> dict[str, str]:
        return dict(self.headers)


def _takes_context(function: Any) -> bool:
    try:
        return len(inspect.signature(function).parameters) >= 3
    except (TypeError, ValueError):
        return False


def _import(path: Path) -> ModuleType:
    if not path.is_file():
        raise InferenceScriptError(f"no inference script at {path}")
    name = f"precis_inference_{path.stem}_{next(_module_ids)}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None  # a .py file that exists always has a loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _base_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _decode(data: bytes | str, content_type: str) -> Any:
    if _base_type(content_type) != JSON:
        raise InferenceScriptError(f"no input_fn in the script and content type {content_type!r} is not JSON")
    return json.loads(data)


def _predict(data: Any, model: Any) -> Any:
    inputs = data.pop("inputs", data) if isinstance(data, dict) else data
    return model(inputs)


def _encode(prediction: Any, accept: str) -> str:
    return json.dumps(prediction)
