"""template.yaml resolved the way CloudFormation would deploy it: parameters, conditions and intrinsic
functions evaluated against one stack that lives on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from precis import paths
from precis.template.document import TemplateError, apply_globals, is_intrinsic, load_template
from precis.template.names import NAME_PROPERTY, generated_name, partition_of, uuid_like
from precis.template.stack import Resource, Stack, get_att_value, ref_value, scalable_target_id

NO_VALUE = object()
"""What `AWS::NoValue` resolves to: the key or list element holding it disappears."""

LOCAL_PARAMETER_VALUES = {"ModelDataUrl": "s3://precis-local-models/model.tar.gz"}
"""Deploy-time parameters without a Default: the local endpoint loads model/code/ itself, not an archive."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class _Resolver:
    """Evaluates intrinsics against one stack; resource names are resolved lazily so order does not matter."""

    def __init__(
        self,
        template: dict,
        resources: dict[str, dict],
        *,
        stack_name: str,
        region: str,
        account_id: str,
        parameter_overrides: dict[str, str],
    ):
        self.template = template
        self.raw_resources = resources
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.parameters = self._parameters(parameter_overrides)
        self.conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()
        self.physical_names: dict[str, str] = {}
        self.stack = Stack(stack_name, region, account_id, self.parameters, {}, {}, self.physical_names)

    def _parameters(self, overrides: dict[str, str]) -> dict[str, Any]:
        declared = self.template.get("Parameters") or {}
        unknown = set(overrides) - set(declared)
        if unknown:
            raise TemplateError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                value = overrides[name]
            elif "Default" in spec:
                value = spec["Default"]
            elif name in LOCAL_PARAMETER_VALUES:
                value = LOCAL_PARAMETER_VALUES[name]
            else:
                raise TemplateError(f"parameter {name} has no Default and no override")
            value = str(value).lower() if isinstance(value, bool) else str(value)
            allowed = spec.get("AllowedValues")
            if allowed and value not in [str(v) for v in allowed]:
                raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
            pattern = spec.get("AllowedPattern")
            if pattern and not re.fullmatch(pattern, value):
                raise TemplateError(f"parameter {name}={value!r} does not match {pattern}")
            parameter_type = str(spec.get("Type", "String"))
            if parameter_type == "CommaDelimitedList" or parameter_type.startswith("List<"):
                values[name] = [item.strip() for item in value.split(",")] if value else []
            else:
                values[name] = value
        return values

    def pseudo(self, name: str) -> Any:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{self.stack.partition}:cloudformation:{self.region}:{self.account_id}:"
                f"stack/{self.stack_name}/{uuid_like(self.stack_name)}"
            ),
            "AWS::Partition": self.stack.partition,
            "AWS::URLSuffix": partition_of(self.region)[1],
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }[name]

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            declared = self.template.get("Conditions") or {}
            if name not in declared:
                raise TemplateError(f"no condition {name!r} in the template")
            if name in self._evaluating:
                raise TemplateError(f"condition {name!r} refers to itself")
            self._evaluating.add(name)
            self.conditions[name] = bool(self.resolve(declared[name]))
            self._evaluating.discard(name)
        return self.conditions[name]

    def included(self, logical_id: str) -> bool:
        condition = self.raw_resources[logical_id].get("Condition")
        return condition is None or self.condition(condition)

    def physical_name(self, logical_id: str) -> str:
        if logical_id not in self.physical_names:
            resource = self.raw_resources.get(logical_id)
            if resource is None:  # SAM's implicit `<Function>Role`
                name = generated_name(self.stack_name, logical_id, "AWS::IAM::Role")
                self.physical_names[logical_id] = name
                return name
            key = f"name:{logical_id}"
            if key in self._evaluating:
                raise TemplateError(f"the name of {logical_id} refers to itself")
            self._evaluating.add(key)
            explicit = (resource.get("Properties") or {}).get(NAME_PROPERTY.get(resource["Type"], ""))
            resolved = self.resolve(explicit) if explicit is not None else NO_VALUE
            self._evaluating.discard(key)
            if resolved is NO_VALUE:
                resolved = generated_name(self.stack_name, logical_id, resource["Type"])
            self.physical_names[logical_id] = str(resolved)
        return self.physical_names[logical_id]

    def _check_resource(self, logical_id: str) -> None:
        if logical_id in self.raw_resources:
            if not self.included(logical_id):
                raise TemplateError(f"{logical_id} is referenced but its Condition is false")
        elif not self._is_implicit_role(logical_id):
            raise TemplateError(f"no resource or parameter {logical_id!r} in the template")
        self.physical_name(logical_id)

    def _is_implicit_role(self, logical_id: str) -> bool:
        function_id = logical_id.removesuffix("Role")
        function = self.raw_resources.get(function_id) or {}
        return function_id != logical_id and function.get("Type") == "AWS::Serverless::Function"

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        self._check_resource(name)
        resource = self.raw_resources.get(name)
        if resource is not None and resource["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget":
            return scalable_target_id(self.resolve(resource.get("Properties") or {}))
        return ref_value(self.stack, name, resource["Type"] if resource else "AWS::IAM::Role")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        self._check_resource(logical_id)
        resource = self.raw_resources.get(logical_id)
        resource_type = resource["Type"] if resource else "AWS::IAM::Role"
        return get_att_value(self.stack, logical_id, resource_type, attribute)

    def sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], {k: self.resolve(v) for k, v in (argument[1] or {}).items()}
        else:
            text, variables = argument, {}

        def replace(match: re.Match) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return _text(variables[expression])
            if "." in expression and not expression.startswith("AWS::"):
                logical_id, _, attribute = expression.partition(".")
                return _text(self.get_att(logical_id, attribute))
            return _text(self.ref(expression))

        return _SUB_VARIABLE.sub(replace, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if is_intrinsic(value):
            ((key, argument),) = value.items()
            return self._intrinsic(key, argument)
        resolved = {}
        for key, item in value.items():
            item = self.resolve(item)
            if item is not NO_VALUE:
                resolved[key] = item
        return resolved

    def _intrinsic(self, key: str, argument: Any) -> Any:  # noqa: C901 - one branch per intrinsic
        if key == "Ref":
            return self.ref(self.resolve(argument))
        if key == "Condition":
            return self.condition(argument)
        if key == "Fn::GetAtt":
            logical_id, attribute = (
                argument.split(".", 1) if isinstance(argument, str) else self.resolve(argument)
            )
            return self.get_att(logical_id, attribute)
        if key == "Fn::Sub":
            return self.sub(argument)
        if key == "Fn::Join":
            delimiter, items = argument
            return delimiter.join(_text(item) for item in self.resolve(items))
        if key == "Fn::Select":
            index, items = self.resolve(argument)
            return items[int(index)]
        if key == "Fn::Split":
            delimiter, text = self.resolve(argument)
            return text.split(delimiter)
        if key == "Fn::If":
            name, when_true, when_false = argument
            return self.resolve(when_true if self.condition(name) else when_false)
        if key == "Fn::Equals":
            left, right = self.resolve(argument)
            return _text(left) == _text(right)
        if key == "Fn::Not":
            return not self._truth(argument[0])
        if key == "Fn::And":
            return all(self._truth(item) for item in argument)
        if key == "Fn::Or":
            return any(self._truth(item) for item in argument)
        if key == "Fn::FindInMap":
            map_name, top, second = self.resolve(argument)[:3]
            try:
                return self.template["Mappings"][map_name][top][second]
            except KeyError:
                raise TemplateError(f"FindInMap {map_name}/{top}/{second} not found") from None
        if key == "Fn::GetAZs":
            return [f"{self.region}{zone}" for zone in "abc"]
        if key == "Fn::Base64":
            return base64.b64encode(_text(self.resolve(argument)).encode()).decode()
        if key == "Fn::Length":
            return len(self.resolve(argument))
        if key == "Fn::ToJsonString":
            return json.dumps(self.resolve(argument), separators=(",", ":"))
        raise TemplateError(f"{key} cannot be evaluated for a local stack")

    def _truth(self, item: Any) -> bool:
        if isinstance(item, dict) and set(item) == {"Condition"}:
            return self.condition(item["Condition"])
        return bool(self.resolve(item))


def cfn_string(value: Any) -> str:
    """A resolved property where AWS expects a string (an attribute, an environment variable): booleans
    as `true`/`false`, maps and lists as JSON."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return str(value)


def load_stack(
    template: Path | None = None,
    *,
    stack_name: str = "precis-local",
    region: str = "us-east-1",
    account_id: str = "123456789012",
    parameter_overrides: dict[str, str] | None = None,
    document: dict | None = None,
) -> Stack:
    """The template as deployed: every included resource with its properties resolved, and the Outputs.

    `document` is the template already parsed (load_template), for callers that resolve it many times.
    """
    document = document or load_template(template or paths.template_path())
    resources = apply_globals(document)
    resolver = _Resolver(
        document,
        resources,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameter_overrides={k: str(v) for k, v in (parameter_overrides or {}).items()},
    )
    stack = resolver.stack
    for logical_id, raw in resources.items():
        if not resolver.included(logical_id):
            continue
        resolver.physical_name(logical_id)
        stack.resources[logical_id] = Resource(logical_id, raw["Type"], {})
    for logical_id in list(stack.resources):
        properties = resolver.resolve(resources[logical_id].get("Properties") or {})
        stack.resources[logical_id] = Resource(logical_id, resources[logical_id]["Type"], properties)
    for name, output in (document.get("Outputs") or {}).items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        stack.outputs[name] = _text(resolver.resolve(output["Value"]))
    return stack


def local_outputs(template: Path | None = None, **kwargs: Any) -> dict[str, str]:
    """The template's Outputs resolved for the local stack, like `aws cloudformation describe-stacks`."""
    return dict(load_stack(template, **kwargs).outputs)
