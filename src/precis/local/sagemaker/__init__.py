"""A local SageMaker asynchronous endpoint: the real InvokeEndpointAsync API over the scaling model.

Run it with `python -m precis.local.sagemaker`; embed it with `LocalEndpoint`.
"""

from precis.inference_script import InferenceScript, InferenceScriptError
from precis.local.sagemaker.delivery import AsyncRequest, AsyncResults, RequestResult
from precis.local.sagemaker.endpoint import LocalEndpoint
from precis.local.sagemaker.endpoint_settings import EndpointSettings
from precis.local.sagemaker.faults import Faults
from precis.local.sagemaker.journal import RequestJournal, RequestState
from precis.local.sagemaker.runtime import EndpointRuntime

__all__ = [
    "AsyncRequest",
    "AsyncResults",
    "EndpointRuntime",
    "EndpointSettings",
    "Faults",
    "InferenceScript",
    "InferenceScriptError",
    "LocalEndpoint",
    "RequestJournal",
    "RequestResult",
    "RequestState",
]
