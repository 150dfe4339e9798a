"""A local SageMaker asynchronous endpoint: the real InvokeEndpointAsync API over the scaling model.

Run it with `python -m precis.local.endpoint`; embed it with `LocalEndpoint`.
"""

from precis.local.endpoint.results import AsyncRequest, AsyncResults
from precis.local.endpoint.runtime import EndpointRuntime, ScaledClock
from precis.local.endpoint.script import InferenceScript, InferenceScriptError
from precis.local.endpoint.service import LocalEndpoint
from precis.local.endpoint.settings import EndpointSettings

__all__ = [
    "AsyncRequest",
    "AsyncResults",
    "EndpointRuntime",
    "EndpointSettings",
    "InferenceScript",
    "InferenceScriptError",
    "LocalEndpoint",
    "ScaledClock",
]
