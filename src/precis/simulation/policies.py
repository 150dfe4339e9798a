"""The policies `precis simulate` compares, what the template deploys, and what an instance costs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from precis_summarizer.engine import ModelSettingError, map_batch_size

from precis.scaling import EndpointCapacity, ScalingConfigError, ScalingPolicy, TargetTracking
from precis.template import TemplateError, load_stack
from precis.template.scaling import endpoint_capacity, scaling_policy

# SageMaker on-demand real-time/asynchronous inference, us-east-1, USD per instance-hour, from
# https://aws.amazon.com/sagemaker/pricing/ as listed in 2024; pass --price-per-hour for your region.
PRICE_SOURCE = "AWS SageMaker pricing page, us-east-1 on-demand inference, 2024"
PRICES_PER_HOUR = {
    "ml.c5.xlarge": 0.204,
    "ml.c5.2xlarge": 0.408,
    "ml.m5.xlarge": 0.23,
    "ml.m5.2xlarge": 0.461,
    "ml.g4dn.xlarge": 0.736,
    "ml.g4dn.2xlarge": 0.94,
    "ml.g5.xlarge": 1.408,
    "ml.g5.2xlarge": 1.515,
    "ml.p3.2xlarge": 3.825,
}


def target_tracking_policy(max_capacity: int = 5) -> ScalingPolicy:
    """The reference: target tracking alone, as AWS's original write-up of this design configured it.

    5 queued requests per instance, scale-in cooldown 600 s, scale-out 300 s, nothing to wake from zero.
    """
    return ScalingPolicy(
        min_capacity=0,
        max_capacity=max_capacity,
        target_tracking=TargetTracking(target_value=5.0, scale_in_cooldown=600.0, scale_out_cooldown=300.0),
        name="target-tracking",
    )


@dataclass(frozen=True)
class TemplateEndpoint:
    """What a deployment of the template runs: its scaling policy, endpoint capacity and map batch."""

    policy: ScalingPolicy
    capacity: EndpointCapacity
    map_batch: int


def template_endpoint(
    template: Path | None,
    *,
    instance_start_delay: float,
    parameter_overrides: dict[str, str] | None = None,
    document: dict | None = None,
) -> TemplateEndpoint:
    """Our policies, AsyncInferenceConfig and model settings, read from template.yaml as deployed."""
    try:
        stack = load_stack(template, parameter_overrides=parameter_overrides, document=document)
    except TemplateError as error:
        raise ScalingConfigError(str(error)) from None
    environment = stack.resources["SummarizerModel"].properties["PrimaryContainer"].get("Environment", {})
    try:
        map_batch = map_batch_size(environment)
    except ModelSettingError as error:
        raise ScalingConfigError(str(error)) from None
    return TemplateEndpoint(
        scaling_policy(stack, name="template"),
        endpoint_capacity(stack, instance_start_delay=instance_start_delay),
        map_batch,
    )


def price_for(instance_type: str) -> float | None:
    return PRICES_PER_HOUR.get(instance_type)
