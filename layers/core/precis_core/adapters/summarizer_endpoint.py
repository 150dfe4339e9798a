"""The SageMaker asynchronous endpoint: one InvokeEndpointAsync per article, errors classified.

Throttling and 5xx are retried by botocore (standard mode) inside the call; what still fails is
`EndpointUnavailable` (raise, so Lambda retries). A validation error cannot succeed on retry and
becomes `EndpointRejected`, which the submit service records as FAILED.

Each call names its output object itself (`Filename`, a random name): SageMaker would otherwise name
it after the InferenceId, which anyone allowed to call InvokeEndpointAsync can repeat (SageMaker does
not refuse a repeated id) to write that object. The record function trusts only the location this call
was given, so only this request's output can complete the record (docs/ARCHITECTURE.md, trust boundary).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from precis_core.domain.models import AcceptedInference, EndpointRejected, EndpointUnavailable

if TYPE_CHECKING:  # the stubs are a dev dependency: the layer needs none of them at run time
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

# Errors that say the request itself is wrong (or names something that does not exist).
NON_RETRYABLE = frozenset({"ValidationError", "ValidationException"})


def output_filename() -> str:
    """A name no other request can know: 96 random bits, within Filename's pattern and 32 characters."""
    return f"{secrets.token_hex(12)}.out"


class SummarizerEndpoint:
    """Sends articles to the async endpoint through an injected `boto3.client("sagemaker-runtime")`."""

    def __init__(
        self,
        client: SageMakerRuntimeClient,
        endpoint_name: str,
        request_ttl_seconds: int,
        invocation_timeout_seconds: int,
    ) -> None:
        self._client = client
        self.endpoint_name = endpoint_name
        self.request_ttl_seconds = request_ttl_seconds
        self.invocation_timeout_seconds = invocation_timeout_seconds

    def invoke(
        self, input_location: str, content_type: str, inference_id: str, custom_attributes: str | None = None
    ) -> AcceptedInference:
        """Queue one inference on the object itself (no copy); the summary arrives later via SNS.
        `custom_attributes` (the upload's summary settings) reach the container verbatim."""
        extra = {"CustomAttributes": custom_attributes} if custom_attributes else {}
        try:
            response = self._client.invoke_endpoint_async(
                EndpointName=self.endpoint_name,
                InputLocation=input_location,
                ContentType=content_type,
                Accept="application/json",
                InferenceId=inference_id,
                RequestTTLSeconds=self.request_ttl_seconds,
                InvocationTimeoutSeconds=self.invocation_timeout_seconds,
                Filename=output_filename(),
                **extra,
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "")
            message = f"{code}: {details.get('Message', '')}".strip(": ")
            if code in NON_RETRYABLE:
                raise EndpointRejected(f"the endpoint rejected the request ({message})") from error
            raise EndpointUnavailable(f"the endpoint did not take the request ({message})") from error
        except ParamValidationError as error:  # refused before sending: the same request always will be
            raise EndpointRejected(f"the request is not valid for InvokeEndpointAsync ({error})") from error
        except BotoCoreError as error:
            raise EndpointUnavailable(f"the endpoint could not be reached ({error})") from error
        return AcceptedInference(
            inference_id=response.get("InferenceId") or inference_id,
            output_location=response["OutputLocation"],
            failure_location=response.get("FailureLocation"),
        )
