"""template.yaml as data (short tags in their long `Fn::` form) and a few readers for its properties."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from precis import paths
from precis.template import load_template


@pytest.fixture(scope="session")
def template_text() -> str:
    return paths.template_path().read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def template() -> dict:
    return load_template(paths.template_path())


@pytest.fixture(scope="session")
def resources(template: dict) -> dict:
    return template["Resources"]


@pytest.fixture(scope="session")
def properties(resources: dict):
    def read(logical_id: str) -> dict:
        return resources[logical_id].get("Properties", {})

    return read


@pytest.fixture(scope="session")
def default(template: dict):
    """What a value is when the stack is deployed with default parameters (a `Ref` to a parameter)."""

    def resolve(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in template["Parameters"]:
            return template["Parameters"][value["Ref"]].get("Default")
        return value

    return resolve


@pytest.fixture(scope="session")
def statements(resources: dict) -> list[tuple[str, dict]]:
    """(logical id, statement) for every IAM, key, bucket, topic and SAM function policy in the template."""
    return list(_policy_statements(resources))


def _policy_statements(resources: dict) -> Iterator[tuple[str, dict]]:
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents += [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        elif resource["Type"] == "AWS::KMS::Key":
            documents.append(props["KeyPolicy"])
        elif resource["Type"] in ("AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy"):
            documents.append(props["PolicyDocument"])
        elif resource["Type"] == "AWS::Serverless::Function":
            documents += [policy for policy in props.get("Policies", []) if isinstance(policy, dict)]
        for document in documents:
            for statement in document["Statement"]:
                yield logical_id, _unconditional(statement)


def _unconditional(statement: dict) -> dict:
    """A statement behind `Fn::If [condition, statement, AWS::NoValue]` is the statement itself."""
    if set(statement) == {"Fn::If"}:
        return statement["Fn::If"][1]
    return statement
