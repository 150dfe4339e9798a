"""SageMaker asynchronous inference with Application Auto Scaling, as a model driven by any clock.

The simulator drives it with a virtual clock, the local endpoint with real time times a scale factor:
one implementation of the queue, the CloudWatch alarms and the scaling policies for both.
"""

from precis.scaling.alarm import AlarmSpec
from precis.scaling.autoscaler import Autoscaler, ScalingActivity
from precis.scaling.errors import ScalingConfigError
from precis.scaling.fleet import AsyncEndpoint, Instance, InstanceState, Outcome, Progress, QueuedRequest
from precis.scaling.metrics import MinuteMetrics
from precis.scaling.policy import (
    EndpointCapacity,
    ScalingPolicy,
    StepAdjustment,
    StepScaling,
    TargetTracking,
)

__all__ = [
    "AlarmSpec",
    "AsyncEndpoint",
    "Autoscaler",
    "EndpointCapacity",
    "Instance",
    "InstanceState",
    "QueuedRequest",
    "MinuteMetrics",
    "Outcome",
    "Progress",
    "ScalingActivity",
    "ScalingConfigError",
    "ScalingPolicy",
    "StepAdjustment",
    "StepScaling",
    "TargetTracking",
]
