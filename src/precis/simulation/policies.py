"""The policies `precis simulate` compares, and what an instance costs."""

from __future__ import annotations

from pathlib import Path

from precis.scaling import EndpointCapacity, ScalingPolicy, TargetTracking
from precis.template import load_stack

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


def template_policy_and_capacity(
    template: Path | None, *, instance_start_delay: float
) -> tuple[ScalingPolicy, EndpointCapacity]:
    """Our policies and AsyncInferenceConfig, read from template.yaml through the template resolver."""
    stack = load_stack(template)
    return (
        ScalingPolicy.from_stack(stack, name="template"),
        EndpointCapacity.from_stack(stack, instance_start_delay=instance_start_delay),
    )


def price_for(instance_type: str) -> float | None:
    return PRICES_PER_HOUR.get(instance_type)
