"""`precis delete` leaves the order to CloudFormation, which deletes a resource only after everything that
references it. These tests read that order from template.yaml: policies, then the scalable target, then the
endpoint, its config, and the model and topics the config names."""

from __future__ import annotations

import re

import pytest

from precis.paths import template_path
from precis.template import load_template

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def _references(value, resources: set[str]) -> set[str]:
    """Logical ids a property value points at through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and item in resources:
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) else item.split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                found |= {name for name in _SUB_NAME.findall(text) if name in resources}
                if isinstance(item, list):
                    found |= _references(item[1], resources)
            else:
                found |= _references(item, resources)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item, resources)
    return found


@pytest.fixture(scope="module")
def depends_on() -> dict[str, set[str]]:
    """Each resource's direct dependencies (references and DependsOn)."""
    resources = load_template(template_path())["Resources"]
    names = set(resources)
    graph = {}
    for logical_id, resource in resources.items():
        explicit = resource.get("DependsOn", [])
        explicit = [explicit] if isinstance(explicit, str) else explicit
        graph[logical_id] = _references(resource.get("Properties", {}), names) | set(explicit)
    return graph


def _deleted_before(graph: dict[str, set[str]], first: str, then: str) -> bool:
    """True when `first` (transitively) references `then`, so CloudFormation deletes `first` earlier."""
    seen, stack = set(), [first]
    while stack:
        current = stack.pop()
        for dependency in graph.get(current, ()):
            if dependency == then:
                return True
            if dependency not in seen:
                seen.add(dependency)
                stack.append(dependency)
    return False


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("BacklogTargetTrackingPolicy", "SummarizerScalableTarget"),
        ("WakeFromZeroStepPolicy", "SummarizerScalableTarget"),
        ("SummarizerScalableTarget", "SummarizerEndpoint"),
        ("SummarizerEndpoint", "SummarizerEndpointConfig"),
        ("SummarizerEndpointConfig", "SummarizerModel"),
        ("SummarizerEndpointConfig", "SuccessTopic"),
        ("SummarizerEndpointConfig", "ErrorTopic"),
    ],
)
def test_cloudformation_deletes_the_scaling_before_the_endpoint_before_its_config(depends_on, first, then):
    assert _deleted_before(depends_on, first, then)
