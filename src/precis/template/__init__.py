"""template.yaml read the way CloudFormation would deploy it, for a stack that lives on 127.0.0.1.

- `document`: the YAML with CloudFormation's short tags, SAM Globals merged into each resource.
- `names`: the physical names CloudFormation gives resources (explicit or generated).
- `stack`: `Stack`, the resolved resources, outputs and names, and what `Ref` and `Fn::GetAtt` return
  for each resource type; `resolver`: `load_stack`, which builds it (parameters, conditions, intrinsics).

Readers of a resolved stack, imported by their own paths (this package does not load them):
- `functions`: every `AWS::Serverless::Function`, typed (the one reader of a function's properties).
- `scaling`: the endpoint's scaling policy and capacity as `precis.scaling` models them.
"""

from precis.template.document import TemplateError, load_template, merge_globals
from precis.template.names import generated_name, partition_of
from precis.template.resolver import LOCAL_PARAMETER_VALUES, NO_VALUE, cfn_string, load_stack, local_outputs
from precis.template.stack import Resource, Stack

__all__ = [
    "LOCAL_PARAMETER_VALUES",
    "NO_VALUE",
    "Resource",
    "Stack",
    "TemplateError",
    "cfn_string",
    "generated_name",
    "load_stack",
    "load_template",
    "local_outputs",
    "merge_globals",
    "partition_of",
]
