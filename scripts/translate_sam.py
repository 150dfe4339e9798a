"""Translate a SAM template into the CloudFormation template AWS would deploy.

cfn-lint validates SAM resources in place and cannot see the resources the transform generates
(permissions, subscriptions, roles), so `make validate` lints this translation too.
Runs with .venv-sam's interpreter, where aws-sam-translator is installed with the SAM CLI (or .venv's,
which has the same version for tests/template). `--parameter Key=Value` gives a deploy-time value: the
transform resolves some properties from parameters (Tracing decides the X-Ray policy).
"""

import argparse
import json
import sys
from pathlib import Path

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


def as_packaged(sam_template: dict) -> dict:
    """Point local code paths at S3, as `sam package` does before CloudFormation sees the template."""
    for resource in sam_template.get("Resources", {}).values():
        code_property = CODE_PROPERTIES.get(resource.get("Type"))
        properties = resource.get("Properties", {})
        if code_property and isinstance(properties.get(code_property), str):
            local_path = properties[code_property].strip("/")
            properties[code_property] = f"s3://packaged-artifacts/{local_path}.zip"
    return sam_template


def translate(template_path: Path, region: str, parameters: dict[str, str] | None = None) -> dict:
    sam_template = as_packaged(yaml_parse(template_path.read_text(encoding="utf-8")))
    # The session only names the region for the transform's pseudo parameters; nothing calls AWS.
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    # The template attaches no managed policy by name, so no IAM lookup (and no account) is needed.
    return translator.translate(
        sam_template,
        parameter_values=dict(parameters or {}),
        passthrough_metadata=True,
        get_managed_policy_map=dict,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    parameters = dict(item.split("=", 1) for item in args.parameter)
    translated = translate(args.template, args.region, parameters)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(translated, indent=2) + "\n", encoding="utf-8")
    print(f"translated {args.template} -> {args.output} ({len(translated['Resources'])} resources)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
