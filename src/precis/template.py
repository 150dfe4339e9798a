"""template.yaml resolved the way CloudFormation would deploy it: parameters, conditions, SAM Globals,
intrinsic functions and the Ref/GetAtt values of each resource, for a stack that lives on 127.0.0.1."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from precis import paths

NO_VALUE = object()
"""What `AWS::NoValue` resolves to: the key or list element holding it disappears."""

LOCAL_PARAMETER_VALUES = {"ModelDataUrl": "s3://precis-local-models/model.tar.gz"}
"""Deploy-time parameters without a Default: the local endpoint loads model/code/ itself, not an archive."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """The template uses something this resolver cannot evaluate, or refers to something undefined."""


# --- YAML with CloudFormation short tags ------------------------------------------------------------


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref X` into `{"Ref": "X"}` and `!Sub ...` into `{"Fn::Sub": ...}`."""


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
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


# --- SAM Globals -------------------------------------------------------------------------------------

_GLOBALS_SECTIONS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "LayerVersion": "AWS::Serverless::LayerVersion",
    "StateMachine": "AWS::Serverless::StateMachine",
}


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _INTRINSIC_KEYS


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's rules: maps merge (the resource wins), lists are additive, anything else the resource wins."""
    if (
        isinstance(global_value, dict)
        and isinstance(local_value, dict)
        and not (_is_intrinsic(global_value) or _is_intrinsic(local_value))
    ):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def _apply_globals(template: dict) -> dict[str, dict]:
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


# --- What Ref and GetAtt return per resource type ----------------------------------------------------

_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::SageMaker::Model": "ModelName",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigName",
    "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Events::Rule": "Name",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "PolicyName",
    "AWS::KMS::Alias": "AliasName",
}

# Names CloudFormation generates are capped by the service; buckets must also be lower case.
_NAME_LIMIT = {
    "AWS::S3::Bucket": 63,
    "AWS::SQS::Queue": 80,
    "AWS::Serverless::Function": 64,
    "AWS::Lambda::Function": 64,
    "AWS::SageMaker::Model": 63,
    "AWS::SageMaker::EndpointConfig": 63,
    "AWS::SageMaker::Endpoint": 63,
    "AWS::IAM::Role": 64,
}


def generated_name(stack_name: str, logical_id: str, resource_type: str) -> str:
    """CloudFormation's `<stack>-<LogicalId>-<SUFFIX>`, with a suffix derived from both so it is stable."""
    digest = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).digest()
    suffix = base64.b32encode(digest).decode()[:13]
    limit = _NAME_LIMIT.get(resource_type, 128)
    prefix = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    name = f"{prefix}-{suffix}"
    return name.lower() if resource_type == "AWS::S3::Bucket" else name


def partition_of(region: str) -> tuple[str, str]:
    """What AWS::Partition and AWS::URLSuffix are in a region."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: dict


@dataclass(frozen=True)
class Stack:
    name: str
    region: str
    account_id: str
    parameters: dict[str, str]
    resources: dict[str, Resource]
    outputs: dict[str, str]
    physical_names: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def partition(self) -> str:
        return partition_of(self.region)[0]

    def physical_name(self, logical_id: str) -> str:
        try:
            return self.physical_names[logical_id]
        except KeyError:
            raise TemplateError(f"no resource {logical_id!r} in the template") from None

    def ref(self, logical_id: str) -> str:
        """What `Ref` returns for a resource: a bucket's name, a topic's ARN, a queue's URL, ..."""
        if logical_id in self.parameters:
            return self.parameters[logical_id]
        return _ref(self, logical_id, self._type(logical_id))

    def get_att(self, logical_id: str, attribute: str) -> str:
        return _get_att(self, logical_id, self._type(logical_id), attribute)

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    def of_type(self, resource_type: str) -> dict[str, Resource]:
        return {lid: r for lid, r in self.resources.items() if r.type == resource_type}

    def _type(self, logical_id: str) -> str:
        if logical_id in self.resources:
            return self.resources[logical_id].type
        function_id = logical_id.removesuffix("Role")
        if function_id != logical_id and self.resources.get(function_id, Resource("", "", {})).type == (
            "AWS::Serverless::Function"
        ):
            return "AWS::IAM::Role"  # the execution role SAM adds for a function without Role
        raise TemplateError(f"no resource {logical_id!r} in the template")


def _ref(stack: Stack, logical_id: str, resource_type: str) -> str:
    name = stack.physical_name(logical_id)
    if resource_type == "AWS::SNS::Topic":
        return stack.arn("sns", name)
    if resource_type == "AWS::SQS::Queue":
        return f"https://sqs.{stack.region}.amazonaws.com/{stack.account_id}/{name}"
    if resource_type == "AWS::SageMaker::Model":
        return stack.arn("sagemaker", f"model/{name.lower()}")
    if resource_type == "AWS::SageMaker::EndpointConfig":
        return stack.arn("sagemaker", f"endpoint-config/{name.lower()}")
    if resource_type == "AWS::SageMaker::Endpoint":
        return stack.arn("sagemaker", f"endpoint/{name.lower()}")
    if resource_type in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
        return stack.arn("lambda", f"layer:{name}:1")
    if resource_type == "AWS::ApplicationAutoScaling::ScalableTarget":
        return _scalable_target_id(stack.resources[logical_id].properties)
    if resource_type == "AWS::KMS::Key":
        return _uuid_like(f"{stack.name}/{logical_id}")
    if resource_type == "AWS::ApplicationAutoScaling::ScalingPolicy":
        return stack.arn("autoscaling", f"scalingPolicy:{_uuid_like(logical_id)}:resource/{name}")
    return name


def _get_att(stack: Stack, logical_id: str, resource_type: str, attribute: str) -> str:
    name = stack.physical_name(logical_id)
    region = stack.region
    table = {
        "AWS::S3::Bucket": {
            "Arn": lambda: f"arn:{stack.partition}:s3:::{name}",
            "DomainName": lambda: f"{name}.s3.amazonaws.com",
            "RegionalDomainName": lambda: f"{name}.s3.{region}.amazonaws.com",
            "WebsiteURL": lambda: f"http://{name}.s3-website-{region}.amazonaws.com",
        },
        "AWS::SNS::Topic": {"TopicArn": lambda: stack.arn("sns", name), "TopicName": lambda: name},
        "AWS::SQS::Queue": {
            "Arn": lambda: stack.arn("sqs", name),
            "QueueName": lambda: name,
            "QueueUrl": lambda: _ref(stack, logical_id, resource_type),
        },
        "AWS::DynamoDB::Table": {
            "Arn": lambda: stack.arn("dynamodb", f"table/{name}"),
            "StreamArn": lambda: stack.arn("dynamodb", f"table/{name}/stream/1970-01-01T00:00:00.000"),
        },
        "AWS::Serverless::Function": {"Arn": lambda: stack.arn("lambda", f"function:{name}")},
        "AWS::Lambda::Function": {"Arn": lambda: stack.arn("lambda", f"function:{name}")},
        "AWS::IAM::Role": {
            "Arn": lambda: stack.arn("iam", f"role/{name}", region=False),
            "RoleId": lambda: "AROA" + _uuid_like(logical_id).replace("-", "").upper()[:17],
        },
        "AWS::SageMaker::Model": {"ModelName": lambda: name},
        "AWS::SageMaker::EndpointConfig": {"EndpointConfigName": lambda: name},
        "AWS::SageMaker::Endpoint": {"EndpointName": lambda: name},
        "AWS::KMS::Key": {
            "Arn": lambda: stack.arn("kms", f"key/{_ref(stack, logical_id, resource_type)}"),
            "KeyId": lambda: _ref(stack, logical_id, resource_type),
        },
        "AWS::CloudWatch::Alarm": {"Arn": lambda: stack.arn("cloudwatch", f"alarm:{name}")},
        "AWS::Logs::LogGroup": {"Arn": lambda: stack.arn("logs", f"log-group:{name}:*")},
        "AWS::Events::Rule": {"Arn": lambda: stack.arn("events", f"rule/{name}")},
        "AWS::Scheduler::Schedule": {"Arn": lambda: stack.arn("scheduler", f"schedule/default/{name}")},
        "AWS::ApplicationAutoScaling::ScalingPolicy": {
            "Arn": lambda: _ref(stack, logical_id, resource_type),
        },
    }
    if resource_type == "AWS::Serverless::SimpleTable":
        resource_type = "AWS::DynamoDB::Table"
    try:
        return table[resource_type][attribute]()
    except KeyError:
        raise TemplateError(f"GetAtt {logical_id}.{attribute} is not supported for {resource_type}") from None


def _scalable_target_id(properties: dict) -> str:
    keys = ("ResourceId", "ScalableDimension", "ServiceNamespace")
    return "|".join(str(properties.get(key)) for key in keys)


def _uuid_like(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


# --- Intrinsic functions -----------------------------------------------------------------------------

_INTRINSIC_KEYS = {
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
                f"stack/{self.stack_name}/{_uuid_like(self.stack_name)}"
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
            explicit = (resource.get("Properties") or {}).get(_NAME_PROPERTY.get(resource["Type"], ""))
            name = self.resolve(explicit) if explicit is not None else NO_VALUE
            self._evaluating.discard(key)
            if name is NO_VALUE:
                name = generated_name(self.stack_name, logical_id, resource["Type"])
            self.physical_names[logical_id] = str(name)
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
            return _scalable_target_id(self.resolve(resource.get("Properties") or {}))
        return _ref(self.stack, name, resource["Type"] if resource else "AWS::IAM::Role")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        self._check_resource(logical_id)
        resource = self.raw_resources.get(logical_id)
        return _get_att(self.stack, logical_id, resource["Type"] if resource else "AWS::IAM::Role", attribute)

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
        if _is_intrinsic(value):
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
    resources = _apply_globals(document)
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
