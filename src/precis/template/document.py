"""template.yaml as plain data: the YAML with CloudFormation's short tags, and SAM's Globals merged
into each resource."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


class TemplateError(ValueError):
    """The template uses something this resolver cannot evaluate, or refers to something undefined."""


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref X` into `{"Ref": "X"}` and `!Sub ...` into `{"Fn::Sub": ...}`."""


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)  # the third kind of YAML node
    return loader.construct_mapping(node, deep=True)


def _short_tag(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        value = _construct(node, loader)
        if tag == "Ref":
            return {"Ref": value}
        if tag == "Condition":
            return {"Condition": value}
        if tag == "GetAtt" and isinstance(value, str):
            logical_id, _, attribute = value.partition(".")
            value = [logical_id, attribute]
        return {f"Fn::{tag}": value}

    return construct


for _tag in (
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "GetAZs",
    "Base64",
    "ImportValue",
    "Cidr",
    "Length",
    "ToJsonString",
):
    _CfnLoader.add_constructor(f"!{_tag}", _short_tag(_tag))


def load_template(path: Path) -> dict:
    """The template as plain data, short tags turned into their long `Fn::` forms."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TemplateError(f"template not found: {path}") from exc
    document = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - SafeLoader plus CFN tags only
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources section)")
    return document


INTRINSIC_KEYS = {
    "Ref",
    "Condition",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::If",
    "Fn::Equals",
    "Fn::Not",
    "Fn::And",
    "Fn::Or",
    "Fn::FindInMap",
    "Fn::GetAZs",
    "Fn::Base64",
    "Fn::ImportValue",
    "Fn::Cidr",
    "Fn::Length",
    "Fn::ToJsonString",
}


def is_intrinsic(value: Any) -> bool:
    """A one-key map whose key is an intrinsic function (`Ref`, `Fn::Sub`, ...)."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in INTRINSIC_KEYS


_GLOBALS_SECTIONS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "LayerVersion": "AWS::Serverless::LayerVersion",
    "StateMachine": "AWS::Serverless::StateMachine",
}


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's rules: maps merge (the resource wins), lists are additive, anything else the resource wins."""
    if (
        isinstance(global_value, dict)
        and isinstance(local_value, dict)
        and not (is_intrinsic(global_value) or is_intrinsic(local_value))
    ):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def apply_globals(template: dict) -> dict[str, dict]:
    globals_ = template.get("Globals") or {}
    resources = {}
    for logical_id, resource in template["Resources"].items():
        resource = copy.deepcopy(resource)
        for section, resource_type in _GLOBALS_SECTIONS.items():
            if resource.get("Type") == resource_type and section in globals_:
                resource["Properties"] = merge_globals(
                    copy.deepcopy(globals_[section]), resource.get("Properties") or {}
                )
        resources[logical_id] = resource
    return resources
