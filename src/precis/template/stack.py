"""A resolved stack: its parameters, resources with their properties, outputs and physical names."""

from __future__ import annotations

from dataclasses import dataclass, field

from precis.template.attributes import get_att_value, ref_value
from precis.template.document import TemplateError
from precis.template.names import partition_of


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
        return ref_value(self, logical_id, self._type(logical_id))

    def get_att(self, logical_id: str, attribute: str) -> str:
        return get_att_value(self, logical_id, self._type(logical_id), attribute)

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
