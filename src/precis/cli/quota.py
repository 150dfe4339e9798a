"""`precis check-quota`: may the account run the endpoint's instances (run by `make deploy`)?

SageMaker counts endpoint instances per type against the Service Quotas quota "<type> for endpoint
usage" (service code `sagemaker`), 0 on many accounts for GPU types. CreateEndpoint then fails after
minutes and rolls the first deploy back; a scale-out past the quota fails and the backlog only grows.
An update of the endpoint (a new model archive, a new config) is a blue/green deployment: SageMaker
brings up a second fleet as large as the first before it stops the old one, so at MaxInstanceCount an
update needs twice that many. The check asks for both and stops with the number to request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from precis import paths
from precis.cli.console import console, explained_errors, fail
from precis.cli.resources import StackTarget
from precis.template import load_template

if TYPE_CHECKING:  # boto3's stubs are a dev dependency
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

    @property
    def needed(self) -> int:
        """MaxInstanceCount in service, and as many again for the green fleet of an update."""
        return 2 * self.max_instances

    @property
    def fits(self) -> bool:
        return self.quota is not None and self.quota >= self.needed

    def explain(self) -> str:
        name = quota_name(self.instance_type)
        if self.quota is None:
            return (
                f"Service Quotas has no quota {name!r} here: SageMaker may not host {self.instance_type} "
                "in this region"
            )
        return (
            f"{name!r} is {self.quota}; MaxInstanceCount={self.max_instances} needs {self.needed} "
            f"({self.max_instances} in service and {self.max_instances} more while an update brings up "
            "its new fleet)"
        )

    def advice(self) -> str:
        if self.quota is None:
            return "Choose another InstanceType or region."
        request = (
            f"Request {self.needed}: aws service-quotas request-service-quota-increase --service-code "
            f"{SERVICE_CODE} --quota-code {self.quota_code} --desired-value {self.needed}"
        )
        fitting = self.quota // 2
        if fitting:
            return f"{request}; or deploy with MaxInstanceCount={fitting}."
        return f"{request}."


def _find(pages: Any, name: str) -> dict | None:
    for page in pages:
        for quota in page.get("Quotas", []):
            if quota.get("QuotaName") == name:
                return quota
    return None


def check_quota(service_quotas: ServiceQuotasClient, instance_type: str, max_instances: int) -> QuotaCheck:
    """The account's applied quota for the type (ListServiceQuotas), else AWS's default for it
    (ListAWSDefaultServiceQuotas: an account that never had it changed may have no applied value)."""
    name = quota_name(instance_type)
    quota = _find(
        service_quotas.get_paginator("list_service_quotas").paginate(ServiceCode=SERVICE_CODE), name
    )
    if quota is None:
        defaults = service_quotas.get_paginator("list_aws_default_service_quotas")
        quota = _find(defaults.paginate(ServiceCode=SERVICE_CODE), name)
    if quota is None:
        return QuotaCheck(instance_type, max_instances, None)
    return QuotaCheck(instance_type, max_instances, int(quota["Value"]), quota["QuotaCode"])


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
) -> None:
    """Check the endpoint instance quota for InstanceType against MaxInstanceCount (run by `make deploy`)."""
    instance_type = instance_type or _default("InstanceType")
    max_instances = max_instances or int(_default("MaxInstanceCount"))
    target = StackTarget(stack_name="", region=region)
    with explained_errors():
        check = check_quota(target.client("service-quotas", target.session()), instance_type, max_instances)
    if not check.fits:
        raise fail(f"{check.explain()}. {check.advice()}")
    console.print(f"endpoint instance quota fits: {check.explain()}", highlight=False)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the app."""
    app.command("check-quota")(check_quota_command)
