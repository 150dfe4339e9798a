"""`precis check-quota`: may the account run the endpoint's instances (run by `make deploy`)?

SageMaker counts endpoint instances per type against the Service Quotas quota "<type> for endpoint
usage" (service code `sagemaker`), 0 on many accounts for GPU types. CreateEndpoint then fails after
minutes and rolls the first deploy back; a scale-out past the quota fails and the backlog only grows.
An update of the endpoint (a new model archive, a new config) is a blue/green deployment: SageMaker
brings up a second fleet as large as the first before it stops the old one, so at MaxInstanceCount an
update needs twice that many. Instances of the type that the account's other endpoints run count against
the same quota, so they are taken off it (the stack's own endpoint, from its EndpointName output, is
not: its fleet is the one the need already counts). The check stops with the number to request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from precis import paths
from precis.cli.console import console, explained_errors, fail
from precis.cli.resources import StackTarget
from precis.template import load_template

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_service_quotas import ServiceQuotasClient

SERVICE_CODE = "sagemaker"


def quota_name(instance_type: str) -> str:
    """The Service Quotas name of an instance type's endpoint quota (`ml.g4dn.xlarge for endpoint usage`)."""
    return f"{instance_type} for endpoint usage"


@dataclass(frozen=True)
class QuotaCheck:
    """One instance type's endpoint quota against the instances a deploy may run."""

    instance_type: str
    max_instances: int
    quota: int | None
    """The applied value (the AWS default when the account has none of its own); None: no such quota."""
    quota_code: str | None = None
    elsewhere: dict[str, int] = field(default_factory=dict)
    """Instances of the type each other endpoint of the account runs (or is scaling to), by name."""

    @property
    def needed(self) -> int:
        """MaxInstanceCount in service, and as many again for the green fleet of an update."""
        return 2 * self.max_instances

    @property
    def used_elsewhere(self) -> int:
        return sum(self.elsewhere.values())

    @property
    def fits(self) -> bool:
        return self.quota is not None and self.quota - self.used_elsewhere >= self.needed

    def explain(self) -> str:
        name = quota_name(self.instance_type)
        if self.quota is None:
            return (
                f"Service Quotas has no quota {name!r} here: SageMaker may not host {self.instance_type} "
                "in this region"
            )
        others = ""
        if self.elsewhere:
            names = ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(self.elsewhere.items()))
            others = f", of which other endpoints use {self.used_elsewhere} ({names})"
        return (
            f"{name!r} is {self.quota}{others}; MaxInstanceCount={self.max_instances} needs {self.needed} "
            f"({self.max_instances} in service and {self.max_instances} more while an update brings up "
            "its new fleet)"
        )

    def advice(self) -> str:
        if self.quota is None:
            return "Choose another InstanceType or region."
        wanted = self.needed + self.used_elsewhere
        request = (
            f"Request {wanted}: aws service-quotas request-service-quota-increase --service-code "
            f"{SERVICE_CODE} --quota-code {self.quota_code} --desired-value {wanted}"
        )
        fitting = max(0, self.quota - self.used_elsewhere) // 2
        if fitting:
            return f"{request}; or deploy with MaxInstanceCount={fitting}."
        return f"{request}."


def _find(pages: Any, name: str) -> dict | None:
    for page in pages:
        for quota in page.get("Quotas", []):
            if quota.get("QuotaName") == name:
                return quota
    return None


def instances_elsewhere(
    sagemaker: SageMakerClient, instance_type: str, own_endpoint: str | None = None
) -> dict[str, int]:
    """Instances of `instance_type` each endpoint but `own_endpoint` runs or is scaling to (the larger of
    its variants' current and desired counts), by endpoint name; an endpoint deleted or failed holds none."""
    found: dict[str, int] = {}
    for page in sagemaker.get_paginator("list_endpoints").paginate():
        for summary in page["Endpoints"]:
            name = summary["EndpointName"]
            if name == own_endpoint or summary["EndpointStatus"] in ("Deleting", "Failed", "OutOfService"):
                continue
            endpoint = sagemaker.describe_endpoint(EndpointName=name)
            config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
            types = {v["VariantName"]: v.get("InstanceType") for v in config["ProductionVariants"]}
            count = sum(
                max(variant.get("CurrentInstanceCount", 0), variant.get("DesiredInstanceCount", 0))
                for variant in endpoint.get("ProductionVariants", [])
                if types.get(variant["VariantName"]) == instance_type
            )
            if count:
                found[name] = count
    return found


def check_quota(
    service_quotas: ServiceQuotasClient,
    instance_type: str,
    max_instances: int,
    elsewhere: dict[str, int] | None = None,
) -> QuotaCheck:
    """The account's applied quota for the type (ListServiceQuotas), else AWS's default for it
    (ListAWSDefaultServiceQuotas: an account that never had it changed may have no applied value);
    `elsewhere`: the instances of the type other endpoints hold (`instances_elsewhere`)."""
    name = quota_name(instance_type)
    quota = _find(
        service_quotas.get_paginator("list_service_quotas").paginate(ServiceCode=SERVICE_CODE), name
    )
    if quota is None:
        defaults = service_quotas.get_paginator("list_aws_default_service_quotas")
        quota = _find(defaults.paginate(ServiceCode=SERVICE_CODE), name)
    if quota is None:
        return QuotaCheck(instance_type, max_instances, None)
    return QuotaCheck(instance_type, max_instances, int(quota["Value"]), quota["QuotaCode"], elsewhere or {})


def own_endpoint(cloudformation: CloudFormationClient, stack_name: str) -> str | None:
    """The stack's endpoint (its EndpointName output), or None before its first deploy."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in stacks[0].get("Outputs", [])} if stacks else {}
    return outputs.get("EndpointName")


def _default(parameter: str) -> str:
    return str(load_template(paths.template_path())["Parameters"][parameter]["Default"])


def check_quota_command(
    instance_type: Annotated[
        str | None, typer.Option("--instance-type", help="InstanceType (default: the template's).")
    ] = None,
    max_instances: Annotated[
        int | None, typer.Option("--max-instances", min=1, help="MaxInstanceCount (default: the template's).")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", envvar="AWS_REGION", help="AWS region.")] = None,
    stack: Annotated[
        str | None, typer.Option("--stack", help="The stack being deployed (its endpoint is not 'other').")
    ] = None,
) -> None:
    """Check the endpoint instance quota for InstanceType against MaxInstanceCount and what the account's
    other endpoints already run (run by `make deploy`)."""
    instance_type = instance_type or _default("InstanceType")
    max_instances = max_instances or int(_default("MaxInstanceCount"))
    target = StackTarget(stack_name=stack or "", region=region)
    session = target.session()
    with explained_errors():
        own = own_endpoint(target.client("cloudformation", session), stack) if stack else None
        elsewhere = instances_elsewhere(target.client("sagemaker", session), instance_type, own)
        check = check_quota(target.client("service-quotas", session), instance_type, max_instances, elsewhere)
    if not check.fits:
        raise fail(f"{check.explain()}. {check.advice()}")
    console.print(f"endpoint instance quota fits: {check.explain()}", highlight=False)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.command("check-quota")(check_quota_command)
